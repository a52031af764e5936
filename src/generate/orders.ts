/**
 * Shopping: till sales, web and mini-program orders, and app sessions (browse, search, cart, checkout, purchase).
 * Baskets follow the person's category preferences, continue into complementary categories, favour their
 * repeat items, lean to promotions in proportion to their promotion sensitivity and to dearer items by their
 * price affinity; shelves can run empty. Each channel identifies the person in its own partial way.
 */
import { formatTimestamp, isoUtc, MS, secondOfDay, type Channel } from './calendar.ts';
import { CATEGORIES } from './catalog.ts';
import { openTicket, writeReview } from './care.ts';
import { yyyymmdd, type SimContext } from './context.ts';
import { onlineOrderV1Payload, onlineOrderV2Payload, linesNet, posSalePayload, round2, type Identities, type OrderLine, type Shipping } from './events.ts';
import { e164, guestId, typedEmail, typedPhone, TILL_DEFAULT_PHONE } from './identity.ts';
import { couponValue, creditPurchase, useCoupon } from './loyalty.ts';
import { emailOn, phoneOn, type Person } from './people.ts';
import { searchQuery } from './text.ts';

const PAYMENTS = ['mobile', 'card', 'cash', 'voucher', 'other'] as const;
const PAYMENT_WEIGHTS = [72, 15, 9, 2, 2];

function sellable(ctx: SimContext, store: number, sku: number): boolean {
  return ctx.catalog.stores[store]!.assortment[sku] === 1 && ctx.day.index < ctx.catalog.skus[sku]!.discontinuedDay;
}

/** One item a person picks in a category at a store, or -1 if nothing suitable is carried. */
export function chooseSku(ctx: SimContext, p: Person, cat: number, store: number): number {
  const { rng, catalog } = ctx;
  if (p.favourites.length && rng.chance(0.2)) {
    const f = rng.pick(p.favourites);
    if (sellable(ctx, store, f)) return f;
  }
  const promoted = ctx.promotedToday[cat]!;
  if (promoted.length && rng.chance(p.promoSensitivity * 0.6)) {
    const f = rng.pick(promoted);
    if (sellable(ctx, store, f)) return f;
  }
  const dearer = 1 / (1 + Math.exp(-3 * p.priceAffinity));
  for (let tries = 0; tries < 4; tries++) {
    const a = catalog.samplers[cat]!.draw(rng);
    const b = catalog.samplers[cat]!.draw(rng);
    const [hi, lo] = catalog.skus[a]!.listPrice >= catalog.skus[b]!.listPrice ? [a, b] : [b, a];
    const s = rng.chance(dearer) ? hi : lo;
    if (sellable(ctx, store, s)) return s;
  }
  return -1;
}

/** Priced lines, with the day's best promotion applied. */
function priceLines(ctx: SimContext, items: Map<number, number>): OrderLine[] {
  const { catalog, day } = ctx;
  const n = catalog.skus.length;
  return [...items].map(([idx, quantity]) => {
    const sku = catalog.skus[idx]!;
    const promo = catalog.promoOf[day.index * n + idx]!;
    const p = promo >= 0 ? catalog.promotions[promo] : undefined;
    return {
      sku,
      quantity,
      unitPrice: sku.listPrice,
      discount: p ? round2(quantity * sku.listPrice * p.pct) : 0,
      promotionId: p?.promotionId,
    };
  });
}

/** A basket taken off the shelves of a store (the online shop's warehouse included). */
function basket(ctx: SimContext, p: Person, store: number): OrderLine[] {
  const { rng, stock } = ctx;
  const size = Math.min(12, 1 + rng.poisson(p.basketMean - 1));
  const items = new Map<number, number>();
  let cat = p.categories.draw(rng);
  for (let i = 0; i < size; i++) {
    if (i > 0) {
      const r = rng.next();
      if (r >= 0.65) cat = p.categories.draw(rng);
      else if (r >= 0.45) cat = ctx.catalog.categoryIndex(CATEGORIES[cat]!.complement);
    }
    const qty = 1 + rng.weighted(CATEGORIES[cat]!.quantityWeights);
    let sku = chooseSku(ctx, p, cat, store);
    let got = sku >= 0 ? stock.take(store, sku, qty) : 0;
    if (sku >= 0 && got === 0) {
      sku = chooseSku(ctx, p, cat, store); // the shelf was empty: take something else, or nothing
      got = sku >= 0 ? stock.take(store, sku, qty) : 0;
    }
    if (got > 0) items.set(sku, (items.get(sku) ?? 0) + got);
  }
  return priceLines(ctx, items);
}

interface OrderDone {
  readonly orderId: string;
  readonly lines: readonly OrderLine[];
  readonly ms: number;
  readonly net: number;
  /** The member showed their membership, so the purchase earns points and counts towards the tier. */
  readonly asMember: boolean;
  readonly online: boolean;
  readonly storeIdx: number;
  /** How much went wrong with the order: grows with each ticket raised, more when one stays unresolved. */
  trouble: number;
}

/** After any completed order: loyalty credit, defects, reviews, and the person's purchase history. */
function afterOrder(ctx: SimContext, p: Person, o: OrderDone): void {
  const { rng } = ctx;
  const d = ctx.day.index;
  const s = p.state;
  s.purchases++;
  s.lastPurchaseDay = d;
  if (o.asMember) creditPurchase(ctx, p, o.ms, o.net);
  const worst = o.lines.reduce((w, l) => (l.sku.quality < w.sku.quality ? l : w), o.lines[0]!);
  if (rng.chance(worst.sku.quality < -1 ? 0.15 : 0.005)) {
    const unresolved = openTicket(ctx, p, d + rng.int(2, 20), 'product_quality', { orderId: o.orderId, sku: worst.sku, storeIdx: o.online ? undefined : o.storeIdx });
    if (unresolved !== undefined) o.trouble += unresolved ? 1.5 : 0.7;
  }
  if (rng.chance(p.reviewProb * (o.trouble > 0 ? 3 : 1))) {
    const line = o.trouble > 0 || rng.chance(0.5) ? worst : rng.pick(o.lines);
    writeReview(ctx, p, d + rng.int(2, 20), line.sku, o.orderId, o.trouble);
  }
  if (s.purchases === 1 && rng.chance(p.params.leaveAfterFirst)) s.churnDay = Math.min(s.churnDay, d + 1);
}

/**
 * How the till identifies the customer: member code, phone, both, the default phone, or nothing. A member who
 * gives only their phone is looked up by it, so the sale is posted to the membership: it carries both.
 */
function tillIdentities(ctx: SimContext, p: Person): { who: Identities; asMember: boolean } {
  const { rng } = ctx;
  const own = () => typedPhone(rng, phoneOn(p, ctx.day.index));
  if (p.isMember) {
    const r = rng.next();
    const useId = r < 0.5 || (r >= 0.75 && r < 0.9);
    const usePhone = r < 0.75;
    const phone = usePhone ? (useId && rng.chance(0.015) ? typedPhone(rng, TILL_DEFAULT_PHONE) : own()) : undefined;
    const asMember = useId || usePhone;
    return { who: { member_id: asMember ? p.memberId : undefined, phone }, asMember };
  }
  const r = rng.next();
  if (r < 0.62) return { who: {}, asMember: false };
  return { who: { phone: r < 0.9 ? own() : typedPhone(rng, TILL_DEFAULT_PHONE) }, asMember: false };
}

/** A short browse on the shared in-store tablet, logged in as the member. */
function tabletBrowse(ctx: SimContext, p: Person, beforeMs: number): void {
  const { rng } = ctx;
  const session = `s-${rng.hex(16)}`;
  let t = beforeMs - rng.int(5, 15) * MS.minute;
  for (let i = rng.int(2, 3); i > 0; i--) {
    const sku = chooseSku(ctx, p, p.categories.draw(rng), ctx.tabletStore);
    if (sku < 0) continue;
    t += rng.int(10, 60) * 1000;
    const who = { member_id: p.memberId, device_id: ctx.tabletDeviceId };
    ctx.sink.emit(ctx.factory.make('app.behaviour', isoUtc(t), who, { session_id: session, action: 'view', sku: ctx.catalog.skus[sku]!.sku, screen: 'product' }), t);
  }
}

export function storeSale(ctx: SimContext, p: Person, sec: number): void {
  const { rng, catalog, day } = ctx;
  const storeIdx = p.homeStore >= 0 && rng.chance(0.8) ? p.homeStore : p.otherStore;
  const store = catalog.stores[storeIdx]!;
  const lines = basket(ctx, p, storeIdx);
  if (!lines.length) return;
  const ms = day.startMs + sec * 1000;
  const { who, asMember } = tillIdentities(ctx, p);
  if (p.isMember && storeIdx === ctx.tabletStore && rng.chance(0.06)) tabletBrowse(ctx, p, ms);
  const orderId = `${store.storeId}-${yyyymmdd(day)}-${String(++ctx.tillCounters[storeIdx]!).padStart(4, '0')}`;
  let net = linesNet(lines);
  const coupon = asMember ? useCoupon(ctx, p, net) : undefined;
  if (coupon) net = Math.max(0, round2(net - couponValue(coupon, net)));
  const payload = posSalePayload({
    orderId,
    transactionType: 'sale',
    lines,
    legacyTill: store.legacyTill,
    paymentMethod: PAYMENTS[rng.weighted(PAYMENT_WEIGHTS)]!,
    couponCode: coupon?.couponId,
  });
  const form = store.legacyTill ? 'local' : 'iso';
  const clean = ctx.sink.emit(ctx.factory.make('pos.sale', formatTimestamp(ms, form), who, payload, { storeId: store.storeId }), ms, tillDelay(ctx, storeIdx, ms));
  if (who.member_id || who.phone) {
    if (clean) ctx.truth.order(p.personId, ms);
    ctx.truth.visit({ person_id: p.personId, store_id: store.storeId, occurred_at: new Date(ms).toISOString(), clean });
  }
  if (coupon) redeem(ctx, p, ms, coupon.couponId, coupon.campaignId, orderId, who);
  const done: OrderDone = { orderId, lines, ms, net, asMember, online: false, storeIdx, trouble: 0 };
  const worst = Math.min(...lines.map((l) => l.sku.quality));
  if (rng.chance(worst < -1 ? 0.17 : 0.02)) returnItem(ctx, p, done, who);
  afterOrder(ctx, p, done);
}

/** Tills that lost their connection upload the day's sales the next morning: valid events that arrive late. */
function tillDelay(ctx: SimContext, storeIdx: number, ms: number): number {
  if (!ctx.tillOutage[storeIdx * ctx.days.length + ctx.day.index]) return 0;
  return ctx.day.startMs + MS.day + 9 * MS.hour - ms;
}

function returnItem(ctx: SimContext, p: Person, o: OrderDone, who: Identities): void {
  const { rng, days, catalog } = ctx;
  const day = days[ctx.day.index + rng.int(1, 14)];
  if (!day) return;
  const store = catalog.stores[o.storeIdx]!;
  const line = o.lines.reduce((w, l) => (l.sku.quality < w.sku.quality ? l : w), o.lines[0]!);
  const ms = day.startMs + secondOfDay(rng, 'store', p.habitualHour) * 1000;
  const orderId = `${store.storeId}-${yyyymmdd(day)}-R${String(++ctx.seq.returns).padStart(5, '0')}`;
  const payload = posSalePayload({ orderId, transactionType: 'return', lines: [line], legacyTill: store.legacyTill, paymentMethod: 'other' });
  const clean = ctx.sink.emit(ctx.factory.make('pos.sale', formatTimestamp(ms, store.legacyTill ? 'local' : 'iso'), who, payload, { storeId: store.storeId }), ms);
  if (who.member_id || who.phone) ctx.truth.visit({ person_id: p.personId, store_id: store.storeId, occurred_at: new Date(ms).toISOString(), clean });
  if (rng.chance(0.15)) {
    const unresolved = openTicket(ctx, p, day.index + rng.int(3, 10), 'refund', { orderId, sku: line.sku });
    if (unresolved) o.trouble += 1;
  }
}

function redeem(ctx: SimContext, p: Person, ms: number, couponId: string, campaignId: string, orderId: string, who: Identities): void {
  const at = ms + 2000;
  ctx.sink.emit(ctx.factory.make('coupon.redeemed', isoUtc(at), who, { coupon_id: couponId, campaign_id: campaignId, order_id: orderId }), at);
}

function shipping(ctx: SimContext, p: Person, net: number): Shipping {
  const method = (['standard', 'express', 'pickup'] as const)[ctx.rng.weighted([70, 20, 10])]!;
  const fee = method === 'express' ? 18 : method === 'pickup' || net >= 99 ? 0 : 10;
  return { method, fee, city: p.city };
}

/** The new checkout service (online.order v2) is rolled out to web traffic over the window. */
function v2Share(ctx: SimContext): number {
  return 0.02 + 0.13 * (ctx.day.index / Math.max(1, ctx.days.length - 1));
}

const nextOnlineOrderId = (ctx: SimContext) => `OL${yyyymmdd(ctx.day)}${String(++ctx.seq.online).padStart(7, '0')}`;

/** Places an online order (web, mini-program or app) for given lines; the order event and everything after. */
function placeOnline(ctx: SimContext, p: Person, o: { orderId: string; ms: number; channel: Channel; lines: OrderLine[]; who: Identities; asMember: boolean }): void {
  const { rng, sink, factory, day } = ctx;
  const { orderId, ms, channel, lines, who, asMember } = o;
  let net = linesNet(lines);
  const coupon = asMember ? useCoupon(ctx, p, net) : undefined;
  if (coupon) net = Math.max(0, round2(net - couponValue(coupon, net)));
  const ship = shipping(ctx, p, net);
  const order = { orderId, status: 'placed' as const, lines, couponCode: coupon?.couponId, shipping: ship };
  const v2 = channel === 'mini_program' || (channel === 'web' && rng.chance(v2Share(ctx)));
  const payload = v2 ? onlineOrderV2Payload({ ...order, salesChannel: channel === 'mini_program' ? 'mini_program' : 'web' }) : onlineOrderV1Payload(order);
  const storeId = ctx.catalog.online.storeId;
  if (sink.emit(factory.make('online.order', isoUtc(ms), who, payload, { version: v2 ? 2 : 1, storeId }), ms)) ctx.truth.order(p.personId, ms);
  if (coupon) redeem(ctx, p, ms, coupon.couponId, coupon.campaignId, orderId, who);
  if (rng.chance(0.025)) {
    const at = ms + rng.int(10, 360) * MS.minute;
    const cancelled = v2
      ? onlineOrderV2Payload({ ...order, status: 'cancelled', salesChannel: channel === 'mini_program' ? 'mini_program' : 'web' })
      : onlineOrderV1Payload({ ...order, status: 'cancelled' });
    sink.emit(factory.make('online.order', isoUtc(at), who, cancelled, { version: v2 ? 2 : 1, storeId }), at);
    return;
  }
  if (ship.method !== 'pickup') ctx.deliveries?.ship(p, { orderId, orderMs: ms, service: ship.method, day });
  const done: OrderDone = { orderId, lines, ms, net, asMember, online: true, storeIdx: ctx.catalog.online.index, trouble: 0 };
  if (ship.method !== 'pickup' && rng.chance(0.04)) {
    const unresolved = openTicket(ctx, p, day.index + rng.int(3, 8), 'delivery', { orderId });
    if (unresolved !== undefined) done.trouble += unresolved ? 1.5 : 0.5;
  }
  if (rng.chance(0.01)) openTicket(ctx, p, day.index + rng.int(5, 15), 'refund', { orderId, sku: lines[0]!.sku });
  afterOrder(ctx, p, done);
}

/**
 * The contact phone every online checkout asks for: the courier calls it, a pick-up code is texted to it. People
 * give their own number, typed in their own way.
 */
function contactPhone(ctx: SimContext, p: Person): string {
  return typedPhone(ctx.idRng, phoneOn(p, ctx.day.index));
}

/**
 * A web or mini-program order. Members log in; others check out as guests with an e-mail. Either way the form
 * takes a contact phone for the delivery.
 */
export function webOrder(ctx: SimContext, p: Person, sec: number, channel: 'web' | 'mini_program'): void {
  const { rng, day } = ctx;
  const lines = basket(ctx, p, ctx.catalog.online.index);
  if (!lines.length) return;
  let who: Identities;
  if (channel === 'mini_program') {
    // WeChat knows the openid; the phone is filled in from WeChat when the user lets the mini-program read it,
    // typed otherwise.
    const phone = rng.chance(0.3) ? typedPhone(rng, phoneOn(p, day.index)) : contactPhone(ctx, p);
    who = { member_id: p.memberId, phone, openid: p.openid };
  } else if (p.isMember && rng.chance(0.88)) {
    who = { member_id: p.memberId, phone: contactPhone(ctx, p), email: typedEmail(rng, emailOn(p, day.index)) };
  } else {
    who = { phone: contactPhone(ctx, p), email: typedEmail(rng, emailOn(p, day.index)), guest_id: newGuest(ctx, p) };
  }
  placeOnline(ctx, p, { orderId: nextOnlineOrderId(ctx), ms: day.startMs + sec * 1000, channel, lines, who, asMember: who.member_id !== undefined });
}

function newGuest(ctx: SimContext, p: Person): string {
  const g = guestId(ctx.rng);
  p.guestIds.push(g);
  return g;
}

/**
 * Whether an app session is logged in. Members mostly are (the app keeps their membership log-in) and always are
 * to check out; non-members log in with their phone number (the carrier's one-tap log-in), which holds for one to
 * six months, and need it to check out. The app asks for a log-in on an install's first launch (in the window)
 * and, for non-members, again when one has expired; people who wave the prompt away browse anonymously.
 * `p.state.appLogin[device]` is the last day the install's log-in holds (members: a day it was opened).
 */
function appLogIn(ctx: SimContext, p: Person, device: number, converting: boolean): boolean {
  const { rng, idRng } = ctx;
  const d = ctx.day.index;
  const logins = p.state.appLogin;
  const until = logins[device];
  const firstLaunch = until === undefined;
  if (p.isMember) {
    logins[device] = d;
    return converting || rng.chance(0.8) || (firstLaunch && idRng.chance(0.85));
  }
  if (!firstLaunch && d <= until) return true;
  if (converting || idRng.chance(firstLaunch ? 0.85 : 0.35)) {
    logins[device] = d + idRng.int(30, 180);
    return true;
  }
  logins[device] = d - 1;
  return false;
}

/**
 * An app session: searches, product views, cart changes and, when converting, checkout and purchase followed by
 * the order itself. Members log in with their membership, others with their phone number. Old Android SDKs send
 * epoch milliseconds; 2% of sessions are uploaded late from offline phones.
 */
export function appSession(ctx: SimContext, p: Person, sec: number, converting: boolean): void {
  const { rng, catalog, sink, factory, day } = ctx;
  const deviceIndex = p.devices.length > 1 && rng.chance(0.25) ? 1 : 0;
  const device = p.devices[deviceIndex];
  if (!device) return;
  const form = device.sendsEpochMs ? 'epoch_ms' : 'iso';
  const loggedIn = appLogIn(ctx, p, deviceIndex, converting);
  // One-tap log-in hands the app the number as the carrier has it, so it arrives in one form.
  const who = loggedIn && p.isMember ? { member_id: p.memberId, device_id: device.id }
    : { phone: loggedIn ? e164(phoneOn(p, day.index)) : undefined, device_id: device.id };
  const session = `s-${rng.hex(16)}`;
  const delay = rng.chance(0.02) ? rng.int(10 * 60, 8 * 3600) * 1000 : 0;
  let t = day.startMs + sec * 1000 + rng.int(0, 999);
  // Ground truth of the cart: its events as sent (the ISO form has whole seconds) and whether each arrived clean.
  let cartClean = true;
  let firstAdd: number | undefined;
  let lastAdd = 0;
  let lastAddMs = 0;
  const sent = (ms: number) => (form === 'epoch_ms' ? ms : Math.floor(ms / 1000) * 1000);
  const ev = (payload: Record<string, unknown>) => {
    t += 2000 + Math.round(rng.exponential(25_000));
    const clean = sink.emit(factory.make('app.behaviour', formatTimestamp(t, form), who, { session_id: session, ...payload }), t, delay);
    if (payload.action === 'add_to_cart' || payload.action === 'remove_from_cart') cartClean &&= clean;
    if (payload.action === 'add_to_cart') {
      firstAdd ??= sent(t);
      lastAdd = sent(t);
      lastAddMs = t;
    }
    return clean;
  };
  const recordCart = (cart: ReadonlyMap<number, number>) => {
    if (!cart.size || firstAdd === undefined) return;
    ctx.truth.cart({
      person_id: p.personId,
      session_id: session,
      first_added_at: new Date(firstAdd).toISOString(),
      last_added_at: new Date(lastAdd).toISOString(),
      skus: [...cart.keys()].map((i) => catalog.skus[i]!.sku),
      clean: cartClean,
      late: delay > 0,
      lastMs: lastAddMs,
    });
  };
  const online = catalog.online.index;
  let cat = p.categories.draw(rng);
  const searches = rng.chance(0.45) ? (rng.chance(0.3) ? 2 : 1) : 0;
  for (let i = 0; i < searches; i++) {
    const s = catalog.skus[catalog.samplers[cat]!.draw(rng)]!;
    ev({ action: 'search', query: searchQuery(ctx.textRng, s.noun, s.brand, CATEGORIES[cat]!.name), screen: 'search' });
  }
  const viewed: number[] = [];
  const views = 1 + rng.poisson(p.type === 'bargain_hunter' ? 5 : 3);
  for (let i = 0; i < views; i++) {
    if (i > 0 && rng.chance(0.35)) cat = p.categories.draw(rng);
    const sku = chooseSku(ctx, p, cat, online);
    if (sku < 0) continue;
    ev({ action: 'view', sku: catalog.skus[sku]!.sku, screen: 'product' });
    viewed.push(sku);
  }
  const cart = new Map<number, number>();
  for (const sku of new Set(viewed)) {
    if (!rng.chance(converting ? 0.4 : 0.1)) continue;
    const quantity = rng.chance(0.85) ? 1 : 2;
    ev({ action: 'add_to_cart', sku: catalog.skus[sku]!.sku, quantity, screen: 'product' });
    cart.set(sku, quantity);
  }
  if (converting && cart.size === 0 && viewed.length) {
    const sku = viewed[viewed.length - 1]!;
    ev({ action: 'add_to_cart', sku: catalog.skus[sku]!.sku, quantity: 1, screen: 'product' });
    cart.set(sku, 1);
  }
  for (const [sku, quantity] of [...cart]) {
    if (cart.size > (converting ? 1 : 0) && rng.chance(0.12)) {
      ev({ action: 'remove_from_cart', sku: catalog.skus[sku]!.sku, quantity, screen: 'cart' });
      cart.delete(sku);
    }
  }
  if (!converting) {
    if (cart.size && rng.chance(0.15)) ev({ action: 'checkout', screen: 'checkout' }); // abandoned at checkout
    recordCart(cart);
    return;
  }
  const items = new Map<number, number>();
  for (const [sku, q] of cart) {
    const got = ctx.stock.take(online, sku, q);
    if (got > 0) items.set(sku, got);
  }
  if (!items.size) {
    recordCart(cart); // nothing in stock: no order, the cart is left
    return;
  }
  ev({ action: 'checkout', screen: 'checkout' });
  const orderId = nextOnlineOrderId(ctx);
  const purchaseClean = ev({ action: 'purchase', order_id: orderId, screen: 'order_confirmation' });
  if (purchaseClean) ctx.truth.order(p.personId, t);
  recordCart(cart);
  // The order service reports the order itself, on time even when the phone's events come late.
  const orderWho: Identities = p.isMember
    ? { member_id: p.memberId, phone: contactPhone(ctx, p), device_id: device.id }
    : { phone: contactPhone(ctx, p), email: typedEmail(rng, emailOn(p, day.index)), device_id: device.id, guest_id: newGuest(ctx, p) };
  placeOnline(ctx, p, { orderId, ms: t + 1000, channel: 'app', lines: priceLines(ctx, items), who: orderWho, asMember: p.isMember });
}
