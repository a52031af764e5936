/** The coupon issuer subscriber: HighValueCustomerAtRisk -> one coupon per event, within a monthly budget. */
export * from './errors.ts';
export * from './schema.ts';
export * from './config.ts';
export * from './issuer.ts';
export * from './local-store.ts';
export * from './local-subscriber.ts';
