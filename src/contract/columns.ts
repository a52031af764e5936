/**
 * Derives table columns from zod schemas, so Glue tables, DuckDB/Parquet types and docs never retype the
 * contract. Nested objects and arrays become JSON text columns; a field can force its column type with
 * `.meta({ column: 'decimal' | 'date' | 'timestamp' | 'json' | 'bigint' })`.
 */
import { z } from 'zod';

export type LogicalType = 'string' | 'int' | 'bigint' | 'double' | 'decimal' | 'boolean' | 'timestamp' | 'date' | 'json';

export interface Column {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  readonly description: string;
}

interface ZodInternals {
  _zod: { def: { type: string; innerType?: z.ZodType; format?: string; options?: z.ZodType[] } };
}
const defOf = (s: z.ZodType) => (s as unknown as ZodInternals)._zod.def;

function metaOf(s: z.ZodType): { column?: LogicalType; description?: string } {
  return (z.globalRegistry.get(s) ?? {}) as { column?: LogicalType; description?: string };
}

/** Unwraps optional/default/nullable wrappers, collecting metadata from every layer (outer wins). */
function unwrap(s: z.ZodType): { inner: z.ZodType; nullable: boolean; column?: LogicalType; description?: string } {
  let nullable = false;
  let column: LogicalType | undefined;
  let description: string | undefined;
  let cur = s;
  for (;;) {
    const m = metaOf(cur);
    column ??= m.column;
    description ??= m.description;
    const d = defOf(cur);
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'pipe' || d.type === 'prefault') {
      if (d.type !== 'default' && d.type !== 'prefault') nullable = true;
      cur = (d.innerType ?? (d as unknown as { in: z.ZodType }).in)!;
      continue;
    }
    return { inner: cur, nullable, column, description };
  }
}

function logicalTypeOf(s: z.ZodType): LogicalType {
  const d = defOf(s);
  switch (d.type) {
    case 'string':
      if (d.format === 'date') return 'date';
      if (d.format === 'datetime') return 'timestamp';
      return 'string';
    case 'enum':
    case 'literal':
      return 'string';
    case 'number':
      return d.format === 'safeint' || d.format === 'int32' ? 'int' : 'double';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'timestamp';
    default:
      return 'json';
  }
}

/** The columns of a zod object schema, in declaration order. */
export function columnsOf(schema: z.ZodObject): Column[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const u = unwrap(field as z.ZodType);
    return { name, type: u.column ?? logicalTypeOf(u.inner), nullable: u.nullable, description: u.description ?? '' };
  });
}

/** Glue / Athena (Hive DDL) type of a logical column type. */
export function glueType(t: LogicalType): string {
  switch (t) {
    case 'decimal':
      return 'decimal(18,2)';
    case 'json':
      return 'string';
    default:
      return t;
  }
}

/** DuckDB type of a logical column type (also the Parquet type DuckDB writes). */
export function duckdbType(t: LogicalType): string {
  switch (t) {
    case 'string':
    case 'json':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return 'DECIMAL(18,2)';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
  }
}
