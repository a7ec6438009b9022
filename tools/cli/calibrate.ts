// `vigil calibrate`: fit a section of the detector (its threshold, or a calibrator's own section
// such as per-channel alphas) on validation data and store it in the bundle. The methods and
// their options come from lib/calibrate's registry; label-free methods need only normal data,
// labelled ones labelled VALIDATION data (never the test set). The scores are those detect
// computes: of the channel errors over the bundle's per-channel errorScale (fitted by train on
// its normal validation windows; kept as is here: one scale per bundle).
// A tabular model (its bundle's `tabular` section) reads the data's VALIDATION part, encoded with
// its vocabulary: under the honest protocol the normal-only validation split (never the test);
// with --protocol none every row of the file (normal rows of your own). The paper protocol has no
// validation part: its threshold comes from the test scores, at evaluate, under its own name.
import { calibratorNames, calibratorOptions } from '../../lib/calibrate/calibrators';
import { readPresetFile } from '../../lib/data/presets';
import { sliceRows, type Series } from '../../lib/data/series';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { helpText, parseFlags, UsageError } from './args';
import { DATA_FLAGS, loadFor, loadLabels, loadSeries, rowBounds, type DataFlags } from './data_args';

const OPTIONS = calibratorOptions();

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil); rewritten in place unless --out' },
  ...DATA_FLAGS,
  labels: { type: 'string', help: 'labels of the validation data (best-f1, roc-gmean; alpha: global labels): 0/1 lines or a CSV' },
  'channel-labels': { type: 'string', help: 'alpha: per-channel 0/1 labels, a CSV with one column per channel (as upstream labels_train.csv)' },
  method: { type: 'string', default: 'pot', help: calibratorNames().join('|') },
  ...OPTIONS,
  out: { type: 'string', help: 'write the calibrated bundle here instead of over --model' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function calibrate(argv: string[]): Promise<void> {
  const f = parseFlags('calibrate', argv, FLAGS);
  if (f.help) return console.log(helpText('calibrate', 'fit the threshold on validation data', FLAGS));
  if (!f.model) throw new UsageError('--model is required');
  if (!calibratorNames().includes(f.method)) throw new UsageError(`--method must be one of ${calibratorNames().join(', ')}, got "${f.method}"`);
  const det = loadDetector(f.model);
  try {
    const series = det.info.tabular ? (await loadFor(det.info, f, argv, 'validation', (l) => console.log(`  ${l}`))).series : await loadSeries(f, 'train');
    const labels = f.labels ? await loadLabels(f.labels, f) : series.labels;
    const channelLabels = f['channel-labels'] ? await readChannelLabels(f['channel-labels'], f, series) : undefined;
    const options = Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, (f as Record<string, unknown>)[k]]));
    const result = calibrateDetector(det, series, f.method, { labels, channelLabels, options });
    saveCalibration(f.model, result, f.out ?? f.model);
    console.log(`vigil calibrate: ${result.describe(series.source ?? f.data!)}; wrote ${f.out ?? f.model}`);
    for (const line of result.details ?? []) console.log(`  ${line}`);
  } finally {
    det.model.dispose();
  }
}

/** A CSV of 0/1 columns, one per channel: matched by name when the names are the data's, else by position. */
async function readChannelLabels(path: string, f: DataFlags, series: Series): Promise<Uint8Array> {
  const whole = await readPresetFile('generic', path, { timestamp: f.timestamp, header: f['no-header'] ? false : undefined });
  const s = f.rows ? sliceRows(whole, ...rowBounds(whole.rows, f.rows)) : whole;
  const C = series.columns.length;
  if (s.rows !== series.rows) throw new UsageError(`--channel-labels ${path} has ${s.rows} rows, the data ${series.rows}`);
  const byName = series.columns.every((c) => s.columns.includes(c));
  if (!byName && s.columns.length !== C)
    throw new UsageError(`--channel-labels ${path}: ${s.columns.length} columns, neither the data's ${C} channels by name nor by count`);
  const col = series.columns.map((c, i) => (byName ? s.columns.indexOf(c) : i));
  const out = new Uint8Array(series.rows * C);
  const W = s.columns.length;
  for (let r = 0; r < series.rows; r++) for (let c = 0; c < C; c++) out[r * C + c] = s.data[r * W + col[c]] ? 1 : 0;
  return out;
}
