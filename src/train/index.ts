/** Training the customer models from the lake: `retail-lake train`. */
export * from './errors.ts';
export * from './lake-data.ts';
export * from './ground-truth.ts';
export * from './churn.ts';
export * from './segments.ts';
export * from './clv.ts';
export * from './train.ts';
export * from './command.ts';
export * from './uplift.ts';
