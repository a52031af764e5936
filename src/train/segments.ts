/** Segmentation training from the lake: the purchasers of the customer_tags snapshot as of the date. */
import { SEGMENT_FEATURE_NAMES, SEGMENTS_MODEL, segmentFeatureSpecs, trainSegments, type SegmentsTrainResult } from '../../models/segments/index.ts';
import { buildMatrix, resolveFeatures, type TagRow } from '../models/index.ts';
import type { TrainedModel } from './churn.ts';
import { NotEnoughHistoryError } from './errors.ts';
import { purchasers } from './lake-data.ts';

export interface TrainSegmentsFromLakeInput {
  readonly asOf: string;
  readonly tagsAt: (asOf: string) => Promise<TagRow[]>;
  /** First day of data, for the card's data window. */
  readonly from: string | null;
  readonly now?: () => Date;
}

export async function trainSegmentsFromLake(input: TrainSegmentsFromLakeInput): Promise<TrainedModel & { result: SegmentsTrainResult }> {
  const rows = purchasers(await input.tagsAt(input.asOf));
  if (rows.length < 50) {
    throw new NotEnoughHistoryError(`segments: ${rows.length} customers with a purchase as of ${input.asOf}; K-means needs at least 50`);
  }
  const features = resolveFeatures(segmentFeatureSpecs(), rows, { asOf: input.asOf });
  const r = trainSegments({
    X: buildMatrix(rows, features, { asOf: input.asOf }).X,
    featureNames: [...SEGMENT_FEATURE_NAMES],
    context: { asOf: input.asOf, features, dataWindow: { from: input.from, to: input.asOf }, ...(input.now ? { now: input.now } : {}) },
  });
  return { name: SEGMENTS_MODEL, version: r.version, card: r.card, files: r.files, result: r };
}
