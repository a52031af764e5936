/**
 * Social: the brand's WeChat official account and mini-program, and Weibo posts that mention the brand.
 *
 * Who: members with WeChat who bought something (people the brand met). Each has a union id (the same in every app
 * of the brand's WeChat open-platform account) and an official-account openid of its own (WeChat gives each app its
 * own openid; the mini-program's is `Person.openid`, the one mini-program orders carry). Every participant's social
 * life starts with a mini-program visit while logged in as a member (member id, mini-program openid and union id on
 * one event), so identity resolution can link the official account's openid to the customer through the union id.
 *
 * What: some follow the account (and some unfollow, and some follow again); followers read the articles it publishes
 * twice a week and share some of them (advocates much more than others); a share's link brings reads and
 * mini-program visits by other participants (`via_share_id`). A few members post on Weibo about the brand (their
 * Weibo account bound to the membership: the post carries the member id), others post anonymously; each post's text
 * follows a hidden 1-5 mood with the review wording (text.ts), so the sentiment model has a true signal.
 *
 * Every draw comes from streams of its own ('social', 'social-ids', 'social-event-ids') and the events go to files of
 * their own (events/social-YYYY-MM.jsonl), after the simulation, reading only what it fixed (members, sign-up days,
 * churn): no byte of the other event files changes. Every event is clean (no dirty injection): the ground truth
 * (ground_truth/social.jsonl, one line per event) is exact.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isoUtc, localDate, MS, type Day } from './calendar.ts';
import type { Catalog } from './catalog.ts';
import { EventFactory, type Identities } from './events.ts';
import { openid } from './identity.ts';
import type { Person } from './people.ts';
import { Rng } from './rng.ts';
import { reviewText } from './text.ts';

/** The official account's original id. */
export const OFFICIAL_ACCOUNT = 'gh_retailer01';

/** Daily probabilities and shares of the social simulation. */
const RATES = {
  /** Of members with WeChat who bought: share active on the brand's WeChat at all. */
  participate: 0.6,
  /** Of participants: share that follow the account at some point of the window. */
  follow: 0.55,
  /** Per day while following. */
  unfollow: 0.002,
  /** Per day after an unfollow. */
  refollow: 0.004,
  /** Mean mini-program visits per day (gamma-distributed per person). */
  visitsPerDay: 0.02,
  /** Of participants: advocates, who share far more often. */
  advocate: 0.08,
  /** Share of a read: advocates, others. */
  shareAdvocate: 0.3,
  shareOther: 0.02,
  /** Of members: share that post on Weibo about the brand (bound accounts). */
  weiboPoster: 0.06,
  /** Posts per poster per day. */
  postsPerDay: 0.008,
  /** Anonymous brand mentions per day (accounts bound to no member). */
  anonymousPostsPerDay: 1.5,
} as const;

/** Mini-program pages; product pages name a SKU. */
const PAGES = ['pages/index/index', 'pages/product/detail', 'pages/category/list', 'pages/member/center', 'pages/coupon/list'] as const;

/** The WeChat ids of a participant (ground truth: persons.jsonl lists them with the person's other identifiers). */
export interface WeChatIds {
  readonly officialAccountOpenid: string;
  readonly unionid: string;
}

/** One social event as ground truth. */
export interface SocialTruth {
  readonly event_id: string;
  readonly type: string;
  readonly occurred_at: string;
  /** The person, null for an anonymous Weibo post. */
  readonly person_id: string | null;
  readonly member_id: string | null;
  readonly share_id?: string;
  readonly via_share_id?: string;
  /** The person whose share brought this read or visit. */
  readonly sharer_person_id?: string;
  readonly post_id?: string;
  /** Hidden mood of a Weibo post, 1 (angry) .. 5 (delighted); its text follows it. */
  readonly mood?: number;
}

interface Pending {
  readonly atMs: number;
  readonly person: Person | null;
  readonly type:
    | 'social.wechat_follow'
    | 'social.wechat_unfollow'
    | 'social.wechat_article_read'
    | 'social.wechat_article_share'
    | 'social.miniprogram_visit'
    | 'social.weibo_post';
  readonly payload: Record<string, unknown>;
  readonly sharer?: Person;
  readonly mood?: number;
}

export interface SocialLog {
  readonly ids: ReadonlyMap<number, WeChatIds>;
  readonly files: string[];
  readonly events: number;
  readonly byType: Record<string, number>;
}

const unionid = (rng: Rng) => `o6_${openid(rng).slice(1)}`;

/** Simulates the social sources and writes events/social-YYYY-MM.jsonl and ground_truth/social.jsonl. */
export async function writeSocial(outDir: string, seed: number, people: readonly Person[], days: readonly Day[], catalog: Catalog): Promise<SocialLog> {
  const rng = new Rng(seed, 'social');
  const idRng = new Rng(seed, 'social-ids');
  const windowEnd = days[days.length - 1]!.startMs + MS.day;
  const pending: Pending[] = [];
  const ids = new Map<number, WeChatIds>();
  const at = (day: Day) => day.startMs + rng.int(7 * 3600, 23 * 3600) * 1000;
  const wechatWho = (p: Person, app: 'account' | 'mini'): Identities & { unionid: string } => {
    const w = ids.get(p.index)!;
    return app === 'account'
      ? { openid: w.officialAccountOpenid, unionid: w.unionid }
      : { member_id: p.memberId, openid: p.openid, unionid: w.unionid };
  };

  const participants = people.filter((p) => p.openid !== undefined && p.memberId !== undefined && p.state.purchases > 0 && rng.chance(RATES.participate));
  for (const p of participants) ids.set(p.index, { officialAccountOpenid: openid(idRng), unionid: unionid(idRng) });

  // The account publishes on Tuesdays and Fridays; a reader opens the newest article.
  const articleOf = (dayIndex: number): string | undefined => {
    for (let i = dayIndex; i >= 0; i--) {
      const d = days[i]!;
      if (d.weekday === 2 || d.weekday === 5) return `ART-${d.date.replaceAll('-', '')}`;
    }
    return undefined;
  };

  const products = catalog.skus.filter((s) => s.isActive);
  const visitPayload = (via?: string): Record<string, unknown> => {
    const page = rng.pick(PAGES);
    return {
      page,
      sku: page === 'pages/product/detail' ? rng.pick(products).sku : undefined,
      duration_seconds: rng.int(5, 900),
      via_share_id: via,
    };
  };

  for (const p of participants) {
    const start = Math.max(0, p.signupDay + 1);
    const stop = Math.min(days.length, p.state.churnDay + 30);
    if (start >= stop) continue;
    const visitRate = rng.gamma(1.5, RATES.visitsPerDay / 1.5);
    const readRate = rng.gamma(1.2, 0.08 / 1.2);
    const shareProb = rng.chance(RATES.advocate) ? RATES.shareAdvocate : RATES.shareOther;
    const followDay = rng.chance(RATES.follow) ? rng.int(start + 1, Math.max(start + 1, stop - 1)) : Infinity;
    // The first social event: a logged-in mini-program visit (links member id, openid and union id).
    pending.push({ atMs: at(days[start]!), person: p, type: 'social.miniprogram_visit', payload: visitPayload() });
    let following = false;
    for (let d = start + 1; d < stop; d++) {
      const day = days[d]!;
      if (d === followDay || (!following && followDay < d && rng.chance(RATES.refollow))) {
        following = true;
        pending.push({ atMs: at(day), person: p, type: 'social.wechat_follow', payload: { account_id: OFFICIAL_ACCOUNT, scene: rng.pick(['search', 'qr_code', 'article', 'mini_program', 'other'] as const) } });
      } else if (following && rng.chance(RATES.unfollow)) {
        following = false;
        pending.push({ atMs: at(day), person: p, type: 'social.wechat_unfollow', payload: { account_id: OFFICIAL_ACCOUNT } });
      }
      if (rng.chance(visitRate)) pending.push({ atMs: at(day), person: p, type: 'social.miniprogram_visit', payload: visitPayload() });
      if (following && rng.chance(readRate)) {
        const article = articleOf(d)!;
        const readAt = at(day);
        pending.push({ atMs: readAt, person: p, type: 'social.wechat_article_read', payload: { article_id: article, read_seconds: rng.int(10, 600) } });
        if (rng.chance(shareProb)) {
          const shareId = `SHR-${idRng.hex(16)}`;
          const shareAt = readAt + rng.int(30, 900) * 1000;
          pending.push({ atMs: shareAt, person: p, type: 'social.wechat_article_share', payload: { article_id: article, share_id: shareId, target: rng.pick(['friend', 'group_chat', 'moments'] as const) } });
          // Half the shares bring nobody; the others one to four visits by other participants, within three days.
          const visitors = rng.chance(0.5) ? 0 : rng.int(1, 4);
          for (let v = 0; v < visitors; v++) {
            const other = rng.pick(participants);
            const visitAt = shareAt + rng.int(60, 3 * 86_400) * 1000;
            const otherStart = days[Math.max(0, other.signupDay + 1)];
            // Only people already on the brand's WeChat (after their first, logged-in visit) arrive through a share.
            if (other === p || visitAt >= windowEnd || otherStart === undefined || otherStart.startMs + MS.day > visitAt) continue;
            pending.push(
              rng.chance(0.6)
                ? { atMs: visitAt, person: other, type: 'social.wechat_article_read', payload: { article_id: article, read_seconds: rng.int(10, 600), via_share_id: shareId }, sharer: p }
                : { atMs: visitAt, person: other, type: 'social.miniprogram_visit', payload: visitPayload(shareId), sharer: p },
            );
          }
        }
      }
    }
  }

  // Weibo: members with a bound account, and anonymous mentions.
  const post = (person: Person | null, day: Day, mood: number) => {
    const noun = rng.pick(products).noun;
    const { text } = reviewText(rng, mood, noun);
    const tag = rng.pick(['#RetailerOfficial# ', '@RetailerOfficial ', '']);
    pending.push({ atMs: at(day), person, type: 'social.weibo_post', payload: { post_id: String(4_900_000_000_000_000 + idRng.int(0, 99_999_999_999)), text: `${tag}${text}`, reposts: rng.int(0, 20), likes: rng.int(0, 300) }, mood });
  };
  for (const p of people) {
    if (p.memberId === undefined || p.state.purchases === 0 || !rng.chance(RATES.weiboPoster)) continue;
    const leaning = rng.int(1, 5);
    const start = Math.max(0, p.signupDay + 1);
    for (let d = start; d < days.length; d++) {
      if (rng.chance(RATES.postsPerDay)) post(p, days[d]!, Math.min(5, Math.max(1, leaning + rng.int(-1, 1))));
    }
  }
  for (const day of days) {
    const n = rng.poisson(RATES.anonymousPostsPerDay);
    for (let i = 0; i < n; i++) post(null, day, rng.int(1, 5));
  }

  const events = pending.filter((e) => e.atMs < windowEnd).sort((a, b) => a.atMs - b.atMs);
  const factory = new EventFactory(new Rng(seed, 'social-event-ids'));
  const byMonth = new Map<string, string[]>();
  const truth: string[] = [];
  const byType: Record<string, number> = {};
  for (const e of events) {
    const occurred = isoUtc(e.atMs);
    const who: Identities = e.person === null ? {} : e.type === 'social.weibo_post' ? { member_id: e.person.memberId } : wechatWho(e.person, e.type === 'social.miniprogram_visit' ? 'mini' : 'account');
    const env = factory.make(e.type, occurred, who, e.payload);
    const month = localDate(e.atMs).slice(0, 7);
    if (!byMonth.has(month)) byMonth.set(month, []);
    byMonth.get(month)!.push(JSON.stringify(env));
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    const t: SocialTruth = {
      event_id: env.event_id,
      type: e.type,
      occurred_at: occurred,
      person_id: e.person?.personId ?? null,
      member_id: e.person?.memberId ?? null,
      share_id: e.payload.share_id as string | undefined,
      via_share_id: e.payload.via_share_id as string | undefined,
      sharer_person_id: e.sharer?.personId,
      post_id: e.payload.post_id as string | undefined,
      mood: e.mood,
    };
    truth.push(JSON.stringify(t));
  }
  await mkdir(join(outDir, 'events'), { recursive: true });
  await mkdir(join(outDir, 'ground_truth'), { recursive: true });
  const files: string[] = [];
  for (const [month, lines] of [...byMonth].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const file = `events/social-${month}.jsonl`;
    await writeFile(join(outDir, file), `${lines.join('\n')}\n`);
    files.push(file);
  }
  await writeFile(join(outDir, 'ground_truth', 'social.jsonl'), truth.length ? `${truth.join('\n')}\n` : '');
  return { ids, files, events: events.length, byType };
}
