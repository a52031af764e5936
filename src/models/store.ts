/**
 * Versioned model artifacts. The layout is the same in a lake directory and in the S3 model bucket:
 *   models/<name>/<version>/model.onnx, card.json, card.md
 *   models/<name>/latest            (text: the version the predictor loads when asked for 'latest')
 * `ModelStore` is the port; `LocalModelStore` is the laptop twin. An S3 adapter implements the same interface with
 * the same keys (`modelKey`, `latestKey`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crashPoint, lakeFile, lakeFiles, lakeRel, lakeWrite } from '../lake/commit.ts';
import { parseCard, renderCardMarkdown, type ModelCard } from './card.ts';
import { ModelStoreError } from './errors.ts';

export const MODEL_ZONE = 'models';
export const MODEL_FILE = 'model.onnx';
export const CARD_JSON = 'card.json';
export const CARD_MD = 'card.md';

/** File name -> bytes. */
export type ModelFiles = Readonly<Record<string, Uint8Array>>;

export interface StoredModel {
  readonly name: string;
  readonly version: string;
  readonly files: ModelFiles;
}

export interface PutOptions {
  /** Move the `latest` pointer to this version. @default true */
  readonly setLatest?: boolean;
}

/** Where trained models live. put replaces a version whole; readers never see half a version. */
export interface ModelStore {
  put(name: string, version: string, files: ModelFiles, options?: PutOptions): Promise<void>;
  /** A version, or the one `latest` points to. Throws ModelStoreError if absent. */
  get(name: string, version: string | 'latest'): Promise<StoredModel>;
  /** Versions stored for a model, sorted. */
  versions(name: string): Promise<string[]>;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(kind: string, v: string): void {
  if (!SAFE.test(v) || v === 'latest' || v.includes('..')) {
    throw new ModelStoreError(`${kind} must be letters, digits, '.', '-' or '_' (and not 'latest'), received ${JSON.stringify(v)}`);
  }
}

/** Object key of one artifact file, relative to the lake root / bucket. */
export function modelKey(name: string, version: string, file: string): string {
  checkName('model name', name);
  checkName('model version', version);
  checkName('file name', file);
  return `${MODEL_ZONE}/${name}/${version}/${file}`;
}

export function latestKey(name: string): string {
  checkName('model name', name);
  return `${MODEL_ZONE}/${name}/latest`;
}

/** The three files of a trained model: the ONNX bytes, the card as JSON, and the card rendered as markdown. */
export function modelArtifacts(onnx: Uint8Array, card: ModelCard): ModelFiles {
  const enc = new TextEncoder();
  return {
    [MODEL_FILE]: onnx,
    [CARD_JSON]: enc.encode(`${JSON.stringify(card, null, 2)}\n`),
    [CARD_MD]: enc.encode(renderCardMarkdown(card)),
  };
}

/** The ONNX bytes and the validated card of a stored model. */
export function readArtifacts(m: StoredModel): { version: string; onnx: Uint8Array; card: ModelCard } {
  const onnx = m.files[MODEL_FILE];
  const json = m.files[CARD_JSON];
  if (!onnx || !json) throw new ModelStoreError(`model ${m.name} ${m.version} lacks ${!onnx ? MODEL_FILE : CARD_JSON}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new ModelStoreError(`model ${m.name} ${m.version}: ${CARD_JSON} is not JSON`, { cause: e });
  }
  const card = parseCard(parsed);
  if (card.version !== m.version) throw new ModelStoreError(`model ${m.name}: stored under version ${m.version} but its card says ${card.version}`);
  return { version: m.version, onnx, card };
}

/**
 * Models under `<lakeDir>/models`. A version and its `latest` pointer are written in one lake commit
 * (src/lake/commit.ts), with the command's other outputs when it runs inside the command's commit.
 */
export class LocalModelStore implements ModelStore {
  constructor(private readonly lakeDir: string) {}

  private dir(...parts: string[]): string {
    return path.join(this.lakeDir, MODEL_ZONE, ...parts);
  }

  async put(name: string, version: string, files: ModelFiles, options: PutOptions = {}): Promise<void> {
    checkName('model name', name);
    checkName('model version', version);
    if (Object.keys(files).length === 0) throw new ModelStoreError(`model ${name} ${version}: no files to store`);
    for (const file of Object.keys(files)) checkName('file name', file);
    try {
      await lakeWrite(this.lakeDir, `store model ${name}`, async (c) => {
        c.replaceDir(`${MODEL_ZONE}/${name}/${version}`);
        for (const [file, bytes] of Object.entries(files)) {
          await writeFile(c.stage(modelKey(name, version, file)), bytes);
          crashPoint(`model-file:${name}/${file}`);
        }
        crashPoint(`model:${name}`);
        if (options.setLatest ?? true) await writeFile(c.stage(latestKey(name)), `${version}\n`);
      });
    } catch (e) {
      throw new ModelStoreError(`could not store model ${name} ${version} under ${this.dir(name)}`, { cause: e });
    }
  }

  async get(name: string, version: string | 'latest'): Promise<StoredModel> {
    checkName('model name', name);
    let v = version;
    if (version === 'latest') {
      try {
        v = (await readFile(lakeFile(this.lakeDir, latestKey(name)) ?? this.dir(name, 'latest'), 'utf8')).trim();
      } catch (e) {
        throw new ModelStoreError(`no trained ${name} model in ${this.dir()}: run \`retail-lake train ${name}\` first`, { cause: e });
      }
    }
    checkName('model version', v);
    const paths = lakeFiles(this.lakeDir, `${MODEL_ZONE}/${name}/${v}`);
    if (!paths.length) throw new ModelStoreError(`model ${name} has no version ${v} in ${this.dir(name)}`);
    const files: Record<string, Uint8Array> = {};
    for (const p of paths) files[path.basename(p)] = new Uint8Array(await readFile(p));
    return { name, version: v, files };
  }

  /** Models with a `latest` version in this lake, sorted. */
  names(): string[] {
    try {
      return [...new Set(lakeFiles(this.lakeDir, MODEL_ZONE).map((p) => lakeRel(this.lakeDir, p).split('/')).filter((parts) => parts.length === 3 && parts[2] === 'latest').map((parts) => parts[1]!))].sort();
    } catch {
      return [];
    }
  }

  async versions(name: string): Promise<string[]> {
    checkName('model name', name);
    try {
      const versions = lakeFiles(this.lakeDir, `${MODEL_ZONE}/${name}`).map((p) => lakeRel(this.lakeDir, p).split('/')).filter((parts) => parts.length === 4);
      return [...new Set(versions.map((parts) => parts[2]!))].filter((v) => !v.startsWith('.')).sort();
    } catch {
      return [];
    }
  }
}
