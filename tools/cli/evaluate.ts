// `vigil evaluate`: the honest report. Threshold-free numbers first (VUS-PR with its window,
// AUC-PR, AUC-ROC), then point and event numbers at the threshold fitted without test labels,
// point-adjusted F1 only as a diagnostic, side by side with a random score and the PCA
// baseline on the same rows. Rows before the model's first full window are left out of every
// column alike. A bundle with per-channel alphas (after `calibrate --method alpha`) gets
// a second model column, "<kind> (alphas)": the flags `vigil detect` raises by the alphas, as
// threshold 1 on the alpha-normalised score (lib/pipeline/gaussian_scores.ts alphaRuleScorer). The model's
// scores and channel errors (hence its HitRate attribution) are those of detect: channel errors
// over the bundle's per-channel errorScale.
// A model of tabular rows (input kind 'rows') gets the rows report instead (no VUS: rows have no
// time order; lib/pipeline/evaluate_rows.ts): AUROC, AUPR and positive-class P/R/F1 beside random
// and PCA, under a title naming the protocol: "paper protocol (threshold from test scores)" or the
// honest one (thresholds from the normal-only validation split). Its data is read as the bundle
// says (the test part of the protocol, encoded with the training vocabulary).
import { readFileSync } from 'node:fs';

import { parseInterpretationLabels } from '../../lib/data/interpretation';
import type { Series } from '../../lib/data/series';
import { formatReport } from '../../lib/eval/report';
import { formatRowsReport } from '../../lib/eval/rows_report';
import { inputOf } from '../../lib/model';
import { evaluateDetector } from '../../lib/pipeline/evaluate';
import { evaluateRowsDetector, type RowsProtocol } from '../../lib/pipeline/evaluate_rows';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { DATA_FLAGS, flagsFor, loadFor, loadLabelsFor, sourceFor } from './data_args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG } from './output';
import { readScores } from './detect';

const FLAGS = {
  scores: { type: 'string', help: 'scores CSV from vigil detect (else they are computed from --model and --data)' },
  model: { type: 'string', help: 'the model bundle: its threshold, scaler and PCA baseline' },
  ...DATA_FLAGS,
  labels: { type: 'string', help: 'test labels: 0/1 lines (SMD test_label) or a CSV (default: the label column of --data)' },
  interpretation: { type: 'string', help: 'SMD interpretation_label file: adds HitRate@100%/150% attribution' },
  'vus-window': { type: 'number', default: 100, help: 'VUS buffer window L (stated in the report; not for tabular rows)', range: RANGE.count },
  'paper-quantile': { type: 'number', default: 0.8, help: 'tabular rows, --protocol paper: each method flags scores >= this quantile of its own test scores', range: RANGE.fraction },
  'step-seconds': { type: 'number', help: 'seconds per row when the data has no timestamps (SMD: 60)', range: RANGE.positive },
  seed: { type: 'number', default: 0, help: 'seed of the random baseline', range: RANGE.whole },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function evaluate(argv: string[]): Promise<void> {
  const given = parseFlags('evaluate', argv, FLAGS);
  if (given.help) return console.log(helpText('evaluate', 'report detection quality against test labels', FLAGS));
  if (!given.scores && !(given.model && given.data)) throw new UsageError('give --scores, or --model and --data');
  if (!given.model) throw new UsageError('--scores needs --model for the fitted threshold');
  const det = loadModelArg(given.model);
  try {
    const f = await flagsFor(det.info, given.model, given, argv);
    const series: Series | null = f.data ? (await loadFor(det.info, f, argv, 'test', (l) => console.error(`vigil evaluate: ${l}`))).series : null;
    const fromFile = f.scores ? readScores(readFileSync(f.scores, 'utf8'), f.scores) : null;
    const labels = f.labels ? await loadLabelsFor(det.info, f.labels, given, argv) : series?.labels;
    if (!labels)
      throw new UsageError(f.data ? `no labels: name the label column of ${f.data} with --label <column>, or give --labels FILE (0/1 lines or a CSV)` : 'no labels: give --labels FILE (0/1 lines or a CSV), or --data with its label column (--label <column>)');
    if (inputOf(det.model).kind === 'rows') {
      if (!series) throw new UsageError('a model of tabular rows needs --data (its rows, for the random and PCA columns)');
      const protocol = (sourceFor(det.info, f, argv).tabular?.protocol ?? 'none') as RowsProtocol;
      const e = evaluateRowsDetector(det, series, { labels, protocol, scores: fromFile?.scores, paperQuantile: f['paper-quantile'], seed: f.seed });
      console.log(formatRowsReport(e.title, e.reports, f.json ? 'json' : 'table'));
      return;
    }
    const interpretation = f.interpretation ? parseInterpretationLabels(readFileSync(f.interpretation, 'utf8'), f.interpretation) : undefined;
    const e = evaluateDetector(det, series, {
      labels, scores: fromFile?.scores, timestamps: series?.timestamps ?? fromFile?.timestamps, vusWindow: f['vus-window'],
      stepSeconds: f['step-seconds'], seed: f.seed, interpretation,
    });
    for (const n of e.notes) console.error(`vigil evaluate: ${n}`);
    const pooledNote = e.evaluated < e.rows - e.first ? '; each run from its first full window' : '';
    if (!f.json) console.log(`vigil evaluate: ${e.evaluated} rows (from row ${e.first}, the model's first full window${pooledNote}), ${e.labelled} labelled anomalous`);
    console.log(formatReport(e.reports, f.json ? 'json' : 'table'));
    if (e.alphas && !f.json) {
      const fmt = (v: number[]) => v.map((a) => (Number.isFinite(a) ? String(+a.toFixed(3)) : 'off')).join(' ');
      console.log(`"${det.kind} (alphas)": flags of the per-channel alphas (${e.alphas.method}), as detect raises them; its score is max over channels of`);
      console.log(`max(r / alpha_up, -r / alpha_down) with r = (x - mu) / sigma, flagged above 1. alpha_up: ${fmt(e.alphas.up)}; alpha_down: ${fmt(e.alphas.down)}`);
    }
  } finally {
    det.model.dispose();
  }
}
