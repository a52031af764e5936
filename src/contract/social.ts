/**
 * Social sources: the brand's WeChat official account (follows, unfollows, article reads and shares), its WeChat
 * mini-program (visits, some of them opened from a shared link) and Weibo posts that mention the brand (found by the
 * brand's social listening; the text is scored by the sentiment model like a review).
 *
 * Identity: WeChat gives each app its own openid for one user (the official account's openid differs from the
 * mini-program's), and a union id that is the same in every app of the brand's WeChat open-platform account. Events
 * carry both in `identities` (`openid`, `unionid`); both are personal data and reach the curated zone only as keyed
 * hashes (`openid_hash`, `unionid_hash`), and identity resolution links the two openids through the union id. A Weibo
 * post carries the member id when the author bound their Weibo account to their membership, else no identifier
 * (it counts for the brand, not for a customer).
 *
 * Shares: an article share names its `share_id`; a read or a visit opened from that shared link names it as
 * `via_share_id`, so the tags can tell which shares brought visits (docs/tags.md, `is_social_advocate`).
 */
import { z } from 'zod';
import { code, freeText } from './primitives.ts';

/** Where a follow came from (the scene WeChat reports on the subscribe event). */
export const FOLLOW_SCENES = ['search', 'qr_code', 'article', 'mini_program', 'other'] as const;
/** Where an article was shared to. */
export const SHARE_TARGETS = ['friend', 'group_chat', 'moments'] as const;

const article = {
  article_id: code.describe('Official-account article id'),
};
const shareId = z.string().min(1).max(64);

export const wechatFollowV1 = z.object({
  account_id: code.describe('The official account (its original id, e.g. GH_RETAILER)'),
  scene: z.enum(FOLLOW_SCENES).optional().describe('How the user found the account'),
});
export const wechatUnfollowV1 = z.object({
  account_id: code.describe('The official account'),
});
export const wechatArticleReadV1 = z.object({
  ...article,
  read_seconds: z.int().min(0).max(86_400).optional().describe('Time on the article, seconds'),
  via_share_id: shareId.optional().describe('The share whose link was opened to read it (social.wechat_article_share share_id)'),
});
export const wechatArticleShareV1 = z.object({
  ...article,
  share_id: shareId.describe('Id of this share; reads and visits opened from its link name it as via_share_id'),
  target: z.enum(SHARE_TARGETS).describe('Shared to a friend, a group chat or Moments'),
});
export const miniprogramVisitV1 = z.object({
  page: z.string().min(1).max(200).describe('Mini-program page path, e.g. pages/product/detail'),
  sku: code.optional().describe('Product shown, when the page is a product page'),
  duration_seconds: z.int().min(0).max(86_400).optional().describe('Time in the mini-program, seconds'),
  via_share_id: shareId.optional().describe('The share whose link opened the mini-program (social.wechat_article_share share_id)'),
});
export const weiboPostV1 = z.object({
  post_id: code.describe('Weibo post id (mid)'),
  text: freeText.describe('Text of the post (personal data scrubbed and capped by the cleanser); scored by the sentiment model'),
  reposts: z.int().min(0).max(100_000_000).optional().describe('Reposts when it was collected'),
  likes: z.int().min(0).max(100_000_000).optional().describe('Likes when it was collected'),
});
