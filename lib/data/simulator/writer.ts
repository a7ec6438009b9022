// A run to disk: `plant.csv` (timestamp, the channels, attack) and the sidecar
// `plant.csv.attacks.json` (channels with units and ranges, set-points, attacks with their rows,
// times and channels, benign changes, the water balance). Both written atomically; a path
// ending in .gz is gzipped. Values are printed at each channel's decimals, which the simulator
// already rounded to, so reading the file back gives the run's Float32 values exactly.
import { gzipSync } from 'node:zlib';

import type { CsvOptions } from '../csv';
import { writeFileAtomic } from '../../io/atomic';
import { DEFAULT_SETPOINTS } from './control';
import type { ChannelInfo, ScenarioRecord, SimulationResult } from './types';

export const TIMESTAMP_COLUMN = 'timestamp';
export const LABEL_COLUMN = 'attack';

/** The reader options for a written plant CSV (the generic preset with these flags). */
export function plantCsvOptions(): CsvOptions {
  return { timestamp: TIMESTAMP_COLUMN, labels: [LABEL_COLUMN] };
}

/** The sidecar of a CSV path: plant.csv -> plant.csv.attacks.json (plant.csv.gz -> plant.csv.gz.attacks.json). */
export function sidecarPath(csvPath: string): string {
  return `${csvPath}.attacks.json`;
}

export interface PlantSidecar {
  format: 'vigil-sim';
  version: number;
  csv: { file: string; timestamp: string; label: string; rows: number; channels: string[] };
  meta: SimulationResult['meta'];
  channels: ChannelInfo[];
  setpoints: Record<string, number>;
  attacks: (ScenarioRecord & { startTime: string; endTime: string })[];
  benign: (ScenarioRecord & { startTime: string; endTime: string })[];
  stealthiest?: string;
  attackedFrom: number;
  balance: SimulationResult['balance'];
}

const pad = (n: number) => (n < 10 ? `0${n}` : `${n}`);
/** 'YYYY-MM-DD hh:mm:ss' in UTC (read back as UTC by the CSV reader). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The CSV text of a run (rows in chunks, so progress can be shown). */
export function plantCsv(run: SimulationResult, onProgress?: (fraction: number) => void): string {
  const { series, channels } = run;
  const n = channels.length;
  const scale = channels.map((c) => 10 ** c.decimals);
  const ts = series.timestamps!;
  const labels = series.labels!;
  const parts: string[] = [[TIMESTAMP_COLUMN, ...series.columns, LABEL_COLUMN].join(',')];
  const cells = new Array<string>(n + 2);
  for (let r = 0; r < series.rows; r++) {
    cells[0] = formatTime(ts[r]);
    const o = r * n;
    for (let k = 0; k < n; k++) {
      // The stored Float32 is the quantised value; rounding again recovers its decimal form.
      const s = scale[k];
      cells[k + 1] = String(Math.round(series.data[o + k] * s) / s);
    }
    cells[n + 1] = labels[r] ? '1' : '0';
    parts.push(cells.join(','));
    if (onProgress && (r & 16383) === 0) onProgress(r / series.rows);
  }
  onProgress?.(1);
  return parts.join('\n') + '\n';
}

export function plantSidecar(run: SimulationResult, csvFile: string): PlantSidecar {
  const times = (a: ScenarioRecord) => ({
    ...a,
    startTime: formatTime(run.meta.startTime + a.startRow * run.meta.sampleSeconds * 1000),
    endTime: formatTime(run.meta.startTime + a.endRow * run.meta.sampleSeconds * 1000),
  });
  return {
    format: 'vigil-sim',
    version: run.meta.version,
    csv: { file: csvFile, timestamp: TIMESTAMP_COLUMN, label: LABEL_COLUMN, rows: run.series.rows, channels: run.series.columns },
    meta: run.meta,
    channels: run.channels,
    setpoints: { ...DEFAULT_SETPOINTS },
    attacks: run.attacks.map(times),
    benign: run.benign.map(times),
    stealthiest: run.stealthiest,
    attackedFrom: run.attackedFrom,
    balance: run.balance,
  };
}

/** Writes the CSV (gzipped for .gz) and its sidecar, each atomically. Returns the sidecar's path. */
export function writePlantCsv(path: string, run: SimulationResult, onProgress?: (fraction: number) => void): string {
  const text = plantCsv(run, onProgress);
  writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(Buffer.from(text, 'utf8')) : text);
  const side = sidecarPath(path);
  const file = path.split(/[\\/]/).pop()!;
  writeFileAtomic(side, JSON.stringify(plantSidecar(run, file), null, 2) + '\n');
  return side;
}
