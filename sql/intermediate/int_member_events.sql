-- int_member_events: loyalty-programme events with their customer.
--
-- grain: one row per event_id
-- columns:
--   event_id: producer event id
--   event_type: member.signup, member.profile, member.tier_changed or member.points
--   customer_key: the stitched customer
--   member_id: loyalty member id on the event
--   tier: tier after the event (sign-ups and tier changes)
--   from_tier: tier before a tier change
--   signup_channel: store, online or app (sign-ups)
--   points_delta: points earned (+) or spent/expired (-)
--   points_balance: balance after the change
--   occurred_at: when it happened (UTC)

with

member_events as (
    select event_id, event_type, member_id, tier, from_tier, signup_channel, points_delta, points_balance, occurred_at
    from stg_member_events
),

event_customers as (
    select event_id, customer_key
    from int_event_customers
    where source = 'member'
),

final as (
    select
        m.event_id,
        m.event_type,
        c.customer_key,
        m.member_id,
        m.tier,
        m.from_tier,
        m.signup_channel,
        m.points_delta,
        m.points_balance,
        m.occurred_at
    from member_events as m
    left join event_customers as c on c.event_id = m.event_id
)

select * from final
