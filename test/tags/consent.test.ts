/**
 * The consent tag as of a date, against hand-worked consent histories (fixtures/consent/events.jsonl):
 *
 *   M-A  signs up 01-10 with profiling yes, sms yes, e-mail no; withdraws profiling 03-01 10:00 and opts in to e-mail
 *        03-01 10:05; grants profiling again 05-01.
 *   M-B  signs up 01-05 and never states anything: profiling allowed (until refused), no marketing (until opted in).
 *   M-C  opts in to sms and WeChat 01-15; a profile update 02-01 says marketing_opt_in false (withdraws every
 *        channel); opts in to app push 04-01; a profile saying true 04-02 grants nothing (it names no channel).
 *   M-D  grants and withdraws sms at the same instant (the withdrawal wins), opts in to e-mail; that event is
 *        delivered twice.
 *
 * Six hostile consent records (unknown purpose or channel, marketing without a channel, profiling with one, granted
 * "yes", granted missing) are quarantined with their reasons and change nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKETING_CHANNELS } from '../../src/contract/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import os from 'node:os';

const EVENTS = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'consent', 'events.jsonl');

type Consent = { profiling: boolean; marketing_sms: boolean; marketing_email: boolean; marketing_app_push: boolean; marketing_wechat: boolean };
const none: Consent = { profiling: true, marketing_sms: false, marketing_email: false, marketing_app_push: false, marketing_wechat: false };
const allow = (o: Partial<Consent>): Consent => ({ ...none, ...o });

/** Worked out by hand from the histories above, per as-of date and member. */
const EXPECTED: Record<string, Record<string, Consent>> = {
  '2024-01-31': {
    'M-A': allow({ marketing_sms: true }),
    'M-B': none,
    'M-C': allow({ marketing_sms: true, marketing_wechat: true }),
    'M-D': allow({ marketing_email: true }),
  },
  '2024-02-29': {
    'M-A': allow({ marketing_sms: true }),
    'M-B': none,
    'M-C': none,
    'M-D': allow({ marketing_email: true }),
  },
  '2024-03-01': {
    'M-A': allow({ profiling: false, marketing_sms: true, marketing_email: true }),
    'M-B': none,
    'M-C': none,
    'M-D': allow({ marketing_email: true }),
  },
  '2024-06-30': {
    'M-A': allow({ marketing_sms: true, marketing_email: true }),
    'M-B': none,
    'M-C': allow({ marketing_app_push: true }),
    'M-D': allow({ marketing_email: true }),
  },
};

describe('consent tag as of a date', () => {
  let lakeDir: string;
  let counts: Awaited<ReturnType<typeof ingestJsonl>>;
  beforeAll(async () => {
    lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-consent-'));
    counts = await ingestJsonl([EVENTS], { lakeDir });
  });
  afterAll(() => fs.rmSync(lakeDir, { recursive: true, force: true }));

  it('quarantines hostile consent records with their reasons and reconciles every line', async () => {
    expect(counts).toMatchObject({ received: 25, clean: 18, quarantined: 6, duplicates: 1 });
    const rows = await runQuery(lakeDir, 'select event_id, reason_code, field_path from quarantine_events order by event_id');
    expect(rows).toEqual([
      { event_id: 'x-channel', reason_code: 'value.not_allowed', field_path: 'payload.channel' },
      { event_id: 'x-granted', reason_code: 'schema.invalid_type', field_path: 'payload.granted' },
      { event_id: 'x-missing-granted', reason_code: 'schema.missing_field', field_path: 'payload.granted' },
      { event_id: 'x-nochannel', reason_code: 'schema.missing_field', field_path: 'payload.channel' },
      { event_id: 'x-profiling-channel', reason_code: 'value.invalid_format', field_path: 'payload.channel' },
      { event_id: 'x-purpose', reason_code: 'value.not_allowed', field_path: 'payload.purpose' },
    ]);
  });

  it.each(Object.keys(EXPECTED))('as of %s, each customer has the consent of their latest changes up to that day', async (asOf) => {
    const tags = await readTagSnapshot(lakeDir, asOf);
    const got = Object.fromEntries(tags.map((t) => [String(t.member_id), t.consent]));
    expect(got).toEqual(EXPECTED[asOf]);
  });

  it('names every marketing channel of the contract in the tag, and nothing else', async () => {
    const [tag] = await readTagSnapshot(lakeDir, '2024-06-30');
    expect(Object.keys(tag!.consent as object).sort()).toEqual(['profiling', ...MARKETING_CHANNELS.map((c) => `marketing_${c}`)].sort());
  });

  it('counts marketing channels and the latest change in tag_consent', async () => {
    const rows = await runQuery(
      lakeDir,
      `select c.member_id, t.has_profiling_consent, t.marketing_channel_count, cast(t.consent_updated_at as varchar) as updated
       from tag_consent as t join int_customers as c on c.customer_key = t.customer_key order by c.member_id`,
    );
    expect(rows).toEqual([
      { member_id: 'M-A', has_profiling_consent: true, marketing_channel_count: 2, updated: '2024-05-01 12:00:00' },
      { member_id: 'M-B', has_profiling_consent: true, marketing_channel_count: 0, updated: null },
      { member_id: 'M-C', has_profiling_consent: true, marketing_channel_count: 1, updated: '2024-04-01 09:00:00' },
      { member_id: 'M-D', has_profiling_consent: true, marketing_channel_count: 1, updated: '2024-01-20 08:00:00' },
    ]);
  });
});
