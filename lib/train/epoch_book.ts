// The bookkeeping around a training loop's epochs, apart from what an epoch trains: the
// TrainingState a checkpoint saves (epoch, best epoch and loss, early-stopping count, history),
// the improvement rule (beat the best by more than minDelta), early stopping, the JSONL log and
// its resume position, the progress lines, and resuming (settings must match, the checkpoint
// must be an improving epoch). fitAdversarial keeps its books here; fit's loop has the same
// rules inline (lib/train/fit.ts).
import type { EpochRecord, TrainingState } from './checkpoint';
import type { FitResult } from './fit';
import { LossLog } from './loss_log';
import { Progress } from './progress';

interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface EpochBookOptions {
  epochs: number;
  /** Batches per epoch (the bar's length). */
  steps: number;
  patience?: number;
  minDelta?: number;
  log?: string;
  progress?: boolean | ProgressSink;
}

/** What a finished epoch adds to its record: everything but `improved`, which the book decides. */
export type EpochFields = Omit<EpochRecord, 'improved'>;

export class EpochBook {
  state: TrainingState;
  readonly progress: Progress | null;
  resumedFrom: number | null = null;
  private log: LossLog | null = null;
  private readonly started = Date.now();

  /** `settings` are the run's number-shaping settings: a resume must bring the same. */
  constructor(private readonly o: EpochBookOptions, settings: Record<string, unknown>) {
    this.state = { epoch: 0, bestEpoch: 0, bestLoss: Infinity, badEpochs: 0, generators: [], logPosition: null, history: [], settings };
    const sink = o.progress === false ? null : o.progress === true || o.progress === undefined ? process.stderr : o.progress;
    this.progress = sink ? new Progress('train', o.steps, sink as NodeJS.WriteStream) : null;
  }

  /** Continues from a checkpoint's state (the caller restores weights, optimisers and streams). */
  resume(path: string, saved: TrainingState): void {
    const now = this.state.settings;
    const diff = Object.keys(now).filter((k) => JSON.stringify(saved.settings[k]) !== JSON.stringify(now[k]));
    if (diff.length)
      throw new Error(`resume from ${path}: the checkpoint was written with other settings: ${diff
        .map((k) => `${k} ${JSON.stringify(saved.settings[k])} (now ${JSON.stringify(now[k])})`).join(', ')}`);
    if (saved.bestEpoch !== saved.epoch) throw new Error(`resume from ${path}: inconsistent training state (best epoch is not the saved one)`);
    this.state = { ...saved, settings: now };
    this.resumedFrom = saved.epoch;
    if (this.o.log) this.log = LossLog.resume(this.o.log, saved.logPosition ?? 0, saved.history);
    this.progress?.line(`resumed from ${path} after epoch ${saved.epoch}`);
  }

  /** The epochs still to train, one by one, until the last or until early stopping. */
  *epochs(): Generator<number> {
    if (this.o.log && !this.log) this.log = LossLog.create(this.o.log);
    for (let e = this.state.epoch + 1; e <= this.o.epochs && !this.patienceSpent(); e++) yield e;
  }

  /**
   * Books a finished epoch: it improved when `watched` beat the best by more than minDelta, or
   * always when watched is null (no criterion: the latest epoch is the one to keep, and
   * `fallback` is recorded as its loss). Logs it, prints its line; returns the record.
   */
  finish(fields: EpochFields, watched: number | null, fallback: number, line: string): EpochRecord {
    const s = this.state;
    const improved = watched === null || watched < s.bestLoss - (this.o.minDelta ?? 0);
    if (improved) {
      s.bestLoss = watched ?? fallback;
      s.bestEpoch = fields.epoch;
      s.badEpochs = 0;
    } else s.badEpochs++;
    const record: EpochRecord = { ...fields, improved };
    this.log?.append(record);
    s.history.push(record);
    s.epoch = fields.epoch;
    s.logPosition = this.log ? this.log.position : null;
    this.progress?.line(line);
    return record;
  }

  /** The result; says so when early stopping ended the run. */
  result(): FitResult {
    const s = this.state;
    const stoppedEarly = this.patienceSpent() && s.epoch < this.o.epochs;
    if (stoppedEarly)
      this.progress?.line(`early stop after epoch ${s.epoch}: no improvement for ${this.o.patience} epochs; best epoch ${s.bestEpoch} (${s.bestLoss.toFixed(4)})`);
    return { history: s.history, bestEpoch: s.bestEpoch, bestLoss: s.bestLoss, watched: 'validation score', stoppedEarly, resumedFrom: this.resumedFrom, seconds: (Date.now() - this.started) / 1000 };
  }

  private patienceSpent(): boolean {
    return this.o.patience !== undefined && this.state.badEpochs >= this.o.patience;
  }
}
