-- int_customers: one row per stitched customer, from identity_map: the member id to show and how many
-- identifiers of each kind were stitched together.
--
-- grain: one row per customer_key
-- columns:
--   customer_key: the stitched customer
--   member_id: the customer's member id (the first seen, when several); null for non-members
--   first_seen_at: first time any of the customer's identifiers occurred (UTC)
--   identity_count: identifiers stitched into the customer
--   member_id_count: member ids
--   phone_count: phone numbers
--   email_count: e-mail addresses
--   device_count: app devices
--   openid_count: WeChat openids
--   guest_count: guest-checkout ids

with

identities as (
    select identity_type, identity_value, customer_key, first_seen_at
    from identity_map
),

members as (
    select
        customer_key,
        identity_value as member_id,
        row_number() over (partition by customer_key order by first_seen_at, identity_value) as member_rank
    from identities
    where identity_type = 'member_id'
),

counts as (
    select
        customer_key,
        min(first_seen_at) as first_seen_at,
        count(*) as identity_count,
        count(case when identity_type = 'member_id' then 1 end) as member_id_count,
        count(case when identity_type = 'phone' then 1 end) as phone_count,
        count(case when identity_type = 'email' then 1 end) as email_count,
        count(case when identity_type = 'device_id' then 1 end) as device_count,
        count(case when identity_type = 'openid' then 1 end) as openid_count,
        count(case when identity_type = 'guest_id' then 1 end) as guest_count
    from identities
    group by customer_key
),

final as (
    select
        c.customer_key,
        m.member_id,
        c.first_seen_at,
        c.identity_count,
        c.member_id_count,
        c.phone_count,
        c.email_count,
        c.device_count,
        c.openid_count,
        c.guest_count
    from counts as c
    left join members as m on m.customer_key = c.customer_key and m.member_rank = 1
)

select * from final
