// Per-attack detection: for each labelled attack and each scorer, the first step inside the
// attack whose score is above the scorer's fitted threshold (the event-wise rule of
// lib/eval/events.ts), the delay to it, and the channels the scorer blames over the flagged
// steps of the attack (lib/eval/attribution.ts's ranking).
import { rankChannels } from '../../lib/eval/attribution';

/** What the report needs of an attack (the simulator's AttackRecord has these fields). */
export interface AttackSpan {
  id: string;
  kind: string;
  description?: string;
  /** Rows [startRow, endRow) of the scored series. */
  startRow: number;
  endRow: number;
  channels: string[];
  stealthy: boolean;
}

export interface ScoredRun {
  name: string;
  /** One score per row of the series (NaN where no window ends yet). */
  scores: ArrayLike<number>;
  /** Flag rule: score > threshold (fitted on normal data). */
  threshold: number;
  /** rows * channels errors, for attribution. */
  channelErrors?: ArrayLike<number>;
  /**
   * Per-channel error on normal (validation) data: attribution ranks error / scale, so a
   * channel that is always hard to reconstruct is not blamed for every alarm.
   */
  channelScale?: ArrayLike<number>;
}

export interface Detection {
  model: string;
  /** First flagged row inside the attack, null when missed. */
  detectedAt: number | null;
  delaySteps: number | null;
  delaySeconds: number | null;
  /** Flagged rows inside the attack. */
  flaggedRows: number;
  /** Top channels by (scaled) error summed over the flagged rows; empty when missed. */
  top: string[];
}

export interface AttackResult extends AttackSpan {
  detections: Detection[];
  /** Detected by at least one scorer in `detectors` (see attackResults). */
  detected: boolean;
}

export interface AttackOptions {
  columns: string[];
  /** Seconds per row (delays in seconds). */
  stepSeconds?: number;
  /** Channels named per detection (default 3). */
  topK?: number;
  /** Scorers that count for `detected` (default: all). */
  detectors?: string[];
}

function detectOne(a: AttackSpan, run: ScoredRun, o: AttackOptions): Detection {
  const C = o.columns.length;
  const sum = new Float64Array(C);
  let first: number | null = null;
  let flagged = 0;
  for (let r = a.startRow; r < a.endRow; r++) {
    if (!(run.scores[r] > run.threshold)) continue;
    first ??= r;
    flagged++;
    if (run.channelErrors) for (let c = 0; c < C; c++) sum[c] += run.channelErrors[r * C + c] / (run.channelScale?.[c] || 1);
  }
  const top = first !== null && run.channelErrors
    ? Array.from(rankChannels(sum, C, 0).subarray(0, o.topK ?? 3), (c) => o.columns[c])
    : [];
  const delay = first === null ? null : first - a.startRow;
  return {
    model: run.name, detectedAt: first, delaySteps: delay,
    delaySeconds: delay === null || o.stepSeconds === undefined ? null : delay * o.stepSeconds,
    flaggedRows: flagged, top,
  };
}

export function attackResults(attacks: AttackSpan[], runs: ScoredRun[], o: AttackOptions): AttackResult[] {
  const counts = new Set(o.detectors ?? runs.map((r) => r.name));
  return attacks.map((a) => {
    const detections = runs.map((r) => detectOne(a, r, o));
    return { ...a, detections, detected: detections.some((d) => counts.has(d.model) && d.detectedAt !== null) };
  });
}

/** The attacks the demo's check requires: every one except those marked stealthy. */
export function missedAttacks(results: AttackResult[]): AttackResult[] {
  return results.filter((r) => !r.stealthy && !r.detected);
}
