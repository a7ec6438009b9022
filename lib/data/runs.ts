// A folder of runs: every CSV file of a folder (or every file a glob names) is one recording of
// the same schema. The runs are read one by one and pooled into one Series, laid end to end in
// natural file-name order (2.csv before 10.csv), with `runs` saying where each starts; scores
// and evaluation then cover every row of every run at once, and samples (windows) stay inside
// a run (representation.ts reads `runs`), so no window mixes the end of one recording with the
// start of the next.
//
// Rules: a folder gives its `.csv` and `.csv.gz` files (subfolders are not read); a glob may use
// `*` and `?` in its last path component only. Every run must have the first run's feature
// columns in the same order, and all or none of them labels and timestamps (a DataError names
// the file otherwise). Timestamps are checked within a run, not across runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors';
import type { Run, Series } from './series';

const NATURAL = new Intl.Collator('en', { numeric: true });
const RUN_FILE = /\.csv(\.gz)?$/i;

/** True when `path` has a glob character (runFiles accepts them in the last component only). */
export function isGlob(path: string): boolean {
  return /[*?]/.test(path);
}

/** A folder or a glob names a folder of runs (a single file does not). */
export function isRunsPath(path: string): boolean {
  return isGlob(path) || (existsSync(path) && statSync(path).isDirectory());
}

/** The run files of a folder or a glob, in natural order; an error when there are none. */
export function runFiles(path: string): string[] {
  if (isGlob(path)) {
    const dir = dirname(path);
    if (/[*?]/.test(dir)) throw new DataError('a glob may use * and ? in its last path component only', { file: path });
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError('no such folder', { file: dir });
    const pattern = globPattern(basename(path));
    const files = listFiles(dir).filter((n) => pattern.test(n));
    if (!files.length) throw new DataError('the glob matches no file', { file: path });
    return files.map((n) => join(dir, n));
  }
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new DataError('no such folder', { file: path });
  const files = listFiles(path).filter((n) => RUN_FILE.test(n));
  if (!files.length) throw new DataError('the folder has no .csv file to read as a run', { file: path });
  return files.map((n) => join(path, n));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort(NATURAL.compare);
}

function globPattern(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Every run of `path` read by `read`, pooled (runs named by file, relative to the folder). */
export async function readRuns(path: string, read: (file: string) => Promise<Series>): Promise<Series> {
  const files = runFiles(path);
  const runs: Array<{ name: string; series: Series }> = [];
  for (const f of files) runs.push({ name: basename(f), series: await read(f) });
  return poolRuns(runs, path);
}

/** Runs laid end to end as one Series with `runs`; their schemas must agree (see the top). */
export function poolRuns(runs: ReadonlyArray<{ name: string; series: Series }>, source: string): Series {
  if (!runs.length) throw new DataError('no runs to pool', { file: source });
  const first = runs[0].series;
  const F = first.columns.length;
  for (const { series: s } of runs.slice(1)) checkSameSchema(first, s);
  const total = runs.reduce((n, r) => n + r.series.rows, 0);
  const data = new Float32Array(total * F);
  const labels = first.labels ? new Uint8Array(total) : undefined;
  const timestamps = first.timestamps ? new Float64Array(total) : undefined;
  const out: Run[] = [];
  let at = 0;
  for (const { name, series: s } of runs) {
    data.set(s.data.subarray(0, s.rows * F), at * F);
    labels?.set(s.labels!.subarray(0, s.rows), at);
    timestamps?.set(s.timestamps!.subarray(0, s.rows), at);
    out.push({ name, start: at, rows: s.rows });
    at += s.rows;
  }
  return { columns: first.columns, data, rows: total, ...(labels ? { labels } : {}), ...(timestamps ? { timestamps } : {}), source, runs: out };
}

function checkSameSchema(first: Series, s: Series): void {
  const file = s.source;
  const a = first.columns, b = s.columns;
  const k = a.findIndex((c, i) => b[i] !== c);
  if (k >= 0 || a.length !== b.length) {
    const at = k >= 0 ? k : Math.min(a.length, b.length);
    const found = b[at] === undefined ? 'no such column' : `"${b[at]}"`;
    throw new DataError(`feature column ${at + 1} is ${found}, but ${first.source} has "${a[at] ?? '(none)'}" there (${a.length} columns there, ${b.length} here): every run must have the first run's columns`, { file, column: a[at] ?? b[at] });
  }
  if (!!first.labels !== !!s.labels) throw new DataError(`${s.labels ? 'has labels' : 'has no labels'} but ${first.source} ${first.labels ? 'has' : 'has none'}: all runs or none must be labelled`, { file });
  if (!!first.timestamps !== !!s.timestamps) throw new DataError(`${s.timestamps ? 'has timestamps' : 'has no timestamps'} but ${first.source} ${first.timestamps ? 'has' : 'has none'}`, { file });
}
