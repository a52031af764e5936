// The fast text-file path of erasure (src/privacy/lake-scan.ts): lines judged on the file's bytes through the
// matcher's memo of `identities` objects must give exactly the verdict of the plain path (the whole file decoded,
// every line judged by matcher.line), on the lines a scan meets in practice and on the awkward ones; and the rewrite
// must keep every other byte of the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPii } from '../../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../../src/config/local.ts';
import { withLakeCommit } from '../../src/lake/commit.ts';
import { createPersonMatcher, type People } from '../../src/privacy/people.ts';
import { personLineRanges, personLines, rewriteTextFiles, scanLake } from '../../src/privacy/lake-scan.ts';

const pii = createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' });
const phoneHash = pii.hash('phone', '+8613800138000')!;
const emailHash = pii.hash('email', 'alice@example.com')!;
const people: People = {
  ids: new Map([
    ['member_id', new Set(['M1001'])],
    ['phone_hash', new Set([phoneHash])],
    ['email_hash', new Set([emailHash])],
    ['device_id', new Set(['dev-A1'])],
  ]),
  keys: new Set(['ck-0001']),
  unmatched: 0,
  count: 1,
};

const event = (identities: string, payload = '{"sku":"SKU1"}') => `{"event_id":"e","source":"pos","identities":${identities},"payload":${payload}}`;

// [line, belongs to the person] — labelled by hand.
const LINES: Array<[string, boolean]> = [
  [event('{"member_id":"M1001"}'), true],
  [event('{"member_id":"M10011"}'), false], // a longer id that contains theirs
  [event('{"member_id":"M1002","device_id":"dev-A1"}'), true],
  [event('{"member_id":"M\\u0031001"}'), true], // their id behind JSON escaping
  [event('{"phone":"138 0013 8000"}'), true], // their phone in another spelling: found through its keyed hash
  [event('{"phone":"１３８００１３８０００"}'), true], // full-width digits
  [event('{"email":"ALICE@Example.COM"}'), true], // case of an e-mail does not matter
  [event(`{"member_id":"${phoneHash}"}`), true], // a stored hash
  [event(`{"member_id":"${phoneHash.toUpperCase()}"}`), false], // not their hash: hashes are lower-case hex
  [event('{"member_id":"M1003","nested":{"x":1},"device_id":"dev-A1"}'), true], // not a flat object: the whole line
  [event('{"member_id":"M1003"}', '{"note":"identities","by":"M1001"}'), false], // payloads are not identities
  [`{"person_id":"P1","identities":"none","customer_key":"ck-0001"}`, true], // no object after "identities"
  [event('{"member_id":"M1001"'), true], // truncated record: scanned as text
  [`{"order":"O1","customer_key":"ck-0001"}`, true],
  [`{"order":"O2","customer_key":"ck-00012"}`, false],
  [event('{"member_id":"M1004","name":"王小明"}'), false], // multi-byte characters in the object
  [event('{"name":"王小明","member_id":"M1001"}'), true],
  // The event log keeps each event's detail as a JSON string: their key behind a second level of escaping.
  [`{"Source":"retail-lake.models","DetailType":"CustomerChurnRiskRaised","Detail":"{\\"customer_key\\":\\"ck-0001\\",\\"as_of\\":\\"2025-12-31\\"}"}`, true],
  [`{"Source":"retail-lake.models","DetailType":"CustomerChurnRiskRaised","Detail":"{\\"customer_key\\":\\"ck-00012\\"}"}`, false],
  [`{"Source":"retail-lake.coupons","Detail":"{\\"phone\\":\\"+86 138-0013-8000\\"}"}`, true],
  [`not json at all M1001 here`, true],
  [`not json M1001x`, false],
  ['', false],
  [`${event('{"member_id":"M1001"}')}\r`, true], // a CRLF file's line
  [`${event('{"member_id":"M1005"}')}\r`, false],
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-scan-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('personLineRanges', () => {
  it('judges every line as the plain path does, and as labelled by hand', () => {
    const text = `${LINES.map(([l]) => l).join('\n')}\n`;
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, text);
    const reference = personLines(file, createPersonMatcher(pii, people));
    // A fresh matcher each time: the memo must not carry a verdict from another line's object.
    const fast = personLineRanges(fs.readFileSync(file), createPersonMatcher(pii, people), false);
    const buf = fs.readFileSync(file);
    const fastLines = fast.hits.map(([s, e]) => buf.toString('utf8', s, e));
    expect(fast.lines).toBe(reference.lines.length);
    expect(fastLines).toEqual(reference.lines.filter((_, i) => reference.hits[i]));
    expect(fastLines).toEqual(LINES.filter(([, mine]) => mine).map(([l]) => l));
  });

  it('gives the same verdict for an object met again (memo) as the first time', () => {
    const m = createPersonMatcher(pii, people);
    const lines = [event('{"member_id":"M1001"}'), event('{"member_id":"M1002"}'), event('{"member_id":"M1001"}'), event('{"member_id":"M1002"}')];
    const r = personLineRanges(Buffer.from(lines.join('\n')), m, false);
    expect(r.hits.length).toBe(2);
    expect(r.lines).toBe(4);
  });
});

describe('rewriteTextFiles', () => {
  it('keeps every other line byte for byte, in plain, gzip and CSV files, and removes a file left without rows', async () => {
    const lake = path.join(dir, 'lake');
    const kept = LINES.filter(([, mine]) => !mine).map(([l]) => l);
    const body = LINES.map(([l]) => l).join('\n'); // no newline at the end
    const files: Record<string, Buffer> = {
      'raw/stream/dt=2025-01-01/a.jsonl': Buffer.from(body),
      'raw/stream/dt=2025-01-01/b.jsonl.gz': zlib.gzipSync(Buffer.from(`${body}\n`)),
      'exports/c.csv': Buffer.from('member_id,customer_key\nM1001,x\nM1002,ck-0001\nM1003,y\n'),
      'exports/d.csv': Buffer.from('member_id,name\nM1001,a\n'), // only the header would be left
      'exports/e.jsonl': Buffer.from(`${event('{"member_id":"M1009"}')}\n`), // no hit: not touched
      'exports/f.jsonl': Buffer.from(`${event('{"member_id":"M1009"}')}\n${event('{"member_id":"M1001"}')}`), // theirs last, unterminated
    };
    for (const [rel, b] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true });
      fs.writeFileSync(path.join(lake, rel), b);
    }
    const removals = await withLakeCommit(lake, 'erase', async (c) =>
      rewriteTextFiles(lake, c, Object.keys(files).map((r) => path.join(lake, r)), createPersonMatcher(pii, people)),
    );
    const mine = LINES.filter(([, m]) => m).length;
    expect(fs.readFileSync(path.join(lake, 'raw/stream/dt=2025-01-01/a.jsonl'), 'utf8')).toBe(`${kept.join('\n')}\n`);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(lake, 'raw/stream/dt=2025-01-01/b.jsonl.gz'))).toString('utf8')).toBe(`${kept.join('\n')}\n`);
    expect(fs.readFileSync(path.join(lake, 'exports/c.csv'), 'utf8')).toBe('member_id,customer_key\nM1003,y\n');
    expect(fs.existsSync(path.join(lake, 'exports/d.csv'))).toBe(false);
    expect(fs.readFileSync(path.join(lake, 'exports/e.jsonl'))).toEqual(files['exports/e.jsonl']);
    expect(fs.readFileSync(path.join(lake, 'exports/f.jsonl'), 'utf8')).toBe(`${event('{"member_id":"M1009"}')}\n`);
    expect(removals.map((r) => [r.table, r.partition, r.rows, r.filesRewritten, r.filesRemoved])).toEqual([
      ['raw/stream', 'dt=2025-01-01/a.jsonl', mine, 1, 0],
      ['raw/stream', 'dt=2025-01-01/b.jsonl.gz', mine, 1, 0],
      ['exports', 'c.csv', 2, 1, 0],
      ['exports', 'd.csv', 1, 0, 1],
      ['exports', 'f.jsonl', 1, 1, 0],
    ]);
  });

  it("removes the generator's ground-truth lines that name the person by person_id alone, found through their persons.jsonl line", async () => {
    const lake = path.join(dir, 'lake');
    const gt = path.join(lake, 'landing/demo/ground_truth');
    fs.mkdirSync(gt, { recursive: true });
    // Written so that feedback.jsonl and campaigns.jsonl sort before persons.jsonl: the scan must read persons first.
    const feedback = ['{"kind":"ticket","id":"TK1","person_id":"P7"}', '{"kind":"review","id":"RV2","person_id":"P8"}', '{"kind":"ticket","id":"TK3","person_id":"P77"}'];
    const persons = ['{"person_id":"P7","identities":{"member_id":"M1001","phones":[],"emails":[]}}', '{"person_id":"P8","identities":{"member_id":"M1002","phones":[],"emails":[]}}'];
    fs.writeFileSync(path.join(gt, 'campaigns.jsonl'), '{"campaign_id":"C1","person_id":"P7","arm":"control"}\n');
    fs.writeFileSync(path.join(gt, 'feedback.jsonl'), `${feedback.join('\n')}\n`);
    fs.writeFileSync(path.join(gt, 'persons.jsonl'), `${persons.join('\n')}\n`);
    const files = scanLake(lake).text;
    expect(path.basename(files[0]!)).toBe('persons.jsonl');
    const removals = await withLakeCommit(lake, 'erase', async (c) => rewriteTextFiles(lake, c, files, createPersonMatcher(pii, people)));
    expect(fs.readFileSync(path.join(gt, 'persons.jsonl'), 'utf8')).toBe(`${persons[1]}\n`);
    // P7's ticket goes; P8's review and P77's ticket (an id that contains P7) stay.
    expect(fs.readFileSync(path.join(gt, 'feedback.jsonl'), 'utf8')).toBe(`${feedback[1]}\n${feedback[2]}\n`);
    expect(fs.existsSync(path.join(gt, 'campaigns.jsonl'))).toBe(false);
    expect(removals.map((r) => [r.partition, r.rows]).sort()).toEqual([['campaigns.jsonl', 1], ['feedback.jsonl', 1], ['persons.jsonl', 1]]);
  });
});
