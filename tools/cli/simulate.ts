// `vigil simulate`: run the built-in water treatment plant and write its data as CSV (timestamp,
// channels, attack label) plus a JSON sidecar of the attacks and channels (docs/simulator.md).
import { readFileSync } from 'node:fs';

import { DEFAULT_MIN_HOURS, simulatePlant, sidecarPath, writePlantCsv, type ScenarioSpec } from '../../lib/data/simulator';
import { Progress } from '../../lib/train/progress';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { JSON_FLAG, Output } from './output';

const FLAGS = {
  hours: { type: 'number', default: 48, help: 'simulated hours', range: RANGE.positive },
  attacks: { type: 'string', default: 'default', help: `default|none|<file.json> (a JSON list of scenarios; default needs ${DEFAULT_MIN_HOURS}+ attacked hours)` },
  'attack-from': { type: 'number', default: 0, help: 'hours of normal operation before the default attacks begin', range: RANGE.nonNegative },
  seed: { type: 'number', default: 7, help: 'seed of every random draw', range: RANGE.whole },
  sample: { type: 'number', default: 1, help: 'seconds between rows (the physics steps 1 s)', range: RANGE.count },
  start: { type: 'string', help: 'time of the first row, e.g. 2024-01-01T00:00:00Z (default that)' },
  out: { type: 'string', help: 'CSV file to write (.csv or .csv.gz); the sidecar is <out>.attacks.json' },
  ...JSON_FLAG,
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
  const out = new Output(!!f.json);
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
  out.say(`wrote ${f.out} and ${sidecarPath(f.out)}: ${run.attacks.length} attacks (${labelled} attack rows, ${((100 * labelled) / s.rows).toFixed(1)}%), ${run.benign.length} benign changes`);
  for (const a of [...run.attacks, ...run.benign]) {
    const tag = a.benign ? 'benign' : a.stealthy ? 'stealthy' : '';
    out.say(`  ${a.id.padEnd(24)} rows ${String(a.startRow).padStart(7)}-${String(a.endRow).padEnd(7)} ${a.channels.join(',').padEnd(12)} ${tag.padEnd(8)} ${a.description}`);
  }
  const firstAttack = run.attacks.length ? Math.min(...run.attacks.map((a) => a.startRow)) : s.rows;
  for (const line of nextSteps(f.out, firstAttack, s.rows)) out.note(line);
  out.result({
    out: f.out, sidecar: sidecarPath(f.out), rows: s.rows, channels: s.columns, hours: f.hours, sampleSeconds: f.sample, seed: f.seed,
    labelledRows: labelled, firstAttackRow: run.attacks.length ? firstAttack : null, attacks: run.attacks, benign: run.benign,
  });
}

/**
 * What to run next. train ignores labels, so it must see only the rows before the first attack:
 * the hint cuts them with --rows and scores the rest (the bundle remembers the preset).
 */
function nextSteps(file: string, firstAttack: number, rows: number): string[] {
  const data = `--data ${file} --preset vigil-sim`;
  if (firstAttack >= rows) return [`train on it: vigil train ${data} --out plant.vigil`];
  // A tenth of the run is too little normal data to train on.
  if (firstAttack < rows / 10)
    return [`the attacks start at row ${firstAttack}: for normal data to train on, simulate with --attack-from HOURS (hours of normal operation first)`];
  return [
    `train on the normal rows before the first attack (row ${firstAttack}): vigil train ${data} --rows 0:${firstAttack} --out plant.vigil`,
    `then score the rest: vigil evaluate --model plant.vigil --data ${file} --rows ${firstAttack}:`,
  ];
}
