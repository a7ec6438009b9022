// Per-channel attribution: which channels an alarm blames (the largest per-channel errors), and
// how often the blamed channels are the labelled responsible ones (HitRate@P%).
// Errors are compared as given. The detectors' channel errors (scoreWindows, the Detector) are
// already divided by the bundle's per-channel error scale (error_scale.ts); for raw errors, pass
// `scale` and channels are ranked by error_c / scale_c (a channel at 100x its normal error then
// outranks a channel whose large error is its normal level).

/** Labelled responsible channels of steps [start, end): 0-based steps and channels. */
import type { Interpretation } from '../data/interpretation';

/** A labelled segment [start, end) and its responsible channels (0-based). */
export type ChannelSegment = Interpretation;


/** Per-channel scale (null or absent: 1), checked against the channel count. */
export type ChannelScale = ArrayLike<number> | null | undefined;

function checkScale(op: string, scale: ChannelScale, channels: number): void {
  if (scale && scale.length !== channels) throw new Error(`${op}: the scale has ${scale.length} values for ${channels} channels`);
}

/**
 * Channels of one step ordered by descending error (ties: lower channel first); with `scale`,
 * by descending error_c / scale_c.
 */
export function rankChannels(errors: ArrayLike<number>, channels: number, step: number, scale?: ChannelScale): Int32Array {
  const base = step * channels;
  const idx = new Int32Array(channels);
  for (let c = 0; c < channels; c++) idx[c] = c;
  if (!scale) return idx.sort((a, b) => errors[base + b] - errors[base + a] || a - b);
  checkScale('rankChannels', scale, channels);
  const q = Float64Array.from({ length: channels }, (_, c) => errors[base + c] / scale[c]);
  return idx.sort((a, b) => q[b] - q[a] || a - b);
}

/** The k channels of largest (scaled) error at every step: rows * k, row-major. */
export function topChannels(errors: ArrayLike<number>, rows: number, channels: number, k: number, scale?: ChannelScale): Int32Array {
  if (errors.length !== rows * channels) {
    throw new Error(`topChannels: errors hold ${errors.length} values, expected rows ${rows} * channels ${channels}`);
  }
  checkScale('topChannels', scale, channels);
  const kk = Math.min(k, channels);
  const out = new Int32Array(rows * kk);
  for (let t = 0; t < rows; t++) out.set(rankChannels(errors, channels, t, scale).subarray(0, kk), t * kk);
  return out;
}

/** Python's round(): to the nearest integer, halves to even (round(4.5) = 4). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface HitRate {
  /** HitRate@P% keyed by P ("100", "150"). NaN when no step has labelled channels. */
  hitRate: Record<string, number>;
  /** Steps averaged over. */
  steps: number;
}

/**
 * HitRate@P% in the convention of TranAD's released code (src/diagnosis.py, hit_att), which
 * follows OmniAnomaly (KDD 2019): for EVERY step t that lies in a labelled segment (whether or
 * not the detector flagged it), with G_t the labelled channels (the union when segments
 * overlap), take the top round(P/100 * |G_t|) channels by error at t (Python rounding, halves to
 * even; at most all channels) and score |top ∩ G_t| / |G_t|. HitRate@P% is the mean over those
 * steps. Ties in error rank the lower channel first (TranAD's reversed argsort ranks the higher
 * one first; ties matter only for constant errors). `scale`: rank by error_c / scale_c.
 */
export function hitRate(
  errors: ArrayLike<number>,
  channels: number,
  labelled: ChannelSegment[],
  percents: number[] = [100, 150],
  scale?: ChannelScale,
): HitRate {
  const rows = errors.length / channels;
  if (!Number.isInteger(rows)) throw new Error(`hitRate: ${errors.length} errors is not a multiple of ${channels} channels`);
  checkScale('hitRate', scale, channels);
  const byStep = new Map<number, Set<number>>();
  for (const seg of labelled) {
    if (seg.start < 0 || seg.end > rows || seg.end <= seg.start) {
      throw new Error(`hitRate: labelled segment [${seg.start}, ${seg.end}) is outside the ${rows} scored steps`);
    }
    for (const c of seg.channels) {
      if (!Number.isInteger(c) || c < 0 || c >= channels) throw new Error(`hitRate: channel ${c} of segment [${seg.start}, ${seg.end}) is not in 0..${channels - 1}`);
    }
    for (let t = seg.start; t < seg.end; t++) {
      const g = byStep.get(t) ?? new Set<number>();
      for (const c of seg.channels) g.add(c);
      byStep.set(t, g);
    }
  }
  const sums = percents.map(() => 0);
  let steps = 0;
  for (const [t, g] of byStep) {
    if (!g.size) continue;
    const ranked = rankChannels(errors, channels, t, scale);
    percents.forEach((p, i) => {
      const size = Math.min(channels, roundHalfEven((p * g.size) / 100));
      let hits = 0;
      for (let r = 0; r < size; r++) if (g.has(ranked[r])) hits++;
      sums[i] += hits / g.size;
    });
    steps++;
  }
  const out: Record<string, number> = {};
  percents.forEach((p, i) => (out[String(p)] = steps ? sums[i] / steps : NaN));
  return { hitRate: out, steps };
}
