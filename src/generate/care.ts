/**
 * After-sales experience: service tickets and product reviews. A ticket left unresolved (above all about a
 * delivery or a refund) multiplies the person's churn hazard for months; a slow resolution less so. Review
 * ratings follow the person's disposition, the product's latent quality and any trouble with the order, and
 * the text's sentiment follows the rating.
 */
import { TICKET_CATEGORIES } from '../contract/index.ts';
import { isoUtc, MS, secondOfDay } from './calendar.ts';
import type { Sku } from './catalog.ts';
import type { SimContext } from './context.ts';
import type { Identities } from './events.ts';
import { typedEmail, typedPhone } from './identity.ts';
import { emailOn, phoneOn, type Person } from './people.ts';
import { resolutionText, reviewText, ticketText } from './text.ts';

type TicketCategory = (typeof TICKET_CATEGORIES)[number];
type Contact = 'phone' | 'chat' | 'email' | 'store';

const CONTACTS: readonly Contact[] = ['phone', 'chat', 'email', 'store'];
const CONTACT_WEIGHTS: Readonly<Record<TicketCategory, readonly number[]>> = {
  delivery: [40, 50, 10, 0],
  refund: [20, 50, 30, 0],
  product_quality: [10, 40, 20, 30],
  billing: [50, 30, 20, 0],
  account: [10, 60, 30, 0],
  other: [30, 40, 20, 10],
};
const RESOLVE_PROB: Readonly<Record<TicketCategory, number>> = {
  delivery: 0.65,
  refund: 0.6,
  product_quality: 0.75,
  billing: 0.85,
  account: 0.9,
  other: 0.9,
};

function boost(p: Person, fromDay: number, days: number, factor: number): void {
  p.state.hazardBoosts.push({ fromDay, untilDay: fromDay + days, factor });
}

/**
 * Who a ticket is from, as the contact channel knows them. To find the customer's orders, agents and the web
 * form ask for the phone number they shop with, unless the chat already knows the member.
 */
function ticketIdentities(ctx: SimContext, p: Person, contact: Contact, dayIndex: number): Identities {
  const { rng } = ctx;
  const member = p.isMember && rng.chance(0.5) ? p.memberId : undefined;
  const asked = () => typedPhone(ctx.idRng, phoneOn(p, dayIndex));
  switch (contact) {
    case 'phone':
      return { member_id: member, phone: typedPhone(rng, phoneOn(p, dayIndex)) };
    case 'email':
      return { phone: asked(), email: typedEmail(rng, emailOn(p, dayIndex)) };
    case 'store':
      return { member_id: member, phone: typedPhone(rng, phoneOn(p, dayIndex)) };
    case 'chat':
      if (p.isMember) return { member_id: p.memberId };
      if (p.openid) return { phone: asked(), openid: p.openid };
      if (p.devices.length) return { phone: asked(), device_id: p.devices[0]!.id };
      return { phone: asked(), email: typedEmail(rng, emailOn(p, dayIndex)) };
  }
}

/**
 * Opens a ticket on a future or current day and, usually, resolves it some days later.
 * Returns whether it stayed unresolved, or undefined when it falls outside the window.
 */
export function openTicket(
  ctx: SimContext,
  p: Person,
  dayIndex: number,
  category: TicketCategory,
  about: { orderId?: string; sku?: Sku; storeIdx?: number } = {},
): boolean | undefined {
  const { rng, days, sink, factory } = ctx;
  const day = days[dayIndex];
  if (!day) return undefined;
  const contact = CONTACTS[rng.weighted(CONTACT_WEIGHTS[category])]!;
  const storeIdx = contact === 'store' ? (about.storeIdx ?? (p.homeStore >= 0 ? p.homeStore : p.otherStore)) : undefined;
  const storeId = storeIdx === undefined ? undefined : ctx.catalog.stores[storeIdx]!.storeId;
  const who = ticketIdentities(ctx, p, contact, dayIndex);
  const ticketId = `TK${String(++ctx.seq.ticket).padStart(8, '0')}`;
  const openedAt = day.startMs + secondOfDay(rng, contact === 'store' ? 'store' : 'web', p.habitualHour) * 1000;
  const text = ticketText(ctx.textRng, category, { orderId: about.orderId, noun: about.sku?.noun });
  const openedClean = sink.emit(
    factory.make('service.ticket', isoUtc(openedAt), who, { ticket_id: ticketId, status: 'opened', category, contact_channel: contact, text }, { storeId }),
    openedAt,
  );
  // Ground truth of the ticket (ServiceRecoveryNeeded); recorded without drawing.
  const truth = (resolution?: { at: number; satisfaction: number; clean: boolean }) =>
    ctx.truth.feedback({
      kind: 'ticket',
      id: ticketId,
      person_id: p.personId,
      occurred_at: new Date(openedAt).toISOString(),
      negative: !resolution || resolution.satisfaction <= 2,
      rating: null,
      satisfaction: resolution?.satisfaction ?? null,
      resolved_at: resolution ? new Date(resolution.at).toISOString() : null,
      clean: openedClean && (resolution?.clean ?? true),
    });
  if (!rng.chance(RESOLVE_PROB[category])) {
    boost(p, dayIndex, 120, category === 'delivery' || category === 'refund' ? 6 : 3);
    truth();
    return true;
  }
  const waitDays = 1 + rng.geometric(0.35);
  const satisfaction = waitDays <= 2 ? rng.int(4, 5) : waitDays <= 5 ? rng.int(3, 4) : rng.int(1, 3);
  const resolvedAt = openedAt + waitDays * MS.day + rng.int(-4, 4) * MS.hour;
  const resolvedClean = sink.emit(
    factory.make(
      'service.ticket',
      isoUtc(resolvedAt),
      who,
      { ticket_id: ticketId, status: 'resolved', category, contact_channel: contact, text: resolutionText(ctx.textRng, category), satisfaction },
      { storeId },
    ),
    resolvedAt,
  );
  // A resolution after the data's last day never reaches the stream: in the data the ticket stays unresolved.
  const lastDay = days[days.length - 1]!;
  truth(resolvedAt < lastDay.startMs + MS.day ? { at: resolvedAt, satisfaction, clean: resolvedClean } : undefined);
  if (satisfaction <= 2) boost(p, dayIndex + waitDays, 90, 2.5);
  else boost(p, dayIndex + waitDays, 30, 1.2);
  return false;
}

/** A review of one product some days after the order; trouble with the order drags the rating down. */
export function writeReview(ctx: SimContext, p: Person, dayIndex: number, sku: Sku, orderId: string, trouble: number): void {
  const { rng, days } = ctx;
  const day = days[dayIndex];
  if (!day) return;
  const score = p.satisfaction + sku.quality - trouble + rng.normal(0, 0.5);
  const rating = Math.min(5, Math.max(1, Math.round(3.7 + score)));
  const { title, text } = reviewText(ctx.textRng, rating, sku.noun);
  const at = day.startMs + secondOfDay(rng, 'web', p.habitualHour) * 1000;
  // Posting needs an account verified by a mobile number (the real-name rule), so a review not written as a
  // logged-in member carries the reviewer's e-mail and that phone.
  const who = p.isMember && rng.chance(0.8)
    ? { member_id: p.memberId }
    : { phone: typedPhone(ctx.idRng, phoneOn(p, dayIndex)), email: typedEmail(rng, emailOn(p, dayIndex)) };
  const reviewId = `RV${String(++ctx.seq.review).padStart(8, '0')}`;
  const clean = ctx.sink.emit(ctx.factory.make('review.submitted', isoUtc(at), who, { review_id: reviewId, sku: sku.sku, rating, title, text, order_id: orderId }), at);
  ctx.truth.feedback({ kind: 'review', id: reviewId, person_id: p.personId, occurred_at: new Date(at).toISOString(), negative: rating <= 2, rating, satisfaction: null, resolved_at: null, clean });
  if (rating <= 2) boost(p, dayIndex, 60, 2);
}

/** Tickets that are not about an order: billing questions, log-in trouble, general enquiries. */
export function maybeGeneralTicket(ctx: SimContext, p: Person): void {
  if (!ctx.rng.chance(0.0003)) return;
  const category = (['billing', 'account', 'other'] as const)[ctx.rng.weighted([3, 4, 3])]!;
  openTicket(ctx, p, ctx.day.index, category);
}
