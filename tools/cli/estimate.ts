// train's run-time estimate: timed on the first training batches, said before the run is long
// under way, with the flags that would shorten a long run. lib/train's fit reports each batch to
// its progress sink only (as a redrawn bar), so the estimate listens there (estimatingSink) and
// passes everything on to stderr as fit would have written it.

/** The training time the first estimate is timed on (within the first epoch). */
export const ESTIMATE_AFTER_SECONDS = 5;

/** The time past which train names the flags that shorten a run. */
export const LONG_RUN_SECONDS = 600;

/** A forward pass over a batch costs about a third of a training step (forward + backward + update). */
const FORWARD_SHARE = 1 / 3;

export interface RunEstimate {
  /** The whole run at `epochs` epochs (early stopping may end it sooner). */
  seconds: number;
  epochSeconds: number;
  epochs: number;
}

export interface RunShape {
  /** Training batches per epoch, and the batch size. */
  steps: number;
  batchSize: number;
  /** Validation samples scored after each epoch. */
  validationSamples: number;
  epochs: number;
}

/** The run's length from the seconds one training batch took. */
export function estimateRun(batchSeconds: number, run: RunShape): RunEstimate {
  const epochSeconds = batchSeconds * (run.steps + (FORWARD_SHARE * run.validationSamples) / run.batchSize);
  return { seconds: epochSeconds * run.epochs, epochSeconds, epochs: run.epochs };
}

/** "2 h 05 min", "7 min 30 s", "40 s", "0.4 s". */
export function duration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/**
 * The estimate as train prints it; past LONG_RUN_SECONDS, the flags that bring it under that:
 * a larger --stride (fewer training windows), fewer --epochs, fewer --rows, or stride and epochs
 * together (each about in proportion: validation and early stopping make it approximate).
 */
export function estimateLines(e: RunEstimate, now: { stride: number; epochs: number }): string[] {
  const lines = [`estimated run time: about ${duration(e.seconds)} for at most ${e.epochs} epochs (${duration(e.epochSeconds)} per epoch; early stopping may end it sooner)`];
  if (e.seconds <= LONG_RUN_SECONDS) return lines;
  const factor = e.seconds / LONG_RUN_SECONDS;
  const epochs = Math.floor(now.epochs / factor);
  const share = Math.max(1, Math.floor(100 / factor));
  // Both at once, each by the square root of the factor: milder than either alone.
  const root = Math.sqrt(factor), both = Math.floor(now.epochs / root);
  const ways = [
    `--stride ${Math.ceil(now.stride * factor)} (now ${now.stride})`, ...(epochs >= 1 ? [`--epochs ${epochs} (now ${now.epochs})`] : []),
    `--rows 0:${share}% (a share of the rows)`, ...(both >= 1 ? [`both --stride ${Math.ceil(now.stride * root)} --epochs ${both}`] : []),
  ];
  lines.push(`that is over ${LONG_RUN_SECONDS / 60} min: to shorten it, give ${ways.join(', or ')}`);
  return lines;
}

interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** A bar redraw of lib/train/progress.ts: "\r<label> [##..] done/total ...". */
const BAR = /^\r\S+ \[[#.]*\] \d+\/(\d+)/;
/** Progress.line's clearing of the bar on a terminal. */
const CLEAR = /^\r +\r$/;

/**
 * A progress sink for fit that counts batches (it claims a terminal so that fit redraws its bar
 * after every batch) and calls `onBatches(batches, secondsSinceFirst)` after each one past the
 * first (the first pays for warm-up), with the batches per epoch the bar counts to; it writes to
 * `out` what fit would have written there.
 */
export function estimatingSink(out: Sink, onBatches: (batches: number, seconds: number, steps: number) => void): Sink {
  let first = 0, batches = 0;
  return {
    isTTY: true,
    write(s: string) {
      const bar = BAR.exec(s);
      if (bar) {
        batches++;
        const now = performance.now();
        if (batches === 1) first = now;
        else onBatches(batches - 1, (now - first) / 1000, Number(bar[1]));
        return out.isTTY ? out.write(s) : true;
      }
      if (!out.isTTY && CLEAR.test(s)) return true;
      return out.write(s);
    },
  };
}
