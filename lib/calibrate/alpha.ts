// Per-channel alpha thresholds for models that predict a Gaussian N(mu, sigma^2) for each
// channel of a window's last step (the per-channel alphas of DC-VAE, seed 002). Channel c is anomalous at a step when
//   x < mu - alpha_down[c] * sigma   or   x > mu + alpha_up[c] * sigma,
// i.e. when the normalised residual r = (x - mu) / sigma is > alpha_up or < -alpha_down; the
// step is anomalous when any channel is. An alpha of Infinity (null in JSON) never flags.
//
// Fitting, on VALIDATION data only (never on the data a report is computed on):
// - fitAlphasF1: with labels, alphas from a grid maximising F1 (point-wise, or range-based after
//   Tatbul et al.). Per-channel labels (one column per channel, as upstream's labels file):
//   each channel independently against its own labels. Global labels: the channels are fitted
//   jointly against the overall flag by coordinate ascent (channel by channel, the pair that
//   maximises the F1 of the any-channel flag given the others' alphas, until nothing changes),
//   because fitting each channel alone against global labels would add up every channel's false
//   alarms. Ties keep the LARGER alphas (fewer alarms); upstream's `>=` kept the smaller ones.
// - fitAlphasBudget: without labels, from a false-alarm budget on normal validation data: per
//   channel one alpha for both sides (alpha_up = alpha_down), the smallest that flags at most
//   fraction / C of the steps by |r|, so by the union bound at most `fraction` of the steps are
//   flagged on data like the calibration data. One-sided budgets degenerate where a side has
//   (almost) no calibration mass (a model that always over-predicts a channel): the quantile of
//   that side is below 0 and would flag every residual on it at test time.
// Everything here needs only (x, mu, sigma) rows, whatever model produced them (the pipeline's
// gaussians.ts runs the model), so it is a calibrator of lib, not of one model.
import { pointMetrics } from '../eval/point';
import { rangeMetrics, type RangeOptions } from '../eval/range_pr';
import { falseAlarmBudget } from './thresholds';

/** Values, predicted means and sigmas of `rows` steps x `channels`, row-major. */
export interface GaussianRows {
  rows: number;
  channels: number;
  x: Float32Array;
  mu: Float32Array;
  sigma: Float32Array;
}

export interface Alphas {
  /** Per channel; Infinity = that side never flags. */
  up: number[];
  down: number[];
  method: 'best-f1' | 'false-alarm-budget' | 'fixed';
  params: Record<string, number | string | boolean | null>;
  /** Per channel F1 on the calibration data (best-f1 with per-channel labels). */
  channelF1?: number[];
}

/** As stored in a bundle: Infinity becomes null (JSON has no Infinity). */
export interface AlphasJSON extends Omit<Alphas, 'up' | 'down'> {
  up: (number | null)[];
  down: (number | null)[];
}

export const UPSTREAM_ALPHA_GRID = [7, 6, 5, 4, 3, 2];

export function alphasToJSON(a: Alphas): AlphasJSON {
  const j = (v: number) => (Number.isFinite(v) ? v : null);
  return { ...a, up: a.up.map(j), down: a.down.map(j) };
}

export function alphasFromJSON(a: AlphasJSON): Alphas {
  const j = (v: number | null) => (v === null ? Infinity : v);
  return { ...a, up: a.up.map(j), down: a.down.map(j) };
}

/** r = (x - mu) / sigma, row-major. */
export function normalisedResiduals(g: GaussianRows): Float32Array {
  return Float32Array.from(g.x, (v, i) => (v - g.mu[i]) / g.sigma[i]);
}

/** Per-step flags (any channel) and per-channel flags [rows, channels]. */
export function alphaFlags(g: GaussianRows, a: Alphas): { flags: Uint8Array; channelFlags: Uint8Array } {
  const C = g.channels;
  if (a.up.length !== C || a.down.length !== C) throw new Error(`alphaFlags: ${a.up.length}/${a.down.length} alphas for ${C} channels`);
  const r = normalisedResiduals(g);
  const channelFlags = new Uint8Array(g.rows * C);
  const flags = new Uint8Array(g.rows);
  for (let t = 0; t < g.rows; t++)
    for (let c = 0; c < C; c++) {
      const v = r[t * C + c];
      if (v > a.up[c] || v < -a.down[c]) {
        channelFlags[t * C + c] = 1;
        flags[t] = 1;
      }
    }
  return { flags, channelFlags };
}

/**
 * The alpha-normalised score of each channel at each step, max(r / up, -r / down, 0)
 * [rows, channels]: above 1 exactly where alphaFlags flags that channel.
 */
export function alphaChannelScores(g: GaussianRows, a: Alphas): Float32Array {
  const C = g.channels;
  if (a.up.length !== C || a.down.length !== C) throw new Error(`alphaChannelScores: ${a.up.length}/${a.down.length} alphas for ${C} channels`);
  const ratio = (r: number, alpha: number) => (alpha === Infinity ? 0 : alpha === 0 ? (r > 0 ? Infinity : 0) : r / alpha);
  const r = normalisedResiduals(g);
  const out = new Float32Array(g.rows * C);
  for (let t = 0; t < g.rows; t++)
    for (let c = 0; c < C; c++) out[t * C + c] = Math.max(0, ratio(r[t * C + c], a.up[c]), ratio(-r[t * C + c], a.down[c]));
  return out;
}

/**
 * The alpha-normalised score of each step, max over channels of max(r / up, -r / down): above 1
 * exactly where alphaFlags flags, so a report can treat the alpha rule as threshold 1 on it.
 */
export function alphaScores(g: GaussianRows, a: Alphas): Float32Array {
  const C = g.channels;
  const per = alphaChannelScores(g, a);
  const out = new Float32Array(g.rows);
  for (let t = 0; t < g.rows; t++) {
    let s = 0;
    for (let c = 0; c < C; c++) s = Math.max(s, per[t * C + c]);
    out[t] = s;
  }
  return out;
}

export interface AlphaF1Options {
  /** Candidate alphas (default upstream's 7, 6, 5, 4, 3, 2). */
  grid?: number[];
  /** 'point' (default) or 'range' (Tatbul et al.; see range_pr.ts for the options). */
  metric?: 'point' | 'range';
  range?: RangeOptions;
  /** Coordinate-ascent sweeps for global labels (default 5). */
  maxSweeps?: number;
}

export type AlphaLabels = { global: Uint8Array } | { perChannel: Uint8Array };

export function fitAlphasF1(g: GaussianRows, labels: AlphaLabels, opts: AlphaF1Options = {}): Alphas {
  const grid = [...(opts.grid ?? UPSTREAM_ALPHA_GRID)].sort((a, b) => b - a);
  if (!grid.length || !grid.every((v) => Number.isFinite(v) && v >= 0)) throw new Error(`fitAlphasF1: the grid must hold finite alphas >= 0, got [${grid.join(', ')}]`);
  const metric = opts.metric ?? 'point';
  if (metric !== 'point' && metric !== 'range') throw new Error(`fitAlphasF1: metric must be 'point' or 'range', got ${metric}`);
  const f1 = metric === 'point'
    ? (l: Uint8Array, f: Uint8Array) => pointMetrics(f, l).f1
    : (l: Uint8Array, f: Uint8Array) => rangeMetrics(l, f, opts.range).f1;
  const C = g.channels, n = g.rows;
  const r = normalisedResiduals(g);
  const column = (c: number) => Float32Array.from({ length: n }, (_, t) => r[t * C + c]);
  const params: Alphas['params'] = {
    metric, grid: grid.join(','), n, fittedOn: 'validation',
    ...(metric === 'range' ? { rangeAlpha: opts.range?.alpha ?? 0, rangeBias: opts.range?.bias ?? 'flat', rangeCardinality: opts.range?.cardinality ?? 'one' } : {}),
  };

  if ('perChannel' in labels) {
    if (labels.perChannel.length !== n * C) throw new Error(`fitAlphasF1: per-channel labels hold ${labels.perChannel.length} values, ${n} rows x ${C} channels need ${n * C}`);
    const up: number[] = [], down: number[] = [], channelF1: number[] = [];
    const flags = new Uint8Array(n);
    for (let c = 0; c < C; c++) {
      const rc = column(c);
      const lc = Uint8Array.from({ length: n }, (_, t) => labels.perChannel[t * C + c]);
      // A channel no alpha pair detects anything on keeps the largest alphas (upstream: 2, the most alarms).
      let best = { f1: 0, up: grid[0], down: grid[0] };
      for (const au of grid)
        for (const ad of grid) {
          for (let t = 0; t < n; t++) flags[t] = rc[t] > au || rc[t] < -ad ? 1 : 0;
          const v = f1(lc, flags);
          if (v > best.f1) best = { f1: v, up: au, down: ad };
        }
      up.push(best.up);
      down.push(best.down);
      channelF1.push(best.f1);
    }
    return { up, down, method: 'best-f1', params: { ...params, labels: 'per-channel' }, channelF1 };
  }

  const l = labels.global;
  if (l.length !== n) throw new Error(`fitAlphasF1: ${l.length} labels for ${n} rows`);
  const cand = [Infinity, ...grid]; // descending: ties keep the larger alphas
  const up = new Array<number>(C).fill(Infinity), down = new Array<number>(C).fill(Infinity);
  // How many channels flag each step under the current alphas.
  const count = new Int32Array(n);
  const own = (rc: Float32Array, au: number, ad: number, t: number) => (rc[t] > au || rc[t] < -ad ? 1 : 0);
  const flags = new Uint8Array(n);
  let current = 0, sweeps = 0;
  for (let changed = true; changed && sweeps < (opts.maxSweeps ?? 5); sweeps++) {
    changed = false;
    for (let c = 0; c < C; c++) {
      const rc = column(c);
      for (let t = 0; t < n; t++) count[t] -= own(rc, up[c], down[c], t);
      let best = { f1: -1, up: up[c], down: down[c] };
      const consider = (au: number, ad: number) => {
        for (let t = 0; t < n; t++) flags[t] = count[t] > 0 || own(rc, au, ad, t) ? 1 : 0;
        const v = f1(l, flags);
        if (v > best.f1) best = { f1: v, up: au, down: ad };
      };
      consider(up[c], down[c]); // the incumbent wins ties
      for (const au of cand) for (const ad of cand) consider(au, ad);
      if (best.up !== up[c] || best.down !== down[c]) changed = true;
      up[c] = best.up;
      down[c] = best.down;
      current = best.f1;
      for (let t = 0; t < n; t++) count[t] += own(rc, up[c], down[c], t);
    }
  }
  return { up, down, method: 'best-f1', params: { ...params, labels: 'global', f1: current, sweeps } };
}

/** Label-free: per channel a symmetric alpha flagging at most fraction / channels of the steps by |r|. */
export function fitAlphasBudget(g: GaussianRows, fraction: number): Alphas {
  const C = g.channels, n = g.rows;
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fitAlphasBudget: fraction must be in [0, 1], got ${fraction}`);
  if (!n) throw new Error('fitAlphasBudget: no rows to calibrate on');
  const r = normalisedResiduals(g);
  const share = fraction / C;
  const alpha: number[] = [];
  for (let c = 0; c < C; c++)
    alpha.push(falseAlarmBudget(Float32Array.from({ length: n }, (_, t) => Math.abs(r[t * C + c])), { fraction: share }).value);
  const a: Alphas = { up: alpha, down: [...alpha], method: 'false-alarm-budget', params: { fraction, n, perChannel: share } };
  const { flags } = alphaFlags(g, a);
  a.params.flaggedFraction = flags.reduce((s, v) => s + v, 0) / n;
  return a;
}
