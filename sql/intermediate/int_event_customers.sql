-- int_event_customers: the customer behind every clean event. An event's identifiers all belong to one customer
-- (they co-occur, so identity resolution linked them), except identifiers the over-merge guard set aside, which
-- are not in identity_map; the first identifier that is found decides. Events with no resolvable identifier
-- (an anonymous till sale) have a null customer_key.
--
-- grain: one row per (source, event_id)
-- columns:
--   source: source system
--   event_id: producer event id
--   customer_key: the stitched customer (null when anonymous)

with

events as (
    select source, event_id, member_id, phone_hash, email_hash, device_id, openid_hash, guest_id, unionid_hash
    from stg_events
),

identities as (
    select identity_type, identity_value, customer_key
    from identity_map
),

resolved as (
    select
        e.source,
        e.event_id,
        coalesce(
            by_member.customer_key, by_phone.customer_key, by_email.customer_key,
            by_openid.customer_key, by_device.customer_key, by_guest.customer_key, by_unionid.customer_key
        ) as customer_key
    from events as e
    left join identities as by_member on by_member.identity_type = 'member_id' and by_member.identity_value = e.member_id
    left join identities as by_phone on by_phone.identity_type = 'phone' and by_phone.identity_value = e.phone_hash
    left join identities as by_email on by_email.identity_type = 'email' and by_email.identity_value = e.email_hash
    left join identities as by_openid on by_openid.identity_type = 'openid' and by_openid.identity_value = e.openid_hash
    left join identities as by_device on by_device.identity_type = 'device_id' and by_device.identity_value = e.device_id
    left join identities as by_guest on by_guest.identity_type = 'guest_id' and by_guest.identity_value = e.guest_id
    left join identities as by_unionid on by_unionid.identity_type = 'unionid' and by_unionid.identity_value = e.unionid_hash
),

final as (
    select source, event_id, customer_key
    from resolved
)

select * from final
