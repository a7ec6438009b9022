// The Detector: a trained bundle behind one API, on the native engine or on onnxruntime-node.
//
//   const det = await Detector.load('model.vigil', { backend: 'native' });
//   const results = await det.scoreBatch(rows);   // one RowResult per row
//   const stream = det.stream();                  // row by row, see stream.ts
//   const outcomes = det.pushManySync([{ stream, row }, ...]); // many streams, one inference call
//
// Batch semantics are those of `vigil detect` (which runs on this class): the rows of one call
// form one series; a row's decision is that of the window ending at it, so the first window - 1
// rows have none (`ready: false`). Rows are checked and repaired by the policy of rows.ts.
//
// Models that read single rows (input 'rows', window 1: ALAD) are served too: every row is its
// own sample and gets a decision at once. A bundle trained on tabular data (a `tabular` section)
// takes rows keyed by the original table columns, one-hot encoded with its vocabulary
// (tabular_rows.ts) before the scaler, as `vigil detect` encodes a file.
//
// Batch inference runs in chunks of `chunkWindows` windows (default 64) and yields to the event
// loop with setImmediate between chunks, so a service keeps answering while a large batch is
// scored: one chunk of the seed LSTM-AE (window 100, 38 channels) holds the loop ~50 ms on one
// core. onnxruntime-node runs on the JS thread too (its run() is a synchronous call deferred with
// setImmediate), so the chunks bound its blocking the same way.
//
// On the CPU, a window's outputs do not depend on how many windows share its inference call: the
// native GEMM computes each row of a product by the same chain of operations whatever the row
// count or thread count (native/cpu/gemm.h), and every other op works per window. So the same
// window scores bit-identically in any chunk and in a stream (one window per call). (Not promised
// on CUDA or onnxruntime, whose kernels may pick another summation order for another batch size.)
//
// Alarm episodes (episodes.ts) and calibrated scores (lib/eval/calibrated.ts) are additive: the
// per-row results keep their fields; a decision gains `calibrated` when the bundle's threshold is
// POT, and episodes come from `episodes()` / `scoreEpisodes()` here and from a stream made with
// `postRules` (stream.ts), which gives the same episodes row by row. So is an adaptive threshold
// (`adaptiveThreshold`, adaptive_threshold.ts: a warm-up re-fit or DSPOT): without it every flag
// is the bundle's rule's, as before; with it a batch and a stream flag the same rows.
//
// The registry: Detector.load rebuilds the model from the bundle's kind through lib/model.ts;
// the kinds are registered when models/ is imported (the package entry, index.ts, does it). Nothing here imports
// models/, and an unknown kind is an error naming the known ones.
import { CategoricalEncoder } from '../data/categorical';
import { Scaler } from '../data/scaler';
import { checkSchema } from '../data/schema';
import type { Series } from '../data/series';
import { Windows } from '../data/windows';
import { inputOf, takesRowWindows } from '../model';
import { alphasFromJSON, type Alphas, type AlphasJSON } from '../calibrate/alpha';
import { createBackend, NativeBackend, type Backend, type BackendName } from './backend';
import { DecisionRule, type Decision, type SeriesScores, type WindowOut } from './decide';
import { loadDetector, type DetectorInfo, type LoadedDetector } from './detector_bundle';
import { RowReader, type RowInput, type RowPolicy, type TimestampInput, type UnseenCategory } from './rows';
import { TabularRowReader } from './tabular_rows';
import { DetectorStream, type StreamOptions, type StreamSource } from './stream';
import { pushMany, pushManySync, type PushOutcome, type StreamPush } from './stream_batch';
import { AdaptiveThresholdState, checkAdaptiveThreshold, type AdaptiveThresholdOptions } from './adaptive_threshold';
import type { Threshold } from '../calibrate/thresholds';
import { calibratedScore, tailCalibration, type TailCalibration } from '../eval/calibrated';
import { defaultPostRules, type Episode, type PostRules } from './episodes';
import { pooled, runsOf, stitchRuns } from './pooled_runs';
import { seriesEpisodes, type EpisodeOptions } from './series_episodes';
import { withCalibrated, type DetectorResult } from './detector_result';

export type { DetectorStream, StreamOptions, StreamState } from './stream';
export type { PushOutcome, StreamPush } from './stream_batch';
export type { AdaptiveThresholdOptions, AdaptiveThresholdJSON } from './adaptive_threshold';
export { dspot, Dspot, type DspotOptions, type DspotStateJSON } from '../calibrate/dspot';
export type { Decision, NotReady, RowResult, SeriesScores, TopChannel } from './decide';
export { RowError, type RowInput, type RowPolicy, type TimestampInput, type UnseenCategory } from './rows';
export { defaultPostRules, episodes, postRules, type Episode, type EpisodeSource, type PostRules } from './episodes';
export { EpisodeTracker, type EpisodeEvent, type EpisodeTrackerJSON } from './episode_tracker';
export type { EpisodeOptions } from './series_episodes';
export type { DetectorDecision, DetectorResult } from './detector_result';
export { calibratedScore, tailCalibration, type TailCalibration } from '../eval/calibrated';

export interface DetectorOptions {
  /** 'native' (default): the addon; 'onnxruntime': the exported model in onnxruntime-node. */
  backend?: BackendName;
  /** 'cpu' (default) or 'cuda': onnxruntime's CUDA provider (an error when not installed), or the native model on the GPU. */
  device?: 'cpu' | 'cuda';
  /** Inference threads: onnxruntime's intraOpNumThreads; for native, the process-wide pool size. */
  threads?: number;
  /** 'auto' (default): a bundle's per-channel alphas when it has them, else its threshold. */
  rule?: 'auto' | 'threshold';
  /** Windows per inference call in batch scoring (default 64). */
  chunkWindows?: number;
}

export interface ScoreOptions extends RowPolicy {
  /** Channels named per decision (default 3, as `vigil detect --top`). */
  top?: number;
  /** One timestamp per row (checked by timestampOrder and echoed in the results). */
  timestamps?: ArrayLike<TimestampInput>;
  /** Flags from a threshold that adapts to this series' scores (a warm-up re-fit or DSPOT; stream.ts). */
  adaptiveThreshold?: AdaptiveThresholdOptions;
}

const DEFAULT_CHUNK = 64;

export class Detector {
  readonly kind: string;
  /** The columns the model reads (schema.columns; for tabular rows, the one-hot encoded ones): topChannels name them. */
  readonly columns: readonly string[];
  /** The columns a row carries: the original table columns for a tabular bundle, else `columns`. */
  readonly rowColumns: readonly string[];
  readonly window: number;
  readonly threshold: Threshold;
  /** The per-channel alphas the alpha rule uses (null: the threshold rule). */
  readonly alphas: Alphas | null;
  /** The tail behind calibrated scores: a POT threshold's under the threshold rule, else null. */
  readonly calibration: TailCalibration | null;
  /** The post-rules episodes use unless told otherwise (defaultPostRules of the window). */
  readonly postRules: PostRules;
  readonly info: DetectorInfo;
  /** @internal (streams get it through streamSource) */
  readonly decisions: DecisionRule;
  /** @internal */
  readonly scaler: Scaler;
  private readonly chunk: number;
  private disposed = false;

  private constructor(loaded: LoadedDetector, readonly backend: Backend, opts: DetectorOptions) {
    const info = loaded.info;
    this.kind = loaded.kind;
    this.info = info;
    this.columns = Object.freeze([...info.schema.columns]);
    this.rowColumns = info.tabular ? Object.freeze(CategoricalEncoder.fromJSON(info.tabular.encoder).columns.map((c) => c.name)) : this.columns;
    this.window = info.windows.length;
    // Batches and streams cut windows of rows (a single row is a window of 1); matrix series are
    // scored by lib/pipeline's scoreSeries, unless the model builds them from windows of rows.
    if (!takesRowWindows(loaded.model) && inputOf(loaded.model).kind !== 'rows')
      throw new Error(`Detector: ${loaded.kind} reads ${inputOf(loaded.model).kind}, and the Detector scores windows of rows or single rows only; use pipeline.scoreSeries`);
    const hasChannelErrors = typeof loaded.model.channelErrors === 'function';
    if (!hasChannelErrors && typeof loaded.model.scores !== 'function')
      throw new Error(`Detector: ${loaded.kind} gives neither per-channel errors nor scores of its own, one of which the Detector's decisions need`);
    if (loaded.model.window !== undefined && loaded.model.window !== this.window)
      throw new Error(`detector bundle: windows.length ${this.window} differs from the model's window ${loaded.model.window}`);
    this.threshold = info.threshold;
    const rule = opts.rule ?? 'auto';
    if (rule !== 'auto' && rule !== 'threshold') throw new Error(`rule must be 'auto' or 'threshold', got '${rule}'`);
    const alphaJson = (info as DetectorInfo & { alpha?: AlphasJSON }).alpha;
    this.alphas = rule === 'auto' && alphaJson ? alphasFromJSON(alphaJson) : null;
    this.scaler = Scaler.fromJSON(info.scaler);
    this.decisions = new DecisionRule(this.columns, this.window, loaded.model.scoreReduction ?? 'mean', this.threshold, this.alphas, info.errorScale,
      typeof loaded.model.scores === 'function', hasChannelErrors);
    // The alpha rule's score (max |x - mu| / sigma) is not the statistic the threshold was fitted on.
    this.calibration = this.alphas ? null : tailCalibration(this.threshold);
    this.postRules = defaultPostRules(this.window);
    this.chunk = opts.chunkWindows ?? DEFAULT_CHUNK;
    if (!(Number.isInteger(this.chunk) && this.chunk >= 1)) throw new Error(`chunkWindows must be a positive integer, got ${opts.chunkWindows}`);
  }

  /** Loads a bundle (the model kinds must be registered: import 'vigil-ad' or its models/). */
  static async load(path: string, opts: DetectorOptions = {}): Promise<Detector> {
    return Detector.create(loadDetector(path), opts, true);
  }

  /**
   * A Detector over an already loaded bundle. `owned`: dispose() frees the loaded model (the
   * onnxruntime backend frees it at once: it only needs it to export the graph).
   */
  static async create(loaded: LoadedDetector, opts: DetectorOptions = {}, owned = false): Promise<Detector> {
    const name = opts.backend ?? 'native';
    try {
      if (name === 'native') return new Detector(loaded, NativeBackend.create(loaded, opts, owned), opts);
      if (name !== 'onnxruntime') throw new Error(`backend must be 'native' or 'onnxruntime', got '${String(name)}'`);
      const backend = await createBackend(name, loaded, opts);
      const det = new Detector(loaded, backend, opts);
      if (owned) loaded.model.dispose();
      return det;
    } catch (e) {
      if (owned) loaded.model.dispose();
      throw e;
    }
  }

  /** The native backend over a loaded bundle, synchronously (for the CLI's synchronous paths). */
  static native(loaded: LoadedDetector, opts: Omit<DetectorOptions, 'backend'> = {}): Detector {
    return new Detector(loaded, NativeBackend.create(loaded, opts, false), opts);
  }

  get backendName(): BackendName {
    return this.backend.name;
  }

  /** 'alpha' when per-channel alphas decide, else 'threshold'. */
  get rule(): 'threshold' | 'alpha' {
    return this.decisions.rule;
  }

  /**
   * Scores rows (arrays in schema order or objects keyed by column; see rows.ts) as one series:
   * one result per row, `ready: false` before the first full window.
   */
  async scoreBatch(rows: ArrayLike<RowInput>, opts: ScoreOptions = {}): Promise<DetectorResult[]> {
    return (await this.scoreRows(rows, opts)).results;
  }

  /** scoreBatch's work, keeping the columns and timestamps episodes are built from. */
  private async scoreRows(rows: ArrayLike<RowInput>, opts: ScoreOptions): Promise<{ results: DetectorResult[]; s: SeriesScores; timestamps?: Float64Array }> {
    const { series, timestamps, unseen } = this.toSeries(rows, opts);
    const s = await this.scoreSeries(series, opts);
    const results = this.results(s, opts.top, timestamps);
    if (unseen) for (const [r, u] of unseen) if (results[r].ready) (results[r] as Decision).unseen = u;
    return { results, s, timestamps };
  }

  /** The results of scoreSeries as per-row objects. */
  results(s: SeriesScores, top = 3, timestamps?: ArrayLike<number>): DetectorResult[] {
    if (!(Number.isInteger(top) && top >= 0)) throw new Error(`top must be a non-negative integer, got ${top}`);
    const out: DetectorResult[] = new Array(s.rows);
    for (let r = 0; r < s.rows; r++) out[r] = withCalibrated(this.decisions.result(s, r, top, r, r + 1, timestamps?.[r]), this.calibration);
    return out;
  }

  /** A score on the common scale (lib/eval/calibrated.ts), or null without a calibration. */
  calibratedScore(score: number): number | null {
    return this.calibration ? calibratedScore(this.calibration, score) : null;
  }

  /** The alarm episodes of scoreSeries' columns by the post-rules (episodes.ts). */
  episodes(s: SeriesScores, opts: EpisodeOptions = {}): Episode[] {
    return seriesEpisodes(this.decisions, this.postRules, s, opts);
  }

  /** scoreBatch and the episodes of the same rows (row indices are positions in the call). */
  async scoreEpisodes(rows: ArrayLike<RowInput>, opts: ScoreOptions & { postRules?: Partial<PostRules> } = {}): Promise<{ results: DetectorResult[]; episodes: Episode[] }> {
    const { results, s, timestamps } = await this.scoreRows(rows, opts);
    return { results, episodes: this.episodes(s, { postRules: opts.postRules, top: opts.top, timestamps }) };
  }

  /**
   * Rows -> a checked Series of raw values (tabular: encoded) and their timestamps, by the row
   * policy; `unseen`: the rows (by index) with categories the vocabulary lacks, when any.
   */
  toSeries(rows: ArrayLike<RowInput>, opts: ScoreOptions = {}): { series: Series; timestamps?: Float64Array; unseen?: Map<number, UnseenCategory[]> } {
    if (!rows || typeof rows !== 'object' || typeof rows.length !== 'number') throw new Error('scoreBatch: rows must be an array of rows');
    const reader = this.reader(opts);
    let unseen: Map<number, UnseenCategory[]> | undefined;
    const F = this.columns.length, n = rows.length;
    const data = new Float32Array(n * F);
    const ts = opts.timestamps;
    if (ts && ts.length !== n) throw new Error(`scoreBatch: ${ts.length} timestamps for ${n} rows`);
    const times = ts ? new Float64Array(n) : undefined;
    let prev = NaN;
    for (let r = 0; r < n; r++) {
      reader.read(rows[r], r, data, r * F, r ? data : null, (r - 1) * F);
      if (reader.unseen.length) (unseen ??= new Map()).set(r, [...reader.unseen]);
      if (times) {
        const ms = reader.time(ts![r], r);
        reader.checkOrder(ms, prev, r);
        times[r] = ms;
        if (ms === ms) prev = ms;
      }
    }
    return { series: { columns: [...this.columns], data, rows: n, timestamps: times }, timestamps: times, unseen };
  }

  /** The reader of this model's rows: by the tabular vocabulary, or one value per column. */
  private reader(policy: RowPolicy): RowReader {
    return this.info.tabular ? new TabularRowReader(this.info.tabular, policy) : new RowReader(this.columns, policy);
  }

  /** Scores a whole series (schema checked), yielding to the event loop between chunks. */
  async scoreSeries(series: Series, opts: { adaptiveThreshold?: AdaptiveThresholdOptions } = {}): Promise<SeriesScores> {
    if (pooled(series)) {
      const parts: SeriesScores[] = [];
      for (const part of runsOf(series, opts)) parts.push(await this.scoreSeries(part));
      return stitchRuns(this.decisions, series, parts);
    }
    const job = this.begin(series, opts.adaptiveThreshold);
    for (let c = job.next(); c; c = job.next()) {
      if (!this.backend.runSeriesSync?.(c.rows, c.n, c.out)) await this.backend.run(job.windows(c), c.n, c.out);
      job.commit(c);
      if (!job.done) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return job.result;
  }

  /** scoreSeries without yielding (native backend only). */
  scoreSeriesSync(series: Series, opts: { adaptiveThreshold?: AdaptiveThresholdOptions } = {}): SeriesScores {
    if (pooled(series)) return stitchRuns(this.decisions, series, runsOf(series, opts).map((part) => this.scoreSeriesSync(part)));
    const job = this.begin(series, opts.adaptiveThreshold);
    for (let c = job.next(); c; c = job.next()) {
      if (!this.backend.runSeriesSync?.(c.rows, c.n, c.out)) this.backend.runSync(job.windows(c), c.n, c.out);
      job.commit(c);
    }
    return job.result;
  }

  /** A stream decides row by row (see stream.ts); { restore: state } resumes a saved one. */
  stream(opts: StreamOptions = {}): DetectorStream {
    this.alive();
    return new DetectorStream(this.streamSource(), opts);
  }

  /**
   * Pushes rows of many of this detector's streams, scoring all their full windows in one
   * inference call (native backend; stream_batch.ts): per push, in order, exactly the result the
   * stream's own pushSync() gives, or the error it would throw for that row (a RowError: refused).
   */
  pushManySync(pushes: readonly StreamPush[]): PushOutcome[] {
    this.alive();
    return pushManySync(this.backend, this.decisions, pushes);
  }

  /** pushManySync on either backend (onnxruntime runs asynchronously); it waits for the streams' queued pushes. */
  async pushMany(pushes: readonly StreamPush[]): Promise<PushOutcome[]> {
    this.alive();
    return pushMany(this.backend, this.decisions, pushes);
  }

  /** What a stream reads of this Detector (stream.ts's StreamSource), and nothing else. */
  private streamSource(): StreamSource {
    return {
      columns: this.columns, reader: (policy) => this.reader(policy), window: this.window, scalerJSON: this.info.scaler, scaler: this.scaler,
      backend: this.backend, rule: this.decisions, calibration: this.calibration, postRules: this.postRules, threshold: this.threshold,
      alive: () => this.alive(),
    };
  }

  /** Frees the backend (and the model when this Detector loaded it). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.backend.dispose();
  }

  /** @internal */
  alive(): void {
    if (this.disposed) throw new Error('this Detector was disposed');
  }

  private begin(series: Series, adapt?: AdaptiveThresholdOptions) {
    this.alive();
    checkSchema(this.columns, series);
    const T = this.window, F = this.columns.length, rule = this.decisions;
    const adaptive = adapt ? new AdaptiveThresholdState(checkAdaptiveThreshold(adapt, this.threshold, rule.rule === 'alpha'), this.threshold) : null;
    const scaled = this.scaler.transform(series);
    const windows = new Windows(scaled, { length: T, stride: 1 });
    const result = rule.columns0(series.rows);
    const thresholdState = rule.thresholdState();
    const width = Math.max(Math.min(this.chunk, windows.count), 1);
    const x = new Float32Array(width * T * F);
    const outs = new Map<number, WindowOut>();
    const idx = new Int32Array(width);
    let b = 0;
    // A chunk's windows are copied out of the scaled rows only when the backend or the alpha
    // rule (which reads each window's last step) needs them; `rows` is the chunk's span.
    type Chunk = { rows: Float32Array; x: Float32Array | null; n: number; b: number; out: WindowOut };
    const job = {
      result,
      get done() {
        return b >= windows.count;
      },
      next(): Chunk | null {
        if (b >= windows.count) return null;
        const n = Math.min(width, windows.count - b);
        if (!outs.has(n)) outs.set(n, rule.outputs(n));
        return { rows: scaled.data.subarray(b * F, (b + n + T - 1) * F), x: null, n, b, out: outs.get(n)! };
      },
      windows(c: Chunk): Float32Array {
        if (!c.x) {
          for (let i = 0; i < c.n; i++) idx[i] = c.b + i;
          windows.batch(idx.subarray(0, c.n), x);
          c.x = x.subarray(0, c.n * T * F);
        }
        return c.x;
      },
      commit(c: Chunk): void {
        const at = windows.endRow(c.b);
        rule.decide(rule.rule === 'alpha' ? job.windows(c) : x.subarray(0, 0), c.n, c.out, result, at, undefined, thresholdState);
        if (adaptive) for (let r = at; r < at + c.n; r++) result.flags[r] = adaptive.push(result.scores[r], result.flags[r]);
        b += c.n;
      },
    };
    return job;
  }
}
