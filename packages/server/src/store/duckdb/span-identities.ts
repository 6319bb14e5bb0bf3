/**
 * Which spans the store already holds, by identity (project, trace id, span id), so `append` is
 * idempotent: exporter retries, spool replays and duplicates within a batch are stored once, and the
 * same ids sent to another project are another span. Traces are keyed `project/traceId` throughout
 * (filter and memory), so one project's spans can never make another's look stored.
 *
 * Kept in memory without holding every span id:
 * - a Bloom filter of every trace id stored (`TraceFilter`): a trace it has never seen cannot have
 *   stored spans, which is the common case and costs no database read;
 * - the span ids of recently touched traces (bounded by count and by idle time, least recently used
 *   evicted), each one either committed or claimed by the append writing it. The idle bound keeps
 *   memory proportional to current activity: with only the count bound (500k spans), a steady 1,000
 *   agent runs a minute grew the heap for the first ~40 minutes, which a soak reads as a leak;
 *   a span arriving for a trace idle longer than that costs one database read, as below;
 * - a trace the filter may have seen but that is not in memory is read from the database once (its
 *   span ids, found through its trace parts' time range) before its spans are claimed.
 *
 * Claims are taken one append at a time (a short in-memory step unless a trace must be read), so two
 * concurrent appends of the same span never both store it: the second one waits on the first.
 */
import type { SpanRecord } from '../../model/index.js';
import { TraceFilter } from './trace-filter.js';

/** A trace's key here and in the filter: trace ids are unique only within a project. */
export function traceKey(project: string, traceId: string): string {
  // '/' never occurs in a project id (projectIdSchema), so the key is unambiguous
  return `${project}/${traceId}`;
}

/** One append's claim: the spans it will write and the earlier claims it depends on. */
export interface Claim {
  /** Spans new to the store, in batch order, first occurrence only. */
  fresh: SpanRecord[];
  /** Earlier appends writing some of this batch's spans: this one succeeds only if they do. */
  waits: Set<Claim>;
  /** Settles when this claim is settled: resolved when written, rejected when not. */
  readonly outcome: Promise<void>;
}

interface ClaimState extends Claim {
  project: string;
  settle: (err?: unknown) => void;
}

/** A span id's state: committed (null) or being written by a claim. */
type SpanState = ClaimState | null;

interface TraceEntry {
  spans: Map<string, SpanState>;
  /** Spans claimed and not yet settled: a trace with any is never evicted. */
  pending: number;
  /** When a claim last touched it (ms): map order is this order. */
  touched: number;
}

export interface SpanIdentitiesOptions {
  /** Span ids of committed spans held in memory at most (LRU by trace). @default 500_000 */
  maxRecentSpans?: number;
  /** A trace untouched for this long is forgotten (read again if it gets more spans). @default 120_000 */
  idleMs?: number;
  /** Clock for the idle bound (tests). @default Date.now */
  now?: () => number;
  /** Traces already stored (to size the filter). */
  expectedTraces?: number;
  /** Reads the span ids the store holds for these traces of the project (only traces with no claim in flight). */
  load: (project: string, traceIds: string[]) => Promise<Map<string, string[]>>;
}

export class SpanIdentities {
  readonly filter: TraceFilter;
  private readonly recent = new Map<string, TraceEntry>();
  private recentSpans = 0;
  private readonly maxRecentSpans: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly load: (project: string, traceIds: string[]) => Promise<Map<string, string[]>>;
  /** Claims run one at a time: each sees every earlier claim. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Traces read from the database so far (tests and docs: how often the slow path runs). */
  loadedTraces = 0;

  constructor(options: SpanIdentitiesOptions) {
    this.filter = new TraceFilter(options.expectedTraces ?? 0);
    this.maxRecentSpans = options.maxRecentSpans ?? 500_000;
    this.idleMs = options.idleMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.load = options.load;
  }

  /** Claims the spans of `spans` (all of `project`) that no one stored or is storing; the caller must `settle` it. */
  claim(project: string, spans: readonly SpanRecord[]): Promise<Claim> {
    const next = this.chain.then(() => this.claimNow(project, spans));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Marks the claim's spans committed (no error) or releases them (error), and answers its waiters. */
  settle(claim: Claim, err?: unknown): void {
    const c = claim as ClaimState;
    let entry: TraceEntry | undefined;
    let trace: string | null = null;
    for (const s of c.fresh) {
      if (s.traceId !== trace) {
        trace = s.traceId;
        entry = this.recent.get(traceKey(c.project, trace));
      }
      if (entry === undefined || entry.spans.get(s.spanId) !== c) continue;
      if (err === undefined) entry.spans.set(s.spanId, null);
      else {
        entry.spans.delete(s.spanId);
        this.recentSpans--;
      }
      entry.pending--;
    }
    c.settle(err);
    this.evict();
  }

  private async claimNow(project: string, spans: readonly SpanRecord[]): Promise<Claim> {
    // Spans of a trace usually come together: look each run of one trace up once.
    let missing: string[] | null = null;
    let prev: string | null = null;
    for (const s of spans) {
      if (s.traceId === prev) continue;
      prev = s.traceId;
      const key = traceKey(project, prev);
      if (this.recent.has(key) || !this.filter.has(key)) continue;
      if (missing === null) missing = [];
      if (!missing.includes(prev)) missing.push(prev);
    }
    const now = this.now();
    if (missing !== null) {
      const stored = await this.load(project, missing);
      this.loadedTraces += missing.length;
      for (const traceId of missing) {
        const ids = stored.get(traceId) ?? [];
        this.recent.set(traceKey(project, traceId), {
          spans: new Map(ids.map((id) => [id, null])),
          pending: 0,
          touched: now,
        });
        this.recentSpans += ids.length;
      }
    }
    let settle: (err?: unknown) => void = () => {};
    const outcome = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    outcome.catch(() => undefined); // waiters handle it; an unwaited failure is the owner's to report
    const claim: ClaimState = { project, fresh: [], waits: new Set(), outcome, settle };
    let last: TraceEntry | undefined;
    let lastTrace = '';
    for (const s of spans) {
      let entry: TraceEntry | undefined = last;
      if (s.traceId !== lastTrace) {
        const key = traceKey(project, s.traceId);
        entry = this.recent.get(key);
        if (entry === undefined) {
          entry = { spans: new Map(), pending: 0, touched: now };
          this.filter.add(key);
        } else {
          // Most recently used last: eviction walks the map from the front.
          this.recent.delete(key);
          entry.touched = now;
        }
        this.recent.set(key, entry);
      }
      if (entry === undefined) continue; // unreachable: set above for the first span of each trace
      last = entry;
      lastTrace = s.traceId;
      const state = entry.spans.get(s.spanId);
      if (state === undefined) {
        entry.spans.set(s.spanId, claim);
        entry.pending++;
        this.recentSpans++;
        claim.fresh.push(s);
      } else if (state !== null && state !== claim) claim.waits.add(state);
    }
    return claim;
  }

  /** Drops least recently used traces with nothing in flight until under the bound and none is idle. */
  private evict(): void {
    const idleBefore = this.now() - this.idleMs;
    for (const [traceId, entry] of this.recent) {
      if (this.recentSpans <= this.maxRecentSpans && entry.touched >= idleBefore) break;
      if (entry.pending > 0) continue;
      this.recent.delete(traceId);
      this.recentSpans -= entry.spans.size;
    }
  }

  /** Forgets traces with nothing in flight (after retention deleted spans): they are read again. */
  forgetCommitted(): void {
    for (const [traceId, entry] of this.recent) {
      if (entry.pending > 0) continue;
      this.recent.delete(traceId);
      this.recentSpans -= entry.spans.size;
    }
  }

  /** Trace entries in memory (tests). */
  get recentTraces(): number {
    return this.recent.size;
  }
}
