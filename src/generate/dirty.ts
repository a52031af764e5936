/**
 * Deliberately dirty records, at a given fraction of all lines, each with the reason code the cleanser is
 * expected to give. Kinds are drawn by weight; a kind that does not fit the event at hand (an unknown SKU on a
 * tier change) waits in a backlog for the next event it fits, so the mix of kinds stays as weighted while the
 * bulk of events are app clicks.
 */
import type { Envelope } from './events.ts';
import { Rng } from './rng.ts';
import { oversizedText } from './text.ts';

export const DIRTY_KINDS = [
  { kind: 'duplicate', reason: 'duplicate', weight: 25 },
  { kind: 'malformed_json', reason: 'json.malformed', weight: 12 },
  { kind: 'missing_field', reason: 'schema.missing_field', weight: 12 },
  { kind: 'invalid_type', reason: 'schema.invalid_type', weight: 12 },
  { kind: 'negative_quantity', reason: 'value.out_of_range', weight: 10 },
  { kind: 'impossible_timestamp', reason: 'timestamp.implausible', weight: 10 },
  { kind: 'unknown_sku', reason: 'reference.unknown_sku', weight: 10 },
  { kind: 'unknown_version', reason: 'schema.unknown_version', weight: 8 },
  { kind: 'oversized_text', reason: 'payload.too_large', weight: 1 },
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number]['kind'];

/** Oversized records are > 300 KiB each: a handful is enough to test the limit without bloating the output. */
export const MAX_OVERSIZED = 5;
export const OVERSIZED_BYTES = 310 * 1024;
export const UNKNOWN_VERSION = 99;

export interface DirtyMark {
  readonly kind: DirtyKind;
  readonly expected_reason: string;
  /** Dotted path of the damaged field, where there is one. */
  readonly field?: string;
}

export interface Injected {
  /** The line to write (the clean line when the event stays clean or is duplicated). */
  readonly line: string;
  readonly mark?: DirtyMark;
  /** Set when the line is to be sent a second time later. */
  readonly resendAfterMs?: number;
}

type Json = Record<string, unknown>;
const NUMBER_WORDS = ['two', 'three', 'one', 'five'];

/** Fields whose removal breaks the contract, per type (envelope fields work for every type). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'pos.sale': ['payload.lines', 'payload.currency', 'payload.order_id'],
  'online.order': ['payload.shipping', 'payload.order_id', 'payload.lines'],
  'app.behaviour': ['payload.session_id', 'payload.action'],
  'review.submitted': ['payload.rating', 'payload.text', 'payload.sku'],
  'service.ticket': ['payload.category', 'payload.status', 'payload.ticket_id'],
  'member.signup': ['payload.signup_channel'],
  'member.tier_changed': ['payload.to_tier'],
  'member.points': ['payload.balance', 'payload.reason'],
  'coupon.issued': ['payload.coupon_id', 'payload.discount_value'],
  'coupon.redeemed': ['payload.order_id', 'payload.coupon_id'],
};
const ENVELOPE_REQUIRED = ['event_id', 'occurred_at', 'source'];

const lines = (e: Envelope) => e.payload.lines as Json[] | undefined;
const isOrder = (e: Envelope) => e.type === 'pos.sale' || e.type === 'online.order';

function eligible(kind: DirtyKind, e: Envelope, oversizedLeft: number): boolean {
  switch (kind) {
    case 'negative_quantity':
      return isOrder(e) || (e.type === 'app.behaviour' && e.payload.quantity !== undefined);
    case 'unknown_sku':
      return isOrder(e) || e.type === 'review.submitted' || (e.type === 'app.behaviour' && e.payload.sku !== undefined);
    case 'oversized_text':
      return e.type === 'review.submitted' && oversizedLeft > 0;
    default:
      return true;
  }
}

export class DirtyInjector {
  private readonly rng: Rng;
  private readonly backlog = new Map<DirtyKind, number>();
  private oversizedLeft = MAX_OVERSIZED;

  /**
   * @param rate fraction of lines to make dirty
   * @param unknownSkus codes not in the catalogue (a few, reused, like products missing from the ERP)
   */
  constructor(
    seed: number,
    private readonly rate: number,
    private readonly unknownSkus: readonly string[],
  ) {
    this.rng = new Rng(seed, 'dirty');
  }

  /** Decides whether this event goes out clean, damaged or twice, and returns what to write. */
  apply(e: Envelope): Injected {
    let kind: DirtyKind | undefined;
    for (const k of DIRTY_KINDS) {
      if ((this.backlog.get(k.kind) ?? 0) > 0 && eligible(k.kind, e, this.oversizedLeft)) {
        this.backlog.set(k.kind, this.backlog.get(k.kind)! - 1);
        kind = k.kind;
        break;
      }
    }
    if (this.rate > 0 && this.rng.chance(this.rate)) {
      const drawn = this.draw();
      if (kind === undefined && eligible(drawn, e, this.oversizedLeft)) kind = drawn;
      else this.backlog.set(drawn, (this.backlog.get(drawn) ?? 0) + 1);
    }
    const clean = JSON.stringify(e);
    if (kind === undefined) return { line: clean };
    const reason = DIRTY_KINDS.find((k) => k.kind === kind)!.reason;
    if (kind === 'duplicate') {
      // Retries come seconds to minutes later; replays hours or a day later.
      const after = this.rng.chance(0.7) ? this.rng.int(1, 600) * 1000 : this.rng.int(1, 36) * 3_600_000;
      return { line: clean, resendAfterMs: after, mark: { kind, expected_reason: reason } };
    }
    if (kind === 'malformed_json') {
      // A strict prefix of a JSON object is never valid JSON: the closing brace is its last character.
      const cut = this.rng.int(Math.min(20, clean.length - 2), clean.length - 2);
      return { line: clean.slice(0, cut), mark: { kind, expected_reason: reason } };
    }
    if (kind === 'oversized_text') this.oversizedLeft--;
    const damaged = JSON.parse(clean) as Envelope;
    const field = this.damage(kind, damaged);
    return { line: JSON.stringify(damaged), mark: { kind, expected_reason: reason, field } };
  }

  private draw(): DirtyKind {
    for (;;) {
      const k = DIRTY_KINDS[this.rng.weighted(DIRTY_KINDS.map((d) => d.weight))]!.kind;
      if (k !== 'oversized_text' || this.oversizedLeft - (this.backlog.get(k) ?? 0) > 0) return k;
    }
  }

  /** Damages the event in place; returns the path of the field it broke. */
  private damage(kind: DirtyKind, e: Envelope): string {
    const rng = this.rng;
    const p = e.payload;
    switch (kind) {
      case 'missing_field': {
        const path = rng.chance(0.7) && REQUIRED[e.type] ? rng.pick(REQUIRED[e.type]!) : rng.pick(ENVELOPE_REQUIRED);
        const parts = path.split('.');
        const parent = (parts.length === 2 ? (e as unknown as Json)[parts[0]!] : e) as Json;
        delete parent[parts[parts.length - 1]!];
        return path;
      }
      case 'invalid_type':
        return invalidType(rng, e);
      case 'negative_quantity': {
        const q = -rng.int(1, 3);
        if (isOrder(e)) {
          lines(e)![0]!.quantity = q;
          return 'payload.lines.0.quantity';
        }
        p.quantity = q;
        return 'payload.quantity';
      }
      case 'impossible_timestamp':
        e.occurred_at = impossibleTime(rng, e.occurred_at);
        return 'occurred_at';
      case 'unknown_sku': {
        const sku = rng.pick(this.unknownSkus);
        if (isOrder(e)) {
          lines(e)![0]!.sku = sku;
          return 'payload.lines.0.sku';
        }
        p.sku = sku;
        return 'payload.sku';
      }
      case 'unknown_version':
        e.schema_version = UNKNOWN_VERSION;
        return 'schema_version';
      case 'oversized_text':
        p.text = oversizedText(rng, 'item', OVERSIZED_BYTES);
        return 'payload.text';
      default:
        throw new Error(`no damage defined for ${kind}`);
    }
  }
}

/** A field of the wrong JSON type, the way real producers get it wrong (numbers spelt out, ids as numbers). */
function invalidType(rng: Rng, e: Envelope): string {
  const p = e.payload;
  switch (e.type) {
    case 'pos.sale':
    case 'online.order':
      lines(e)![0]!.quantity = rng.pick(NUMBER_WORDS);
      return 'payload.lines.0.quantity';
    case 'app.behaviour':
      if (p.quantity !== undefined) {
        p.quantity = rng.pick(NUMBER_WORDS);
        return 'payload.quantity';
      }
      p.session_id = rng.int(1_000_000, 9_999_999);
      return 'payload.session_id';
    case 'review.submitted':
      p.rating = `${p.rating} stars`;
      return 'payload.rating';
    case 'service.ticket':
      p.ticket_id = rng.int(1_000_000, 9_999_999);
      return 'payload.ticket_id';
    case 'member.points':
      p.balance = String(p.balance);
      return 'payload.balance';
    case 'member.profile':
      p.marketing_opt_in = rng.pick(['yes', 'no']);
      return 'payload.marketing_opt_in';
    case 'coupon.issued':
    case 'coupon.redeemed':
      p.coupon_id = rng.int(1_000_000, 9_999_999);
      return 'payload.coupon_id';
    default:
      // The payload JSON-encoded twice: a string where an object belongs.
      (e as unknown as Json).payload = JSON.stringify(p);
      return 'payload';
  }
}

function impossibleTime(rng: Rng, t: string | number): string | number {
  const year = rng.chance(0.5) ? 1970 : 2099;
  if (typeof t === 'number') {
    const timeOfDay = ((t % 86_400_000) + 86_400_000) % 86_400_000;
    return Date.UTC(year, rng.int(0, 11), rng.int(1, 28)) + timeOfDay;
  }
  // Same form, impossible year; 29 February does not exist in 1970 or 2099.
  return `${year}${t.slice(4)}`.replace(/^(\d{4})-02-29/, '$1-02-28');
}
