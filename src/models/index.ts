/** Shared model machinery: feature spec, model card, versions, artifact store, metrics, seeded randomness. */
export * from './errors.ts';
export * from './matrix.ts';
export * from './rng.ts';
export * from './metrics.ts';
export * from './features.ts';
export * from './card.ts';
export * from './version.ts';
export * from './store.ts';
export * from './training.ts';
