// Loading a series the way every entry point does (the CLI's data flags, the pipeline, a
// service): a CSV file or a dataset folder read by a preset, its training, validation or test
// part, cut to a row range; and 0/1 labels from a file of lines or a CSV's label column.
// Tabular presets (kddcup99, arrhythmia, tabular) are read by tabular_presets.ts: their row range
// is taken from the table BEFORE the protocol splits it (rows have no time order), and their parts
// are the protocol's (train, validation: honest only, test; with protocol 'none' every row).
// A folder (or a glob) that is not a dataset's layout is a folder of runs (runs.ts): one pooled
// series, the same for every part, whose `runs` keep samples inside each file.
import { existsSync, readFileSync } from 'node:fs';

import { UsageError } from '../options';
import type { UnseenCount } from './categorical';
import { isGlob, isRunsPath } from './runs';
import { loadPreset, PRESETS, readPresetFile, type PresetName, type PresetOptions } from './presets';
import { sliceRows, type Series } from './series';
import { tabularInput, type TabularInput } from './tabular_input';
import { loadTabular, TABULAR_PRESETS, type TabularData, type TabularPart, type TabularPresetName, type TabularPresetOptions } from './tabular_presets';

export type DataPart = TabularPart;

export interface DataSource {
  /** A CSV file, a dataset folder (smd, batadal, skab), or a folder or glob of runs (runs.ts). */
  path: string;
  /** File format (default 'generic'). */
  preset?: string;
  /** smd: the machine, e.g. machine-1-6. */
  machine?: string;
  /** generic: label column(s), kept apart from the features; tabular: the one label column. */
  labels?: string[];
  /** generic: the timestamp column. */
  timestamp?: string;
  /** Columns to leave out. */
  exclude?: string[];
  /** generic: false when the file has no header row. */
  header?: boolean;
  /** NaN, empty or non-numeric cells: an error naming file, row and column (default), or forward-filled. */
  onBadValue?: 'error' | 'ffill' | string;
  /** Rows START:END only (0-based, END exclusive, negative from the end, N% of the rows); see rowBounds. */
  rows?: string;
  /** Tabular presets: protocol, split seed, vocabulary, unseen policy, encoder, names file, ... */
  tabular?: TabularPresetOptions;
}

/** One part of a source, with the categories its encoder did not know (tabular sources). */
export interface LoadedPart {
  series: Series;
  unseen?: UnseenCount[];
}

export function isTabularPreset(preset?: string): preset is TabularPresetName {
  return (TABULAR_PRESETS as readonly string[]).includes(preset ?? '');
}

function presetOptions(src: DataSource): PresetOptions {
  const onBadValue = src.onBadValue ?? 'error';
  if (onBadValue !== 'error' && onBadValue !== 'ffill') throw new UsageError(`--on-bad-value must be error or ffill, got "${onBadValue}"`);
  const opts: Record<string, unknown> = {
    machine: src.machine, labels: src.labels, timestamp: src.timestamp, exclude: src.exclude, header: src.header, onBadValue,
  };
  // Options the caller did not give must not hide the preset's own.
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts as PresetOptions;
}

/** The training, validation (tabular honest protocol) or test part of the source, cut to its rows. */
export async function loadSeries(src: DataSource, part: DataPart): Promise<Series> {
  return (await loadPart(src, part)).series;
}

/** loadSeries, with the unseen categories of a tabular part. */
export async function loadPart(src: DataSource, part: DataPart): Promise<LoadedPart> {
  if (isTabularPreset(checkSource(src))) {
    const d = await readTabular(src);
    const series = d.parts[part];
    if (!series) throw new UsageError(`--data ${src.path}: the ${d.protocol} protocol has no ${part} part${part === 'validation' ? ' (its threshold comes from the test scores, at evaluate; the honest protocol has a validation part)' : ''}`);
    return { series, unseen: d.unseen[part] };
  }
  if (part === 'validation') throw new UsageError(`--data ${src.path}: only tabular presets (${TABULAR_PRESETS.join(', ')}) have a validation part`);
  const s = await loadWholeSeries(src, part);
  return { series: src.rows ? sliceRows(s, ...rowBounds(s.rows, src.rows)) : s };
}

/**
 * What training reads: the training part and, for a tabular source split by a protocol, its
 * validation part (honest) and the section a bundle keeps (tabular_input.ts). Read once.
 */
export async function loadTrainingData(src: DataSource): Promise<{ train: Series; validation?: Series; tabular?: TabularInput; unseen?: UnseenCount[] }> {
  const preset = checkSource(src);
  if (!isTabularPreset(preset)) return { train: (await loadPart(src, 'train')).series };
  const d = await readTabular(src);
  const validation = d.protocol === 'none' ? undefined : d.parts.validation;
  return { train: d.parts.train!, ...(validation ? { validation } : {}), tabular: tabularInput(preset, d, src.tabular ?? {}, src.rows), unseen: d.unseen.train };
}

function readTabular(src: DataSource): Promise<TabularData> {
  const preset = src.preset as TabularPresetName;
  if (src.labels && src.labels.length > 1) throw new UsageError(`--label: a tabular file has one label column, got ${src.labels.join(', ')}`);
  const rows = src.rows;
  const opts: TabularPresetOptions = { ...src.tabular, ...(src.labels ? { label: src.labels[0] } : {}), ...(rows ? { tableRows: (n: number) => rowBounds(n, rows) } : {}) };
  return loadTabular(preset, src.path, opts, src.exclude);
}

/** The preset after checking the path and the name. */
function checkSource(src: DataSource): PresetName {
  if (!src.path) throw new UsageError('--data is required');
  if (!isGlob(src.path) && !existsSync(src.path)) throw new UsageError(`--data ${src.path}: no such file or folder`);
  const preset = (src.preset ?? 'generic') as PresetName;
  if (!PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got "${src.preset}"`);
  return preset;
}

/** START:END over n rows: integers (negative from the end) or N% of the rows; END exclusive. */
export function rowBounds(n: number, spec: string): [number, number] {
  const m = /^\s*([^:]*):([^:]*)\s*$/.exec(spec);
  if (!m) throw new UsageError(`--rows must be START:END (e.g. 0:50% or 1000:), got "${spec}"`);
  const at = (v: string, dflt: number): number => {
    const t = v.trim();
    if (t === '') return dflt;
    const pct = /^(-?\d+(?:\.\d+)?)%$/.exec(t);
    const k = pct ? Math.round((Number(pct[1]) / 100) * n) : /^-?\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(k)) throw new UsageError(`--rows ${spec}: "${t}" is not a row number or a percentage`);
    return Math.min(Math.max(k < 0 ? n + k : k, 0), n);
  };
  const begin = at(m[1], 0), end = at(m[2], n);
  if (end <= begin) throw new UsageError(`--rows ${spec} selects no rows of the ${n}`);
  return [begin, end];
}

async function loadWholeSeries(src: DataSource, part: 'train' | 'test'): Promise<Series> {
  const preset = checkSource(src);
  const opts = presetOptions(src);
  if (isRunsPath(src.path) || preset === 'smd') {
    const d = await loadPreset(preset, src.path, opts);
    const s = d[part] ?? d.series;
    if (!s) throw new UsageError(`--data ${src.path}: the ${preset} preset found no ${part} data there`);
    return s;
  }
  return readPresetFile(preset, src.path, opts);
}

/**
 * 0/1 labels from `path`: a file of one 0/1 per line (SMD test_label), or the label column of a
 * CSV read with the source's format options; cut to the source's rows.
 */
export async function loadLabels(path: string, src: Omit<DataSource, 'path'>): Promise<Uint8Array> {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cut = (l: Uint8Array) => (src.rows ? l.subarray(...rowBounds(l.length, src.rows)) : l);
  if (lines.every((l) => /^\s*[01](\.0)?\s*$/.test(l))) return cut(Uint8Array.from(lines, (l) => (parseFloat(l) ? 1 : 0)));
  const s = await readPresetFile((src.preset ?? 'generic') as PresetName, path, presetOptions({ ...src, path }));
  if (!s.labels) throw new UsageError(`--labels ${path}: no label column found (name it with --label)`);
  return cut(s.labels);
}
