/** Gunzip that names its file when the data is damaged, instead of zlib's bare "unexpected end of file". */
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GzipError } from './errors.ts';

/** `input` gunzipped; a damaged or truncated stream fails with a GzipError naming `name`. */
export function gunzipNamed(input: Readable, name: string): Readable {
  const gz = createGunzip();
  const out = new PassThrough();
  input.on('error', (e) => out.destroy(e));
  gz.on('error', (e) =>
    out.destroy(new GzipError(`${name}: the gzip data is damaged or cut short (${e.message}); this run wrote nothing to the lake — re-copy the file and run again`, { cause: e })),
  );
  return input.pipe(gz).pipe(out);
}
