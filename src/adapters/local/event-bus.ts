/**
 * The local twin of the EventBridge bus: PutEvents entries appended to a JSONL file per UTC day of their Time,
 * `<lake>/events/YYYY-MM-DD.jsonl`. It is also the ledger of what was published (the ids in those files), and the
 * source subscribers read from when the pipeline runs on a laptop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { busEntrySchema, fromEntry, type BusEntry, type EventBus, type EventLedger, type ReceivedEvent } from '../../events/bus.ts';
import { InvalidEventError } from '../../events/errors.ts';

export const EVENTS_ZONE = 'events';

export class LocalEventBus implements EventBus, EventLedger {
  constructor(private readonly lakeDir: string) {}

  get dir(): string {
    return path.join(this.lakeDir, EVENTS_ZONE);
  }

  async putEvents(entries: readonly BusEntry[]): Promise<void> {
    const byDay = new Map<string, string[]>();
    for (const e of entries) {
      const r = busEntrySchema.safeParse(e);
      if (!r.success) throw new InvalidEventError(`PutEvents entry ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
      const day = new Date(e.Time).toISOString().slice(0, 10);
      let lines = byDay.get(day);
      if (!lines) byDay.set(day, (lines = []));
      lines.push(JSON.stringify({ Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, EventBusName: e.EventBusName, Time: e.Time }));
    }
    fs.mkdirSync(this.dir, { recursive: true });
    for (const [day, lines] of byDay) fs.appendFileSync(path.join(this.dir, `${day}.jsonl`), lines.join('\n') + '\n');
  }

  /** Stored entries in file (day) and line order; `since` is a day or an ISO timestamp, compared with Time. */
  entries(since?: string): BusEntry[] {
    if (!fs.existsSync(this.dir)) return [];
    const sinceMs = since === undefined ? -Infinity : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00Z` : since);
    if (Number.isNaN(sinceMs)) throw new InvalidEventError(`since must be YYYY-MM-DD or an ISO timestamp, received ${JSON.stringify(since)}`);
    const sinceDay = Number.isFinite(sinceMs) ? new Date(sinceMs).toISOString().slice(0, 10) : '';
    const out: BusEntry[] = [];
    for (const f of fs.readdirSync(this.dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n)).sort()) {
      if (f.slice(0, 10) < sinceDay) continue;
      const text = fs.readFileSync(path.join(this.dir, f), 'utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const e = JSON.parse(line) as BusEntry;
        if (Date.parse(e.Time) >= sinceMs) out.push(e);
      }
    }
    return out;
  }

  /** Stored events, validated against their schemas. */
  events(since?: string): ReceivedEvent[] {
    return this.entries(since).map(fromEntry);
  }

  async published(ids: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(ids);
    const found = new Set<string>();
    for (const e of this.entries()) {
      const id = (JSON.parse(e.Detail) as { event_id?: unknown }).event_id;
      if (typeof id === 'string' && wanted.has(id)) found.add(id);
    }
    return found;
  }
}
