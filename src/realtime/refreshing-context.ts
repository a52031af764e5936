/**
 * The rule context as a warm Lambda container keeps it: the identity map, scores and consent loaded on the first
 * batch, then again once older than a time to live (the scorer writes once a day), as the cleanser keeps its
 * suppression list (src/cleanse/suppression.ts refreshingSuppression). `ctx` and `resolver` delegate to the sources as
 * last loaded, so the handler's dependencies are built once and still see a new scoring.
 *
 * @example
 * const rc = refreshingRuleContext({ load: () => readProfileRuleSources({ tableName }), config, ttlMs: 900_000 });
 * await rc.refresh(); // before each batch
 */
import type { CustomerConsent } from '../consent/index.ts';
import type { RealtimeConfig } from './config.ts';
import { RealtimeError } from './errors.ts';
import { ruleContext, type ScoreFacts } from './context.ts';
import type { RuleContext } from './engine.ts';
import { mapResolver, type CustomerResolver } from './stream-event.ts';

/** What the rules read beside the stream: identity_map rows, the latest scores and consent (prices and sentiment optional). */
export interface RuleSources {
  readonly identities: Iterable<{ identity_type: string; identity_value: string; customer_key: string }>;
  readonly scores: readonly ScoreFacts[];
  readonly consent: ReadonlyMap<string, CustomerConsent>;
  /** SKU -> list price; none: carts are valued at 0 and their lines' unit_price is null. */
  readonly prices?: ReadonlyMap<string, number>;
  /** Review / ticket id -> P(positive); none: the rating decides. */
  readonly sentiment?: ReadonlyMap<string, number>;
}

export interface RefreshingRuleContext {
  readonly ctx: RuleContext;
  readonly resolver: CustomerResolver;
  /** Loads the sources when never loaded or older than the TTL; a failed load throws (no batch runs on nothing). */
  refresh(): Promise<void>;
  /** When the sources were last loaded (ms since the epoch), 0 before the first load. */
  readonly loadedAt: number;
}

export function refreshingRuleContext(o: { readonly load: () => Promise<RuleSources>; readonly config: RealtimeConfig; readonly ttlMs: number; readonly clock?: () => number }): RefreshingRuleContext {
  const clock = o.clock ?? Date.now;
  let ctx: RuleContext | undefined;
  let resolver: CustomerResolver | undefined;
  let loadedAt = 0;
  const current = () => {
    if (!ctx || !resolver) throw new RealtimeError('the stream rules\' context was used before it was loaded (call refresh() before each batch)');
    return { ctx, resolver };
  };
  return {
    ctx: {
      vipOf: (k) => current().ctx.vipOf(k),
      valueOf: (k) => current().ctx.valueOf(k),
      consentOf: (k) => current().ctx.consentOf(k),
      priceOf: (sku) => current().ctx.priceOf(sku),
      sentimentOf: (id) => current().ctx.sentimentOf(id),
      now: () => current().ctx.now(),
    },
    resolver: { resolve: (ids) => current().resolver.resolve(ids) },
    async refresh() {
      const t = clock();
      if (ctx && t - loadedAt < o.ttlMs) return;
      const s = await o.load();
      ctx = ruleContext({ scores: s.scores, consent: s.consent, prices: s.prices ?? new Map(), sentiment: s.sentiment ?? new Map() }, o.config);
      resolver = mapResolver(s.identities);
      loadedAt = t;
    },
    get loadedAt() {
      return loadedAt;
    },
  };
}
