/**
 * The Glue Data Catalog of the lake: one database and one table per contract table (src/contract/tables.ts),
 * columns derived from the zod schemas, Hive partitions `source=/dt=` resolved by partition projection so no
 * crawler or MSCK REPAIR is ever needed. Curated tables are Parquet (Firehose converts); quarantine is gzip NDJSON.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { dataColumns, DERIVED_TABLES, glueType, partitionColumns, TABLES, type TableDef } from '../../src/contract/index.ts';
import { projectedSources } from '../../src/adapters/aws/partition-values.ts';

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
};
const JSON_LINES = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serdeInfo: {
    serializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
    // ISO 8601 with milliseconds and a zone designator, as the cleanser writes them.
    parameters: { 'timestamp.formats': "yyyy-MM-dd'T'HH:mm:ss.SSSZZ,yyyy-MM-dd'T'HH:mm:ssZZ" },
  },
};

/** A table to catalogue beyond the contract's (e.g. customer_scores), optionally stored as gzip JSON lines. */
export type CatalogTable = TableDef & { readonly format?: 'parquet' | 'json' };

/** Storage format of a table's files: curated tables arrive as Parquet, quarantine as gzip NDJSON objects. */
export function tableFormat(t: CatalogTable): 'parquet' | 'json' {
  return t.format ?? (t.zone === 'quarantine' ? 'json' : 'parquet');
}

/** Partition projection of a table partitioned by source and/or dt: every partition is known without a crawler. */
function projectionOf(t: TableDef, location: string, start: string): Record<string, string> {
  if (!t.partitionKeys.length) return {};
  const p: Record<string, string> = { 'projection.enabled': 'true' };
  for (const k of t.partitionKeys) {
    if (k === 'source') Object.assign(p, { 'projection.source.type': 'enum', 'projection.source.values': projectedSources(t).join(',') });
    else if (k === 'dt') {
      Object.assign(p, {
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': `${start},NOW+1DAYS`,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
    } else throw new Error(`table ${t.name}: no projection for partition key ${k} (expected source and/or dt)`);
  }
  p['storage.location.template'] = `${location}${t.partitionKeys.map((k) => `${k}=\${${k}}/`).join('')}`;
  return p;
}

/** Glue actions of Athena DDL on the lake's tables: CREATE/REPLACE/DROP TABLE and VIEW, CTAS, INSERT INTO. */
export const MANAGE_TABLE_ACTIONS = [
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:BatchCreatePartition',
  'glue:CreatePartition',
  'glue:UpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];

export interface LakeCatalogProps {
  /** Glue database name, e.g. retail_lake_prod. */
  readonly databaseName: string;
  /** Bucket name of each zone the tables live in. */
  readonly zoneBuckets: Readonly<Record<TableDef['zone'], string>>;
  /**
   * First date partition projection enumerates (yyyy-MM-dd): the oldest data's date (config firstDataDate). Every
   * day from it to today is a projected partition per source that a query without a dt predicate lists.
   */
  readonly firstDataDate: string;
  /** Tables written by the pipeline's jobs rather than the contract (e.g. customer_scores). @default - none */
  readonly extraTables?: readonly CatalogTable[];
}

export class LakeCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  /** Glue table of every contract table, by table name. */
  readonly tables: ReadonlyMap<string, glue.CfnTable>;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: props.databaseName, description: 'retail-lake: curated and quarantine zones, tag and model views' },
    });
    const start = props.firstDataDate;
    const tables = new Map<string, glue.CfnTable>();
    for (const t of [...TABLES, ...DERIVED_TABLES, ...(props.extraTables ?? [])] as CatalogTable[]) {
      const location = `s3://${props.zoneBuckets[t.zone]}/${t.path}/`;
      const projection = projectionOf(t, location, start);
      const format = tableFormat(t) === 'parquet' ? PARQUET : JSON_LINES;
      const table = new glue.CfnTable(this, t.name, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: props.databaseName,
        tableInput: {
          name: t.name,
          description: t.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: tableFormat(t),
            EXTERNAL: 'TRUE',
            ...(tableFormat(t) === 'parquet' ? { 'parquet.compression': 'SNAPPY' } : { compressionType: 'gzip' }),
            ...projection,
          },
          partitionKeys: partitionColumns(t).map((c) => ({ name: c.name, type: glueType(c.type), comment: comment(c.description) })),
          storageDescriptor: {
            location,
            columns: dataColumns(t).map((c) => ({ name: c.name, type: glueType(c.type), comment: comment(c.description) })),
            ...format,
            compressed: tableFormat(t) === 'json',
            storedAsSubDirectories: false,
          },
        },
      });
      table.node.addDependency(this.database);
      tables.set(t.name, table);
    }
    this.tables = tables;
  }

  /** The Glue table of a contract table; throws on a name that is not in the contract. */
  table(name: string): glue.CfnTable {
    const t = this.tables.get(name);
    if (!t) throw new Error(`no Glue table ${name}; the contract has ${[...this.tables.keys()].join(', ')}`);
    return t;
  }

  /**
   * The Glue table of a contract table as a construct of another stack names it: its Ref is the table's literal
   * name (lib/cross-stack.ts, rule 1), so that stack's template refers to no export of this one.
   */
  tableByName(name: string): glue.CfnTable {
    return Object.create(this.table(name), { ref: { value: name } }) as glue.CfnTable;
  }

  private arns(tablePattern: string): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${tablePattern}` }),
    ];
  }

  /** Read table definitions and partitions (what Athena needs to plan a query). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetTableVersions', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resourceArns: this.arns('*'),
    });
  }

  /**
   * Create, replace and drop tables and views in the lake database (Athena DDL). Athena's DROP TABLE of a
   * partitioned table (the views deployer drops the legacy snapshot table) deletes its partitions first, hence the
   * partition deletes.
   */
  grantManageTables(grantee: iam.IGrantable): iam.Grant {
    this.grantRead(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: MANAGE_TABLE_ACTIONS,
      resourceArns: this.arns('*'),
    });
  }
}

/** Glue column comments are limited to 255 characters. */
function comment(s: string): string {
  return s.length > 255 ? `${s.slice(0, 252)}...` : s;
}
