/** What every model's training shares: the context that goes on the card, feature descriptions, ONNX stamping. */
import type { OnnxModelBuilder } from '../onnx/index.ts';
import { META } from '../onnx/index.ts';
import type { CardFeature } from './card.ts';
import { FeatureSpecError } from './errors.ts';
import type { ResolvedFeature } from './features.ts';

/** Facts about the training run that the model itself cannot know; they go on the card and into the version. */
export interface TrainingContext {
  /** YYYY-MM-DD: only data on or before this date was used, labels included. */
  readonly asOf: string;
  /** @default { from: null, to: asOf } */
  readonly dataWindow?: { readonly from: string | null; readonly to: string };
  /** @default null (no horizon), or the model's own default */
  readonly horizonDays?: number | null;
  /**
   * The resolved features behind X's columns, in order (from resolveFeatures). Without them the card lists bare
   * names, and the score command cannot rebuild X from the card.
   */
  readonly features?: readonly ResolvedFeature[];
  /** Clock for created_at and training time. @default () => new Date() */
  readonly now?: () => Date;
}

/** The card's feature list: the resolved features, checked against X's column names. */
export function cardFeatures(featureNames: readonly string[], resolved: readonly ResolvedFeature[] | undefined): CardFeature[] {
  if (!resolved) {
    return featureNames.map((name) => ({ name, column: name, meaning: '', missing: 'none (X built by the caller)', fill: 0, encoding: { kind: 'number' }, skewed: false }));
  }
  if (resolved.length !== featureNames.length || resolved.some((f, i) => f.name !== featureNames[i])) {
    throw new FeatureSpecError(`context.features (${resolved.map((f) => f.name).join(', ')}) do not match featureNames (${featureNames.join(', ')})`);
  }
  return resolved.map((f) => ({
    ...f,
    encoding:
      f.encoding.kind === 'ordinal'
        ? { kind: 'ordinal', levels: [...f.encoding.levels] }
        : f.encoding.kind === 'bgnbd'
          ? { ...f.encoding, params: { ...f.encoding.params } }
          : { ...f.encoding },
  }));
}

/** Writes the standard metadata_props a predictor checks: feature names and input, model name, version, as-of. */
export function stampModel(
  b: OnnxModelBuilder,
  m: { readonly name: string; readonly version: string; readonly asOf: string; readonly input: string; readonly featureNames: readonly string[] },
): void {
  b.metadata(META.modelName, m.name)
    .metadata(META.modelVersion, m.version)
    .metadata(META.asOf, m.asOf)
    .metadata(META.featureInput, m.input)
    .metadata(META.featureNames, [...m.featureNames]);
}

/** Wall-clock seconds since `start` (performance.now() units), for the card's training_seconds. */
export function secondsSince(start: number): number {
  return Math.round((performance.now() - start) / 10) / 100;
}
