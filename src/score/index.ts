/** Scoring the customers with the stored models: `retail-lake score`, and the predictor the Lambda shares. */
export * from './errors.ts';
export * from './schema.ts';
export * from './predictor.ts';
export * from './parquet.ts';
export * from './score.ts';
export * from './command.ts';
export * from './predict-rows.ts';
