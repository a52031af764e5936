-- stg_social_events: the brand's social sources, typed from the social.* payloads: WeChat official-account follows
-- and unfollows, article reads and shares, mini-program visits, and Weibo posts that mention the brand. One row per
-- event (stg_events keeps the first received copy of an event sent twice).
--
-- grain: one row per event_id of source social
-- columns:
--   event_id: producer event id
--   event_type: social.wechat_follow, social.wechat_unfollow, social.wechat_article_read, social.wechat_article_share, social.miniprogram_visit or social.weibo_post
--   occurred_at: when it happened (UTC)
--   account_id: official account followed or unfollowed
--   article_id: article read or shared
--   share_id: id of an article share (its link carries it)
--   via_share_id: the share whose link opened this read or visit; null when opened directly
--   page: mini-program page visited
--   post_id: Weibo post id
--   post_text: text of the Weibo post (personal data scrubbed, capped)

with

social_events as (
    select event_id, event_type, occurred_at, payload
    from stg_events
    where source = 'social'
),

final as (
    select
        event_id,
        event_type,
        occurred_at,
        json_extract_scalar(payload, '$.account_id') as account_id,
        json_extract_scalar(payload, '$.article_id') as article_id,
        json_extract_scalar(payload, '$.share_id') as share_id,
        json_extract_scalar(payload, '$.via_share_id') as via_share_id,
        json_extract_scalar(payload, '$.page') as page,
        json_extract_scalar(payload, '$.post_id') as post_id,
        json_extract_scalar(payload, '$.text') as post_text
    from social_events
)

select * from final
