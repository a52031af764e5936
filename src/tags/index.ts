export * from './errors.ts';
export * from './as-of.ts';
export * from './refresh.ts';
export * from './demo.ts';
export * from './command.ts';
