import { describe, expect, it } from 'vitest';
import { ModelSession, readModelInfo, toNumbers } from '../../../src/onnx/index.ts';
import { assignSegments } from '../../../models/segments/model.ts';
import { trainSegments } from '../../../models/segments/train.ts';
import { SEGMENT_FEATURES, customers } from './synthetic.ts';

const trained = trainSegments({
  X: customers(1200, 1).X,
  featureNames: SEGMENT_FEATURES,
  params: { k: 6, nInit: 2, outliers: { sample: 600 } },
  context: { asOf: '2024-01-31' },
});

describe('segments ONNX export', () => {
  it('assigns the same segment, name, distance (1e-5) and outlier flag as the TypeScript scorer', async () => {
    const batch = customers(500, 2).X;
    // Add customers nowhere near any segment, so the outlier branch is exercised.
    const extreme = new Float64Array(batch.data);
    extreme.set([5, 3000, 200, 90000, 5000, 40, 1, 1, 0], 0);
    extreme.set([0, 0, 0, 0, 0, 0, 0, 0, 0], 9);
    const X = { ...batch, data: extreme };
    const ref = assignSegments(trained.model, X);
    const s = await ModelSession.load(trained.onnxBytes, { features: SEGMENT_FEATURES });
    const out = await s.run({ data: X.data, rows: X.rows, cols: X.cols });
    expect(toNumbers(out.segment!)).toEqual(Array.from(ref.segment));
    expect(out.segment_name!.data).toEqual(ref.segmentName);
    expect(toNumbers(out.is_outlier!)).toEqual(Array.from(ref.isOutlier));
    expect(ref.isOutlier[0]).toBe(1);
    const dist = out.distance!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < X.rows; i++) worst = Math.max(worst, Math.abs(dist[i]! - ref.distance[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('carries the feature order and segment names in its metadata', () => {
    const info = readModelInfo(trained.onnxBytes);
    expect(JSON.parse(info.metadata['retail_lake.feature_names']!)).toEqual(SEGMENT_FEATURES);
    expect(JSON.parse(info.metadata['retail_lake.segment_names']!)).toEqual(trained.model.names);
    expect(info.outputs.map((o) => o.name)).toEqual(['segment', 'segment_name', 'distance', 'is_outlier']);
  });
});
