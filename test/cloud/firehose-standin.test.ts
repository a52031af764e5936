// The Firehose stand-in's record de-aggregation, which the emulated day relies on to read the cleanser's packed
// records: each case is how Firehose's docs describe RecordDeAggregation (JSON: consecutive objects, with or without
// a newline between them, an array refused; DELIMITED: the base64 delimiter; at most 500 sub-records).
import { describe, expect, it } from 'vitest';
import { deAggregate } from './firehose-standin.ts';

const json = { type: 'JSON' } as const;
const text = (parts: Buffer[]) => parts.map((p) => p.toString());

describe('Firehose stand-in: RecordDeAggregation', () => {
  it('splits consecutive JSON objects, newline-delimited or not, keeping braces and quotes inside strings', () => {
    expect(text(deAggregate(Buffer.from('{"a":1}\n{"a":2}\n'), json))).toEqual(['{"a":1}', '{"a":2}']);
    expect(text(deAggregate(Buffer.from('{"a":1}{"a":{"b":2}}'), json))).toEqual(['{"a":1}', '{"a":{"b":2}}']);
    const tricky = '{"t":"} {\\"x\\": \\\\"}';
    expect(JSON.parse(tricky)).toEqual({ t: '} {"x": \\' });
    expect(text(deAggregate(Buffer.from(`${tricky}\n{"n":"ü"}\n`), json))).toEqual([tricky, '{"n":"ü"}']);
  });

  it('refuses an array and a cut-off object, as input Firehose cannot de-aggregate', () => {
    expect(() => deAggregate(Buffer.from('[{"a":1},{"a":2}]'), json)).toThrow('not a JSON object at character 0');
    expect(() => deAggregate(Buffer.from('{"a":1}\n{"a":'), json)).toThrow('unterminated JSON object at character 8');
  });

  it('splits on the configured delimiter', () => {
    expect(text(deAggregate(Buffer.from('a##b####c'), { type: 'DELIMITED', delimiter: Buffer.from('##') }))).toEqual(['a', 'b', '', 'c']);
  });

  it('stops the day on a record of more than 500 sub-records (Firehose de-aggregates at most 500)', () => {
    expect(deAggregate(Buffer.from('{}\n'.repeat(500)), json)).toHaveLength(500);
    expect(() => deAggregate(Buffer.from('{}\n'.repeat(501)), json)).toThrow('a record of 501 sub-records: Firehose de-aggregates at most 500 per record');
  });
});
