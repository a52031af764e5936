-- tag_consent: what each customer allows as of tag_as_of.as_of_date, from the changes on or before the end of that
-- day per scope, i.e. per purpose and channel (int_consent_changes). Each identifier the customer stated consent
-- under (a customer stitched from two member ids has two) keeps its own latest change per scope; a refusal standing
-- under any of them wins, and only a later grant under that same identifier lifts it (a grant under another member
-- id of the same person does not). Profiling is allowed unless so refused (the customer's right to object: PIPL
-- art. 24, GDPR art. 21); marketing on a channel only after an opt-in to it (PIPL art. 14, ePrivacy) and while no
-- identifier's latest change on that channel refuses it. Two changes at the same instant: the withdrawal wins.
--
-- grain: one row per customer_key in int_customers
-- columns:
--   customer_key: the stitched customer
--   consent: map scope -> allowed, keys profiling, marketing_sms, marketing_email, marketing_app_push, marketing_wechat (every key always present)
--   has_profiling_consent: scores, segments and model events are allowed
--   marketing_channel_count: channels the customer may be sent marketing on (0..4)
--   consent_updated_at: latest consent change on or before the as-of date (UTC), null when none

with

as_of as (
    select as_of_date
    from tag_as_of
),

customers as (
    select customer_key
    from int_customers
),

changes as (
    select
        c.customer_key,
        c.scope,
        c.is_granted,
        c.occurred_at,
        row_number() over (
            partition by c.customer_key, c.scope, c.stated_by
            order by c.occurred_at desc, c.is_granted asc, c.event_id desc
        ) as change_rank
    from int_consent_changes as c
    cross join as_of as a
    where c.customer_key is not null
        and cast(c.occurred_at as date) <= a.as_of_date
),

-- Per scope, 1 when every identifier's latest change grants it, 0 when any refuses it, null when none stated it.
latest as (
    select
        customer_key,
        min(case when scope = 'profiling' and change_rank = 1 then case when is_granted then 1 else 0 end end) as profiling,
        min(case when scope = 'marketing_sms' and change_rank = 1 then case when is_granted then 1 else 0 end end) as marketing_sms,
        min(case when scope = 'marketing_email' and change_rank = 1 then case when is_granted then 1 else 0 end end) as marketing_email,
        min(case when scope = 'marketing_app_push' and change_rank = 1 then case when is_granted then 1 else 0 end end) as marketing_app_push,
        min(case when scope = 'marketing_wechat' and change_rank = 1 then case when is_granted then 1 else 0 end end) as marketing_wechat,
        max(occurred_at) as consent_updated_at
    from changes
    group by customer_key
),

allowed as (
    select
        c.customer_key,
        coalesce(l.profiling, 1) = 1 as profiling,
        coalesce(l.marketing_sms, 0) = 1 as marketing_sms,
        coalesce(l.marketing_email, 0) = 1 as marketing_email,
        coalesce(l.marketing_app_push, 0) = 1 as marketing_app_push,
        coalesce(l.marketing_wechat, 0) = 1 as marketing_wechat,
        l.consent_updated_at
    from customers as c
    left join latest as l on l.customer_key = c.customer_key
),

final as (
    select
        customer_key,
        map(
            array['profiling', 'marketing_sms', 'marketing_email', 'marketing_app_push', 'marketing_wechat'],
            array[profiling, marketing_sms, marketing_email, marketing_app_push, marketing_wechat]
        ) as consent,
        profiling as has_profiling_consent,
        cast(
            case when marketing_sms then 1 else 0 end + case when marketing_email then 1 else 0 end
            + case when marketing_app_push then 1 else 0 end + case when marketing_wechat then 1 else 0 end
            as integer
        ) as marketing_channel_count,
        consent_updated_at
    from allowed
)

select * from final
