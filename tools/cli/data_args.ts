// The data flags every command shares, turned into a lib/data/load.ts DataSource; and reading
// data for a trained model (a tabular model's bundle decides how its rows are encoded and split).
import { loadLabels as loadLabelsOf, loadPart, loadSeries as loadSeriesOf, isTabularPreset, type DataPart, type DataSource, type LoadedPart } from '../../lib/data/load';
import type { UnseenCount, UnseenPolicy } from '../../lib/data/categorical';
import { PRESETS } from '../../lib/data/presets';
import type { Series } from '../../lib/data/series';
import { scoringOptions } from '../../lib/data/tabular_input';
import type { TabularPresetOptions } from '../../lib/data/tabular_presets';
import type { DetectorInfo } from '../../lib/detect/detector_bundle';
import { flagGiven, RANGE, UsageError, type CliFlagSpec } from './args';
import { rememberedNote, withRemembered } from './remember';

export { rowBounds } from '../../lib/data/load';

export const DATA_FLAGS = {
  data: { type: 'string', help: "a CSV file; a dataset folder with --preset smd|batadal|skab|kddcup99|arrhythmia; or a folder or glob ('runs/*.csv', quoted) of runs: every CSV one run of the same columns, pooled (training windows stay within a run)" },
  preset: { type: 'string', default: 'generic', help: `file format: ${PRESETS.join('|')} (a tabular model's bundle names its own)` },
  machine: { type: 'string', help: 'smd: the machine, e.g. machine-1-6' },
  label: { type: 'string', help: 'generic: label column(s), comma-separated (kept apart from features); tabular: the label column' },
  timestamp: { type: 'string', help: 'generic: the timestamp column' },
  exclude: { type: 'string', help: 'columns to leave out, comma-separated' },
  'no-header': { type: 'boolean', help: 'generic: the file has no header row' },
  'on-bad-value': { type: 'string', default: 'error', help: 'error|ffill for NaN, empty or non-numeric cells (tabular rows: always error)' },
  rows: { type: 'string', help: 'use rows START:END only (0-based, END exclusive; negative counts from the end; N% of the rows), e.g. 0:50% or 50%:; tabular: table rows, taken before the split' },
  protocol: { type: 'string', help: 'tabular: paper|honest|none: the one-class split (honest: train, normal-only validation, test; none: every row). Default honest for a folder, none for a file; a tabular model\'s own for calibrate/detect/evaluate' },
  'split-seed': { type: 'number', help: 'tabular: seed of the protocol split (default 42, or the model\'s)', range: RANGE.whole },
  unseen: { type: 'string', help: 'tabular: a category the vocabulary lacks: zeros (an all-zero block, counted) or error (names file, row, column). Default zeros, or the model\'s' },
  names: { type: 'string', help: '--preset tabular: the names file of a header-less file (UCI style, as kddcup.names)' },
  symbolic: { type: 'string', help: '--preset tabular: categorical columns of a file with a header, comma-separated' },
  anomalous: { type: 'string', help: 'tabular: the label classes that are 1, comma-separated (kddcup99: normal.; arrhythmia and tabular: 1)' },
} as const satisfies CliFlagSpec;

export type DataFlags = {
  data?: string; preset: string; machine?: string; label?: string; timestamp?: string; exclude?: string; 'no-header'?: boolean; 'on-bad-value': string; rows?: string;
  protocol?: string; 'split-seed'?: number; unseen?: string; names?: string; symbolic?: string; anomalous?: string;
};

const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

function tabularFlags(f: DataFlags): TabularPresetOptions {
  if (f.protocol !== undefined && !['paper', 'honest', 'none'].includes(f.protocol)) throw new UsageError(`--protocol must be paper, honest or none, got "${f.protocol}"`);
  if (f.unseen !== undefined && f.unseen !== 'zeros' && f.unseen !== 'error') throw new UsageError(`--unseen must be zeros or error, got "${f.unseen}"`);
  const t: TabularPresetOptions = {
    protocol: f.protocol as TabularPresetOptions['protocol'], seed: f['split-seed'], unseen: f.unseen as UnseenPolicy | undefined,
    names: f.names, symbolic: list(f.symbolic), anomalous: list(f.anomalous),
  };
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
}

/** The data flags as a DataSource (--data is required). */
export function dataSource(f: DataFlags): DataSource {
  if (!f.data) throw new UsageError('--data is required');
  const tabular = tabularFlags(f);
  return {
    path: f.data, preset: f.preset, machine: f.machine, labels: list(f.label), timestamp: f.timestamp, exclude: list(f.exclude),
    header: f['no-header'] ? false : undefined, onBadValue: f['on-bad-value'], rows: f.rows, ...(Object.keys(tabular).length ? { tabular } : {}),
  };
}

export function loadSeries(f: DataFlags, part: 'train' | 'test'): Promise<Series> {
  return loadSeriesOf(dataSource(f), part);
}

/**
 * The data source read for a trained model: a tabular model's bundle gives the preset (unless
 * --preset is given), its encoder, its unseen policy and its split (unless the flags say
 * otherwise), and its --rows when the data is split by a protocol.
 */
export function sourceFor(info: DetectorInfo, f: DataFlags, argv: string[]): DataSource {
  const src = dataSource(f);
  const t = info.tabular;
  if (!t) return src;
  if (!flagGiven(argv, 'preset')) src.preset = t.preset;
  if (!isTabularPreset(src.preset)) throw new UsageError(`this model was trained on tabular rows (--preset ${t.preset}); read the data with a tabular preset, not ${src.preset}`);
  src.tabular = scoringOptions(t, src.tabular);
  if (src.rows === undefined && t.rows && src.tabular.protocol !== 'none') src.rows = t.rows;
  return src;
}

/**
 * The data flags for reading data for the model at `model`: the flags given, completed by those
 * its bundle remembers from training (tools/cli/remember.ts); a note on stderr says which.
 */
export async function flagsFor<F extends DataFlags>(info: DetectorInfo, model: string, f: F, argv: string[]): Promise<F> {
  const { flags, used } = await withRemembered(info, f, argv);
  if (used.length) console.error(rememberedNote(model, used));
  return flags as F;
}

/** A part of the data for a trained model (sourceFor), with a note on unseen categories. */
export async function loadFor(info: DetectorInfo, f: DataFlags, argv: string[], part: DataPart, say: (line: string) => void): Promise<LoadedPart> {
  const p = await loadPart(sourceFor(info, f, argv), part);
  if (p.unseen?.length) say(unseenNote(p.unseen, p.series.source ?? f.data!));
  if (p.series.runs) say(runsNote(p.series, info.windows.length));
  return p;
}

/**
 * One line on the runs a pooled series holds (lib/data/runs.ts), by name and rows; each run is
 * scored on its own, so its first context - 1 rows (the model's rows per sample) have no score.
 */
export function runsNote(s: Series, context: number): string {
  const runs = s.runs!;
  const shown = runs.slice(0, 4).map((r) => `${r.name} (${r.rows} rows)`).join(', ');
  const unscored = context > 1 && runs.length > 1 ? `; each run is scored on its own (its first ${context - 1} rows have no score)` : '';
  return `note: ${s.source}: ${runs.length} runs pooled, ${s.rows} rows: ${shown}${runs.length > 4 ? `, and ${runs.length - 4} more` : ''}${unscored}`;
}

/** One line on the unseen categories met (encoded as all-zero blocks). */
export function unseenNote(unseen: UnseenCount[], source: string): string {
  const shown = unseen.slice(0, 5).map((u) => `${u.column}=${u.value} (${u.rows} rows)`).join(', ');
  return `note: ${source}: categories the model's vocabulary lacks, encoded as all-zero blocks: ${shown}${unseen.length > 5 ? `, and ${unseen.length - 5} more` : ''}`;
}

/** --labels PATH for a trained model: read with the data flags, completed by those its bundle remembers that fit that file. */
export async function loadLabelsFor(info: DetectorInfo, path: string, f: DataFlags, argv: string[]): Promise<Uint8Array> {
  return loadLabels(path, (await withRemembered(info, { ...f, data: path }, argv)).flags);
}

/** --labels PATH read with the data flags' format options and --rows. */
export function loadLabels(path: string, f: DataFlags): Promise<Uint8Array> {
  const { path: _, ...format } = f.data ? dataSource(f) : dataSource({ ...f, data: path });
  return loadLabelsOf(path, format);
}
