-- int_service_tickets: one row per customer-service ticket, folded from its opened/resolved events, with the
-- customer who opened it.
--
-- grain: one row per ticket_id
-- columns:
--   ticket_id: ticket id
--   customer_key: the stitched customer of the first event of the ticket (null when anonymous)
--   category: category given on the first event
--   contact_channel: phone, chat, email or store (first event)
--   store_id: store, for in-store service (first event)
--   opened_at: first event of the ticket (UTC)
--   resolved_at: last resolution (UTC; null while open)
--   is_resolved: the ticket was resolved
--   satisfaction: most recent satisfaction score given (1..5)
--   event_count: status events seen for the ticket

with

ticket_events as (
    select event_id, ticket_id, ticket_status, category, contact_channel, store_id, satisfaction, occurred_at
    from stg_service_tickets
),

event_customers as (
    select event_id, customer_key
    from int_event_customers
    where source = 'service'
),

ranked as (
    select
        t.event_id, t.ticket_id, t.ticket_status, t.category, t.contact_channel, t.store_id, t.satisfaction,
        t.occurred_at, c.customer_key,
        row_number() over (partition by t.ticket_id order by t.occurred_at, t.event_id) as event_rank,
        row_number() over (
            partition by t.ticket_id
            order by case when t.satisfaction is null then 1 else 0 end, t.occurred_at desc, t.event_id desc
        ) as rating_rank
    from ticket_events as t
    left join event_customers as c on c.event_id = t.event_id
),

tickets as (
    select
        ticket_id,
        min(occurred_at) as opened_at,
        max(case when ticket_status = 'resolved' then occurred_at end) as resolved_at,
        count(*) as event_count
    from ranked
    group by ticket_id
),

final as (
    select
        t.ticket_id,
        f.customer_key,
        f.category,
        f.contact_channel,
        f.store_id,
        t.opened_at,
        t.resolved_at,
        t.resolved_at is not null as is_resolved,
        r.satisfaction,
        t.event_count
    from tickets as t
    inner join ranked as f on f.ticket_id = t.ticket_id and f.event_rank = 1
    inner join ranked as r on r.ticket_id = t.ticket_id and r.rating_rank = 1
)

select * from final
