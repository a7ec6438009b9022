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
  /**
   * The runs of a pooled series (runs.ts): separate recordings laid end to end, in row order.
   * No sample may span two of them. Absent: the series is one run.
   */
  runs?: Run[];
}

/** One recording of a pooled series: rows [start, start + rows), named by its file. */
export interface Run {
  name: string;
  start: number;
  rows: number;
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
    ...(s.runs ? { runs: runsWithin(s.runs, begin, end) } : {}),
  };
}

/** The parts of `runs` inside rows [begin, end), renumbered from begin. */
function runsWithin(runs: Run[], begin: number, end: number): Run[] {
  const out: Run[] = [];
  for (const r of runs) {
    const a = Math.max(r.start, begin), b = Math.min(r.start + r.rows, end);
    if (b > a) out.push({ name: r.name, start: a - begin, rows: b - a });
  }
  return out;
}

/** The row ranges [begin, end) samples must stay inside: the runs, or the whole series. */
export function runSegments(s: Series): Array<[number, number]> {
  return s.runs ? s.runs.map((r) => [r.start, r.start + r.rows]) : [[0, s.rows]];
}
