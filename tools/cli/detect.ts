// `vigil detect`: score new data with a trained detector. Writes one CSV row per input row:
// the time (timestamp or row number), the score of the window ending at that row (empty for the
// first window-1 rows, which have no full window), the 0/1 flag at the bundle's threshold, and
// the channels with the largest error.

import { Scaler } from '../../lib/data/scaler';
import { checkSchema } from '../../lib/data/schema';
import type { Series } from '../../lib/data/series';
import { Windows } from '../../lib/data/windows';
import { rankChannels } from '../../lib/detect/attribution';
import { pointScores, scoreWindows, type WindowScores } from '../../lib/detect/score';
import { writeFileAtomic } from '../../lib/io/atomic';
import { loadDetector, type LoadedDetector } from '../../lib/detect/detector_bundle';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadSeries } from './data_args';
import { alphaScoring } from './alpha';

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil)' },
  ...DATA_FLAGS,
  out: { type: 'string', help: 'the scores CSV to write' },
  top: { type: 'number', default: 3, help: 'channels named per row' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

/** Checks the schema, scales with the bundle's scaler and scores every row. */
export function scoreSeries(det: LoadedDetector, series: Series): WindowScores {
  checkSchema(det.info.schema, series);
  const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
  const windows = new Windows(scaled, { length: det.info.windows.length, stride: 1 });
  if (!windows.count) throw new UsageError(`${series.rows} rows are fewer than the model's window of ${det.info.windows.length}`);
  return pointScores(windows, scoreWindows(det.model, windows), series.rows);
}

export async function detect(argv: string[]): Promise<void> {
  const f = parseFlags('detect', argv, FLAGS);
  if (f.help) return console.log(helpText('detect', 'score data with a trained detector', FLAGS));
  if (!f.model) throw new UsageError('--model is required');
  if (!f.out) throw new UsageError('--out is required (the scores CSV to write)');
  const det = loadDetector(f.model);
  const series = await loadSeries(f, 'test');
  // A bundle with per-channel alphas (dc-vae, calibrate --method alpha) flags by them instead of the threshold.
  const alpha = alphaScoring(det, series);
  const { scores, channelErrors } = alpha ?? scoreSeries(det, series);
  const F = series.columns.length;
  const t = det.info.threshold.value;
  const lines = ['row,time,score,flag,top_channels'];
  let flagged = 0;
  for (let r = 0; r < series.rows; r++) {
    const time = series.timestamps ? new Date(series.timestamps[r]).toISOString() : '';
    if (Number.isNaN(scores[r])) {
      lines.push(`${r},${time},,,`);
      continue;
    }
    const flag = alpha ? alpha.flags[r] : scores[r] > t ? 1 : 0;
    flagged += flag;
    const top = Array.from(rankChannels(channelErrors, F, r).subarray(0, f.top), (c) => series.columns[c]).join(';');
    lines.push(`${r},${time},${scores[r]},${flag},${top}`);
  }
  writeFileAtomic(f.out, lines.join('\n') + '\n');
  const rule = alpha ? `by per-channel alphas (${alpha.alphas.method})` : `at threshold ${t.toPrecision(5)} (${det.info.threshold.method})`;
  console.log(`vigil detect: ${series.rows} rows scored, ${flagged} flagged ${rule}; wrote ${f.out}`);
  det.model.dispose();
}

/** Reads a scores CSV written by detect: scores (NaN where empty), flags and times. */
export function readScores(text: string): { scores: Float32Array; timestamps?: Float64Array } {
  const lines = text.split(/\r?\n/).filter((l) => l.length);
  if (lines[0] !== 'row,time,score,flag,top_channels') throw new UsageError('the scores file is not one written by vigil detect (header row,time,score,flag,top_channels)');
  const n = lines.length - 1;
  const scores = new Float32Array(n);
  const times = new Float64Array(n);
  let haveTimes = true;
  for (let i = 0; i < n; i++) {
    const [, time, score] = lines[i + 1].split(',');
    scores[i] = score === '' ? NaN : Number(score);
    const ms = time ? Date.parse(time) : NaN;
    if (Number.isNaN(ms)) haveTimes = false;
    times[i] = ms;
  }
  return { scores, timestamps: haveTimes ? times : undefined };
}

