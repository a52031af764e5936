export * from './errors.ts';
export * from './options.ts';
export * from './union-find.ts';
export * from './resolve.ts';
export * from './materialise.ts';
export * from './lake-output.ts';
export * from './ground-truth.ts';
export * from './resolve-sql.ts';
