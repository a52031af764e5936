/**
 * The local twin of the EventBridge bus: PutEvents entries appended to a JSONL file per UTC day of their Time,
 * `<lake>/events/YYYY-MM-DD.jsonl`. It is also the ledger of what was published (the ids in those files), and the
 * source subscribers read from when the pipeline runs on a laptop. A day file is replaced whole, in the lake commit
 * of the command that publishes (src/lake/commit.ts), so a killed run never leaves a torn line; a torn last line left
 * by an older version is skipped with a warning and dropped by the next publish.
 */
import fs from 'node:fs';
import path from 'node:path';
import { busEntrySchema, fromEntry, type BusEntry, type EventBus, type EventLedger, type ReceivedEvent } from '../../events/bus.ts';
import { InvalidEventError } from '../../events/errors.ts';
import { lakeFile, lakeFiles, lakeWrite, putLakeFile } from '../../lake/commit.ts';

export const EVENTS_ZONE = 'events';

const warnTorn = (file: string, bytes: number) =>
  process.stderr.write(`retail-lake: ${file}: skipped a torn last line (${bytes} bytes) left by an interrupted run; the next publish drops it\n`);

/**
 * The entries of one day file. A last line without its newline that is not JSON is a torn write (older versions
 * appended in place): reported through `onTorn` and skipped. Any other line that is not JSON is an error naming it.
 */
function readEventLines(file: string, onTorn: (file: string, bytes: number) => void): Array<{ text: string; entry: BusEntry }> {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out: Array<{ text: string; entry: BusEntry }> = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push({ text: line, entry: JSON.parse(line) as BusEntry });
    } catch (e) {
      if (i === lines.length - 1) onTorn(file, Buffer.byteLength(line));
      else throw new InvalidEventError(`${file} line ${i + 1} is not JSON (${(e as Error).message}): ${JSON.stringify(line.slice(0, 80))}`);
    }
  });
  return out;
}

/** The bus's committed day files (`events/YYYY-MM-DD.jsonl`), in day order: what every reader of the local bus reads. */
export function eventDayFiles(lakeDir: string): string[] {
  return lakeFiles(lakeDir, EVENTS_ZONE).filter((p) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(path.basename(p)));
}

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
    await lakeWrite(this.lakeDir, 'publish events', async () => {
      for (const [day, lines] of byDay) {
        const rel = `${EVENTS_ZONE}/${day}.jsonl`;
        const current = lakeFile(this.lakeDir, rel);
        const kept = current ? readEventLines(current, () => {}).map((l) => l.text) : [];
        putLakeFile(this.lakeDir, rel, [...kept, ...lines].join('\n') + '\n');
      }
    });
  }

  /** Stored entries in file (day) and line order; `since` is a day or an ISO timestamp, compared with Time. */
  entries(since?: string): BusEntry[] {
    const sinceMs = since === undefined ? -Infinity : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00Z` : since);
    if (Number.isNaN(sinceMs)) throw new InvalidEventError(`since must be YYYY-MM-DD or an ISO timestamp, received ${JSON.stringify(since)}`);
    const sinceDay = Number.isFinite(sinceMs) ? new Date(sinceMs).toISOString().slice(0, 10) : '';
    const out: BusEntry[] = [];
    for (const file of eventDayFiles(this.lakeDir)) {
      if (path.basename(file).slice(0, 10) < sinceDay) continue;
      for (const { entry: e } of readEventLines(file, warnTorn)) if (Date.parse(e.Time) >= sinceMs) out.push(e);
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
