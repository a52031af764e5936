/**
 * Identities as of a past day: the one definition behind the local `retail-lake tags --as-of` (src/tags/refresh.ts),
 * the tag refresh's backfill in AWS (`{"as_of"}`, lambdas/tag-refresh/run.ts) and the identity refresh's `{"as_of"}`
 * (lambdas/identity-refresh/run.ts). They differ only in the engine that runs the resolution (DuckDB and union-find
 * locally, the SQL steps on Athena in AWS) and in where the tables go.
 *
 * A resolution as of day D uses the data up to the end of D and sets aside, as shared, every identifier in the lake's
 * `identity_hubs`: the over-merge report of the lake's identity resolution over all of its data, as last stored (by
 * the nightly identity refresh in AWS, by `retail-lake tags` locally). An identifier all the data shows to be shared
 * (a till's default phone) may have met few enough people by D to pass the guard, and would glue them into one
 * customer. Only a lake with no stored report yet (no resolution of all its data has run) resolves all of it first.
 *
 * Why the stored report, and not all the data resolved again now: after an erasure they differ, and the stored one is
 * right. An erasure removes the person's rows but not identity_hubs (a shared identifier is no one person's own). On
 * the emulated day (test/cloud/day.test.ts) a till's default phone had been typed for four members, one of whom was
 * then erased; resolved again, the phone had met three, within the member limit, so it was no hub any more, and the
 * snapshot as of a week earlier glued two of the others (different people in the generator's ground truth) into one
 * customer, mixing their consent, tags and scores, while the current identity_map kept them apart. Erasing one person
 * must not merge two others; the phone is no less a till's default because one of the people it was typed for left.
 * The stored report also gives a back-dated snapshot the customers of the identity_map every other reader uses, and
 * a backfill of many days reads one small table instead of resolving all the data once a day.
 *
 * (This module loads nothing that needs DuckDB, so the Athena-backed Lambdas can bundle it.)
 */
import type { IdentityType } from '../contract/index.ts';
import type { IdentityOptions } from './options.ts';

/** The lake table whose identifiers a resolution as of a past day sets aside (the stored resolution's hubs). */
export const STORED_HUBS_TABLE = 'identity_hubs';

/** What a resolution as of a day needs from its engine (the local session or Athena). */
export interface AsOfIdentityEngine<R> {
  /** Whether the lake holds STORED_HUBS_TABLE (a resolution over all of its data was stored). */
  hasStoredHubs(): Promise<boolean>;
  /**
   * For a lake with none stored: resolves all of its data now, and returns a relation of its hubs
   * (identity_type, identity_value, over_limit).
   */
  resolveAllData(o: IdentityOptions): Promise<string>;
  /** Resolves with these options (asOf, maxLinks, knownHubs). */
  resolve(o: IdentityOptions): Promise<R>;
}

export interface AsOfIdentityRequest {
  /** The day (YYYY-MM-DD). */
  readonly asOf: string;
  /** The newest data's day; a day on or after it is not back-dated. @default unknown: the day is taken as past */
  readonly latestDataDate?: string;
  readonly maxLinks?: Partial<Record<IdentityType, number>>;
}

/** Resolves identities as of `asOf` with `engine`, setting aside the stored hubs when the day is a past one. */
export async function resolveIdentitiesAsOf<R>(engine: AsOfIdentityEngine<R>, o: AsOfIdentityRequest): Promise<R> {
  const base: IdentityOptions = o.maxLinks ? { maxLinks: o.maxLinks } : {};
  if (o.latestDataDate !== undefined && o.asOf >= o.latestDataDate) return engine.resolve({ ...base, asOf: o.asOf });
  const knownHubs = (await engine.hasStoredHubs()) ? STORED_HUBS_TABLE : await engine.resolveAllData(base);
  return engine.resolve({ ...base, asOf: o.asOf, knownHubs });
}
