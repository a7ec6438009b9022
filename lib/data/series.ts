// The in-memory form of a multivariate time series, shared by readers, scalers, windows,
// training and detection: one Float32Array, row-major [rows, channels].

export interface Series {
  /** Channel (feature) names, in column order. */
  columns: string[];
  /** Row-major values, rows * columns.length long. */
  data: Float32Array;
  rows: number;
  /** Milliseconds since the epoch per row, when the source had a timestamp column. */
  timestamps?: Float64Array;
  /** Per-row 0/1 ground truth, when the source had a label column (kept apart from features). */
  labels?: Uint8Array;
  /** Where the rows came from (file path or preset name), for error messages and reports. */
  source?: string;
}

export function channels(s: Series): number {
  return s.columns.length;
}

/** Rows [begin, end) as a Series sharing the same buffers (no copy). */
export function sliceRows(s: Series, begin: number, end: number): Series {
  const c = s.columns.length;
  return {
    columns: s.columns,
    data: s.data.subarray(begin * c, end * c),
    rows: end - begin,
    timestamps: s.timestamps?.subarray(begin, end),
    labels: s.labels?.subarray(begin, end),
    source: s.source,
  };
}
