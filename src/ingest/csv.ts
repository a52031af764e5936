/**
 * CSV records as bytes, then fields as text. Records are cut at the byte level (quote-aware for character
 * delimiters), never decoded on the way, so a row that is not valid UTF-8 reaches the importer exactly as it was and
 * is quarantined with its bytes intact. Handles CRLF, a UTF-8 byte-order mark, gzip (detected by its magic bytes),
 * RFC 4180 quoting, and whitespace-separated files with leading blanks (the CDNOW layout).
 *
 * An unterminated quote must not swallow the rest of a file: when a quoted record grows past the record limit, or the
 * file ends inside quotes, the record is cut at the end of its first line, flagged `unterminated`, and scanning
 * resumes on the next line.
 */
import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { CsvError } from './errors.ts';
import { gunzipNamed } from './gzip.ts';

export type Delimiter = ',' | '\t' | ';' | '|' | 'whitespace';

const DELIMITER_NAMES: Record<string, Delimiter> = {
  ',': ',',
  comma: ',',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  ';': ';',
  semicolon: ';',
  '|': '|',
  pipe: '|',
  whitespace: 'whitespace',
  space: 'whitespace',
};

/**
 * Refuses a header that names a column twice (compared trimmed and case-insensitively, as --map resolves names):
 * reading "the" column would silently take the first of the two. Blank names (trailing delimiters) are not compared.
 */
export function assertUniqueHeader(names: readonly string[], file: string): void {
  const first = new Map<string, number>();
  names.forEach((raw, i) => {
    const n = raw.trim().toLowerCase();
    if (!n) return;
    const j = first.get(n);
    if (j !== undefined) {
      throw new CsvError(
        `${file}: the header names column ${JSON.stringify(raw.trim())} twice (columns ${j + 1} and ${i + 1}); rename one so it is clear which to read`,
      );
    }
    first.set(n, i);
  });
}

/** Reads the --delimiter option: `,` `tab` `;` `|` or `whitespace` (runs of blanks, leading blanks ignored). */
export function parseDelimiter(s: string): Delimiter {
  const d = DELIMITER_NAMES[s] ?? DELIMITER_NAMES[s.toLowerCase()];
  if (!d) throw new CsvError(`--delimiter must be one of , tab ; | whitespace (received ${JSON.stringify(s)})`);
  return d;
}

export interface CsvRecord {
  /** The record's bytes, without its line terminator (at most `hardCapBytes` of them). */
  readonly bytes: Buffer;
  /** Physical line (1-based) where the record starts. */
  readonly line: number;
  /** Size of the record in bytes, also when `bytes` was capped. */
  readonly size: number;
  /** A quote opened in this record never closed; the record was cut at the end of its first line. */
  readonly unterminated?: boolean;
}

export interface ReadCsvOptions {
  readonly delimiter: Delimiter;
  /** A quoted record longer than this is treated as an unterminated quote. @default 262144 */
  readonly maxRecordBytes?: number;
  /** Bytes of one record kept in memory; longer records are cut (they are rejected as too large anyway). @default 16 MiB */
  readonly hardCapBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** Synchronous record scanner: feed it chunks, collect records. */
class RecordScanner {
  private parts: Buffer[] = [];
  private size = 0;
  private inQuotes = false;
  private line = 1;
  private startLine = 1;
  private atStart = true;
  private readonly quoteAware: boolean;
  private readonly maxQuoted: number;
  private readonly hardCap: number;

  constructor(opts: ReadCsvOptions) {
    this.quoteAware = opts.delimiter !== 'whitespace';
    this.maxQuoted = opts.maxRecordBytes ?? 262_144;
    this.hardCap = opts.hardCapBytes ?? 16 * 1024 * 1024;
  }

  push(input: Buffer, out: CsvRecord[]): void {
    const queue: Buffer[] = [input];
    while (queue.length) {
      let chunk = queue.shift()!;
      if (this.atStart) {
        this.atStart = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      let segStart = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === QUOTE && this.quoteAware) {
          this.inQuotes = !this.inQuotes;
        } else if (b === LF) {
          if (!this.inQuotes) {
            this.add(chunk.subarray(segStart, i));
            this.emit(out);
            segStart = i + 1;
            this.line++;
            this.startLine = this.line;
            continue;
          }
          this.line++;
        }
        if (this.inQuotes && this.size + (i - segStart) > this.maxQuoted) {
          // Runaway quote: cut the record at its first line end and rescan what followed.
          this.add(chunk.subarray(segStart, i + 1));
          queue.unshift(this.resync(out), chunk.subarray(i + 1));
          segStart = -1;
          break;
        }
      }
      if (segStart >= 0) this.add(chunk.subarray(segStart));
    }
  }

  end(out: CsvRecord[]): void {
    while (this.inQuotes) {
      const rest = this.resync(out);
      if (!rest.length) return;
      this.push(rest, out);
    }
    if (this.size) this.emit(out);
  }

  private add(b: Buffer): void {
    if (!b.length) return;
    if (this.size < this.hardCap) this.parts.push(this.size + b.length > this.hardCap ? b.subarray(0, this.hardCap - this.size) : b);
    this.size += b.length;
  }

  private emit(out: CsvRecord[], unterminated = false): void {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    let size = this.size;
    if (bytes.length && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
      size--;
    }
    this.parts = [];
    this.size = 0;
    this.inQuotes = false;
    // An empty line (or one of blanks in whitespace mode) is not a record.
    if (size === 0 || (!this.quoteAware && bytes.every((c) => c === 0x20 || c === 0x09))) return;
    out.push(unterminated ? { bytes, line: this.startLine, size, unterminated } : { bytes, line: this.startLine, size });
  }

  /** Emits the current record up to its first line end as unterminated; returns the bytes after that line end. */
  private resync(out: CsvRecord[]): Buffer {
    const all = Buffer.concat(this.parts);
    const nl = all.indexOf(LF);
    const first = nl === -1 ? all : all.subarray(0, nl);
    const rest = nl === -1 ? Buffer.alloc(0) : all.subarray(nl + 1);
    this.parts = [first];
    this.size = first.length;
    this.emit(out, true);
    this.line = this.startLine + 1;
    this.startLine = this.line;
    return rest;
  }
}

/** A file's bytes, gunzipped when it starts with the gzip magic bytes (whatever its name). */
export function openBytes(file: string): Readable {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(2);
  const n = fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const stream = fs.createReadStream(file);
  if (n === 2 && head[0] === 0x1f && head[1] === 0x8b) return gunzipNamed(stream, file);
  return stream.pipe(new PassThrough());
}

/** The records of a CSV file (or stream), in order. */
export async function* readCsvRecords(input: string | Readable, opts: ReadCsvOptions): AsyncGenerator<CsvRecord> {
  const stream = typeof input === 'string' ? openBytes(input) : input;
  const scanner = new RecordScanner(opts);
  const out: CsvRecord[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    scanner.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, out);
    yield* out.splice(0);
  }
  scanner.end(out);
  yield* out.splice(0);
}

/** Records of an in-memory buffer (tests, replays of single rows). */
export function csvRecordsOf(data: Buffer, opts: ReadCsvOptions): CsvRecord[] {
  const scanner = new RecordScanner(opts);
  const out: CsvRecord[] = [];
  scanner.push(data, out);
  scanner.end(out);
  return out;
}

/**
 * Splits one record's text into fields. Character delimiters follow RFC 4180 (a quoted field may hold delimiters,
 * line breaks and doubled quotes); whitespace splits on runs of blanks after trimming. Throws CsvError for text after
 * a closing quote or a quote left open.
 */
export function splitFields(text: string, delimiter: Delimiter): string[] {
  if (delimiter === 'whitespace') {
    const t = text.trim();
    return t ? t.split(/[ \t]+/) : [];
  }
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) throw new CsvError(`a quoted field opened at character ${i + 1} is never closed`);
        v += text.slice(j, q);
        if (text[q + 1] === '"') {
          v += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(v);
      if (i === text.length) return fields;
      if (text[i] !== delimiter) {
        throw new CsvError(`unexpected ${JSON.stringify(text[i])} after the closing quote of field ${fields.length} (character ${i + 1})`);
      }
      i++;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, d));
      i = d + 1;
    }
  }
}
