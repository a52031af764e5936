/**
 * Ground truth for the stream rules (src/realtime): the carts people filled in the app and the times of their
 * identified orders, and their identified visits to a store's till. Recording draws nothing from any random stream,
 * so every other output is byte-identical with or without it.
 *
 * ground_truth/carts.jsonl   one line per app session that left something in the cart: person_id, session_id,
 *                            first_added_at / last_added_at (event time as sent: the app's ISO form has whole
 *                            seconds), skus (the cart at the session's end), next_order_at (the person's first
 *                            identified order at or after the last add, any channel, or null), clean (every cart
 *                            event and the session's order reached the stream undamaged: false when the cleanser
 *                            quarantined one), late (the session was uploaded late)
 * ground_truth/visits.jsonl  one line per till transaction (sale or return) naming the customer (member id or phone):
 *                            person_id, store_id, occurred_at, clean
 * ground_truth/feedback.jsonl one line per review and per service ticket: kind (review | ticket), id (review_id or
 *                            ticket_id), person_id, occurred_at (submitted / opened), negative (what the generator made
 *                            unhappy: a review rated 1 or 2, whose text comes from the 1- and 2-star banks; a ticket left
 *                            unresolved in the data, or resolved with satisfaction 1 or 2), rating (reviews),
 *                            satisfaction and resolved_at (tickets, null when unresolved), clean (every event of it
 *                            reached the stream undamaged)
 *
 * A cart is abandoned under window W when next_order_at is null or later than last_added_at + W (bench/realtime.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CartTruth {
  readonly person_id: string;
  readonly session_id: string;
  readonly first_added_at: string;
  readonly last_added_at: string;
  readonly skus: readonly string[];
  readonly clean: boolean;
  readonly late: boolean;
  /** Epoch ms of the last add (true time), for next_order_at. */
  readonly lastMs: number;
}

export interface VisitTruth {
  readonly person_id: string;
  readonly store_id: string;
  readonly occurred_at: string;
  readonly clean: boolean;
}

export interface FeedbackTruth {
  readonly kind: 'review' | 'ticket';
  readonly id: string;
  readonly person_id: string;
  readonly occurred_at: string;
  readonly negative: boolean;
  readonly rating: number | null;
  readonly satisfaction: number | null;
  readonly resolved_at: string | null;
  readonly clean: boolean;
}

export class RealtimeTruth {
  private readonly orders = new Map<string, number[]>();
  private readonly carts: CartTruth[] = [];
  private readonly visits: VisitTruth[] = [];
  private readonly feedbacks: FeedbackTruth[] = [];

  /** An order the stream can attribute (it names the customer). */
  order(personId: string, ms: number): void {
    let list = this.orders.get(personId);
    if (!list) this.orders.set(personId, (list = []));
    list.push(ms);
  }

  cart(c: CartTruth): void {
    this.carts.push(c);
  }

  visit(v: VisitTruth): void {
    this.visits.push(v);
  }

  feedback(f: FeedbackTruth): void {
    this.feedbacks.push(f);
  }

  async write(outDir: string): Promise<{ carts: number; visits: number; feedback: number }> {
    await mkdir(join(outDir, 'ground_truth'), { recursive: true });
    for (const list of this.orders.values()) list.sort((a, b) => a - b);
    const nextOrder = (person: string, ms: number): string | null => {
      const list = this.orders.get(person) ?? [];
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]! < ms) lo = mid + 1;
        else hi = mid;
      }
      return lo < list.length ? new Date(list[lo]!).toISOString() : null;
    };
    const carts = this.carts.map(({ lastMs, ...c }) => JSON.stringify({ ...c, next_order_at: nextOrder(c.person_id, lastMs) }));
    await writeFile(join(outDir, 'ground_truth', 'carts.jsonl'), carts.length ? `${carts.join('\n')}\n` : '');
    const visits = this.visits.map((v) => JSON.stringify(v));
    await writeFile(join(outDir, 'ground_truth', 'visits.jsonl'), visits.length ? `${visits.join('\n')}\n` : '');
    // In event-time order (reviews and tickets are recorded when simulated, some for a later day).
    const feedback = [...this.feedbacks].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id < b.id ? -1 : 1)).map((f) => JSON.stringify(f));
    await writeFile(join(outDir, 'ground_truth', 'feedback.jsonl'), feedback.length ? `${feedback.join('\n')}\n` : '');
    return { carts: carts.length, visits: visits.length, feedback: feedback.length };
  }
}
