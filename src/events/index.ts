/** Activation events: schemas, ids, rules, the bus port, publishing on change, and `retail-lake events`. */
export * from './errors.ts';
export * from './schemas.ts';
export * from './ids.ts';
export * from './bus.ts';
export * from './rules.ts';
export * from './command.ts';
