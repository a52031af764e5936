/**
 * Consent: what each member allowed, and how that changed. The sign-up form asks for profiling and for marketing on
 * each channel (one `member.consent` event per box); members who joined before the window are migrated on its first
 * day from the old membership system; afterwards people unsubscribe (a link in an SMS or e-mail), opt in to another
 * channel, withdraw profiling in the preference centre or through an agent, and sometimes grant it again.
 *
 * Every draw comes from its own streams ('consent', 'consent-event-ids') and the events go to their own files
 * (events/consent-YYYY-MM.jsonl, the consent platform's feed), so adding consent changed no byte of the other
 * event files or of the ground truth the pipeline is measured against. It runs after the simulation, reading only
 * what the simulation fixed (who is a member, when they signed up, when they left).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MARKETING_CHANNELS, type CONSENT_CAPTURES } from '../contract/index.ts';
import { isoUtc, localDate, MS, type Day } from './calendar.ts';
import { EventFactory } from './events.ts';
import type { Person } from './people.ts';
import { Rng } from './rng.ts';

export type MarketingChannel = (typeof MARKETING_CHANNELS)[number];
type Capture = (typeof CONSENT_CAPTURES)[number];

/** One consent change, as ground truth: the person, when, what, and the value it took. */
export interface ConsentChange {
  readonly person: Person;
  readonly atMs: number;
  readonly purpose: 'marketing' | 'profiling';
  readonly channel?: MarketingChannel;
  readonly granted: boolean;
  readonly capturedVia: Capture;
}

/** Daily probabilities of a change (per member, per channel for marketing). */
const RATES = {
  /** Refuse profiling on the sign-up form. */
  refuseProfilingAtSignup: 0.08,
  /** Withdraw profiling later: about 7% of members a year. */
  withdrawProfiling: 0.0002,
  /** Grant it again after a refusal: about a third within a year. */
  regrantProfiling: 0.001,
  /** Unsubscribe from a channel they had allowed. */
  unsubscribe: 0.0006,
  /** Opt in to a further channel (only people open to marketing at all). */
  optIn: 0.0003,
} as const;
const SIGNUP_GRANT: Readonly<Record<MarketingChannel, number>> = { sms: 0.55, email: 0.7, app_push: 0.6, wechat: 0.65 };
export const POLICY_VERSION = 'PN-2024-03';

/** Channels a person can be reached on: app push needs the app, WeChat an openid. */
function reachable(p: Person, c: MarketingChannel): boolean {
  if (c === 'app_push') return p.devices.length > 0;
  if (c === 'wechat') return p.openid !== undefined;
  return true;
}

/** The consent changes of every member over the window, in time order. */
export function simulateConsent(seed: number, people: readonly Person[], days: readonly Day[], signupMs: ReadonlyMap<number, number>): ConsentChange[] {
  const rng = new Rng(seed, 'consent');
  const windowEnd = days[days.length - 1]!.startMs + MS.day;
  const out: ConsentChange[] = [];
  const state = new Map<number, { profiling: boolean; marketing: Record<MarketingChannel, boolean> }>();

  const form = (p: Person, atMs: number, via: Capture) => {
    const profiling = !rng.chance(RATES.refuseProfilingAtSignup);
    const marketing = { sms: false, email: false, app_push: false, wechat: false };
    if (p.marketingOptIn) {
      for (const c of MARKETING_CHANNELS) marketing[c] = reachable(p, c) && rng.chance(SIGNUP_GRANT[c]);
      if (!MARKETING_CHANNELS.some((c) => marketing[c])) marketing.email = true; // ticked "yes to marketing": at least one box
    }
    state.set(p.index, { profiling, marketing });
    out.push({ person: p, atMs, purpose: 'profiling', granted: profiling, capturedVia: via });
    for (const c of MARKETING_CHANNELS) out.push({ person: p, atMs, purpose: 'marketing', channel: c, granted: marketing[c], capturedVia: via });
  };

  const members = people.filter((p) => p.isMember && p.memberId !== undefined);
  for (const p of members) {
    if (p.signupDay < 0) form(p, days[0]!.startMs + rng.int(2 * 3600, 6 * 3600) * 1000, 'migration');
  }
  for (const day of days) {
    for (const p of members) {
      if (p.signupDay > day.index) continue;
      if (p.signupDay === day.index) {
        const at = signupMs.get(p.index);
        if (at !== undefined) form(p, at + rng.int(5, 90) * 1000, 'signup_form');
        continue;
      }
      const s = state.get(p.index);
      if (!s || day.index >= p.state.churnDay + 60) continue;
      const at = () => day.startMs + rng.int(8 * 3600, 23 * 3600) * 1000;
      if (rng.chance(s.profiling ? RATES.withdrawProfiling : RATES.regrantProfiling)) {
        s.profiling = !s.profiling;
        out.push({ person: p, atMs: at(), purpose: 'profiling', granted: s.profiling, capturedVia: rng.chance(0.7) ? 'preference_centre' : 'service_agent' });
      }
      for (const c of MARKETING_CHANNELS) {
        if (s.marketing[c]) {
          if (rng.chance(RATES.unsubscribe)) {
            s.marketing[c] = false;
            out.push({ person: p, atMs: at(), purpose: 'marketing', channel: c, granted: false, capturedVia: c === 'sms' || c === 'email' ? 'unsubscribe_link' : 'preference_centre' });
          }
        } else if (p.marketingOptIn && reachable(p, c) && rng.chance(RATES.optIn)) {
          s.marketing[c] = true;
          out.push({ person: p, atMs: at(), purpose: 'marketing', channel: c, granted: true, capturedVia: rng.chance(0.6) ? 'preference_centre' : 'store_till' });
        }
      }
    }
  }
  return out.filter((c) => c.atMs < windowEnd).sort((a, b) => a.atMs - b.atMs);
}

/**
 * Writes the consent events to events/consent-YYYY-MM.jsonl (by local month, in time order) and the changes to
 * ground_truth/consent.jsonl; returns the files written, relative to outDir, and the count per file.
 */
export async function writeConsent(outDir: string, seed: number, changes: readonly ConsentChange[]): Promise<{ files: string[]; events: number }> {
  const factory = new EventFactory(new Rng(seed, 'consent-event-ids'));
  const byMonth = new Map<string, string[]>();
  const truth: string[] = [];
  for (const c of changes) {
    const occurred = isoUtc(c.atMs);
    const payload = { purpose: c.purpose, channel: c.channel, granted: c.granted, captured_via: c.capturedVia, policy_version: POLICY_VERSION };
    const e = factory.make('member.consent', occurred, { member_id: c.person.memberId }, payload);
    const month = localDate(c.atMs).slice(0, 7);
    if (!byMonth.has(month)) byMonth.set(month, []);
    byMonth.get(month)!.push(JSON.stringify(e));
    truth.push(
      JSON.stringify({
        person_id: c.person.personId,
        member_id: c.person.memberId,
        event_id: e.event_id,
        occurred_at: occurred,
        purpose: c.purpose,
        channel: c.channel ?? null,
        granted: c.granted,
        captured_via: c.capturedVia,
      }),
    );
  }
  await mkdir(join(outDir, 'events'), { recursive: true });
  await mkdir(join(outDir, 'ground_truth'), { recursive: true });
  const files: string[] = [];
  for (const [month, lines] of [...byMonth].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const file = `events/consent-${month}.jsonl`;
    await writeFile(join(outDir, file), `${lines.join('\n')}\n`);
    files.push(file);
  }
  await writeFile(join(outDir, 'ground_truth', 'consent.jsonl'), truth.length ? `${truth.join('\n')}\n` : '');
  return { files, events: changes.length };
}
