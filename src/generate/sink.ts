/**
 * Where events go: held until the day they arrive on is complete, then appended to events/YYYY-MM.jsonl in
 * arrival order. Arrival is occurrence plus any delivery delay, so late arrivals and re-sent duplicates land
 * after later events — exactly as a consumer reading the stream would see them. Only a day's lines (plus
 * follow-ups scheduled for later days) are ever held, as strings, so memory stays flat however many events.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirtyInjector, DirtyMark } from './dirty.ts';
import type { Envelope } from './events.ts';

/** A line waiting for its month to be written. A class, so a million of them share one hidden shape. */
class Pending {
  constructor(
    readonly arrival: number,
    readonly line: string,
    readonly source: string,
    readonly type: string,
    readonly late: boolean,
    readonly mark: DirtyMark | undefined,
  ) {}
}

export interface DirtyRecord {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly expected_reason: string;
  readonly field?: string;
}

export class EventSink {
  private pending: Pending[] = [];
  readonly bySource: Record<string, number> = {};
  readonly byType: Record<string, number> = {};
  readonly dirtyByKind: Record<string, number> = {};
  readonly dirty: DirtyRecord[] = [];
  readonly files: string[] = [];
  lines = 0;
  lateArrivals = 0;
  private file = '';
  private fileLines = 0;
  private handle: FileHandle | undefined;

  /** @param windowEndMs events occurring or arriving after it are not part of the data set */
  constructor(
    private readonly outDir: string,
    private readonly windowEndMs: number,
    private readonly injector: DirtyInjector,
  ) {}

  /**
   * Sends one event that happened at occurredMs and reaches the stream delayMs later. Returns whether it reaches the
   * stream clean (in the window, and not damaged; a duplicate's first copy is clean), for the ground truth.
   */
  emit(e: Envelope, occurredMs: number, delayMs = 0): boolean {
    const arrival = occurredMs + delayMs;
    if (arrival >= this.windowEndMs) return false; // follow-ups scheduled past the window never happen in it
    const out = this.injector.apply(e);
    const late = delayMs > 0;
    if (out.resendAfterMs === undefined) {
      this.pending.push(new Pending(arrival, out.line, e.source, e.type, late, out.mark));
      return out.mark === undefined;
    }
    this.pending.push(new Pending(arrival, out.line, e.source, e.type, late, undefined));
    if (arrival + out.resendAfterMs < this.windowEndMs) {
      this.pending.push(new Pending(arrival + out.resendAfterMs, out.line, e.source, e.type, late, out.mark));
    }
    return true;
  }

  /**
   * Appends everything that arrived before untilMs to events/<month>.jsonl. Nothing generated later can
   * arrive earlier: the simulation never emits an event before the day it is simulating.
   */
  async flush(month: string, untilMs: number): Promise<void> {
    const now: Pending[] = [];
    const later: Pending[] = [];
    for (const p of this.pending) (p.arrival < untilMs ? now : later).push(p);
    this.pending = later;
    now.sort((a, b) => a.arrival - b.arrival); // stable: equal times keep the order they were sent in
    const file = `events/${month}.jsonl`;
    if (file !== this.file) await this.openFile(file);
    let text = '';
    for (const p of now) {
      text += `${p.line}\n`;
      this.fileLines++;
      if (p.mark) {
        this.dirty.push({ file, line: this.fileLines, kind: p.mark.kind, expected_reason: p.mark.expected_reason, field: p.mark.field });
        this.dirtyByKind[p.mark.kind] = (this.dirtyByKind[p.mark.kind] ?? 0) + 1;
        continue;
      }
      this.bySource[p.source] = (this.bySource[p.source] ?? 0) + 1;
      this.byType[p.type] = (this.byType[p.type] ?? 0) + 1;
      if (p.late) this.lateArrivals++;
    }
    await this.handle!.write(text);
    this.lines += now.length;
  }

  /** Closes the last file; call once after the last flush. */
  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private async openFile(file: string): Promise<void> {
    await this.close();
    await mkdir(join(this.outDir, 'events'), { recursive: true });
    this.handle = await open(join(this.outDir, file), 'w');
    this.file = file;
    this.fileLines = 0;
    this.files.push(file);
  }
}
