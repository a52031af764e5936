/**
 * ground_truth/feedback.jsonl (ServiceRecoveryNeeded's truth) read against the event files the way an outside
 * consumer would: every review and ticket the stream carries has its line, and "unhappy" is what the events say
 * (a review rated 1 or 2; a ticket with no resolution in the data, or one with satisfaction 1 or 2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TruthFeedback } from '../../src/realtime/ground-truth.ts';
import { generateInto, removeTempDirs, type Generated } from './helpers.ts';

describe('ground truth of reviews and tickets', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  let truth: TruthFeedback[];
  beforeAll(async () => {
    g = await generateInto('feedback', { customers: 400, days: 60, seed: 5, dirtyRate: 0.05 });
    truth = readFileSync(join(g.dir, 'ground_truth', 'feedback.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TruthFeedback);
  });

  it('has one line per review and per ticket the clean events carry', () => {
    const ids = new Set(truth.map((t) => `${t.kind}|${t.id}`));
    expect(ids.size).toBe(truth.length);
    const reviews = g.events.filter((e) => e.type === 'review.submitted');
    const tickets = g.events.filter((e) => e.type === 'service.ticket');
    expect(reviews.length).toBeGreaterThan(10);
    expect(tickets.length).toBeGreaterThan(10);
    for (const e of reviews) expect(ids, String(e.payload.review_id)).toContain(`review|${String(e.payload.review_id)}`);
    for (const e of tickets) expect(ids, String(e.payload.ticket_id)).toContain(`ticket|${String(e.payload.ticket_id)}`);
  });

  it('calls a review unhappy exactly when it is rated 1 or 2', () => {
    const rating = new Map(g.events.filter((e) => e.type === 'review.submitted').map((e) => [String(e.payload.review_id), Number(e.payload.rating)]));
    const judged = truth.filter((t) => t.kind === 'review' && t.clean);
    expect(judged.some((t) => t.negative)).toBe(true);
    expect(judged.some((t) => !t.negative)).toBe(true);
    for (const t of judged) expect(t.negative, t.id).toBe(rating.get(t.id)! <= 2);
  });

  it('calls a ticket unhappy when the data holds no resolution of it, or one with satisfaction 1 or 2', () => {
    const resolution = new Map<string, number>();
    for (const e of g.events) if (e.type === 'service.ticket' && e.payload.status === 'resolved') resolution.set(String(e.payload.ticket_id), Number(e.payload.satisfaction));
    const judged = truth.filter((t) => t.kind === 'ticket' && t.clean);
    expect(judged.filter((t) => t.negative).length).toBeGreaterThan(0);
    expect(judged.filter((t) => !t.negative).length).toBeGreaterThan(0);
    for (const t of judged) {
      const s = resolution.get(t.id);
      expect(t.negative, t.id).toBe(s === undefined || s <= 2);
      expect(t.satisfaction, t.id).toBe(s ?? null);
    }
  });
});
