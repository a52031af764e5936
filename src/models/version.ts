/**
 * Model versions: `<name>-<as_of>-<8 hex>` where the hex is a SHA-256 over the training data and parameters.
 * Training is deterministic (seeded), so the same data and parameters give the same version, and a version names
 * exactly one model.
 */
import { createHash } from 'node:crypto';
import { ModelError } from './errors.ts';

/** JSON with object keys sorted, so the same parameters always hash the same. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (ArrayBuffer.isView(v)) return stableJson(Array.from(v as unknown as ArrayLike<number>));
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** Incremental fingerprint of training inputs: typed arrays by their bytes, anything else by stable JSON. */
export class Fingerprint {
  private readonly h = createHash('sha256');

  update(part: ArrayBufferView | string | number | boolean | object | null): this {
    if (ArrayBuffer.isView(part)) {
      this.h.update(`${part.constructor.name}:${part.byteLength}:`);
      this.h.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    } else {
      this.h.update(stableJson(part));
    }
    this.h.update('\u0000');
    return this;
  }

  hex(length = 8): string {
    return this.h.copy().digest('hex').slice(0, length);
  }
}

/** Names a model version, e.g. modelVersion('churn', '2024-01-31', fp) -> 'churn-2024-01-31-1a2b3c4d'. */
export function modelVersion(name: string, asOf: string, fingerprint: Fingerprint | string): string {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new ModelError(`model name must be lower-case letters, digits, - or _, received ${JSON.stringify(name)}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new ModelError(`as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  const hex = typeof fingerprint === 'string' ? fingerprint : fingerprint.hex();
  return `${name}-${asOf}-${hex}`;
}
