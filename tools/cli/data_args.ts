// The data flags every command shares, turned into a lib/data/load.ts DataSource.
import { loadLabels as loadLabelsOf, loadSeries as loadSeriesOf, type DataSource } from '../../lib/data/load';
import { PRESETS } from '../../lib/data/presets';
import type { Series } from '../../lib/data/series';
import { UsageError, type FlagSpec } from './args';

export { rowBounds } from '../../lib/data/load';

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

export type DataFlags = { data?: string; preset: string; machine?: string; label?: string; timestamp?: string; exclude?: string; 'no-header'?: boolean; 'on-bad-value': string; rows?: string };

const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** The data flags as a DataSource (--data is required). */
export function dataSource(f: DataFlags): DataSource {
  if (!f.data) throw new UsageError('--data is required');
  return {
    path: f.data, preset: f.preset, machine: f.machine, labels: list(f.label), timestamp: f.timestamp, exclude: list(f.exclude),
    header: f['no-header'] ? false : undefined, onBadValue: f['on-bad-value'], rows: f.rows,
  };
}

export function loadSeries(f: DataFlags, part: 'train' | 'test'): Promise<Series> {
  return loadSeriesOf(dataSource(f), part);
}

/** --labels PATH read with the data flags' format options and --rows. */
export function loadLabels(path: string, f: DataFlags): Promise<Uint8Array> {
  const { path: _, ...format } = f.data ? dataSource(f) : dataSource({ ...f, data: path });
  return loadLabelsOf(path, format);
}
