/**
 * metadata_props keys the lake writes into every model, so a model file alone says what it expects: a predictor
 * can check its feature order without the card, and a person can read it in Netron.
 */
export const META = {
  /** JSON array of feature names, in the column order of the float input. */
  featureNames: 'retail_lake.feature_names',
  /** Name of the float input that takes the feature batch. */
  featureInput: 'retail_lake.feature_input',
  modelName: 'retail_lake.model_name',
  modelVersion: 'retail_lake.model_version',
  /** YYYY-MM-DD: the model saw only data on or before this date. */
  asOf: 'retail_lake.as_of',
} as const;
