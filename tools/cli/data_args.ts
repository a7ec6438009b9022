// The data options every command shares, and loading a training or test series with them.
import { existsSync, readFileSync, statSync } from 'node:fs';

import { loadPreset, PRESETS, readPresetFile, type PresetName, type PresetOptions } from '../../lib/data/presets';
import { sliceRows, type Series } from '../../lib/data/series';
import { UsageError, type FlagSpec } from './args';

export const DATA_FLAGS = {
  data: { type: 'string', help: 'a CSV file, or a dataset folder with --preset smd|batadal|skab' },
  preset: { type: 'string', default: 'generic', help: `file format: ${PRESETS.join('|')}` },
  machine: { type: 'string', help: 'smd: the machine, e.g. machine-1-6' },
  label: { type: 'string', help: 'generic: label column(s), comma-separated (kept apart from features)' },
  timestamp: { type: 'string', help: 'generic: the timestamp column' },
  exclude: { type: 'string', help: 'columns to leave out, comma-separated' },
  'no-header': { type: 'boolean', help: 'generic: the file has no header row' },
  'on-bad-value': { type: 'string', default: 'error', help: 'error|ffill for NaN, empty or non-numeric cells' },
  rows: { type: 'string', help: 'use rows START:END only (0-based, END exclusive; negative counts from the end; N% of the rows), e.g. 0:50% or 50%:' },
} as const satisfies FlagSpec;

type DataFlags = { data?: string; preset: string; machine?: string; label?: string; timestamp?: string; exclude?: string; 'no-header'?: boolean; 'on-bad-value': string; rows?: string };

const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

function presetOptions(f: DataFlags): PresetOptions {
  if (f['on-bad-value'] !== 'error' && f['on-bad-value'] !== 'ffill') throw new UsageError(`--on-bad-value must be error or ffill, got "${f['on-bad-value']}"`);
  const opts: Record<string, unknown> = {
    machine: f.machine,
    labels: list(f.label),
    timestamp: f.timestamp,
    exclude: list(f.exclude),
    header: f['no-header'] ? false : undefined,
    onBadValue: f['on-bad-value'],
  };
  // Options the user did not give must not hide the preset's own.
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts as PresetOptions;
}

/** The training part (a folder's train split) or the test part of --data, cut to --rows. */
export async function loadSeries(f: DataFlags, part: 'train' | 'test'): Promise<Series> {
  const s = await loadWholeSeries(f, part);
  return f.rows ? sliceRows(s, ...rowBounds(s.rows, f.rows)) : s;
}

/** --rows START:END over n rows: integers (negative from the end) or N% of the rows; END exclusive. */
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

async function loadWholeSeries(f: DataFlags, part: 'train' | 'test'): Promise<Series> {
  if (!f.data) throw new UsageError('--data is required');
  if (!existsSync(f.data)) throw new UsageError(`--data ${f.data}: no such file or folder`);
  const preset = f.preset as PresetName;
  if (!PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got "${f.preset}"`);
  const opts = presetOptions(f);
  if (statSync(f.data).isDirectory() || preset === 'smd') {
    const d = await loadPreset(preset, f.data, opts);
    const s = d[part] ?? d.series;
    if (!s) throw new UsageError(`--data ${f.data}: the ${preset} preset found no ${part} data there`);
    return s;
  }
  return readPresetFile(preset, f.data, opts);
}

/** 0/1 labels: a file of one 0/1 per line (SMD test_label), or the label column of a CSV read like --data. */
export async function loadLabels(path: string, f: DataFlags): Promise<Uint8Array> {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cut = (l: Uint8Array) => (f.rows ? l.subarray(...rowBounds(l.length, f.rows)) : l);
  if (lines.every((l) => /^\s*[01](\.0)?\s*$/.test(l))) return cut(Uint8Array.from(lines, (l) => (parseFloat(l) ? 1 : 0)));
  const s = await readPresetFile(f.preset as PresetName, path, presetOptions(f));
  if (!s.labels) throw new UsageError(`--labels ${path}: no label column found (name it with --label)`);
  return cut(s.labels);
}
