/**
 * The local twin of the stream rules' DynamoDB state: every customer's rule state in one lake file
 * (`realtime/state.json`) and their live counters in the committed table `curated/realtime/live_state/`
 * (src/realtime/live-state.ts), both written by `flush` in the open lake commit, so a killed run leaves the previous
 * state, and the events it had published are found by the ledger when the run is repeated.
 *
 * Beside them, `realtime/cursor.json` is the rules' own mark of what they have processed: every curated event
 * received (received_at) at or before `received_through` has been through the rules (or was deliberately left out
 * by a run over an event-time window). It is committed in the same lake commit as the state, so an ingest killed
 * after its own commit and before the rules' leaves the cursor behind its records, and the next run of the rules
 * (the rerun of that ingest, or any later ingest) takes them up exactly once. It sits in its own file because it is
 * wall-clock time, while the state is a function of the events alone.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { RealtimeStateStore } from '../../ports/index.ts';
import type { CustomerState } from '../../realtime/engine.ts';
import { RealtimeStateError } from '../../realtime/errors.ts';
import { readLocalLiveState, writeLocalLiveState, type LiveState } from '../../realtime/live-state.ts';
import type { StateChange } from '../../realtime/process.ts';
import { lakeFile, lakeWrite, putLakeFile } from '../../lake/commit.ts';

export const REALTIME_STATE_FILE = 'realtime/state.json';
export const REALTIME_CURSOR_FILE = 'realtime/cursor.json';

const cursorSchema = z.object({ version: z.literal(1), received_through: z.iso.datetime().nullable() });

const time = z.number().nullable().transform((v) => (v === null ? -Infinity : v));
const stateSchema = z.object({
  customer_key: z.string().min(1),
  member_id: z.string().nullable(),
  last_event_at: time,
  events_day: z.string(),
  event_ids_today: z.array(z.string()),
  lines: z.array(z.object({ id: z.string(), sku: z.string(), quantity: z.number(), at: z.number() })),
  orders: z.array(z.object({ id: z.string(), at: z.number() })),
  settled_through: time,
  visits: z.array(z.string()),
  feedback: z.array(z.string()),
  // Absent in state files written before tickets were timed.
  tickets: z.array(z.object({ id: z.string(), at: z.number() })).default([]),
});
const fileSchema = z.object({
  version: z.literal(1),
  watermark: time,
  // due_at: the next timer (cart or ticket); files written before tickets were timed name it cart_due_at.
  customers: z.array(z.object({ state: stateSchema, live: z.unknown(), due_at: z.number().nullable().optional(), cart_due_at: z.number().nullable().optional() })),
});

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export class LocalRealtimeState implements RealtimeStateStore {
  private wm = -Infinity;
  private through: number | null = null;
  private readonly byKey = new Map<string, { state: CustomerState; live: LiveState; due: number | null }>();

  private constructor(private readonly lakeDir: string) {}

  /** The saved state (empty before the first run). Throws RealtimeStateError naming the file when it is damaged. */
  static open(lakeDir: string): LocalRealtimeState {
    const s = new LocalRealtimeState(lakeDir);
    const file = lakeFile(lakeDir, REALTIME_STATE_FILE);
    const cursor = lakeFile(lakeDir, REALTIME_CURSOR_FILE);
    if (cursor) {
      try {
        const c = cursorSchema.parse(JSON.parse(fs.readFileSync(cursor, 'utf8')));
        s.through = c.received_through === null ? null : Date.parse(c.received_through);
      } catch (e) {
        throw new RealtimeStateError(`${REALTIME_CURSOR_FILE}: not a stream-rules cursor (${(e as Error).message.slice(0, 200)}); expected {"version":1,"received_through":"<ISO time>"}`, { cause: e });
      }
    } else if (file) {
      // A state written before the cursor existed: its run saw everything received before it was written.
      s.through = Math.floor(fs.statSync(file).mtimeMs);
    }
    if (!file) return s;
    let parsed: z.output<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (e) {
      throw new RealtimeStateError(`${REALTIME_STATE_FILE}: not a stream-rules state file (${(e as Error).message.slice(0, 200)}); remove it to start the rules afresh`, { cause: e });
    }
    s.wm = parsed.watermark;
    for (const c of parsed.customers) s.byKey.set(c.state.customer_key, { state: c.state, live: c.live as LiveState, due: c.due_at ?? c.cart_due_at ?? null });
    return s;
  }

  async watermark(): Promise<number> {
    return this.wm;
  }

  async load(keys: readonly string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>();
    for (const k of keys) {
      const e = this.byKey.get(k);
      // A copy, so a batch that fails before save leaves the saved state as it was.
      if (e) out.set(k, structuredClone(e.state));
    }
    return out;
  }

  async dueBy(t: number): Promise<string[]> {
    return [...this.byKey.values()].filter((e) => e.due !== null && e.due <= t).map((e) => e.state.customer_key);
  }

  async save(changes: readonly StateChange[], watermark: number): Promise<void> {
    for (const c of changes) this.byKey.set(c.state.customer_key, { state: c.state, live: c.live, due: c.dueAt });
    if (watermark > this.wm) this.wm = watermark;
  }

  /** Epoch ms through which every received curated event has been through the rules; null before the first run. */
  receivedThrough(): number | null {
    return this.through;
  }

  /** Moves the cursor forward (never back); written by `flush`. */
  advanceReceivedThrough(t: number): void {
    if (Number.isFinite(t) && (this.through === null || t > this.through)) this.through = t;
  }

  /**
   * Removes erased people's rule state and live counters (customers with one of these keys, or whose state names one
   * of these member ids), in the open lake commit (the erasure's); returns how many customers went. `keys` holds the
   * graph's keys and the stream keys of the people's identifiers (a customer the graph did not know when the rules
   * ran is kept under the latter).
   */
  static async forget(lakeDir: string, keys: ReadonlySet<string>, memberIds: ReadonlySet<string>): Promise<number> {
    const file = lakeFile(lakeDir, REALTIME_STATE_FILE);
    if (!file) return 0;
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { customers: Array<{ state: { customer_key: string; member_id: string | null } }> };
    const gone = new Set(parsed.customers.filter((c) => keys.has(c.state.customer_key) || (c.state.member_id !== null && memberIds.has(c.state.member_id))).map((c) => c.state.customer_key));
    if (!gone.size) return 0;
    await lakeWrite(lakeDir, 'erase stream rules state', async () => {
      putLakeFile(lakeDir, REALTIME_STATE_FILE, JSON.stringify({ ...parsed, customers: parsed.customers.filter((c) => !gone.has(c.state.customer_key)) }) + '\n');
      // The table as this commit shows it (the erasure may have rewritten it already), without them.
      await writeLocalLiveState(lakeDir, (await readLocalLiveState(lakeDir)).filter((l) => !gone.has(l.customer_key)));
    });
    return gone.size;
  }

  /** Every customer's live counters. */
  live(): LiveState[] {
    return [...this.byKey.values()].map((e) => e.live);
  }

  /** Writes the state file and the live_state table (in the open lake commit, or one of their own). */
  async flush(): Promise<void> {
    const customers = [...this.byKey.values()]
      .sort((a, b) => (a.state.customer_key < b.state.customer_key ? -1 : 1))
      .map((e) => ({ state: { ...e.state, last_event_at: finite(e.state.last_event_at), settled_through: finite(e.state.settled_through) }, live: e.live, due_at: e.due }));
    await lakeWrite(this.lakeDir, 'stream rules state', async () => {
      putLakeFile(this.lakeDir, REALTIME_STATE_FILE, JSON.stringify({ version: 1, watermark: finite(this.wm), customers }) + '\n');
      putLakeFile(this.lakeDir, REALTIME_CURSOR_FILE, JSON.stringify({ version: 1, received_through: this.through === null ? null : new Date(this.through).toISOString() }) + '\n');
      await writeLocalLiveState(this.lakeDir, this.live());
    });
  }
}
