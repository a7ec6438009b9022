// Per-channel scalers, fitted on training data only and saved in the model bundle:
//   y = (x - center) / scale,   x = y * scale + center
//   standard: center = mean, scale = population std (ddof 0, as scikit-learn)
//   minmax:   center = min,  scale = max - min          (training range -> [0, 1])
//   robust:   center = median, scale = IQR = q75 - q25 (linear interpolation, as numpy)
// A scale of 0 (a constant channel) is replaced by 1, so that channel maps to 0 (standard,
// robust) or stays at its offset from the minimum (minmax) instead of dividing by zero.
// Statistics are accumulated in float64; the data stay float32.
import { DataError } from './errors';
import { checkSchema } from './schema';
import type { Series } from './series';

export type ScalerKind = 'standard' | 'minmax' | 'robust';
const KINDS: ScalerKind[] = ['standard', 'minmax', 'robust'];

export interface ScalerJSON {
  kind: ScalerKind;
  columns: string[];
  center: number[];
  scale: number[];
}

export interface ScaleOptions {
  /** Overwrite the series' data instead of returning a new Series. Default false. */
  inPlace?: boolean;
}

export class Scaler {
  readonly kind: ScalerKind;
  /** Columns seen at fit, checked on every transform (null before fit). */
  columns: string[] | null = null;
  center: Float64Array | null = null;
  scale: Float64Array | null = null;

  constructor(kind: ScalerKind = 'standard') {
    if (!KINDS.includes(kind)) throw new Error(`scaler kind must be one of ${KINDS.join(', ')}, not '${kind}'`);
    this.kind = kind;
  }

  get fitted(): boolean {
    return this.center !== null;
  }

  /** Learns each channel's center and scale from `series` (the training data). */
  fit(series: Series): this {
    const F = series.columns.length;
    if (series.rows === 0) throw new DataError('cannot fit a scaler on 0 rows', { file: series.source });
    const center = new Float64Array(F);
    const scale = new Float64Array(F);
    const column = new Float32Array(series.rows);
    for (let c = 0; c < F; c++) {
      for (let r = 0; r < series.rows; r++) column[r] = series.data[r * F + c];
      const [m, s] = STATS[this.kind](column);
      center[c] = m;
      scale[c] = s === 0 ? 1 : s;
    }
    this.columns = [...series.columns];
    this.center = center;
    this.scale = scale;
    return this;
  }

  /** The scaled series: a new Series sharing timestamps and labels, or `series` itself when inPlace. */
  transform(series: Series, opts: ScaleOptions = {}): Series {
    return this.apply(series, opts, (v, out) => this.transformArray(v, out));
  }

  /** Undoes transform (back to the original units). */
  inverse(series: Series, opts: ScaleOptions = {}): Series {
    return this.apply(series, opts, (v, out) => this.inverseArray(v, out));
  }

  /** Scales row-major values whose last axis is the fitted channels ([rows, F] or [n, T, F]). */
  transformArray(values: Float32Array, out: Float32Array = new Float32Array(values.length)): Float32Array {
    const { center, scale } = this.params(values.length);
    const F = center.length;
    for (let i = 0; i < values.length; i += F) {
      for (let c = 0; c < F; c++) out[i + c] = (values[i + c] - center[c]) / scale[c];
    }
    return out;
  }

  inverseArray(values: Float32Array, out: Float32Array = new Float32Array(values.length)): Float32Array {
    const { center, scale } = this.params(values.length);
    const F = center.length;
    for (let i = 0; i < values.length; i += F) {
      for (let c = 0; c < F; c++) out[i + c] = values[i + c] * scale[c] + center[c];
    }
    return out;
  }

  toJSON(): ScalerJSON {
    const { center, scale } = this.params(0);
    return { kind: this.kind, columns: [...this.columns!], center: Array.from(center), scale: Array.from(scale) };
  }

  static fromJSON(json: ScalerJSON): Scaler {
    const s = new Scaler(json.kind);
    const F = json.columns?.length;
    if (!Array.isArray(json.columns) || json.center?.length !== F || json.scale?.length !== F) {
      throw new Error('scaler JSON needs columns, center and scale of the same length');
    }
    if (json.scale.some((v) => !(Number.isFinite(v) && v !== 0)) || json.center.some((v) => !Number.isFinite(v))) {
      throw new Error('scaler JSON has a non-finite center or a zero/non-finite scale');
    }
    s.columns = [...json.columns];
    s.center = Float64Array.from(json.center);
    s.scale = Float64Array.from(json.scale);
    return s;
  }

  private params(length: number): { center: Float64Array; scale: Float64Array } {
    if (!this.center || !this.scale) throw new Error(`the ${this.kind} scaler is not fitted (call fit on the training data first)`);
    if (length % this.center.length !== 0) {
      throw new Error(`${length} values are not whole rows of the scaler's ${this.center.length} channels`);
    }
    return { center: this.center, scale: this.scale };
  }

  private apply(series: Series, opts: ScaleOptions, f: (v: Float32Array, out: Float32Array) => Float32Array): Series {
    this.params(0);
    checkSchema(this.columns!, series);
    if (opts.inPlace) {
      f(series.data, series.data);
      return series;
    }
    return { ...series, data: f(series.data, new Float32Array(series.data.length)) };
  }
}

/** [center, scale] of one channel's values (the array may be reordered). */
const STATS: Record<ScalerKind, (v: Float32Array) => [number, number]> = {
  standard(v) {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i];
    const mean = sum / v.length;
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += (v[i] - mean) * (v[i] - mean);
    return [mean, Math.sqrt(ss / v.length)];
  },
  minmax(v) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < lo) lo = v[i];
      if (v[i] > hi) hi = v[i];
    }
    return [lo, hi - lo];
  },
  robust(v) {
    v.sort();
    return [quantile(v, 0.5), quantile(v, 0.75) - quantile(v, 0.25)];
  },
};

/** numpy's default (linear) quantile of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
