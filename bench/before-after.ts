/**
 * `npx tsx bench/before-after.ts [REF] [--rounds N]`: the cleanser and the predictor of this tree beside the same
 * code at git REF (default: main), each beside its baseline, all in one process and in alternating rounds. A busy
 * machine slows every side alike, so the ratios compare; run it a few times and read the spread.
 *
 * REF's src/, models/ and bench/ are extracted to a temporary directory (git archive) and imported from there, so
 * both versions run on the same records, the same model and the same onnxruntime.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { churnFeatureSpecs, trainChurn } from '../models/churn/index.ts';
import { routeOutcome } from '../src/cleanse/batch.ts';
import { createCleanser, type RawRecord } from '../src/cleanse/cleanser.ts';
import { generateRetailer } from '../src/generate/index.ts';
import { buildMatrix, resolveFeatures } from '../src/models/index.ts';
import { Predictor, SCORING_SESSION_OPTIONS } from '../src/score/predictor.ts';
import { readEventLines } from '../test/integration/harness/stream.ts';
import { machine, note, round, sideBySide } from './lib.ts';
import { tagRows } from './predict.ts';

const argv = process.argv.slice(2);
const ref = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'main';
const roundsAt = argv.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 12;
const root = path.resolve(import.meta.dirname, '..');
const AS_OF = '2025-12-31';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-before-'));
try {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  const tar = execFileSync('git', ['archive', ref, 'src', 'models', 'bench', 'package.json', 'tsconfig.json'], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', base], { input: tar });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(base, 'node_modules'));
  const before = {
    cleanser: (await import(path.join(base, 'src/cleanse/cleanser.ts'))) as typeof import('../src/cleanse/cleanser.ts'),
    batch: (await import(path.join(base, 'src/cleanse/batch.ts'))) as typeof import('../src/cleanse/batch.ts'),
    predictor: (await import(path.join(base, 'src/score/predictor.ts'))) as typeof import('../src/score/predictor.ts'),
  };
  const m = machine();
  note(`before = ${ref} (${sha}); load ${m.loadAverage} on ${m.cpus} cpus`);

  // Cleanser: the same records as bench/cleanse.ts (300 customers x 365 days, seed 42).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-before-gen-'));
  await generateRetailer({ outDir: dir, customers: 300, days: 365, seed: 42 });
  const lines = readEventLines(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const receivedAt = Date.parse('2026-01-05T00:00:00Z');
  const records: RawRecord[] = lines.map((data, i) => ({ data, origin: `kinesis:shardId-000000000000:${i}`, receivedAt: receivedAt + Math.floor(i / 500) }));
  const piiKey = 'benchmark-key-0123456789abcdef';
  const after = createCleanser({ piiKey });
  const old = before.cleanser.createCleanser({ piiKey });
  const decoder = new TextDecoder('utf-8');
  let sink = 0;
  note(`cleanse: ${records.length} records, ${rounds} rounds`);
  const c = await sideBySide(
    {
      before: () => {
        for (const r of records) sink += before.batch.routeOutcome(old.cleanse(r)).kind.length;
      },
      after: () => {
        for (const r of records) sink += routeOutcome(after.cleanse(r)).kind.length;
      },
      roundTrip: () => {
        for (const r of records) {
          try {
            sink += JSON.stringify(JSON.parse(decoder.decode(r.data))).length;
          } catch {
            sink++;
          }
        }
      },
    },
    rounds,
  );

  // Predictor: the churn model of bench/predict.ts, a batch of 10,000.
  const train = tagRows(6000, 1);
  const valid = tagRows(2000, 2);
  const features = resolveFeatures(churnFeatureSpecs(), train.rows, { asOf: AS_OF });
  const names = features.map((f) => f.name);
  const model = trainChurn({
    train: { X: buildMatrix(train.rows, features, { asOf: AS_OF }).X, y: train.y, featureNames: names },
    valid: { X: buildMatrix(valid.rows, features, { asOf: AS_OF }).X, y: valid.y },
    context: { asOf: AS_OF, features },
  });
  const scoring = tagRows(10_000, 3).rows;
  const pAfter = await Predictor.fromArtifacts('churn', model.onnxBytes, model.card);
  const pBefore = await before.predictor.Predictor.fromArtifacts('churn', model.onnxBytes, model.card);
  const bare = await ort.InferenceSession.create(model.onnxBytes, SCORING_SESSION_OPTIONS);
  const built = buildMatrix(scoring, features, { asOf: AS_OF }).X;
  const tensor = new ort.Tensor('float32', Float32Array.from(built.data), [built.rows, built.cols]);
  note(`predict: 10,000 customers, ${model.metrics.trees} trees, ${rounds} rounds`);
  const p = await sideBySide(
    {
      before: () => pBefore.score(scoring, { asOf: AS_OF }),
      after: () => pAfter.score(scoring, { asOf: AS_OF }),
      bare: () => bare.run({ [model.card.onnx.input]: tensor }, model.card.onnx.outputs),
    },
    Math.max(5, Math.round(rounds * 0.8)),
  );
  await Promise.all([pAfter.release(), pBefore.release(), bare.release()]);
  if (sink < 0) note('unreachable');

  const result = {
    before: { ref, sha },
    machine: { ...m, loadAverageAtEnd: round(os.loadavg()[0]!) },
    cleanse: {
      records: records.length,
      rounds,
      beforeRatio: round(c.before.best / c.roundTrip.best),
      afterRatio: round(c.after.best / c.roundTrip.best),
      beforeRecordsPerSec: Math.round(records.length / c.before.best),
      afterRecordsPerSec: Math.round(records.length / c.after.best),
      roundTripPerSec: Math.round(records.length / c.roundTrip.best),
    },
    predict: {
      batch: 10_000,
      trees: model.metrics.trees,
      beforeOverhead: round(p.before.best / p.bare.best),
      afterOverhead: round(p.after.best / p.bare.best),
      beforeRowsPerSec: Math.round(10_000 / p.before.best),
      afterRowsPerSec: Math.round(10_000 / p.after.best),
      bareRowsPerSec: Math.round(10_000 / p.bare.best),
    },
  };
  console.log(
    `cleanser / JSON round trip: before ${result.cleanse.beforeRatio}x, after ${result.cleanse.afterRatio}x` +
      ` | predictor / bare onnxruntime: before ${result.predict.beforeOverhead}x, after ${result.predict.afterOverhead}x` +
      ` | load ${m.loadAverage} -> ${result.machine.loadAverageAtEnd}`,
  );
  console.log(JSON.stringify(result));
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
