/**
 * Free text customers write: reviews whose wording follows the star rating (so a sentiment model has a true
 * signal, including negations such as "not good" and "not bad at all"), service-ticket messages, app searches.
 */
import type { Rng } from './rng.ts';

const POSITIVE = {
  titles: ['Great {noun}', 'Love it', 'Highly recommended', 'Excellent quality', 'Perfect'],
  openers: ['Love this {noun}.', 'Really happy with the {noun}.', 'Great {noun}!', 'Absolutely love it.', 'Very satisfied with this {noun}.', 'Exactly what I wanted.'],
  bodies: ['The quality is excellent.', 'Fits perfectly.', 'Works exactly as described.', 'Great value for money.', 'Fast delivery and well packed.', 'Looks even better than in the pictures.', 'My whole family loves it.', 'Not bad at all, actually really good.', 'Could not be happier.'],
  closers: ['Would buy again.', 'Highly recommend!', 'Five stars from me.', 'Will recommend it to my friends.', ''],
};
const MILD_POSITIVE = {
  titles: ['Pretty good', 'Good {noun}', 'Nice'],
  openers: ['Pretty good {noun}.', 'Nice {noun} overall.', 'Good purchase.'],
  bodies: ['A bit pricey but the quality is good.', 'Comfortable and looks nice.', 'Delivery was quick.', 'Does what it should, no complaints.', 'Good quality for the price.'],
  closers: ['Would probably buy again.', 'Recommended.', ''],
};
const NEUTRAL = {
  titles: ['Okay', 'Average', 'It is fine'],
  openers: ['The {noun} is okay.', "It's fine.", 'Average {noun}.', 'Decent {noun} for the price.'],
  bodies: ['Not bad, not great.', 'Does the job.', 'Quality is acceptable but nothing special.', 'A bit smaller than expected.', 'Delivery was slow but the product is fine.'],
  closers: ['Might buy again.', 'It is okay.', ''],
};
const MILD_NEGATIVE = {
  titles: ['Disappointed', 'Not great', 'Expected more'],
  openers: ['Not happy with the {noun}.', 'Somewhat disappointed with this {noun}.', 'Expected more from this {noun}.'],
  bodies: ['Not good value for money.', 'The colour is not as shown.', 'The material feels cheap.', 'It does not fit well.', 'Took far too long to arrive.'],
  closers: ['Probably will not buy again.', 'Not recommended.', ''],
};
const NEGATIVE = {
  titles: ['Terrible', 'Poor quality', 'Do not buy', 'Waste of money'],
  openers: ['Very disappointed with this {noun}.', 'Terrible {noun}.', 'Do not buy this {noun}.', 'Really regret buying this {noun}.'],
  bodies: ['The quality is poor.', 'It broke after a week.', 'Not good at all.', 'Not worth the money.', 'Not as described.', 'Arrived damaged.', 'Stopped working after two days.', 'Customer service never replied.'],
  closers: ['Would not recommend.', 'Returning it.', 'Never again.', 'Waste of money.', ''],
};
const BANKS = [NEGATIVE, MILD_NEGATIVE, NEUTRAL, MILD_POSITIVE, POSITIVE];

const fill = (s: string, noun: string) => s.replace('{noun}', noun.toLowerCase());

/** A review title and text whose sentiment matches the 1-5 rating. */
export function reviewText(rng: Rng, rating: number, noun: string): { title: string; text: string } {
  const bank = BANKS[rating - 1]!;
  const parts = [rng.pick(bank.openers), rng.pick(bank.bodies)];
  if (rng.chance(0.4)) parts.push(rng.pick(bank.bodies));
  parts.push(rng.pick(bank.closers));
  const text = parts
    .filter((p, i, all) => p !== '' && all.indexOf(p) === i)
    .map((p) => fill(p, noun))
    .join(' ');
  return { title: fill(rng.pick(bank.titles), noun), text };
}

/** A review text over `minBytes` long: someone pasted a whole document (oversized-record test). */
export function oversizedText(rng: Rng, noun: string, minBytes: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < minBytes) {
    const p = fill(rng.pick([...NEUTRAL.bodies, ...MILD_POSITIVE.bodies]), noun);
    parts.push(p);
    size += p.length + 1;
  }
  return parts.join(' ');
}

const TICKETS: Readonly<Record<string, readonly string[]>> = {
  delivery: ['My order {order} has not arrived after {n} days.', 'Where is my parcel? Order {order} has been in transit for {n} days.', 'The courier says order {order} was delivered but I never received it.'],
  refund: ['I returned the {noun} {n} days ago and still have no refund.', 'Please refund order {order}, the item went back {n} days ago.', 'Refund for my {noun} has not arrived.'],
  product_quality: ['The {noun} I bought is defective.', 'My {noun} stopped working after {n} days.', 'The {noun} arrived with a tear in it.', 'The {noun} smells strange, is it safe?'],
  billing: ['I was charged twice for order {order}.', 'The coupon discount was not applied to order {order}.', 'The receipt amount is wrong.'],
  account: ['I cannot log in to my account.', 'Please update the phone number on my membership.', 'My points balance looks wrong.'],
  other: ['Do you have the {noun} in a bigger size?', 'What are the store opening hours during the holidays?', 'Can I change the delivery address of order {order}?'],
};
const RESOLUTIONS: Readonly<Record<string, readonly string[]>> = {
  delivery: ['Courier located the parcel; delivered.', 'Order re-shipped by express.'],
  refund: ['Refund issued to the original payment method.', 'Refund processed after warehouse check.'],
  product_quality: ['Replacement sent.', 'Full refund issued; item to be returned.'],
  billing: ['Duplicate charge reversed.', 'Difference refunded.'],
  account: ['Account details updated.', 'Password reset link sent.'],
  other: ['Customer informed.', 'Question answered.'],
};

export function ticketText(rng: Rng, category: string, ctx: { orderId?: string; noun?: string }): string {
  return rng
    .pick(TICKETS[category]!)
    .replace('{order}', ctx.orderId ?? 'my last order')
    .replace('{noun}', (ctx.noun ?? 'item').toLowerCase())
    .replace('{n}', String(rng.int(2, 12)));
}

export function resolutionText(rng: Rng, category: string): string {
  return rng.pick(RESOLUTIONS[category]!);
}

/** What people type into the app's search box: product words, brands, sometimes a typo. */
export function searchQuery(rng: Rng, noun: string, brand: string, category: string): string {
  let q = rng.pick([noun, noun, `${brand} ${noun}`, category, brand]).toLowerCase();
  if (q.length > 4 && rng.chance(0.06)) {
    const i = rng.int(1, q.length - 2);
    q = q.slice(0, i) + q[i + 1] + q[i] + q.slice(i + 2);
  }
  return q;
}
