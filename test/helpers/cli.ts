// Running the `vigil` CLI from tests: the checkout's bin/vigil.js in a child process, a
// per-suite working folder, and the 4-channel generated CSV files the end-to-end tests train on
// (dataFlags reads them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { syntheticSeries } from '../../lib/data/synthetic';

export const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `vigil ...args` in `cwd` and returns its exit code, stdout and stderr. */
export function vigil(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The CSV flags for a file written by writeTrainTest. */
export const dataFlags = (file: string): string[] => ['--data', file, '--timestamp', 'time', '--label', 'attack'];

/**
 * Call at the top of a describe(): a fresh folder made before the suite's tests (and before the
 * suite's own before() hooks, registered after it) and removed after them; `run` is vigil() in it.
 */
export function useCliDir(prefix: string): { path: string; run(args: string[]): CliResult } {
  const dir = { path: '', run: (args: string[]) => vigil(args, dir.path) };
  before(() => (dir.path = mkdtempSync(join(tmpdir(), prefix))));
  after(() => rmSync(dir.path, { recursive: true, force: true }));
  return dir;
}

/**
 * The end-to-end tests' data in dir: train.csv, `train` rows of normal data, and test.csv, `test`
 * rows with faults that follow it in time; with `channelLabels` also test_channel_labels.csv.
 */
export function writeTrainTest(dir: string, train: number, test: number, channelLabels = false): void {
  writeSyntheticCsv(join(dir, 'train.csv'), train, false, 0);
  writeSyntheticCsv(join(dir, 'test.csv'), test, true, train, channelLabels ? join(dir, 'test_channel_labels.csv') : undefined);
}

/**
 * `rows` rows of 4 generated channels (lib/data/synthetic, plant seed 3) as
 * `time,a,b,c,d,attack`, one row a second from 2024-01-01 00:00:00 + `start` s; `faults` plants
 * the faults (noise seed 5, else 4). With `channelLabels`, also writes that file with the
 * per-channel fault labels `time,a,b,c,d`.
 */
function writeSyntheticCsv(path: string, rows: number, faults: boolean, start: number, channelLabels?: string): void {
  const s = syntheticSeries(rows, 4, { plantSeed: 3, noiseSeed: faults ? 5 : 4, start, faults });
  const stamp = (r: number) => new Date(Date.UTC(2024, 0, 1) + (start + r) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const lines = ['time,a,b,c,d,attack'];
  for (let r = 0; r < rows; r++) lines.push([stamp(r), ...Array.from(s.data.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(5)), s.labels[r]].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
  if (channelLabels === undefined) return;
  const per = ['time,a,b,c,d'];
  for (let r = 0; r < rows; r++) {
    const ch = [0, 0, 0, 0];
    for (const f of s.faults) if (r >= f.start && r < f.start + f.length) ch[f.channel] = 1;
    per.push([stamp(r), ...ch].join(','));
  }
  writeFileSync(channelLabels, per.join('\n') + '\n');
}
