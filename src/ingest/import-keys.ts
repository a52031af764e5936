/**
 * Dedup-store keys of imported rows, in a module with no DuckDB behind it: the local importer, the dedup seeding
 * from the lake and the order-import Lambda (DynamoDB) must agree on them.
 */

/** Key of an imported order line in the dedup store. */
export function importKey(eventId: string): string {
  return `import:${eventId}`;
}
