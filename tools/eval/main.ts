// `npm run eval`: trains and evaluates every model kind on every dataset with several seeds, in a
// time budget, writes the figures as JSON and regenerates the marked section of docs/results.md.
// Flags in, plan, run, write; the work is in plan.ts, run.ts and cell.ts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import '../../models'; // registers the model kinds
import { writeFileAtomic } from '../../lib/io/atomic';
import { helpText, parseFlags, RANGE, UsageError, type CliFlagSpec } from '../cli/args';
import { runCell } from './cell';
import { DATASETS, datasetSpec, missingFiles } from './datasets';
import { KINDS, kindSpec } from './kinds';
import { commit, load1, machine } from './machine';
import { BEGIN, END, renderSection, replaceMarked } from './markdown';
import { formatSeconds, parseBudget, planCells } from './plan';
import { doneCells, readResults } from './results';
import { runPlan } from './run';

const REPO = resolve(__dirname, '../..');
/** What regenerates every result (the defaults below). */
export const REGENERATE = 'npm run eval';

const FLAGS = {
  kinds: { type: 'string', default: KINDS.map((k) => k.kind).join(','), help: 'model kinds, comma-separated' },
  datasets: { type: 'string', default: DATASETS.filter((d) => !d.optIn).map((d) => d.id).join(','), help: `datasets, comma-separated (also: ${DATASETS.filter((d) => d.optIn).map((d) => d.id).join(', ')})` },
  seeds: { type: 'string', default: '3', help: 'a count N (seeds 0..N-1) or a list like 0,2' },
  epochs: { type: 'number', range: RANGE.count, help: 'most epochs of every deep kind (default: each kind\'s own, kinds.ts)' },
  budget: { type: 'string', help: 'wall-time budget, e.g. 45m, 2h, 1h30m: cells that do not fit are skipped and listed' },
  data: { type: 'string', default: join(REPO, '..', 'shared', 'data'), help: 'the shared data folder' },
  out: { type: 'string', help: 'the JSON of all figures (default: the --resume file, else docs/results.json)' },
  resume: { type: 'string', help: 'continue a previous run: keep its done cells, run the rest' },
  doc: { type: 'string', default: join(REPO, 'docs', 'results.md'), help: `the markdown whose ${BEGIN} ... ${END} section is regenerated` },
  'no-doc': { type: 'boolean', help: 'leave the markdown alone' },
  'dry-run': { type: 'boolean', help: 'print the plan and exit' },
  json: { type: 'boolean', help: 'print the results JSON on stdout (progress goes to stderr)' },
} satisfies CliFlagSpec;

const SUMMARY = 'train and evaluate every model kind on every dataset with N seeds, in a time budget; writes the JSON and docs/results.md';

/** "3" -> 0, 1, 2; "0,2" -> 0, 2. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p));
  if (bad !== undefined) throw new UsageError(`--seeds must be a count or a list of whole numbers, got "${text}"`);
  if (parts.length === 1) {
    const n = Number(parts[0]);
    if (n < 1) throw new UsageError('--seeds: the count must be at least 1');
    return Array.from({ length: n }, (_, i) => i);
  }
  return [...new Set(parts.map(Number))];
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText('eval', SUMMARY, FLAGS).replace('vigil eval', 'npm run eval --'));
    return 0;
  }
  const f = parseFlags('eval', argv, FLAGS);
  const sayTo = f.json ? process.stderr : process.stdout;
  const say = (line: string) => sayTo.write(line + '\n');
  const kinds = list(f.kinds).map(kindSpec);
  const datasets = list(f.datasets).map(datasetSpec);
  const seeds = parseSeeds(f.seeds);
  const budgetSeconds = f.budget ? parseBudget(f.budget) : undefined;
  const previous = f.resume ? readResults(f.resume) : undefined;
  const out = f.out ?? f.resume ?? join(REPO, 'docs', 'results.json');
  const unavailable = new Map<string, string>();
  for (const d of datasets) {
    const missing = missingFiles(d, f.data);
    if (missing.length) unavailable.set(d.id, `missing ${missing.map((p) => join(f.data, p)).join(', ')}`);
  }

  const plan = planCells({ datasets, kinds, seeds, epochs: f.epochs, budgetSeconds, done: doneCells(previous), unavailable });
  say(`eval: ${kinds.length} kinds x ${datasets.length} datasets x seeds ${seeds.join(', ')}` +
    `${budgetSeconds !== undefined ? `, budget ${formatSeconds(budgetSeconds)}` : ''}${previous ? `, resuming ${f.resume} (${plan.done.length} cells done)` : ''}`);
  say(`plan: ${plan.run.length} cells, estimated ${formatSeconds(plan.estimateSeconds)}; ${plan.skipped.length} skipped`);
  for (const s of plan.skipped) say(`  SKIPPED ${s.dataset} ${s.kind} seed ${s.seed}: ${s.reason}`);
  if (f['dry-run']) {
    for (const c of plan.run) say(`  ${c.dataset} ${c.kind} seed ${c.seed}: ${formatSeconds(c.estimateSeconds)}${c.measured ? ' (measured)' : ''}`);
    return 0;
  }

  const m = machine();
  mkdirSync(dirname(out), { recursive: true });
  const results = await runPlan({
    plan, dataset: datasetSpec, kind: kindSpec, epochs: f.epochs, budgetSeconds, previous,
    part: { started: new Date().toISOString(), commit: commit(REPO), machine: { ...m, load: [load1(), load1()] }, command: ['npm run eval --', ...argv].join(' ') },
    load: (d) => d.load(f.data), runCell,
    save: (r) => writeFileAtomic(out, JSON.stringify(r, null, 1) + '\n'),
    say, loadAtEnd: load1,
  });
  say(`results: ${out}`);
  if (!f['no-doc']) {
    const doc = existsSync(f.doc) ? readFileSync(f.doc, 'utf8') : '';
    const describe = (id: string) => DATASETS.find((d) => d.id === id)?.what ?? id;
    const fullCells = planCells({ datasets: DATASETS.filter((d) => !d.optIn), kinds: KINDS, seeds: parseSeeds(FLAGS.seeds.default) }).run.length;
    writeFileAtomic(f.doc, replaceMarked(doc, renderSection(results, { describe, command: REGENERATE, fullCells })));
    say(`regenerated the ${BEGIN} section of ${f.doc}`);
  }
  const failed = results.cells.filter((c) => c.status === 'failed').length;
  say(`${results.cells.length - failed} cells done, ${failed} failed, ${results.skipped.length} not run (listed in the JSON and the section)`);
  if (f.json) process.stdout.write(JSON.stringify(results, null, 1) + '\n');
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    const usage = e instanceof UsageError;
    console.error(`eval: ${(e as Error).message.replace(/vigil eval/g, 'npm run eval --')}`);
    process.exit(usage ? 2 : 1);
  });
}
