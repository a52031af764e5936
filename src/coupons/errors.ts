/** Errors of the coupon issuer: one base. */
export class CouponError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CouponError';
  }
}

/** The coupon configuration is missing a field or has one out of range. */
export class CouponConfigError extends CouponError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CouponConfigError';
  }
}

/** The coupon store could not record a coupon (after retries, for the AWS store). */
export class CouponStoreError extends CouponError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CouponStoreError';
  }
}
