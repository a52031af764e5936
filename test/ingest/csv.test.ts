/** The byte-level CSV reader and field splitter. */
import { describe, expect, it } from 'vitest';
import { csvRecordsOf, parseDelimiter, splitFields, type Delimiter } from '../../src/ingest/csv.ts';
import { CsvError } from '../../src/ingest/errors.ts';

const records = (s: string | Buffer, delimiter: Delimiter = ',', maxRecordBytes?: number) =>
  csvRecordsOf(Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'), { delimiter, maxRecordBytes }).map((r) => ({
    line: r.line,
    text: r.bytes.toString('utf8'),
    ...(r.unterminated ? { unterminated: true } : {}),
  }));

describe('csv records', () => {
  it('splits on LF and CRLF, drops a BOM, skips empty lines, keeps the last line without a terminator', () => {
    expect(records('\ufeffa,b\r\n1,2\r\n\r\n3,4')).toEqual([
      { line: 1, text: 'a,b' },
      { line: 2, text: '1,2' },
      { line: 4, text: '3,4' },
    ]);
  });

  it('keeps line breaks inside quotes in one record and numbers records by their first line', () => {
    expect(records('a,"x\ny",b\nc\n')).toEqual([
      { line: 1, text: 'a,"x\ny",b' },
      { line: 3, text: 'c' },
    ]);
  });

  it('cuts a runaway quote at the end of its line and resumes on the next', () => {
    expect(records('1,"open\n2,3\n4,5\n')).toEqual([
      { line: 1, text: '1,"open', unterminated: true },
      { line: 2, text: '2,3' },
      { line: 3, text: '4,5' },
    ]);
    expect(records('1,"a\n2,"b\n3,c', ',', 4)).toEqual([
      { line: 1, text: '1,"a', unterminated: true },
      { line: 2, text: '2,"b', unterminated: true },
      { line: 3, text: '3,c' },
    ]);
  });

  it('keeps bytes that are not UTF-8 as they are', () => {
    const r = csvRecordsOf(Buffer.from([0x61, 0x2c, 0xa3, 0x0a, 0x62]), { delimiter: ',' });
    expect([...r[0]!.bytes]).toEqual([0x61, 0x2c, 0xa3]);
  });

  it('treats quotes as text and blank lines as nothing in whitespace mode (CDNOW)', () => {
    expect(records('  00001 19970101  1   11.77\r\n   \r\n  0"2 x\r\n', 'whitespace')).toEqual([
      { line: 1, text: '  00001 19970101  1   11.77' },
      { line: 3, text: '  0"2 x' },
    ]);
  });
});

describe('splitFields', () => {
  it('reads RFC 4180 quoting', () => {
    expect(splitFields('a,"b,""c""",,"",d', ',')).toEqual(['a', 'b,"c"', '', '', 'd']);
    expect(splitFields('x\ty\t"z\tw"', '\t')).toEqual(['x', 'y', 'z\tw']);
  });

  it('splits on runs of blanks after trimming in whitespace mode', () => {
    expect(splitFields('  00001 19970101  1   11.77', 'whitespace')).toEqual(['00001', '19970101', '1', '11.77']);
  });

  it('rejects text after a closing quote and a quote left open', () => {
    expect(() => splitFields('"a"b,c', ',')).toThrow(CsvError);
    expect(() => splitFields('a,"b', ',')).toThrow(/never closed/);
  });

  it('reads the --delimiter names', () => {
    expect(['comma', ',', 'tab', '\\t', ';', 'pipe', 'whitespace', 'SPACE'].map(parseDelimiter)).toEqual([',', ',', '\t', '\t', ';', '|', 'whitespace', 'whitespace']);
    expect(() => parseDelimiter('::')).toThrow(/--delimiter/);
  });
});
