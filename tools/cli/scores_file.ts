// The scores CSV `vigil detect` writes (row,time,score,flag,top_channels), read back whole for
// `vigil report`: the flags come from the file, not from score > threshold, because detect may
// have flagged by per-channel alphas or a dynamic threshold. Rows without a full window have an
// empty score and flag (NaN and 0 here).
import { UsageError } from './args';

export const SCORES_HEADER = 'row,time,score,flag,top_channels';

export interface ScoresFile {
  scores: Float32Array;
  flags: Uint8Array;
  /** Each row's top channels, largest error first ([] where none are named). */
  top: string[][];
  /** ms since the epoch per row; absent when a row has no time. */
  timestamps?: Float64Array;
}

export function parseScoresFile(text: string, path: string): ScoresFile {
  const lines = text.split(/\r?\n/).filter((l) => l.length);
  if (lines[0] !== SCORES_HEADER) throw new UsageError(`--scores ${path}: not a file written by vigil detect (its header is ${SCORES_HEADER})`);
  const n = lines.length - 1;
  const out: ScoresFile = { scores: new Float32Array(n), flags: new Uint8Array(n), top: [] };
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1].split(',');
    const [row, time, score, flag, named] = cells;
    const bad = (what: string) => new UsageError(`--scores ${path}: line ${i + 2}: ${what} (${JSON.stringify(lines[i + 1].slice(0, 80))})`);
    if (cells.length !== 5) throw bad(`${cells.length} fields, expected 5`);
    if (Number(row) !== i) throw bad(`row ${row}, expected ${i}: the file is cut or reordered`);
    if (score !== '' && Number.isNaN(Number(score))) throw bad('a score that is not a number');
    if (!['', '0', '1'].includes(flag)) throw bad('a flag other than 0, 1 or empty');
    out.scores[i] = score === '' ? NaN : Number(score);
    out.flags[i] = flag === '1' ? 1 : 0;
    out.top.push(named ? named.split(';') : []);
    times[i] = time ? Date.parse(time) : NaN;
  }
  if (n && times.every((t) => !Number.isNaN(t))) out.timestamps = times;
  return out;
}
