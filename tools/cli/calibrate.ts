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
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { helpText, parseFlags, RANGE, UsageError, withRanges, type NumberRange } from './args';
import { DATA_FLAGS, flagsFor, loadFor, loadLabelsFor, loadSeries, rowBounds, type DataFlags } from './data_args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG, Output } from './output';
import { withRemembered } from './remember';

/** The calibrators' numeric options (declared in lib/calibrate) as the CLI checks them: a wrong value is a usage error here. */
const OPTION_RANGES: Record<string, NumberRange> = {
  risk: RANGE.fraction, q: RANGE.unit, k: RANGE.nonNegative, fraction: RANGE.fraction, history: RANGE.count, span: { min: 1 },
  'min-decrease': { min: 0, below: 1 }, 'range-alpha': RANGE.unit,
};

const OPTIONS = withRanges(calibratorOptions(), OPTION_RANGES);

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil); rewritten in place unless --out' },
  ...DATA_FLAGS,
  labels: { type: 'string', help: 'labels of the validation data (best-f1, roc-gmean; alpha: global labels): 0/1 lines or a CSV' },
  'channel-labels': { type: 'string', help: 'alpha: per-channel 0/1 labels, a CSV with one column per channel (as upstream labels_train.csv)' },
  method: { type: 'string', default: 'pot', help: calibratorNames().join('|') },
  ...OPTIONS,
  out: { type: 'string', help: 'write the calibrated bundle here instead of over --model' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function calibrate(argv: string[]): Promise<void> {
  const given = parseFlags('calibrate', argv, FLAGS);
  if (given.help) return console.log(helpText('calibrate', 'fit the threshold on validation data', FLAGS));
  if (!calibratorNames().includes(given.method)) throw new UsageError(`--method must be one of ${calibratorNames().join(', ')}, got "${given.method}"`);
  const out = new Output(!!given.json);
  const det = loadModelArg(given.model, 'the trained model bundle to calibrate');
  const model = given.model!;
  try {
    const f = await flagsFor(det.info, model, given, argv);
    const series = det.info.tabular ? (await loadFor(det.info, f, argv, 'validation', (l) => out.say(`  ${l}`))).series : await loadSeries(f, 'train');
    const labels = f.labels ? await loadLabelsFor(det.info, f.labels, given, argv) : series.labels;
    const channelLabels = f['channel-labels'] ? await readChannelLabels(f['channel-labels'], (await withRemembered(det.info, { ...given, data: f['channel-labels'] }, argv)).flags, series) : undefined;
    const options = Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, (f as Record<string, unknown>)[k]]));
    const result = calibrateDetector(det, series, f.method, { labels, channelLabels, options });
    const written = f.out ?? model;
    saveCalibration(model, result, written);
    const describe = result.describe(series.source ?? f.data!);
    out.say(`vigil calibrate: ${describe}; wrote ${written}`);
    for (const line of result.details ?? []) out.say(`  ${line}`);
    out.result({ model, method: f.method, section: result.section, value: result.value, describe, details: result.details ?? [], ...(result.pca ? { pca: result.pca } : {}), out: written });
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
