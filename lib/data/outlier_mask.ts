// Input cleaning as DC-VAE upstream does it (utils.preprocessing with wo_outliers): a value more
// than maxStd standard deviations from its channel's mean is treated as missing and replaced by
// the previous valid value of that channel (forward fill; a leading gap takes the next valid
// value, as pandas' ffill().bfill()). The mean and std come from the TRAINING rows only and are
// kept (in the model bundle) so the same rule can be applied to other data; upstream instead
// recomputed them on whatever data it processed, test data included.
import type { Series } from './series';

export interface OutlierMaskJSON {
  maxStd: number;
  columns: string[];
  mean: number[];
  /** Sample standard deviation (ddof 1, as pandas); 0 for a constant channel (nothing masked). */
  std: number[];
}

/** Per-channel mean and std of the training rows, with the cut-off in stds. */
export function fitOutlierMask(series: Series, maxStd = 7): OutlierMaskJSON {
  if (!(maxStd > 0)) throw new Error(`fitOutlierMask: maxStd must be > 0, got ${maxStd}`);
  const C = series.columns.length, n = series.rows;
  if (n < 2) throw new Error(`fitOutlierMask: need at least 2 rows, got ${n}`);
  const mean: number[] = [], std: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += series.data[r * C + c];
    const m = s / n;
    let ss = 0;
    for (let r = 0; r < n; r++) ss += (series.data[r * C + c] - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(ss / (n - 1)));
  }
  return { maxStd, columns: [...series.columns], mean, std };
}

/** A copy of `series` with the outliers replaced (see the file comment); `masked` counts them. */
export function applyOutlierMask(series: Series, mask: OutlierMaskJSON): { series: Series; masked: number } {
  const C = series.columns.length, n = series.rows;
  if (mask.columns.length !== C || mask.columns.some((name, i) => name !== series.columns[i]))
    throw new Error(`applyOutlierMask: the mask was fitted on columns [${mask.columns.join(', ')}], the data has [${series.columns.join(', ')}]`);
  const data = Float32Array.from(series.data);
  let masked = 0;
  for (let c = 0; c < C; c++) {
    const { [c]: m } = mask.mean, { [c]: sd } = mask.std;
    if (!(sd > 0)) continue;
    const bad = (v: number) => !(Math.abs(v - m) <= mask.maxStd * sd); // NaN counts as bad
    let last = NaN;
    let firstGood = -1;
    for (let r = 0; r < n; r++) {
      const i = r * C + c;
      if (bad(data[i])) {
        masked++;
        data[i] = last;
      } else {
        last = data[i];
        if (firstGood < 0) firstGood = r;
      }
    }
    // Leading gap: back-fill from the first valid value (the channel mean if there is none).
    const fill = firstGood >= 0 ? data[firstGood * C + c] : m;
    for (let r = 0; r < (firstGood >= 0 ? firstGood : n); r++) data[r * C + c] = fill;
  }
  return { series: { ...series, data }, masked };
}
