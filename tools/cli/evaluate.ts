// `vigil evaluate`: the honest report. Threshold-free numbers first (VUS-PR with its window,
// AUC-PR, AUC-ROC), then point and event numbers at the threshold fitted without test labels,
// point-adjusted F1 only as a diagnostic, side by side with a random score and the PCA
// baseline on the same rows. Rows before the model's first full window are left out of every
// column alike. A bundle with per-channel alphas (dc-vae after `calibrate --method alpha`) gets
// a second model column, "<kind> (alphas)": the flags `vigil detect` raises by the alphas, as
// threshold 1 on the alpha-normalised score (tools/cli/alpha.ts alphaRuleScorer). The model's
// scores and channel errors (hence its HitRate attribution) are those of detect: channel errors
// over the bundle's per-channel errorScale.
import { readFileSync } from 'node:fs';

import { Scaler } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';
import { parseInterpretationLabels } from '../../lib/data/interpretation';
import type { ChannelSegment } from '../../lib/eval/attribution';
import { pcaScores, randomScores } from '../../lib/eval/baselines';
import { evaluate as evaluateScores, formatReport, type NamedReport } from '../../lib/eval/report';
import type { Threshold } from '../../lib/calibrate/thresholds';
import { loadDetector, pcaFromJSON, type LoadedDetector } from '../../lib/detect/detector_bundle';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadLabels, loadSeries } from './data_args';
import { readScores, scoreSeries } from './detect';
import { alphaRuleScorer } from './alpha';

const FLAGS = {
  scores: { type: 'string', help: 'scores CSV from vigil detect (else they are computed from --model and --data)' },
  model: { type: 'string', help: 'the model bundle: its threshold, scaler and PCA baseline' },
  ...DATA_FLAGS,
  labels: { type: 'string', help: 'test labels: 0/1 lines (SMD test_label) or a CSV (default: the label column of --data)' },
  interpretation: { type: 'string', help: 'SMD interpretation_label file: adds HitRate@100%/150% attribution' },
  'vus-window': { type: 'number', default: 100, help: 'VUS buffer window L (stated in the report)' },
  'step-seconds': { type: 'number', help: 'seconds per row when the data has no timestamps (SMD: 60)' },
  seed: { type: 'number', default: 0, help: 'seed of the random baseline' },
  json: { type: 'boolean', help: 'print JSON instead of the table' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

interface Scored {
  name: string;
  scores: Float32Array;
  threshold: Threshold | number;
  channelErrors?: Float32Array;
}

export async function evaluate(argv: string[]): Promise<void> {
  const f = parseFlags('evaluate', argv, FLAGS);
  if (f.help) return console.log(helpText('evaluate', 'report detection quality against test labels', FLAGS));
  if (!f.scores && !(f.model && f.data)) throw new UsageError('give --scores, or --model and --data');
  const det: LoadedDetector | null = f.model ? loadDetector(f.model) : null;
  const series: Series | null = f.data ? await loadSeries(f, 'test') : null;

  const scored: Scored[] = [];
  let timestamps = series?.timestamps;
  if (f.scores) {
    const s = readScores(readFileSync(f.scores, 'utf8'));
    timestamps ??= s.timestamps;
    // Attribution needs every channel's error, which scores.csv does not hold: recompute them.
    const channelErrors = f.interpretation && det && series ? scoreSeries(det, series).channelErrors : undefined;
    scored.push({ name: det?.kind ?? 'model', scores: s.scores, threshold: det?.info.threshold ?? fail('--scores needs --model for the fitted threshold'), channelErrors });
  } else {
    const s = scoreSeries(det!, series!);
    scored.push({ name: det!.kind, scores: s.scores, threshold: det!.info.threshold, channelErrors: s.channelErrors });
  }
  const rows = scored[0].scores.length;
  if (series && series.rows !== rows) throw new UsageError(`--scores has ${rows} rows, --data ${series.rows}`);

  // The alpha rule needs x, mu and sigma per channel: recomputed from the model on --data.
  const hasAlphas = !!(det?.info as { alpha?: unknown } | undefined)?.alpha;
  const alpha = det && series ? alphaRuleScorer(det, series) : null;
  if (alpha) scored.push({ name: `${det!.kind} (alphas)`, scores: alpha.scores, threshold: alpha.threshold, channelErrors: alpha.channelErrors });
  else if (hasAlphas) console.error('vigil evaluate: the bundle has per-channel alphas; give --data to report the alpha rule too');

  const labels = f.labels ? await loadLabels(f.labels, f) : series?.labels;
  if (!labels) throw new UsageError('no labels: give --labels, or --data with a label column');
  if (labels.length !== rows) throw new UsageError(`the labels have ${labels.length} rows, the scores ${rows}`);

  if (series) {
    // A uniform random score flagging about 1% of steps, and PCA as fitted at training.
    scored.push({ name: 'random', scores: randomScores(series, f.seed), threshold: { value: 0.99, method: 'fixed', params: { note: 'flags ~1% of steps' } } });
    if (det?.info.pca && det.info.pcaThreshold) {
      const scaled = Scaler.fromJSON(det.info.scaler).transform(series);
      const p = pcaScores(pcaFromJSON(det.info.pca), scaled);
      scored.push({ name: 'PCA', scores: p.scores, threshold: det.info.pcaThreshold, channelErrors: p.channelErrors });
    }
  }

  // Evaluate on the rows the model scored (from its first full window on).
  let first = 0;
  while (first < rows && Number.isNaN(scored[0].scores[first])) first++;
  const C = series?.columns.length ?? 0;
  const segments: ChannelSegment[] | undefined = f.interpretation
    ? parseInterpretationLabels(readFileSync(f.interpretation, 'utf8'), f.interpretation)
        .map((s) => ({ ...s, start: Math.max(0, s.start - first), end: s.end - first }))
        .filter((s) => s.end > 0)
    : undefined;
  const reports: NamedReport[] = scored.map((s) => ({
    name: s.name,
    report: evaluateScores(s.scores.subarray(first), labels.subarray(first), {
      threshold: s.threshold,
      vusWindow: f['vus-window'],
      timestamps: timestamps?.subarray(first),
      stepSeconds: f['step-seconds'],
      attribution: segments && s.channelErrors ? { errors: s.channelErrors.subarray(first * C), channels: C, labelled: segments } : undefined,
    }),
  }));
  if (!f.json) console.log(`vigil evaluate: ${rows - first} rows (from row ${first}, the model's first full window), ${labels.subarray(first).reduce((a, b) => a + b, 0)} labelled anomalous`);
  console.log(formatReport(reports, f.json ? 'json' : 'table'));
  if (alpha && !f.json) {
    const fmt = (v: number[]) => v.map((a) => (Number.isFinite(a) ? String(+a.toFixed(3)) : 'off')).join(' ');
    console.log(`"${det!.kind} (alphas)": flags of the per-channel alphas (${alpha.alphas.method}), as detect raises them; its score is max over channels of`);
    console.log(`max(r / alpha_up, -r / alpha_down) with r = (x - mu) / sigma, flagged above 1. alpha_up: ${fmt(alpha.alphas.up)}; alpha_down: ${fmt(alpha.alphas.down)}`);
  }
  det?.model.dispose();
}

function fail(msg: string): never {
  throw new UsageError(msg);
}
