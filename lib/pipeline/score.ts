// Scoring a series with a trained detector by its threshold rule: per-row scores and channel
// errors (channel errors over the bundle's error scale), NaN before the first full sample.
// Window models run on the Detector's native path (the same numbers as `vigil detect`, a stream
// or a service); other input representations run op by op over their samples.
import { checkSchema } from '../data/schema';
import { samplesOf } from '../data/representation';
import { Scaler } from '../data/scaler';
import { runSegments, type Series } from '../data/series';
import { Detector } from '../detect/detector';
import type { LoadedDetector } from '../detect/detector_bundle';
import { nonFiniteScore } from '../detect/decide';
import { pointScores, scoreWindows, type WindowScores } from '../detect/score';
import { inputOf } from '../model';
import { UsageError } from '../options';

/** The schema first (its error names the columns), then enough rows for one sample. */
export function checkScorable(det: Pick<LoadedDetector, 'info'>, series: Series): void {
  checkSchema(det.info.schema, series);
  const context = det.info.windows.length;
  if (series.rows < context) throw new UsageError(`${series.rows} rows are fewer than the model's window of ${context}`);
}

/** Per-row scores and channel errors by the bundle's threshold rule (alphas, if any, unused). */
export function scoreSeries(det: LoadedDetector, series: Series): WindowScores {
  checkScorable(det, series);
  const input = inputOf(det.model);
  if (input.kind === 'windows') {
    const { scores, channelErrors } = Detector.native(det, { rule: 'threshold' }).scoreSeriesSync(series);
    return { scores, channelErrors };
  }
  const samples = samplesOf(input, Scaler.fromJSON(det.info.scaler).transform(series));
  const rows = pointScores(samples, scoreWindows(det.model, samples, { errorScale: det.info.errorScale }), series.rows);
  // NaN marks the rows before each run's first full sample; from there on every score must be finite.
  for (const [begin, end] of runSegments(series))
    for (let r = begin + det.info.windows.length - 1; r < end; r++) if (!Number.isFinite(rows.scores[r])) throw nonFiniteScore(r, rows.scores[r]);
  return rows;
}
