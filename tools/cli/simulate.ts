// `vigil simulate`: run the built-in water treatment plant and write its data as CSV (timestamp,
// channels, attack label) plus a JSON sidecar of the attacks and channels (docs/simulator.md).
import { readFileSync } from 'node:fs';

import { DEFAULT_MIN_HOURS, simulatePlant, sidecarPath, writePlantCsv, type ScenarioSpec } from '../../lib/data/simulator';
import { Progress } from '../../lib/train/progress';
import { helpText, parseFlags, UsageError } from './args';

const FLAGS = {
  hours: { type: 'number', default: 48, help: 'simulated hours' },
  attacks: { type: 'string', default: 'default', help: `default|none|<file.json> (a JSON list of scenarios; default needs ${DEFAULT_MIN_HOURS}+ attacked hours)` },
  'attack-from': { type: 'number', default: 0, help: 'hours of normal operation before the default attacks begin' },
  seed: { type: 'number', default: 7, help: 'seed of every random draw' },
  sample: { type: 'number', default: 1, help: 'seconds between rows (the physics steps 1 s)' },
  start: { type: 'string', help: 'time of the first row, e.g. 2024-01-01T00:00:00Z (default that)' },
  out: { type: 'string', help: 'CSV file to write (.csv or .csv.gz); the sidecar is <out>.attacks.json' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

const SUMMARY = 'simulate the built-in water treatment plant with labelled attacks';

function scenariosFrom(value: string): 'default' | 'none' | ScenarioSpec[] {
  if (value === 'default' || value === 'none') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(value, 'utf8'));
  } catch (e) {
    throw new UsageError(`--attacks ${value}: not default, none or a readable JSON file (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new UsageError(`--attacks ${value}: the JSON must be a list of scenarios`);
  return parsed as ScenarioSpec[];
}

export function simulate(argv: string[]): void {
  const f = parseFlags('simulate', argv, FLAGS);
  if (f.help) return console.log(helpText('simulate', SUMMARY, FLAGS));
  if (!f.out) throw new UsageError('simulate: --out is required (the CSV to write)');
  let startTime: number | undefined;
  if (f.start) {
    startTime = Date.parse(f.start);
    if (!Number.isFinite(startTime)) throw new UsageError(`simulate: --start "${f.start}" is not a date (e.g. 2024-01-01T00:00:00Z)`);
  }
  const attacks = scenariosFrom(f.attacks);
  const t0 = Date.now();
  const sim = new Progress('simulate', 100);
  let shown = -1;
  const tick = (label: string, offset: number) => (fr: number) => {
    const pct = Math.floor(offset + fr * 50);
    if (pct !== shown) sim.tick((shown = pct), label);
  };
  let run;
  try {
    run = simulatePlant({ hours: f.hours, seed: f.seed, attacks, attackFrom: f['attack-from'], sampleSeconds: f.sample, startTime, onProgress: tick('plant', 0) });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^simulator: /, 'simulate: '));
  }
  writePlantCsv(f.out, run, tick('csv', 50));
  const s = run.series;
  sim.line(`${s.rows} rows x ${s.columns.length} channels (${f.hours} h, every ${f.sample} s, seed ${f.seed}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const labelled = run.labels.reduce((a, b) => a + b, 0);
  console.log(`wrote ${f.out} and ${sidecarPath(f.out)}: ${run.attacks.length} attacks (${labelled} attack rows, ${((100 * labelled) / s.rows).toFixed(1)}%), ${run.benign.length} benign changes`);
  for (const a of [...run.attacks, ...run.benign]) {
    const tag = a.benign ? 'benign' : a.stealthy ? 'stealthy' : '';
    console.log(`  ${a.id.padEnd(24)} rows ${String(a.startRow).padStart(7)}-${String(a.endRow).padEnd(7)} ${a.channels.join(',').padEnd(12)} ${tag.padEnd(8)} ${a.description}`);
  }
  console.log(`train on it: vigil train --data ${f.out} --timestamp timestamp --label attack --out plant.vigil`);
}
