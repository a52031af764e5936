export * from './primitives.ts';
export * from './envelope.ts';
export * from './payloads.ts';
export * from './registry.ts';
export * from './batch.ts';
export * from './columns.ts';
export * from './tables.ts';
export * from './derived.ts';
