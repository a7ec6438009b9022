// `vigil calibrate`: fit the detector's threshold on validation data and store it in the bundle.
// Label-free methods need only normal data; best-f1 and roc-gmean need labelled VALIDATION data
// (never the test set: the threshold would then be fitted on what it is judged by).
// The scores are those detect computes: of the channel errors over the bundle's per-channel
// errorScale (fitted by train on its normal validation windows; kept as is here, even when the
// calibration data is normal: one scale per bundle, whatever threshold is fitted on it).
import { loadBundle, saveBundle } from '../../lib/io/bundle';
import { bestF1, falseAlarmBudget, meanStd, pot, quantileThreshold, rocGmean, type Threshold } from '../../lib/calibrate/thresholds';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadLabels, loadSeries } from './data_args';
import { scoreSeries } from './detect';
import { ALPHA_FLAGS, calibrateAlpha } from './alpha';

const METHODS = ['pot', 'quantile', 'mean-std', 'budget', 'best-f1', 'roc-gmean', 'alpha'];

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil); rewritten in place unless --out' },
  ...DATA_FLAGS,
  labels: { type: 'string', help: 'labels of the validation data (best-f1, roc-gmean; alpha: global labels): 0/1 lines or a CSV' },
  method: { type: 'string', default: 'pot', help: METHODS.join('|') },
  q: { type: 'number', default: 0.995, help: 'quantile: the quantile of validation scores' },
  k: { type: 'number', default: 3, help: 'mean-std: mean + k * std' },
  risk: { type: 'number', default: 1e-4, help: 'pot: probability that a normal score exceeds the threshold' },
  fraction: { type: 'number', default: 0.001, help: 'budget (and alpha without labels): largest flagged fraction of validation steps' },
  ...ALPHA_FLAGS,
  out: { type: 'string', help: 'write the calibrated bundle here instead of over --model' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function calibrate(argv: string[]): Promise<void> {
  const f = parseFlags('calibrate', argv, FLAGS);
  if (f.help) return console.log(helpText('calibrate', 'fit the threshold on validation data', FLAGS));
  if (!f.model) throw new UsageError('--model is required');
  if (!METHODS.includes(f.method)) throw new UsageError(`--method must be one of ${METHODS.join(', ')}, got "${f.method}"`);
  const det = loadDetector(f.model);
  if (f.method === 'alpha') {
    // Per-channel alphas (dc-vae): stored beside the threshold, used by detect's flags.
    await calibrateAlpha(det, f);
    return det.model.dispose();
  }
  const series = await loadSeries(f, 'train');
  const { scores } = scoreSeries(det, series);
  const first = det.info.windows.length - 1; // rows before it have no window
  const s = scores.subarray(first);
  let threshold: Threshold;
  if (f.method === 'best-f1' || f.method === 'roc-gmean') {
    const labels = f.labels ? await loadLabels(f.labels, f) : series.labels;
    if (!labels) throw new UsageError(`--method ${f.method} needs labelled validation data (--labels or a label column)`);
    if (labels.length !== series.rows) throw new UsageError(`--labels has ${labels.length} rows, the data ${series.rows}`);
    const l = labels.subarray(first);
    threshold = f.method === 'best-f1' ? bestF1(s, l) : rocGmean(s, l);
  } else if (f.method === 'pot') threshold = pot(s, { risk: f.risk });
  else if (f.method === 'quantile') threshold = quantileThreshold(s, f.q);
  else if (f.method === 'mean-std') threshold = meanStd(s, f.k);
  else threshold = falseAlarmBudget(s, { fraction: f.fraction });

  const b = loadBundle(f.model);
  saveBundle(f.out ?? f.model, { kind: b.kind, config: b.config, tensors: b.tensors, sections: { ...b.sections, threshold } });
  console.log(`vigil calibrate: threshold ${threshold.value.toPrecision(5)} (${threshold.method} on ${s.length} scores of ${series.source ?? f.data}); wrote ${f.out ?? f.model}`);
  det.model.dispose();
}
