/** The tag refresh handler's body, with its adapters passed in. */
import { snapshotTags, type TagSnapshotRunner } from '../../src/adapters/aws/tag-snapshot.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';
import { inputsChanged, lookbackStart, planRestate, tagInputsRecord, type TagInputsRecord, type TagRestateSource } from '../../src/tags/restate.ts';
import { snapshotTagsAsOf, type ManifestView } from '../../src/adapters/aws/tag-snapshot-as-of.ts';
import { resolveIdentitiesSql } from '../../src/identity/resolve-sql.ts';
import { resolveIdentitiesAsOf, STORED_HUBS_TABLE } from '../../src/identity/as-of.ts';
import type { IdentityOptions } from '../../src/identity/options.ts';
import type { SqlEngine } from '../../src/ports/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { tagRefreshRequest, type TagRefreshEnv } from './config.ts';

export interface TagRefreshDeps {
  readonly env: TagRefreshEnv;
  readonly runner: TagSnapshotRunner;
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
  /** The views manifest (read only for a back-dated snapshot). */
  readonly views: () => Promise<readonly ManifestView[]>;
  /** The engine a back-dated snapshot resolves its identities with (its work and result tables under AS_OF_WORK_LOCATION). */
  readonly identityEngine: () => SqlEngine;
  /** Folder of the identity step SQL (the bundle's copy in Lambda). */
  readonly identitySqlDir?: string;
  /** The dated inputs, snapshots and their inputs records (src/adapters/aws/s3-tag-inputs.ts). */
  readonly tagInputs: TagRestateSource & { putRecord(record: TagInputsRecord): Promise<void> };
  readonly now?: () => Date;
}

/** Work tables and the resolved map of a back-dated snapshot: names of their own, never the nightly refresh's. */
export const AS_OF_IDENTITY = {
  workTablePrefix: 'tags_as_of_work',
  map: 'tags_as_of_identity_map',
  hubs: 'tags_as_of_identity_hubs',
  /** All the data resolved, on a lake whose identity refresh has not stored identity_hubs yet. */
  allDataMap: 'tags_as_of_all_data_identity_map',
  allDataHubs: 'tags_as_of_all_data_identity_hubs',
} as const;

export async function runTagRefresh(event: unknown, deps: TagRefreshDeps) {
  const r = tagRefreshRequest.safeParse(event ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`tag refresh request ${i.path.join('.') || '(root)'}: ${i.message}; expected {} or {"as_of": "YYYY-MM-DD"}, received ${JSON.stringify(event)}`);
  }
  const inputs = deps.tagInputs;
  const now = deps.now ?? (() => new Date());
  if (!r.data.as_of) {
    // What the day's snapshot reads, listed before it runs (data landing meanwhile makes the record older, not newer).
    const read = await inputs.inputs();
    const existing = await inputs.snapshots();
    const day = await snapshotTags(deps.runner, { location: deps.env.SNAPSHOT_LOCATION, clearPrefix: deps.clearPrefix });
    if (isNothingToDo(day)) return day;
    // The day's snapshot written again over one that read other inputs (late data of that day) is a restatement too,
    // listed as `tags --restate` lists it locally.
    const fresh = tagInputsRecord(read, day.asOf, now());
    const old = existing.includes(day.asOf) ? await inputs.record(day.asOf) : undefined;
    const dayRestated = existing.includes(day.asOf) && (!old || inputsChanged(old, fresh));
    await inputs.putRecord(fresh);
    // Late data: the snapshots of the look-back whose inputs changed since they were written, restated oldest first.
    const plan = await planRestate(inputs, { since: lookbackStart(day.asOf, deps.env.RESTATE_LOOKBACK_DAYS), now: now() });
    for (const asOf of plan.restate) {
      await snapshotAsOf(deps, asOf);
      await inputs.putRecord(plan.records.get(asOf)!);
    }
    const restated = [...new Set([...plan.restate, ...(dayRestated ? [day.asOf] : [])])].sort();
    return { ...day, restated, restateChecked: plan.checked.length, restateUnrecorded: plan.unrecorded };
  }
  const read = await inputs.inputs();
  const past = await snapshotAsOf(deps, r.data.as_of);
  if (!isNothingToDo(past)) await inputs.putRecord(tagInputsRecord(read, r.data.as_of, now()));
  return past;
}

/** A snapshot as of a past day (backfill, restate): the same snapshot `retail-lake tags --as-of` writes locally. */
async function snapshotAsOf(deps: TagRefreshDeps, asOf: string) {
  return snapshotTagsAsOf(deps.runner, {
    asOf,
    location: deps.env.SNAPSHOT_LOCATION,
    clearPrefix: deps.clearPrefix,
    views: await deps.views(),
    resolveIdentities: async ({ asOf, latestDataDate }) => {
      const engine = deps.identityEngine();
      // Tables of this run, dropped after; never identity_map or identity_hubs, which the identity refresh owns.
      const created: string[] = [];
      const resolve = (o: IdentityOptions, targets: { map: string; hubs: string }) => {
        created.push(targets.map, targets.hubs);
        return resolveIdentitiesSql(engine, {
          ...o,
          ...(deps.env.PSEUDONYM_LINKS_TABLE ? { pseudonymLinks: deps.env.PSEUDONYM_LINKS_TABLE } : {}),
          targets,
          workTablePrefix: AS_OF_IDENTITY.workTablePrefix,
          ...(deps.identitySqlDir ? { sqlDir: deps.identitySqlDir } : {}),
        });
      };
      const drop = async () => {
        for (const t of created) await engine.dropTable(t);
      };
      // The same definition as the local back-dated refresh (src/identity/as-of.ts); only the engine differs.
      await resolveIdentitiesAsOf(
        {
          hasStoredHubs: async () => (await deps.runner.columns(STORED_HUBS_TABLE)) !== null,
          resolveAllData: async (o) => {
            await resolve(o, { map: AS_OF_IDENTITY.allDataMap, hubs: AS_OF_IDENTITY.allDataHubs });
            return AS_OF_IDENTITY.allDataHubs;
          },
          resolve: (o) => resolve(o, { map: AS_OF_IDENTITY.map, hubs: AS_OF_IDENTITY.hubs }),
        },
        { asOf, latestDataDate, maxLinks: deps.env.MAX_LINKS },
      ).catch(async (e: unknown) => {
        await drop().catch(() => undefined);
        throw e;
      });
      return { table: AS_OF_IDENTITY.map, drop };
    },
  });
}
