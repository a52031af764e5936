/** Attribute names of the dedup table, shared by the DynamoDB adapter and the CDK construct that creates it. */
export const DEDUP_KEY = 'dedup_key';
export const DEDUP_TTL = 'expires_at';
