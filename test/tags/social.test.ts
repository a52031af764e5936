/**
 * The social tags (tag_social.sql, customer_tags): is_wechat_follower, wechat_article_reads_90d,
 * wechat_article_shares_90d, share_driven_visits_90d, is_social_advocate, weibo_posts_365d and social_sentiment.
 *
 * 1. A hand-computed lake: four WeChat users and a Weibo poster, each number below worked out by hand from the events
 *    (the official account's openid reaches the member only through the union id).
 * 2. The generator's ground truth: a small synthetic year's social events (ground_truth/social.jsonl, who did what
 *    and whose share brought which visit) give every customer's counts exactly; the Weibo posts are scored by a real
 *    sentiment model (trained here on the review fixture, onnxruntime through `score`'s path), and each customer's
 *    social_sentiment is the mean of their posts' scores; customers whose hidden mood is happy score above the unhappy.
 * 3. Weibo posts on the stream (the sentiment Lambda's body) get the scores the local path gives.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentimentArtifacts, trainSentimentModel, type LabelledText } from '../../models/sentiment/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { SentimentOnnxScorer } from '../../src/insights/sentiment.ts';
import { LocalModelStore } from '../../src/models/index.ts';
import { readRows, writeRows } from '../../src/score/parquet.ts';
import { REVIEW_SCORE_COLUMNS, scoreReviewTexts } from '../../src/score/text-and-recs.ts';
import { refreshTags } from '../../src/tags/index.ts';
import { scoreKinesisBatch } from '../../lambdas/insights-sentiment/run.ts';

const tmp: string[] = [];
const tempDir = (name: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `retail-lake-social-${name}-`));
  tmp.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

const SOCIAL_COLUMNS = 'is_wechat_follower, wechat_article_reads_90d, wechat_article_shares_90d, share_driven_visits_90d, is_social_advocate, weibo_posts_365d, social_sentiment';

type Json = Record<string, unknown>;
let seq = 0;
const event = (type: string, at: string, identities: Json, payload: Json): Json => ({
  event_id: `soc-${++seq}`,
  source: 'social',
  type: `social.${type}`,
  schema_version: 1,
  occurred_at: `${at}T10:00:00Z`,
  identities,
  payload,
});
const ACCOUNT = { account_id: 'gh_retailer01' };

describe('social tags on a hand-computed lake (as of 2025-06-30: 90-day window from 2025-04-02, 365-day from 2024-07-01)', () => {
  const AS_OF = '2025-06-30';
  // Official-account events carry the account's openid and the union id; mini-program visits the member id, the
  // mini-program's openid and the union id.
  const annOa = { openid: 'oAnn-official', unionid: 'uAnn' };
  const benOa = { openid: 'oBen-official', unionid: 'uBen' };
  const danOa = { openid: 'oDan-official', unionid: 'uDan' };
  const events: Json[] = [
    event('miniprogram_visit', '2025-01-10', { member_id: 'M-A', openid: 'oAnn-mini', unionid: 'uAnn' }, { page: 'pages/index/index' }),
    event('miniprogram_visit', '2025-01-05', { member_id: 'M-B', openid: 'oBen-mini', unionid: 'uBen' }, { page: 'pages/index/index' }),
    event('miniprogram_visit', '2025-01-02', { member_id: 'M-C', openid: 'oCat-mini', unionid: 'uCat' }, { page: 'pages/index/index' }),
    // Ann: follows, unfollows, follows again -> a follower.
    event('wechat_follow', '2025-02-01', annOa, ACCOUNT),
    event('wechat_unfollow', '2025-03-01', annOa, ACCOUNT),
    event('wechat_follow', '2025-05-01', annOa, { ...ACCOUNT, scene: 'article' }),
    // Ann's reads: 2025-03-15 is 107 days old (out), 2025-05-02 and the as-of day count, 2025-07-01 is after it.
    event('wechat_article_read', '2025-03-15', annOa, { article_id: 'ART-1' }),
    event('wechat_article_read', '2025-05-02', annOa, { article_id: 'ART-2' }),
    event('wechat_article_read', '2025-06-30', annOa, { article_id: 'ART-3' }),
    event('wechat_article_read', '2025-07-01', annOa, { article_id: 'ART-4' }),
    // Ann's shares: S1 is 102 days old (out, though it brought Ben), S2 and S3 are in the window.
    event('wechat_article_share', '2025-03-20', annOa, { article_id: 'ART-1', share_id: 'S1', target: 'friend' }),
    event('wechat_article_share', '2025-05-02', annOa, { article_id: 'ART-2', share_id: 'S2', target: 'group_chat' }),
    event('wechat_article_share', '2025-06-29', annOa, { article_id: 'ART-3', share_id: 'S3', target: 'moments' }),
    // Ben: follows, unfollows -> not a follower. Reads via S1 (out of his window) and via S2 (in).
    event('wechat_follow', '2025-02-10', benOa, ACCOUNT),
    event('wechat_article_read', '2025-03-25', benOa, { article_id: 'ART-1', via_share_id: 'S1' }),
    event('wechat_article_read', '2025-05-03', benOa, { article_id: 'ART-2', via_share_id: 'S2' }),
    event('wechat_unfollow', '2025-06-01', benOa, ACCOUNT),
    // Cat opens the mini-program from S2; Ann opens her own S2 link (not a visit she brought herself).
    event('miniprogram_visit', '2025-05-04', { member_id: 'M-C', openid: 'oCat-mini', unionid: 'uCat' }, { page: 'pages/product/detail', via_share_id: 'S2' }),
    event('miniprogram_visit', '2025-05-05', { member_id: 'M-A', openid: 'oAnn-mini', unionid: 'uAnn' }, { page: 'pages/index/index', via_share_id: 'S2' }),
    // S3's only visit comes after the as-of date.
    event('miniprogram_visit', '2025-07-02', { member_id: 'M-C', openid: 'oCat-mini', unionid: 'uCat' }, { page: 'pages/index/index', via_share_id: 'S3' }),
    // Ben shares S4 and only he opens it: no advocate.
    event('wechat_article_share', '2025-06-10', benOa, { article_id: 'ART-3', share_id: 'S4', target: 'friend' }),
    event('wechat_article_read', '2025-06-11', benOa, { article_id: 'ART-3', via_share_id: 'S4' }),
    // Dan, known only on WeChat: follows, shares S5, which brings a stranger (openid only) to the mini-program.
    event('wechat_follow', '2025-06-20', danOa, ACCOUNT),
    event('wechat_article_share', '2025-06-21', danOa, { article_id: 'ART-3', share_id: 'S5', target: 'moments' }),
    event('miniprogram_visit', '2025-06-22', { openid: 'oStranger-mini' }, { page: 'pages/index/index', via_share_id: 'S5' }),
    // Cat's Weibo posts: P3 is 394 days old, P4 after the as-of date; P2 collected twice (two events, one post).
    event('weibo_post', '2024-06-01', { member_id: 'M-C' }, { post_id: 'P3', text: 'Terrible service.' }),
    event('weibo_post', '2025-05-01', { member_id: 'M-C' }, { post_id: 'P1', text: 'Love the new store!' }),
    event('weibo_post', '2025-06-15', { member_id: 'M-C' }, { post_id: 'P2', text: 'It is okay.' }),
    event('weibo_post', '2025-06-16', { member_id: 'M-C' }, { post_id: 'P2', text: 'It is okay.', likes: 12 }),
    event('weibo_post', '2025-07-05', { member_id: 'M-C' }, { post_id: 'P4', text: 'Never again.' }),
    // An anonymous mention: the brand's, nobody's tag.
    event('weibo_post', '2025-06-01', {}, { post_id: 'P5', text: 'Meh.' }),
  ];
  const score = (review_id: string, sentiment_score: number, as_of: string, source = 'social.weibo_post') => ({ review_id, source, sku: null, rating: null, sentiment_score, model_version: `s-${as_of}`, as_of });
  let lake: string;

  beforeAll(async () => {
    lake = tempDir('hand');
    const file = path.join(lake, 'social.jsonl');
    fs.writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const counts = await ingestJsonl([file], { lakeDir: lake, checkSkus: false });
    expect(counts).toMatchObject({ received: events.length, clean: events.length, quarantined: 0 });
    await writeRows({
      lakeDir: lake,
      relDir: 'review_scores',
      columns: REVIEW_SCORE_COLUMNS,
      mode: 'replace',
      rows: [
        score('P1', 0.9, '2025-06-20'),
        score('P2', 0.1, '2025-06-15'), // an older scoring of P2 ...
        score('P2', 0.3, '2025-06-20'), // ... and the latest, which counts
        score('P3', 0.0, '2025-06-20'),
        score('P4', 0.0, '2025-07-06'),
        score('P5', 0.0, '2025-06-20'),
        score('P1', 0.0, '2025-06-20', 'review.submitted'), // a review that happens to share the id: not a post's score
      ],
    });
    await refreshTags({ lakeDir: lake, asOf: AS_OF });
  }, 120_000);

  const tagsOf = async (where: string) => runQuery(lake, `select member_id, ${SOCIAL_COLUMNS} from customer_tags where dt = date '${AS_OF}' and ${where} order by wechat_article_shares_90d desc, member_id`);

  it('Ann: a follower again, 2 reads and 2 shares in 90 days, and S2 brought Ben and Cat (not her own visit, not S1\'s, not S3\'s after the as-of date)', async () => {
    expect(await tagsOf("member_id = 'M-A'")).toEqual([
      { member_id: 'M-A', is_wechat_follower: true, wechat_article_reads_90d: 2, wechat_article_shares_90d: 2, share_driven_visits_90d: 2, is_social_advocate: true, weibo_posts_365d: 0, social_sentiment: null },
    ]);
  });

  it('Ben: unfollowed, 2 reads in 90 days (one via S4, his own share, which brought nobody else)', async () => {
    expect(await tagsOf("member_id = 'M-B'")).toEqual([
      { member_id: 'M-B', is_wechat_follower: false, wechat_article_reads_90d: 2, wechat_article_shares_90d: 1, share_driven_visits_90d: 0, is_social_advocate: false, weibo_posts_365d: 0, social_sentiment: null },
    ]);
  });

  it('Cat: two posts in 365 days (P2 once, P3 too old, P4 too late), sentiment (0.9 + 0.3) / 2 from each post\'s latest scoring', async () => {
    const [cat] = await tagsOf("member_id = 'M-C'");
    expect(cat).toMatchObject({ is_wechat_follower: false, wechat_article_reads_90d: 0, wechat_article_shares_90d: 0, share_driven_visits_90d: 0, is_social_advocate: false, weibo_posts_365d: 2 });
    expect(Number(cat!.social_sentiment)).toBeCloseTo(0.6, 12);
  });

  it('Dan, known only by WeChat ids, is a follower and an advocate (a stranger came through S5); the stranger is a customer without social tags of note', async () => {
    expect(await tagsOf('member_id is null')).toEqual([
      { member_id: null, is_wechat_follower: true, wechat_article_reads_90d: 0, wechat_article_shares_90d: 1, share_driven_visits_90d: 1, is_social_advocate: true, weibo_posts_365d: 0, social_sentiment: null },
      { member_id: null, is_wechat_follower: false, wechat_article_reads_90d: 0, wechat_article_shares_90d: 0, share_driven_visits_90d: 0, is_social_advocate: false, weibo_posts_365d: 0, social_sentiment: null },
    ]);
  });

  it('links the official account\'s openid to the member through the union id, and stores neither raw', async () => {
    const rows = await runQuery(lake, "select count(distinct customer_key) as customers from identity_map where customer_key in (select customer_key from identity_map where identity_type = 'member_id' and identity_value = 'M-A')");
    expect(rows).toEqual([{ customers: 1 }]);
    const types = await runQuery(lake, "select identity_type, count(*) as n from identity_map where customer_key = (select customer_key from identity_map where identity_type = 'member_id' and identity_value = 'M-A') group by 1 order by 1");
    // M-A, two openids (official account, mini-program), one union id.
    expect(types).toEqual([{ identity_type: 'member_id', n: 1 }, { identity_type: 'openid', n: 2 }, { identity_type: 'unionid', n: 1 }]);
    const raw = await runQuery(lake, "select count(*) as n from curated_events where payload like '%uAnn%' or unionid_hash in ('uAnn', 'uBen') or openid_hash like 'o%-%'");
    expect(raw).toEqual([{ n: 0 }]);
  });
});

describe('the cleanser hashes the union id like the openid', () => {
  it('keeps unionid_hash (HMAC of "unionid:<id>") and flags a blank one instead of storing it', () => {
    const c = createCleanser({ piiKey: 'social-test-key-0123456789' });
    const out = (identities: Json) => c.cleanse({ data: Buffer.from(JSON.stringify(event('wechat_follow', '2025-01-01', identities, ACCOUNT))), origin: 't', receivedAt: Date.UTC(2025, 0, 2) });
    const a = out({ unionid: ' uX ' });
    const b = out({ unionid: 'uX' });
    expect(a.kind === 'clean' && b.kind === 'clean').toBe(true);
    if (a.kind !== 'clean' || b.kind !== 'clean') return;
    const hashOf = (e: object) => (e as { unionid_hash?: string }).unionid_hash;
    expect(hashOf(a.event)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(a.event)).toBe(hashOf(b.event));
    expect(JSON.stringify(a.event)).not.toContain('uX');
    const blank = out({ unionid: '  ' });
    expect(blank.kind === 'clean' && hashOf(blank.event) === undefined && blank.event.dq_flags === 'identity.unionid_invalid').toBe(true);
  });
});

// --- 2. against the generator's ground truth ----------------------------------------------------------------------

interface Truth {
  event_id: string;
  type: string;
  occurred_at: string;
  person_id: string | null;
  member_id: string | null;
  share_id?: string;
  via_share_id?: string;
  sharer_person_id?: string;
  post_id?: string;
  mood?: number;
}

const FIXTURE_REVIEWS = path.resolve(import.meta.dirname, '../fixtures/reviews/synthetic_rated_reviews.jsonl');
const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

describe('social tags against the generator\'s ground truth (300 customers, one year, only the social feed ingested)', () => {
  let lake: string;
  let asOf: string;
  let truth: Truth[];
  let store: LocalModelStore;

  beforeAll(async () => {
    const landing = tempDir('gen');
    lake = tempDir('gen-lake');
    await generateRetailer({ outDir: landing, customers: 300, days: 365, seed: 11 });
    const manifest = JSON.parse(fs.readFileSync(path.join(landing, 'manifest.json'), 'utf8')) as { window: { end: string } };
    asOf = manifest.window.end;
    truth = fs.readFileSync(path.join(landing, 'ground_truth', 'social.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Truth);
    const files = fs.readdirSync(path.join(landing, 'events')).filter((f) => f.startsWith('social-')).map((f) => path.join(landing, 'events', f));
    const counts = await ingestJsonl(files, { lakeDir: lake, checkSkus: false });
    expect(counts).toMatchObject({ received: truth.length, clean: truth.length });
    // A real sentiment model (trained on the review fixture), the Weibo posts scored by `score`'s own step.
    const reviews = fs.readFileSync(FIXTURE_REVIEWS, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LabelledText);
    const t = trainSentimentModel(reviews, { asOf, now: () => new Date(`${asOf}T00:00:00Z`) });
    store = new LocalModelStore(lake);
    await store.put('sentiment', t.version, sentimentArtifacts(t));
    const scored = await scoreReviewTexts(lake, asOf, store);
    expect(scored.posts).toBe(new Set(truth.filter((x) => x.type === 'social.weibo_post' && x.occurred_at.slice(0, 10) <= asOf).map((x) => x.post_id)).size);
    await refreshTags({ lakeDir: lake, asOf });
  }, 240_000);

  it('gives every member exactly the counts and flags the ground truth gives', async () => {
    const expected = new Map<string, Json>();
    const byPerson = new Map<string, Truth[]>();
    for (const x of truth) if (x.person_id && x.occurred_at.slice(0, 10) <= asOf) byPerson.set(x.person_id, [...(byPerson.get(x.person_id) ?? []), x]);
    const visitsOf = new Map<string, number>();
    for (const x of truth) {
      if (x.via_share_id && x.occurred_at.slice(0, 10) <= asOf && x.person_id !== x.sharer_person_id) visitsOf.set(x.via_share_id, (visitsOf.get(x.via_share_id) ?? 0) + 1);
    }
    for (const [, list] of byPerson) {
      const age = (x: Truth) => days(x.occurred_at.slice(0, 10), asOf);
      const follows = list.filter((x) => x.type === 'social.wechat_follow' || x.type === 'social.wechat_unfollow').sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : 1));
      const shares = list.filter((x) => x.type === 'social.wechat_article_share' && age(x) < 90);
      const visits = shares.reduce((n, s) => n + (visitsOf.get(s.share_id!) ?? 0), 0);
      expected.set(list[0]!.member_id!, {
        is_wechat_follower: follows.at(-1)?.type === 'social.wechat_follow',
        wechat_article_reads_90d: list.filter((x) => x.type === 'social.wechat_article_read' && age(x) < 90).length,
        wechat_article_shares_90d: shares.length,
        share_driven_visits_90d: visits,
        is_social_advocate: visits > 0,
        weibo_posts_365d: new Set(list.filter((x) => x.type === 'social.weibo_post' && age(x) < 365).map((x) => x.post_id)).size,
      });
    }
    const rows = await runQuery(lake, `select member_id, ${SOCIAL_COLUMNS} from customer_tags where dt = date '${asOf}'`);
    expect(rows.every((r) => r.member_id !== null)).toBe(true);
    const got = new Map(rows.map((r) => [String(r.member_id), { ...r }]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [member, e] of expected) {
      const { social_sentiment: _s, member_id: _m, ...counts } = got.get(member)!;
      expect(counts, member).toEqual(e);
    }
    // The data exercise every tag: followers and not, advocates and not, posters.
    const values = [...expected.values()];
    expect(values.filter((v) => v.is_wechat_follower).length).toBeGreaterThan(10);
    expect(values.filter((v) => v.is_social_advocate).length).toBeGreaterThan(0);
    expect(values.filter((v) => !v.is_social_advocate && (v.wechat_article_shares_90d as number) > 0).length + values.filter((v) => !v.is_wechat_follower).length).toBeGreaterThan(0);
    expect(values.filter((v) => (v.weibo_posts_365d as number) > 0).length).toBeGreaterThan(3);
  });

  it('gives each poster the mean model score of their posts of the year, and the happy posters score above the unhappy', async () => {
    const scores = new Map((await readRows(lake, 'review_scores', REVIEW_SCORE_COLUMNS)).filter((r) => r.source === 'social.weibo_post').map((r) => [String(r.review_id), Number(r.sentiment_score)]));
    const posts = new Map<string, Map<string, number>>();
    const moods = new Map<string, number[]>();
    for (const x of truth) {
      if (x.type !== 'social.weibo_post' || !x.member_id || x.occurred_at.slice(0, 10) > asOf || days(x.occurred_at.slice(0, 10), asOf) >= 365) continue;
      posts.set(x.member_id, (posts.get(x.member_id) ?? new Map()).set(x.post_id!, scores.get(x.post_id!)!));
      moods.set(x.member_id, [...(moods.get(x.member_id) ?? []), x.mood!]);
    }
    const rows = await runQuery(lake, `select member_id, social_sentiment from customer_tags where dt = date '${asOf}' and weibo_posts_365d > 0`);
    expect(rows.map((r) => String(r.member_id)).sort()).toEqual([...posts.keys()].sort());
    const happy: number[] = [];
    const unhappy: number[] = [];
    for (const r of rows) {
      const list = [...posts.get(String(r.member_id))!.values()];
      expect(Number(r.social_sentiment)).toBeCloseTo(list.reduce((a, b) => a + b, 0) / list.length, 12);
      const m = moods.get(String(r.member_id))!;
      const mood = m.reduce((a, b) => a + b, 0) / m.length;
      if (mood >= 4) happy.push(Number(r.social_sentiment));
      if (mood <= 2) unhappy.push(Number(r.social_sentiment));
    }
    const mean = (l: number[]) => l.reduce((a, b) => a + b, 0) / l.length;
    expect(happy.length && unhappy.length).toBeGreaterThan(0);
    expect(mean(happy)).toBeGreaterThan(mean(unhappy) + 0.2);
  });

  it('scores Weibo posts off the stream (the sentiment Lambda\'s body) as the local score path does', async () => {
    const posts = truth.filter((x) => x.type === 'social.weibo_post').slice(0, 20);
    const raw = posts.map((x, i) => ({
      event_id: x.event_id, source: 'social', type: 'social.weibo_post', schema_version: 1, occurred_at: x.occurred_at, identities: {},
      payload: { post_id: x.post_id, text: `post ${i}: Love this, call me on +86 138 0013 8000!` },
    }));
    const kinesis: KinesisStreamEvent = {
      Records: raw.map((e, i) => ({
        eventSource: 'aws:kinesis', eventID: `shardId-000:${i}`, eventName: 'aws:kinesis:record', eventVersion: '1.0', eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/s',
        invokeIdentityArn: 'arn', awsRegion: 'eu-west-1',
        kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: String(i), approximateArrivalTimestamp: 1, data: Buffer.from(JSON.stringify(e)).toString('base64') },
      })),
    };
    const rows: Json[] = [];
    const r = await scoreKinesisBatch(kinesis, { scorer: new SentimentOnnxScorer(store), sink: { append: async (_t, x) => void rows.push(...(x as Json[])), flush: async () => {} }, now: () => new Date(`${asOf}T09:00:00Z`) });
    expect(r).toMatchObject({ scored: raw.length, batchItemFailures: [] });
    const local = tempDir('stream-local');
    const file = path.join(local, 'posts.jsonl');
    fs.writeFileSync(file, `${raw.map((e) => JSON.stringify(e)).join('\n')}\n`);
    await ingestJsonl([file], { lakeDir: local, checkSkus: false });
    const localStore = new LocalModelStore(local);
    const m = await store.get('sentiment', 'latest');
    await localStore.put('sentiment', m.version, m.files);
    await scoreReviewTexts(local, asOf, localStore);
    const want = new Map((await readRows(local, 'review_scores', REVIEW_SCORE_COLUMNS)).map((x) => [String(x.review_id), Number(x.sentiment_score)]));
    expect(rows).toHaveLength(want.size);
    for (const row of rows) {
      expect(row).toMatchObject({ source: 'social.weibo_post', sku: null, rating: null });
      expect(Math.abs(Number(row.sentiment_score) - want.get(String(row.review_id))!)).toBeLessThan(1e-6);
    }
  }, 120_000);
});
