// A pooled series (several runs, lib/data/runs.ts) is scored run by run, so no window spans two
// runs: the Detector scores each run as a series of its own, and stitchRuns lays the runs'
// scores back at their rows.
import { sliceRows, type Series } from '../data/series';
import type { AdaptiveThresholdOptions } from './adaptive_threshold';
import type { DecisionRule, SeriesScores } from './decide';

/** Whether the series pools several runs (each is then scored on its own). */
export function pooled(series: Series): boolean {
  return !!series.runs && series.runs.length > 1;
}

/** The runs of a pooled series as series of their own. */
export function runsOf(series: Series, opts: { adaptiveThreshold?: AdaptiveThresholdOptions }): Series[] {
  if (opts.adaptiveThreshold) throw new Error(`adaptiveThreshold: ${series.source ?? 'the series'} pools ${series.runs!.length} runs; score them one by one (each run's warm-up is its own)`);
  return series.runs!.map((r) => sliceRows(series, r.start, r.start + r.rows));
}

/** The runs' scores laid back at their rows: each run's first window - 1 rows have none (NaN). */
export function stitchRuns(rule: DecisionRule, series: Series, parts: SeriesScores[]): SeriesScores {
  const out = rule.columns0(series.rows);
  const F = rule.F;
  series.runs!.forEach((run, k) => {
    const p = parts[k];
    out.scores.set(p.scores, run.start);
    out.flags.set(p.flags, run.start);
    out.channelErrors.set(p.channelErrors, run.start * F);
    if (out.channelFlags && p.channelFlags) out.channelFlags.set(p.channelFlags, run.start * F);
  });
  const k = parts.findIndex((p) => p.first < p.rows); // a run shorter than the window decides nothing
  out.first = k < 0 ? series.rows : series.runs![k].start + parts[k].first;
  return out;
}
