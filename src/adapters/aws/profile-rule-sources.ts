/**
 * What the stream rules look up beside the stream, in AWS: read from the profile table the scheduled scorer fills
 * (src/adapters/aws/dynamodb-profile-store.ts), not from Athena. Each customer's `batch` item holds the profile
 * document: identity_map's identifiers of the customer (every identity type), the scored tag row (its consent tag)
 * and the customer_scores row (CLV, churn probability, as-of). One Scan of the `batch` items gives the rules the
 * same identity map, scores and consent the local run reads from the lake (src/realtime/local-run.ts), so VIP
 * cut-offs are percentiles over the same scoring.
 *
 * Read once per container and again when older than a TTL (lambdas/stream-rules): the scorer writes once a day.
 * The Scan reads the whole table (batch, index and live items; only batch items are returned), so its cost grows
 * with the customer count; docs/realtime.md gives the figures and the next step at scale.
 *
 * A customer whose identifiers are on the suppression list (an erased person) is left out, as the local lake no
 * longer holds them after `retail-lake erase`.
 */
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { consentOfTag, type CustomerConsent } from '../../consent/index.ts';
import { identityColumn } from '../../contract/index.ts';
import type { IdentityType } from '../../contract/envelope.ts';
import type { TagRow } from '../../models/index.ts';
import { PROFILE_TABLE, type IdentityRow, type ProfileDocument } from '../../profiles/document.ts';
import type { ScoreFacts } from '../../realtime/context.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';

/** The rules' lookups as read from the profile table. */
export interface ProfileRuleSources {
  readonly identities: readonly IdentityRow[];
  readonly scores: readonly ScoreFacts[];
  readonly consent: ReadonlyMap<string, CustomerConsent>;
  /** Batch items read, and those left out as suppressed. */
  readonly customers: number;
  readonly suppressed: number;
  /** Newest as-of of the scores read (null before the first scoring). */
  readonly scoresAsOf: string | null;
}

export interface ProfileRuleSourcesOptions extends ClientOptions {
  readonly tableName: string;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
  /** Parallel Scan segments. @default 4 */
  readonly segments?: number;
  /** True for a row of curated identity columns on the suppression list. @default nobody */
  readonly suppressed?: (row: Readonly<Record<string, string>>) => boolean;
}

/** The documents of one Scan segment. */
async function scanSegment(client: DynamoDBClient, table: string, segment: number, total: number): Promise<ProfileDocument[]> {
  const out: ProfileDocument[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    let r;
    try {
      r = await client.send(
        new ScanCommand({
          TableName: table,
          Segment: segment,
          TotalSegments: total,
          FilterExpression: '#s = :b',
          ProjectionExpression: '#s, doc',
          ExpressionAttributeNames: { '#s': PROFILE_TABLE.sortKey },
          ExpressionAttributeValues: { ':b': { S: PROFILE_TABLE.batch } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
    } catch (e) {
      throw new AwsAdapterError(`Scan of ${table} (segment ${segment} of ${total}) for the stream rules failed: ${(e as Error).message}`, { cause: e });
    }
    for (const item of r.Items ?? []) if (item.doc?.S) out.push(JSON.parse(item.doc.S) as ProfileDocument);
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Reads the identities, scores and consent of every profile (see the module comment). */
export async function readProfileRuleSources(o: ProfileRuleSourcesOptions): Promise<ProfileRuleSources> {
  const client = o.client ?? new DynamoDBClient(clientConfig(o));
  const total = o.segments ?? 4;
  const docs = (await Promise.all(Array.from({ length: total }, (_, s) => scanSegment(client, o.tableName, s, total)))).flat();
  // Sorted by customer key: the same input order in every container, whatever order the segments came back in.
  docs.sort((a, b) => (a.customer_key < b.customer_key ? -1 : a.customer_key > b.customer_key ? 1 : 0));
  const identities: IdentityRow[] = [];
  const scores: ScoreFacts[] = [];
  const consent = new Map<string, CustomerConsent>();
  let suppressed = 0;
  let scoresAsOf: string | null = null;
  for (const d of docs) {
    if (o.suppressed) {
      const row: Record<string, string> = {};
      for (const i of d.identifiers) row[identityColumn(i.type as IdentityType)] = i.value;
      if (o.suppressed(row)) {
        suppressed++;
        continue;
      }
    }
    for (const i of d.identifiers) identities.push({ identity_type: i.type, identity_value: i.value, customer_key: d.customer_key });
    if (d.scores) {
      const s = d.scores;
      scores.push({ customer_key: d.customer_key, as_of: String(s.as_of), clv_365d: s.clv_365d ?? null, churn_probability: s.churn_probability ?? null });
      if (scoresAsOf === null || String(s.as_of) > scoresAsOf) scoresAsOf = String(s.as_of);
    }
    if (d.tags) consent.set(d.customer_key, consentOfTag(d.tags.values as TagRow));
  }
  return { identities, scores, consent, customers: docs.length, suppressed, scoresAsOf };
}
