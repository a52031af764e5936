/**
 * Saved Athena queries for the questions analysts ask first, so a new user opens the console and runs them
 * instead of starting from a blank editor. Each reads the contract tables or the documented tag views.
 */
import * as athena from 'aws-cdk-lib/aws-athena';
import { Construct } from 'constructs';

export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'Pipeline health: records per day and zone',
    description: 'Clean events and quarantined records per day over the last 14 days',
    sql: `select dt, 'clean' as zone, count(*) as records from curated_events where dt >= current_date - interval '14' day group by dt
union all
select dt, 'quarantine' as zone, count(*) as records from quarantine_events where dt >= current_date - interval '14' day group by dt
order by dt desc, zone`,
  },
  {
    name: 'Quarantine by reason (7 days)',
    description: 'Why records were rejected this week, by source and reason code, with one example message',
    sql: `select source, reason_code, count(*) as records, arbitrary(message) as example_message
from quarantine_events
where dt >= current_date - interval '7' day
group by source, reason_code
order by records desc`,
  },
  {
    name: 'RFM segments',
    description: 'Customers and revenue per RFM segment in the newest customer_tags snapshot',
    sql: `select rfm_segment, count(*) as customers, sum(net_revenue_365d) as revenue_365d, avg(recency_days) as avg_recency_days
from customer_tags
where dt = (select max(dt) from customer_tags)
group by rfm_segment
order by customers desc`,
  },
  {
    name: 'Valuable customers at risk',
    description: 'Top customers by revenue whose lifecycle stage is cooling or lapsed: the win-back list',
    sql: `select customer_key, member_id, rfm_segment, lifecycle_stage, recency_days, net_revenue_365d, preferred_channel
from customer_tags
where dt = (select max(dt) from customer_tags)
  and lifecycle_stage in ('cooling', 'lapsed')
order by net_revenue_365d desc
limit 100`,
  },
  {
    name: 'Daily sales by channel (30 days)',
    description: 'Net revenue and orders per day and channel from curated order lines',
    sql: `select dt, channel, count(distinct order_id) as orders, sum(line_amount) as net_revenue
from curated_order_lines
where dt >= current_date - interval '30' day
group by dt, channel
order by dt desc, channel`,
  },
];

export interface NamedQueriesProps {
  readonly databaseName: string;
  readonly workgroupName: string;
  /** @default NAMED_QUERIES */
  readonly queries?: readonly NamedQuery[];
}

export class NamedQueries extends Construct {
  constructor(scope: Construct, id: string, props: NamedQueriesProps) {
    super(scope, id);
    (props.queries ?? NAMED_QUERIES).forEach((q, i) => {
      new athena.CfnNamedQuery(this, `Query${i}`, {
        name: q.name,
        description: q.description,
        database: props.databaseName,
        workGroup: props.workgroupName,
        queryString: q.sql,
      });
    });
  }
}
