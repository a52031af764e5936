/**
 * Glue tables of what the insights refresh writes under the curated bucket (demand_forecasts, replenishment_checks,
 * next_best_products): Parquet, columns from the zod schemas in src/insights/tables.ts, one date partition each.
 * No partition projection: the refresh writes with Athena INSERT, which registers each new partition itself.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { glueType } from '../../src/contract/columns.ts';
import { INSIGHTS_TABLES, type InsightsTable } from '../../src/insights/tables.ts';

export interface ForecastRefreshTablesProps {
  /** The lake's Glue database. */
  readonly databaseName: string;
  /** Curated bucket name; each table lives under <path>/. */
  readonly curatedBucketName: string;
  /** @default INSIGHTS_TABLES */
  readonly tables?: readonly InsightsTable[];
}

const comment = (s: string) => (s.length > 255 ? `${s.slice(0, 252)}...` : s);

export class ForecastRefreshTables extends Construct {
  readonly tables: ReadonlyMap<string, glue.CfnTable>;
  private readonly databaseName: string;

  constructor(scope: Construct, id: string, props: ForecastRefreshTablesProps) {
    super(scope, id);
    this.databaseName = props.databaseName;
    const tables = new Map<string, glue.CfnTable>();
    for (const t of props.tables ?? INSIGHTS_TABLES) {
      tables.set(
        t.name,
        new glue.CfnTable(this, t.name, {
          catalogId: Aws.ACCOUNT_ID,
          databaseName: props.databaseName,
          tableInput: {
            name: t.name,
            description: t.description,
            tableType: 'EXTERNAL_TABLE',
            parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'SNAPPY' },
            partitionKeys: [{ name: t.partition.name, type: glueType(t.partition.type), comment: comment(t.partition.description) }],
            storageDescriptor: {
              location: `s3://${props.curatedBucketName}/${t.path}/`,
              columns: t.dataColumns.map((c) => ({ name: c.name, type: glueType(c.type), comment: comment(c.description) })),
              inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
              outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
              serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
              compressed: false,
              storedAsSubDirectories: false,
            },
          },
        }),
      );
    }
    this.tables = tables;
  }

  /** Register partitions of these tables (what Athena INSERT does after writing the files). */
  grantWritePartitions(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition', 'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        ...[...this.tables.keys()].map((t) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${t}` })),
      ],
    });
  }
}
