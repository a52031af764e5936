/**
 * The closed list of quarantine reason codes. Dashboards, alarms and `replay --reason` key on these strings:
 * add codes freely, never rename one. docs/quarantine.md is generated from this table.
 */
export const REASONS = {
  'encoding.invalid_utf8': 'The bytes are not valid UTF-8 (e.g. a multi-byte character cut in half)',
  'payload.too_large': 'The record is larger than the configured maximum (maxRecordBytes)',
  'json.malformed': 'The record is not a JSON object (truncated, not JSON, or a JSON array/scalar)',
  'csv.malformed': 'An imported CSV row cannot be split into its fields (unterminated quote, wrong number of fields)',
  'schema.missing_field': 'A required field is absent',
  'schema.invalid_type': 'A field has the wrong JSON type (e.g. a string where a number is expected)',
  'schema.unknown_type': 'The event type is not in the contract, or does not belong to the declared source',
  'schema.unknown_version': 'The schema_version of this event type is not in the contract',
  'value.out_of_range': 'A number, length or count is outside its allowed range (e.g. a negative quantity)',
  'value.not_allowed': 'A value is not one of the allowed values of an enumeration',
  'value.invalid_format': 'A value does not have the expected format (currency code, decimal string, ...)',
  'timestamp.invalid': 'A timestamp cannot be read in any accepted form',
  'timestamp.implausible': 'A timestamp is before 2000-01-01 or more than a day after it was received',
  'reference.unknown_sku': 'A SKU is not in the product catalogue',
  'cleanser.unexpected_error': 'The cleanser itself failed on this record (a bug): kept here so nothing is lost',
} as const;

export type ReasonCode = keyof typeof REASONS;
export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];
