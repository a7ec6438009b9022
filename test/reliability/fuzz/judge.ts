// The bundle fuzz's verdict on one mutant file: refused at load with a named error (one that
// starts `model bundle <path>: `), or loaded and scoring a fixed series exactly like its base
// (same scores, flags and channel errors, bit for bit). A `free` mutant (a finite parameter of
// another value) may instead score differently, or stop at its first non-finite score with the
// error naming the row. Everything else is a failure: an error without the bundle's path, or
// with it but in the engine's words only (`Cannot read properties of undefined`), or one that
// echoes a huge section whole, a different
// result, a non-finite score from a mutant that is not free.
import '../../../models';
import type { Series } from '../../../lib/data/series';
import { Detector } from '../../../lib/detect/detector';
import { loadDetector } from '../../../lib/detect/detector_bundle';
import type { SeriesScores } from '../../../lib/detect/decide';
import { applyThreshold } from '../../../lib/eval/threshold';
import { takesRowWindows } from '../../../lib/model';
import { scoreSeries } from '../../../lib/pipeline/score';

export type Outcome = 'refused' | 'equal' | 'changed' | 'stopped' | 'bad-error' | 'silent-wrong';
export const PASSING: Outcome[] = ['refused', 'equal', 'changed', 'stopped'];

export interface Verdict {
  outcome: Outcome;
  /** The error (path prefix removed), or what differed. */
  detail?: string;
}

/**
 * The results of one detector on the series (the model disposed after), scored as `vigil detect`
 * scores it: by the Detector, or, for a model that cannot be fed windows of rows (ALAD's single
 * rows), by lib/pipeline's scoreSeries and the bundle's threshold.
 */
export async function scoreFile(path: string, series: Series): Promise<SeriesScores> {
  const loaded = loadDetector(path);
  try {
    if (!takesRowWindows(loaded.model)) {
      const { scores, channelErrors } = scoreSeries(loaded, series);
      const first = loaded.info.windows.length - 1;
      return { rows: series.rows, first, scores, flags: applyThreshold(scores, loaded.info.threshold), channelErrors };
    }
    const det = Detector.native(loaded);
    try {
      return det.scoreSeriesSync(series);
    } finally {
      await det.dispose();
    }
  } finally {
    loaded.model.dispose();
  }
}

const sameBits = (a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean => {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

/** What differs between two results ('' when nothing). */
export function difference(a: SeriesScores, b: SeriesScores): string {
  const parts: string[] = [];
  if (a.rows !== b.rows || a.first !== b.first) parts.push(`rows ${b.rows}/${b.first}, not ${a.rows}/${a.first}`);
  if (!sameBits(a.scores, b.scores)) parts.push('scores');
  if (!sameBits(a.flags, b.flags)) parts.push('flags');
  if (!sameBits(a.channelErrors, b.channelErrors)) parts.push('channel errors');
  if (!sameBits(a.channelFlags, b.channelFlags)) parts.push('channel flags');
  return parts.join(', ');
}

/** The engine's own words for a type error: the bundle's path is there but not what in it is wrong. */
const BARE = /^(Cannot (read|set) propert|\S+( \S+)? is not (a function|iterable|defined)|Unexpected (token|end of JSON)|Invalid array length|Maximum call stack)/;

/** An error quotes what it found, capped: a 1 MB section must not come back whole in a message. */
const MAX_MESSAGE = 1000;

const NON_FINITE_SCORE = /^the score at row \d+ \(0-based\) is (NaN|-?Infinity): the model produced a non-finite value/;

export async function judge(path: string, free: boolean, series: Series, original: SeriesScores): Promise<Verdict> {
  const named = `model bundle ${path}: `;
  let loadedOk = false;
  try {
    loadDetector(path).model.dispose();
    loadedOk = true;
    const got = await scoreFile(path, series);
    const diff = difference(original, got);
    if (!diff) return { outcome: 'equal' };
    for (let r = got.first; r < got.rows; r++)
      if (!Number.isFinite(got.scores[r])) return { outcome: 'silent-wrong', detail: `score at row ${r} is ${got.scores[r]}` };
    return free ? { outcome: 'changed', detail: diff } : { outcome: 'silent-wrong', detail: `${diff} differ` };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const name = e instanceof Error ? e.name : typeof e;
    if (!loadedOk) {
      // The engine's words behind a section's name (`config: Cannot read ...`) are bare too.
      const rest = msg.slice(named.length).replace(/^([\w.-]+: )+/, '');
      if (msg.length > MAX_MESSAGE) return { outcome: 'bad-error', detail: `a message of ${msg.length} characters: ${msg.slice(0, 200)}` };
      return msg.startsWith(named) && !BARE.test(rest) ? { outcome: 'refused', detail: msg.slice(named.length) } : { outcome: 'bad-error', detail: `${name}: ${msg}` };
    }
    if (free && NON_FINITE_SCORE.test(msg)) return { outcome: 'stopped', detail: msg };
    return { outcome: 'bad-error', detail: `loaded, then ${name}: ${msg}` };
  }
}
