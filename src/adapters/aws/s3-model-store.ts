/**
 * ModelStore over the S3 model bucket, with the same keys as the local store (models/<name>/<version>/<file>, and
 * models/<name>/latest holding the version text). A version's files are written before `latest` moves, so a reader
 * of `latest` never sees a half-written version.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MODEL_ZONE, ModelStoreError, latestKey, modelKey, type ModelFiles, type ModelStore, type PutOptions, type StoredModel } from '../../models/index.ts';
import { s3ClientConfig, type ClientOptions } from './clients.ts';

export interface S3ModelStoreOptions extends ClientOptions {
  readonly bucket: string;
  /** Key prefix in front of models/ (no leading or trailing slash). @default '' */
  readonly prefix?: string;
  /** @default a client built from the options */
  readonly client?: S3Client;
}

const CONTENT_TYPES: Record<string, string> = { 'model.onnx': 'application/octet-stream', 'card.json': 'application/json', 'card.md': 'text/markdown' };

export class S3ModelStore implements ModelStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3ModelStoreOptions) {
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  private key(k: string): string {
    return this.options.prefix ? `${this.options.prefix}/${k}` : k;
  }

  private where(k: string): string {
    return `s3://${this.options.bucket}/${this.key(k)}`;
  }

  async put(name: string, version: string, files: ModelFiles, options: PutOptions = {}): Promise<void> {
    const names = Object.keys(files);
    if (!names.length) throw new ModelStoreError(`model ${name} ${version}: no files to store`);
    for (const file of names) {
      const k = modelKey(name, version, file);
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(k), Body: files[file], ContentType: CONTENT_TYPES[file] ?? 'application/octet-stream' }),
        );
      } catch (e) {
        throw new ModelStoreError(`could not write ${this.where(k)}: ${(e as Error).message}`, { cause: e });
      }
    }
    if (options.setLatest ?? true) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(latestKey(name)), Body: `${version}\n`, ContentType: 'text/plain' }));
      } catch (e) {
        throw new ModelStoreError(`could not move ${this.where(latestKey(name))} to ${version}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  private async read(k: string): Promise<Uint8Array | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(k) }));
      return await res.Body!.transformToByteArray();
    } catch (e) {
      const code = (e as { name?: string }).name;
      if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
      throw new ModelStoreError(`could not read ${this.where(k)}: ${(e as Error).message}`, { cause: e });
    }
  }

  private async list(prefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.key(prefix), ContinuationToken: token, ...(delimiter ? { Delimiter: delimiter } : {}) }),
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return { keys, prefixes };
  }

  async get(name: string, version: string | 'latest'): Promise<StoredModel> {
    let v = version;
    if (version === 'latest') {
      const bytes = await this.read(latestKey(name));
      if (!bytes) throw new ModelStoreError(`no trained ${name} model in ${this.where(`${MODEL_ZONE}/`)}: ${this.where(latestKey(name))} is missing`);
      v = new TextDecoder().decode(bytes).trim();
    }
    const dir = modelKey(name, v, 'card.json').replace(/card\.json$/, '');
    const { keys } = await this.list(dir);
    if (!keys.length) throw new ModelStoreError(`model ${name} has no version ${v} in ${this.where(dir)}`);
    const files: Record<string, Uint8Array> = {};
    for (const key of keys.sort()) {
      const file = key.slice(this.key(dir).length);
      if (!file || file.includes('/')) continue;
      const bytes = await this.read(modelKey(name, v, file));
      if (bytes) files[file] = bytes;
    }
    return { name, version: v, files };
  }

  async versions(name: string): Promise<string[]> {
    const base = latestKey(name).replace(/latest$/, '');
    const { prefixes } = await this.list(base, '/');
    return prefixes.map((p) => p.slice(this.key(base).length).replace(/\/$/, '')).filter(Boolean).sort();
  }
}
