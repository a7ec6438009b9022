// Dataset presets: the CSV options of each supported format, and the folder layouts of the
// datasets that have one. `loadPreset(name, path, opts)`:
//   path is one file   -> { series }            (any preset; the file read with its format)
//   path is a folder   -> the dataset's protocol split:
//     smd      { train, test (labels from test_label), interpretation }   (opts.machine)
//     batadal  { train: dataset03, test: dataset04 with the full labels }
//     skab     { train: anomaly-free, test: the labelled runs pooled (valve1/0.csv, ...; runs.ts),
//              parts: the same runs one by one }
//     kddcup99, arrhythmia, tabular   tabular rows, split by a one-class protocol (opts.tabular,
//              tabular_presets.ts): { train, validation (honest protocol), test, encoder };
//              a file with tabular.protocol paper|honest is split the same way
//   any other folder (or a glob) of a series preset -> { series }: a folder of runs, every CSV
//     file one run in the preset's format, pooled (runs.ts); also a skab folder without
//     anomaly-free/ (e.g. skab/valve1) and a batadal folder without BATADAL_dataset03.csv
// Options of the caller (include, exclude, onBadValue, ...) are applied over the preset's.
//
// Formats (see ../shared/data/README.md):
//   smd      no header, ',', columns c0..c<n-1> with n read from the file (SMD 38, ASD 19;
//            a row of another width is an error naming file, line and column); train and test
//            must have the same n; labels from test_label/<machine>.txt; interpretation_label
//            lines `start-end:c1,c2` (end exclusive, channels 1-based, returned 0-based)
//   batadal  DATETIME (dd/mm/yy HH), 43 channels, label ATT_FLAG when the header has it (the
//            competition's test file has none: its labels come from --labels); dataset04's
//            header and values are space-padded and its ATT_FLAG is partial (-999 = unknown,
//            read as normal): its labels are replaced by BATADAL_dataset04_full_labels.csv,
//            found beside it. That labels file (DATETIME, ATT_FLAG and only other ATT* columns)
//            reads as labels without features, e.g. for --labels
//   skab     ';', datetime, labels `anomaly` (default) or `changepoint` (opts.label; the other
//            one is dropped, 'any' uses both); anomaly-free.csv has neither
//   hai      20.07 ';' with `time` and attack, attack_P1..P3; 21.03 ',' with `time` or
//            `timestamp` and attack*; 22.04 ',' with `timestamp` and `Attack`: the timestamp
//            column is the one named time/timestamp, the labels every column named attack*
//   swat     `Timestamp` (" 28/12/2015 10:00:00 AM"), label `Normal/Attack` (Normal, Attack,
//            "A ttack"); a junk line above the header (as in CSVs saved from the xlsx) is skipped
//   vigil-sim  `vigil simulate` output: `timestamp`, the channels, label `attack`
//   generic  the caller's CsvOptions as given
//   kddcup99 gzip, no header, columns from kddcup.names.txt beside it, text label `label`;
//            categorical columns one-hot encoded (categorical.ts)
//   arrhythmia  ODDS arrhythmia.csv: header x0..x273,y, label y
//   tabular  any tabular file: a names file or a header, symbolic columns, a text label
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { peekHeader, readCsv, type CsvOptions } from './csv';
import { DataError } from './errors';
import { firstLines } from './lines';
import { isGlob, poolRuns, readRuns, runFiles } from './runs';
import { parseInterpretationLabels, type Interpretation } from './interpretation';
import type { Series } from './series';
import { plantCsvOptions } from './simulator/writer';
import type { CategoricalEncoder, UnseenCount } from './categorical';
import { loadTabular, readTabularFile, TABULAR_PRESETS, type TabularPresetName, type TabularPresetOptions } from './tabular_presets';

export type PresetName = 'smd' | 'batadal' | 'skab' | 'hai' | 'swat' | 'vigil-sim' | 'generic' | TabularPresetName;
export const PRESETS: PresetName[] = ['smd', 'batadal', 'skab', 'hai', 'swat', 'vigil-sim', 'generic', ...TABULAR_PRESETS];

export interface PresetOptions extends CsvOptions {
  /** smd: the machine, e.g. 'machine-1-6' (not needed when path is a machine's file). */
  machine?: string;
  /**
   * batadal: a full-labels file whose ATT_FLAG replaces the file's own; false to keep the
   * file's labels. Default: BATADAL_dataset04_full_labels.csv beside BATADAL_dataset04.csv.
   */
  fullLabels?: string | false;
  /** skab: which label column(s) to use. Default 'anomaly'. */
  label?: 'anomaly' | 'changepoint' | 'any';
  /** kddcup99, arrhythmia, tabular: the protocol, seed, anomalous classes, encoder, names file (tabular_presets.ts). */
  tabular?: TabularPresetOptions;
}

export interface PresetData {
  /** The file, when `path` named one. */
  series?: Series;
  train?: Series;
  test?: Series;
  interpretation?: Interpretation[];
  /** skab: the labelled runs, each its own series (`test` pools them, with `runs`). */
  parts?: Series[];
  /** kddcup99, arrhythmia (honest protocol): label-0 rows held out of training, for thresholds. */
  validation?: Series;
  /** kddcup99, arrhythmia: the fitted one-hot encoder, to store with the model. */
  encoder?: CategoricalEncoder;
  /** kddcup99, arrhythmia: categories of the test (or of the file) not in the encoder's vocabulary. */
  unseen?: UnseenCount[];
}

const BATADAL_CHANNELS = 43;
const SKAB_CHANNELS = 8;
const BATADAL_FULL_LABELS = 'BATADAL_dataset04_full_labels.csv';

export async function loadPreset(name: PresetName, path: string, opts: PresetOptions = {}): Promise<PresetData> {
  if (!PRESETS.includes(name)) throw new Error(`unknown preset '${name}' (known: ${PRESETS.join(', ')})`);
  if (isGlob(path) && !isTabular(name)) return { series: await readRuns(path, (f) => readPresetFile(name, f, opts)) };
  const folder = isFolder(path);
  if (name === 'smd') return loadSmd(path, folder, opts);
  if (isTabular(name)) {
    const t = await loadTabular(name, path, opts.tabular, opts.exclude);
    if (t.protocol === 'none') return { series: t.parts.test, encoder: t.encoder, unseen: t.unseen.test };
    const { train, validation, test } = t.parts;
    return { train, ...(validation ? { validation } : {}), test, encoder: t.encoder, unseen: t.unseen.test };
  }
  if (folder) {
    if (name === 'batadal' && existsSync(join(path, 'BATADAL_dataset03.csv'))) return loadBatadalFolder(path, opts);
    if (name === 'skab' && existsSync(join(path, 'anomaly-free'))) return loadSkabFolder(path, opts);
    return { series: await readRuns(path, (f) => readPresetFile(name, f, opts)) };
  }
  return { series: await readPresetFile(name, path, opts) };
}

/** One file in the preset's format (smd: a train/ or test/ machine file, without labels). */
export async function readPresetFile(name: PresetName, file: string, opts: PresetOptions = {}): Promise<Series> {
  if (isTabular(name)) return (await readTabularFile(name, file, opts.tabular, opts.exclude)).series;
  const csv = await presetCsvOptions(name, file, opts);
  const series = await readCsv(file, csv);
  if (name === 'batadal') {
    if (isBatadalLabels(series)) return series;
    expectChannels(series, BATADAL_CHANNELS, opts);
    const full = opts.fullLabels ?? (basename(file) === 'BATADAL_dataset04.csv' ? siblingIfExists(file, BATADAL_FULL_LABELS) : undefined);
    return full ? withLabels(series, await readBatadalLabels(full)) : series;
  }
  if (name === 'skab') expectChannels(series, SKAB_CHANNELS, opts);
  return series;
}

/** The CsvOptions that read `file` in the preset's format (may look at the file's header). */
export async function presetCsvOptions(name: PresetName, file: string, opts: PresetOptions = {}): Promise<CsvOptions> {
  const { machine: _m, fullLabels: _f, label: _l, tabular: _t, ...user } = opts;
  if (isTabular(name)) throw new DataError(`${name} is a tabular preset: its files are read by readTable (tabular.ts), not as CSV series`, { file });
  switch (name) {
    case 'smd':
      return merge({ header: false, separator: ',' }, user);
    case 'batadal': {
      const { columns } = await peekHeader(file);
      const labels = columns.includes('ATT_FLAG') ? ['ATT_FLAG'] : [];
      // The full-labels file: besides DATETIME only ATT* columns (ATTACK_ID, the partial flag),
      // none of them a sensor.
      if (labels.length && columns.every((c) => c === 'DATETIME' || c.startsWith('ATT'))) return merge({ timestamp: 'DATETIME', labels, include: [] }, user);
      return merge({ timestamp: 'DATETIME', labels }, user);
    }
    case 'skab': {
      const { columns } = await peekHeader(file, { separator: ';' });
      const want = opts.label ?? 'anomaly';
      const kinds = ['anomaly', 'changepoint'].filter((c) => columns.includes(c));
      const labels = kinds.filter((c) => want === 'any' || c === want);
      return merge({ separator: ';', timestamp: 'datetime', labels, exclude: kinds.filter((c) => !labels.includes(c)) }, user);
    }
    case 'hai': {
      const { columns } = await peekHeader(file, { separator: user.separator });
      const timestamp = columns.find((c) => /^(time|timestamp)$/i.test(c));
      if (!timestamp) throw new DataError(`hai: no time or timestamp column (the file starts with: ${columns.slice(0, 5).join(', ')})`, { file, row: 1 });
      return merge({ timestamp, labels: columns.filter((c) => /^attack/i.test(c)) }, user);
    }
    case 'swat': {
      // The header is the first line naming a Timestamp column (CSVs saved from the xlsx have a
      // line of blanks or group names above it).
      const lines = await firstLines(file, 5);
      const at = lines.findIndex((l) => l.split(/[,;\t]/).some((f) => f.trim().toLowerCase() === 'timestamp'));
      if (at < 0) throw new DataError('swat: no Timestamp column in the first 5 lines', { file });
      const { columns } = await peekHeader(file, { skipLines: at, separator: user.separator });
      const timestamp = columns.find((c) => c.toLowerCase() === 'timestamp')!;
      const label = columns.find((c) => c.replace(/\s+/g, '').toLowerCase() === 'normal/attack');
      return merge({ skipLines: at, timestamp, labels: label ? [label] : [] }, user);
    }
    case 'vigil-sim':
      return merge(plantCsvOptions(), user);
    case 'generic':
      return { ...user };
    default:
      throw new Error(`unknown preset '${name}' (known: ${PRESETS.join(', ')})`);
  }
}

/** The caller's options over the preset's; the caller's include replaces the preset's exclude. */
function merge(preset: CsvOptions, user: CsvOptions): CsvOptions {
  const out: CsvOptions = { ...preset, ...user };
  if (user.include) delete out.exclude;
  else if (preset.exclude?.length || user.exclude) out.exclude = [...(preset.exclude ?? []), ...(user.exclude ?? [])];
  return out;
}

function isTabular(name: PresetName): name is TabularPresetName {
  return (TABULAR_PRESETS as readonly string[]).includes(name);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new DataError('no such file or folder', { file: path });
  }
}

function siblingIfExists(file: string, name: string): string | undefined {
  const p = join(dirname(file), name);
  return existsSync(p) ? p : undefined;
}

/** A BATADAL labels file read by the preset: labels, no features. */
function isBatadalLabels(s: Series): boolean {
  return s.columns.length === 0 && !!s.labels;
}

/** A preset's channel count, checked when the caller did not choose columns. */
function expectChannels(s: Series, n: number, opts: CsvOptions): void {
  if (opts.include || opts.exclude) return;
  if (s.columns.length !== n) throw new DataError(`expected ${n} feature columns, found ${s.columns.length}`, { file: s.source });
}

// ---- SMD

async function loadSmd(path: string, folder: boolean, opts: PresetOptions): Promise<PresetData> {
  // A machine's file (…/train/machine-1-6.txt) names both the root and the machine.
  const root = folder ? path : dirname(dirname(path));
  const machine = folder ? opts.machine : basename(path).replace(/\.txt$/, '');
  if (!machine) {
    const there = existsSync(join(root, 'train')) ? readdirSync(join(root, 'train')).map((n) => n.replace(/\.txt$/, '')).sort() : [];
    const known = there.length ? ` (this folder has: ${there.join(', ')})` : '';
    throw new DataError(`smd: give opts.machine (e.g. machine-1-6) or the path of one machine file${known}`, { file: path });
  }
  const file = (split: string) => join(root, split, `${machine}.txt`);
  const train = await readPresetFile('smd', file('train'), opts);
  const test = await readPresetFile('smd', file('test'), opts);
  if (test.columns.length !== train.columns.length) {
    throw new DataError(`${test.columns.length} columns, but ${file('train')} has ${train.columns.length}: train and test of one machine must have the same channels`, { file: file('test') });
  }
  const labels = await readCsv(file('test_label'), { header: false, names: ['label'], labels: ['label'] });
  if (labels.rows !== test.rows) {
    throw new DataError(`${labels.rows} labels for the ${test.rows} rows of ${file('test')}`, { file: file('test_label') });
  }
  const result: PresetData = { train, test: { ...test, labels: labels.labels } };
  if (existsSync(file('interpretation_label'))) {
    result.interpretation = readInterpretation(file('interpretation_label'), test.rows, test.columns.length);
  }
  return result;
}

/** SMD interpretation_label, checked against the test data's rows and channels. */
export function readInterpretation(file: string, rows: number, channels: number): Interpretation[] {
  const segments = parseInterpretationLabels(readFileSync(file, 'utf8'), file);
  for (const s of segments) {
    if (s.end > rows) throw new DataError(`segment ${s.start}-${s.end} is not inside the ${rows} test rows`, { file });
    const bad = s.channels.find((c) => c >= channels);
    if (bad !== undefined) throw new DataError(`segment ${s.start}-${s.end}: channel ${bad + 1} is not in 1..${channels}`, { file });
  }
  return segments;
}

// ---- BATADAL

async function loadBatadalFolder(root: string, opts: PresetOptions): Promise<PresetData> {
  const train = await readPresetFile('batadal', join(root, 'BATADAL_dataset03.csv'), { ...opts, fullLabels: false });
  const testFile = join(root, 'BATADAL_dataset04.csv');
  const full = opts.fullLabels ?? join(root, BATADAL_FULL_LABELS);
  if (full !== false && !existsSync(full)) {
    throw new DataError(`dataset04's own labels are partial (-999 = unknown); ${BATADAL_FULL_LABELS} is missing (pass fullLabels: false to use them anyway)`, { file: full });
  }
  const test = await readPresetFile('batadal', testFile, { ...opts, fullLabels: full });
  return { train, test };
}

/** BATADAL_dataset04_full_labels.csv: DATETIME and ATT_FLAG (0/1) per row of dataset04. */
export async function readBatadalLabels(file: string): Promise<Series> {
  return readCsv(file, { timestamp: 'DATETIME', labels: ['ATT_FLAG'], include: [] });
}

/** `series` with the labels of `labels`, which must have the same timestamps row for row. */
function withLabels(series: Series, labels: Series): Series {
  const file = labels.source;
  if (labels.rows !== series.rows) throw new DataError(`${labels.rows} label rows for the ${series.rows} rows of ${series.source}`, { file });
  const a = series.timestamps;
  const b = labels.timestamps;
  if (a && b) {
    for (let r = 0; r < a.length; r++) {
      if (a[r] !== b[r]) {
        const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
        throw new DataError(`label row ${r + 1} is at ${iso(b[r])} but ${series.source} row ${r + 1} is at ${iso(a[r])}`, { file, row: r + 2 });
      }
    }
  }
  return { ...series, labels: labels.labels };
}

// ---- SKAB

async function loadSkabFolder(root: string, opts: PresetOptions): Promise<PresetData> {
  const train = await readPresetFile('skab', join(root, 'anomaly-free', 'anomaly-free.csv'), opts);
  // Every labelled folder's runs (valve1/0.csv, ...; not anomaly-free), named by folder and file.
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'anomaly-free')
    .map((d) => d.name)
    .sort();
  const runs: Array<{ name: string; series: Series }> = [];
  for (const f of folders) {
    for (const file of runFiles(join(root, f))) runs.push({ name: `${f}/${basename(file)}`, series: await readPresetFile('skab', file, opts) });
  }
  if (!runs.length) throw new DataError('skab: no labelled runs (folders such as valve1/ of .csv files) beside anomaly-free/', { file: root });
  return { train, test: poolRuns(runs, root), parts: runs.map((r) => r.series) };
}
