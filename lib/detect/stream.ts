// Streaming detection: rows pushed one at a time; each push answers the decision for that time
// step once a full window has arrived (before that: `ready: false` and the rows remaining).
//
//   const stream = det.stream();
//   const r = stream.pushSync(row, timestamp);   // native backend: synchronous
//   const r = await stream.push(row, timestamp); // either backend (onnxruntime is async)
//   const saved = stream.state();                // JSON-serialisable
//   const again = det.stream({ restore: saved }); // resumes exactly where `saved` was
//
// The window lives in a ring buffer of scaled rows written twice (slot s and s + T), so the
// window ending at any row is one contiguous view; the T views are made once. In steady state a
// push allocates no buffers on the JS side: the row is read into a reused array, scaled into the
// ring, and the window view goes to the engine as is (native: one write into a fresh native
// tensor, whose memory the native caching allocator reuses). What a push returns is new.
//
// Rows follow the batch policy (rows.ts): wrong columns and refused values throw a RowError and
// leave the stream as it was; timestamps are checked against the last accepted one.
//
// Exactness: a stream decides each window alone (one window per call: the lowest latency), and
// on the native CPU backend scores bit-identically to scoreBatch for every model: a window's
// outputs do not depend on how many windows share the call (see detector.ts).
//
// pushes made with push() are queued, so they run in order even when not awaited one by one.
//
// Many streams at once: det.pushMany (stream_batch.ts) takes rows of many streams of one detector
// and scores every full window among them in one inference call, through stage() and finish()
// below: the two halves of a push, with the model's run between them.
//
// Post-rules (`postRules` option): an EpisodeTracker (episode_tracker.ts) sees every row (a row
// without a decision as unflagged, so its row numbers are the results' `index`), and a decision
// carries `episode` on the row that opens or closes an alarm episode: the episodes
// det.episodes() finds in the same rows as a batch. The tracker is part of state().
//
// Adaptive threshold (`adaptiveThreshold` option, adaptive_threshold.ts): a warm-up re-fit or
// DSPOT decides the flags after the rule scored the row; a batch given the same option flags the
// same rows. Its state is part of state(); without the option nothing of it runs or is saved.
import { createHash } from 'node:crypto';

import type { ScalerJSON } from '../data/scaler';
import type { TailCalibration } from '../eval/calibrated';
import type { DynamicThresholdState, DynamicThresholdStateJSON } from '../eval/dynamic_threshold';
import type { Threshold } from '../eval/threshold';
import { AdaptiveThresholdState, checkAdaptiveThreshold, type AdaptiveThresholdJSON, type AdaptiveThresholdOptions } from './adaptive_threshold';
import type { Backend } from './backend';
import type { DecisionRule, RowResult, SeriesScores, WindowOut } from './decide';
import { RowReader, type RowInput, type RowPolicy, type TimestampInput, type UnseenCategory } from './rows';
import { withCalibrated, type DetectorResult } from './detector_result';
import { postRules, type Episode, type PostRules } from './episodes';
import { EpisodeTracker, type EpisodeTrackerJSON } from './episode_tracker';

/**
 * Exactly what a stream reads from its detector. A Detector hands one over (det.stream()), so a
 * stream depends on this and not on Detector's internals, and stream.ts does not import
 * detector.ts.
 */
export interface StreamSource {
  /** Column names in schema order (what the model reads: the ring's width). */
  readonly columns: readonly string[];
  /** A reader of the detector's rows (tabular bundles: by the one-hot vocabulary) by a policy. */
  reader(policy: RowPolicy): RowReader;
  /** Rows per window. */
  readonly window: number;
  /** The scaler as the bundle stores it (part of the state fingerprint). */
  readonly scalerJSON: ScalerJSON;
  /** Scales one raw row into `out`. */
  readonly scaler: { transformArray(values: Float32Array, out: Float32Array): Float32Array };
  readonly backend: Backend;
  /** The detector's decision rule, shared (it holds no per-stream state). */
  readonly rule: DecisionRule;
  /** The tail behind calibrated scores (null: none). */
  readonly calibration: TailCalibration | null;
  /** The detector's default post-rules. */
  readonly postRules: PostRules;
  /** The bundle's threshold (what an adaptive threshold starts from). */
  readonly threshold: Threshold;
  /** Throws once the detector is disposed. */
  alive(): void;
}

export interface StreamOptions extends RowPolicy {
  /** A state() snapshot to resume from (its policy and top apply unless given here). */
  restore?: StreamState;
  /** Channels named per decision (default 3). */
  top?: number;
  /**
   * Track alarm episodes: true for the detector's default post-rules, or rules over them. A
   * restored state that tracked them goes on with its own rules when this is absent.
   */
  postRules?: true | Partial<PostRules>;
  /**
   * Flags from a threshold that adapts to this stream's scores (a warm-up re-fit or DSPOT). A
   * restored state that had one goes on with its own options when this is absent.
   */
  adaptiveThreshold?: AdaptiveThresholdOptions;
}

/** A stream's state as plain JSON. */
export interface StreamState {
  format: 'vigil-stream';
  version: 1;
  /** Fingerprint of what the window's values depend on: columns, scaler and window length. */
  input: string;
  columns: string[];
  window: number;
  /** Rows accepted so far. */
  seen: number;
  /** ms since the epoch of the last accepted timestamped row, or null. */
  lastTimestamp: number | null;
  /** Raw values of the last accepted row (what ffill repeats), or null before the first row. */
  lastRow: number[] | null;
  /** The scaled rows of the current window, oldest first (at most `window`). */
  rows: number[][];
  policy: Required<RowPolicy>;
  top: number;
  /** A dynamic threshold's state (its EWMA and trailing smoothed scores); absent for a fixed one. */
  threshold?: DynamicThresholdStateJSON;
  /** The alarm episodes' tracker, for a stream with post-rules. */
  episodes?: EpisodeTrackerJSON;
  /** An adaptive threshold's state (warm-up scores, or the refitted threshold or DSPOT model). */
  adaptiveThreshold?: AdaptiveThresholdJSON;
}

/**
 * @internal A row a stream has accepted and not yet decided (stream_batch.ts): what its
 * decision needs once the model has scored its window.
 */
export interface StagedRow {
  /** The window ending at the row, copied out of the ring (null: no full window yet). */
  x: Float32Array | null;
  /** Rows the stream had accepted with this one. */
  seen: number;
  /** ms since the epoch (NaN: none). */
  ts: number;
  /** Categories of the row the vocabulary lacks (tabular rows), when any. */
  unseen: UnseenCategory[] | null;
}

/** The state fingerprint of a detector's input side. */
export function inputFingerprint(det: StreamSource): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ columns: det.columns, scaler: det.scalerJSON, window: det.window }));
  return 'sha256:' + h.digest('hex').slice(0, 32);
}

export class DetectorStream {
  private readonly T: number;
  private readonly F: number;
  private readonly backend: Backend;
  private readonly rule: DecisionRule;
  private readonly reader: RowReader;
  private readonly top: number;
  private readonly fingerprint: string;
  /** [2T, F]: row i at slots i % T and i % T + T. */
  private readonly ring: Float32Array;
  /** views[s]: the T rows starting at slot s. */
  private readonly views: Float32Array[];
  private readonly out: WindowOut;
  private readonly dst: SeriesScores;
  private readonly lastX: Float32Array;
  private readonly raw: Float32Array;
  private readonly scaled: Float32Array;
  private readonly lastRaw: Float32Array;
  /** The dynamic threshold's history (null: a fixed threshold or the alpha rule). */
  private thresholdState: DynamicThresholdState | null;
  /** Alarm episodes (null: no post-rules). */
  private episodes: EpisodeTracker | null = null;
  /** The adaptive threshold (null: the bundle's rule alone). */
  private adaptive: AdaptiveThresholdState | null = null;
  private seenRows = 0;
  private lastTime = NaN;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly det: StreamSource, opts: StreamOptions = {}) {
    const s = opts.restore;
    const T = (this.T = det.window), F = (this.F = det.columns.length);
    this.backend = det.backend;
    this.rule = det.rule;
    this.fingerprint = inputFingerprint(det);
    this.reader = det.reader({
      onBadValue: opts.onBadValue ?? s?.policy?.onBadValue,
      timestampOrder: opts.timestampOrder ?? s?.policy?.timestampOrder,
    });
    this.top = opts.top ?? s?.top ?? 3;
    if (!(Number.isInteger(this.top) && this.top >= 0)) throw new Error(`top must be a non-negative integer, got ${this.top}`);
    this.ring = new Float32Array(2 * T * F);
    this.views = Array.from({ length: T }, (_, i) => this.ring.subarray(i * F, (i + T) * F));
    this.out = this.rule.outputs(1);
    this.dst = this.rule.columns0(1);
    this.lastX = new Float32Array(F);
    this.raw = new Float32Array(F);
    this.scaled = new Float32Array(F);
    this.lastRaw = new Float32Array(F);
    this.thresholdState = this.rule.thresholdState();
    if (s) this.restore(s);
    const adapt = opts.adaptiveThreshold ?? s?.adaptiveThreshold?.options;
    if (adapt) {
      const checked = checkAdaptiveThreshold(adapt, det.threshold, this.rule.rule === 'alpha');
      this.adaptive = new AdaptiveThresholdState(checked, det.threshold, s?.adaptiveThreshold);
    }
    const rules = opts.postRules ?? s?.episodes?.rules;
    if (rules) {
      const checked = postRules(rules === true ? {} : rules, det.postRules);
      this.episodes = new EpisodeTracker(checked, this.rule.hasChannelErrors ? det.columns : undefined, this.top, s?.episodes);
      if (s && (s.episodes ? s.episodes.rows !== s.seen : s.seen > 0))
        throw new Error(`stream restore: ${s.episodes ? `the episode state saw ${s.episodes.rows} rows, the stream ${s.seen}` : `the state holds no alarm episodes (taken without postRules) after ${s.seen} rows`}`);
    }
  }

  /** Rows accepted so far. */
  get seen(): number {
    return this.seenRows;
  }

  /** The alarm episode a series ending now would report last (null: none, or no post-rules). */
  pendingEpisode(): Episode | null {
    return this.episodes ? this.episodes.pending() : null;
  }

  /** The adaptive threshold's current value in score units (NaN in its warm-up), or null without one. */
  get adaptiveThreshold(): number | null {
    return this.adaptive ? this.adaptive.threshold : null;
  }

  /** Whether the next push gets a decision. */
  get ready(): boolean {
    return this.seenRows + 1 >= this.T;
  }

  /** @internal Whether this stream scores on `backend` (pushMany batches only one detector's streams). */
  runsOn(backend: Backend): boolean {
    return this.backend === backend;
  }

  /**
   * @internal pushMany's first half: accepts a row as push() does (a RowError leaves the stream as
   * it was) and, once the window is full, copies it into `slot` (T * F values of the batch): the
   * ring's view of it is overwritten by the stream's next row, which the same batch may hold.
   */
  stage(row: RowInput, timestamp: TimestampInput | undefined, slot: Float32Array): StagedRow {
    this.det.alive();
    const step = this.accept(row, timestamp);
    const unseen = this.reader.unseen.length ? [...this.reader.unseen] : null;
    if (step.x) slot.set(step.x);
    return { x: step.x ? slot : null, seen: this.seenRows, ts: step.ts, unseen };
  }

  /** @internal pushMany's second half: the decision push() gives, from the window's outputs `out`. */
  finish(staged: StagedRow, out: WindowOut): DetectorResult {
    if (!staged.x) return this.notReady(staged.ts, staged.seen);
    return this.decide(staged.x, staged.ts, out, staged.seen, staged.unseen);
  }

  /** Pushes one row (native backend only): its decision, or how many rows remain. */
  pushSync(row: RowInput, timestamp?: TimestampInput): DetectorResult {
    this.det.alive();
    if (!this.backend.sync) throw new Error("pushSync needs backend 'native' (onnxruntime runs asynchronously): use await stream.push()");
    const step = this.accept(row, timestamp);
    if (!step.x) return this.notReady(step.ts);
    this.backend.runSync(step.x, 1, this.out);
    return this.decide(step.x, step.ts);
  }

  /** Pushes one row on either backend; pushes run in call order. */
  push(row: RowInput, timestamp?: TimestampInput): Promise<DetectorResult> {
    if (this.backend.sync) {
      try {
        return Promise.resolve(this.pushSync(row, timestamp));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const p = this.queue.then(async () => {
      this.det.alive();
      const step = this.accept(row, timestamp);
      if (!step.x) return this.notReady(step.ts);
      await this.backend.run(step.x, 1, this.out);
      return this.decide(step.x, step.ts);
    });
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * @internal Hands the stream's queue to `done` (async pushMany): pushes made from now on wait for
   * it. Answers the pushes queued before, which the caller waits for first.
   */
  handQueue(done: Promise<unknown>): Promise<unknown> {
    const before = this.queue;
    this.queue = done;
    return before;
  }

  /** A JSON-serialisable snapshot; det.stream({ restore }) continues exactly from it. */
  state(): StreamState {
    const { T, F } = this;
    const rows: number[][] = [];
    for (let i = Math.max(0, this.seenRows - T); i < this.seenRows; i++) {
      const at = (i % T) * F;
      rows.push(Array.from(this.ring.subarray(at, at + F)));
    }
    return {
      format: 'vigil-stream',
      version: 1,
      input: this.fingerprint,
      columns: [...this.det.columns],
      window: T,
      seen: this.seenRows,
      lastTimestamp: this.lastTime === this.lastTime ? this.lastTime : null,
      lastRow: this.seenRows ? Array.from(this.lastRaw) : null,
      rows,
      policy: { ...this.reader.policy },
      top: this.top,
      ...(this.thresholdState ? { threshold: this.thresholdState.toJSON() } : {}),
      ...(this.episodes ? { episodes: this.episodes.toJSON() } : {}),
      ...(this.adaptive ? { adaptiveThreshold: this.adaptive.toJSON() } : {}),
    };
  }

  /** Checks a row and its timestamp, then writes it into the ring: the window input once full. */
  private accept(row: RowInput, timestamp: TimestampInput | undefined): { x: Float32Array | null; ts: number } {
    const { T, F } = this;
    const index = this.seenRows;
    const ts = this.reader.time(timestamp, index);
    this.reader.checkOrder(ts, this.lastTime, index);
    this.reader.read(row, index, this.raw, 0, index ? this.lastRaw : null, 0);
    // Accepted: nothing below throws.
    this.lastRaw.set(this.raw);
    if (ts === ts) this.lastTime = ts;
    this.det.scaler.transformArray(this.raw, this.scaled);
    const slot = index % T;
    this.ring.set(this.scaled, slot * F);
    this.ring.set(this.scaled, (slot + T) * F);
    this.seenRows = index + 1;
    return { x: this.seenRows < T ? null : this.views[this.seenRows % T], ts };
  }

  /** The result of the `seen`-th row, which has no full window. */
  private notReady(ts: number, seen = this.seenRows): RowResult {
    this.episodes?.push(false, NaN, null, 0, ts);
    return this.rule.result(this.dst, 0, this.top, seen - 1, seen, ts);
  }

  /**
   * The decision of the `seen`-th row from its window x and the model's outputs for it; `unseen`:
   * its unseen categories (by default those of the last row read: push decides the row it read).
   */
  private decide(x: Float32Array, ts: number, out = this.out, seen = this.seenRows, unseen: readonly UnseenCategory[] | null = this.reader.unseen): DetectorResult {
    this.rule.decide(x, 1, out, this.dst, 0, this.lastX, this.thresholdState);
    if (this.adaptive) this.dst.flags[0] = this.adaptive.push(this.dst.scores[0], this.dst.flags[0]);
    const r = withCalibrated(this.rule.result(this.dst, 0, this.top, seen - 1, seen, ts), this.det.calibration);
    // A window of 1 (tabular rows always are): the row decided is the one whose categories these are.
    if (unseen?.length && r.ready) r.unseen = [...unseen];
    const event = this.episodes?.push(this.dst.flags[0] === 1, this.dst.scores[0], this.dst.channelErrors, 0, ts);
    if (event && r.ready) r.episode = event;
    return r;
  }

  private restore(s: StreamState): void {
    const { T, F } = this;
    const bad = (what: string) => new Error(`stream restore: ${what}`);
    if (!s || s.format !== 'vigil-stream' || s.version !== 1) throw bad('not a state written by stream.state() (format vigil-stream, version 1)');
    if (s.input !== this.fingerprint) {
      const cols = JSON.stringify(s.columns) === JSON.stringify(this.det.columns);
      throw bad(`the state was taken on another detector input (${!cols ? 'other columns' : s.window !== T ? `window ${s.window}, this detector's is ${T}` : 'another scaler'}): its window's values do not apply here`);
    }
    if (!(Number.isInteger(s.seen) && s.seen >= 0)) throw bad(`seen must be a non-negative integer, got ${s.seen}`);
    const keep = Math.min(s.seen, T);
    if (!Array.isArray(s.rows) || s.rows.length !== keep) throw bad(`${s.seen} rows seen need the last ${keep} rows, the state has ${Array.isArray(s.rows) ? s.rows.length : 'none'}`);
    const checkRow = (r: unknown, what: string) => {
      if (!Array.isArray(r) || r.length !== F || !r.every((v) => typeof v === 'number' && Number.isFinite(v))) throw bad(`${what} must be ${F} finite numbers`);
      return r as number[];
    };
    if (s.seen) this.lastRaw.set(checkRow(s.lastRow, 'lastRow'));
    s.rows.forEach((r, k) => {
      const slot = (s.seen - keep + k) % T;
      const v = checkRow(r, `rows[${k}]`);
      this.ring.set(v, slot * F);
      this.ring.set(v, (slot + T) * F);
    });
    if (s.lastTimestamp !== null && !Number.isFinite(s.lastTimestamp)) throw bad(`lastTimestamp must be a number or null, got ${s.lastTimestamp}`);
    // A fixed threshold needs no history (a saved one is ignored); a dynamic one cannot go on without it.
    if (this.thresholdState) {
      if (!s.threshold && s.seen >= T) throw bad('this detector has a dynamic threshold and the state holds no threshold history (taken on a detector with a fixed one)');
      if (s.threshold) this.thresholdState = this.rule.thresholdStateFrom(s.threshold);
    }
    this.lastTime = s.lastTimestamp ?? NaN;
    this.seenRows = s.seen;
  }
}
