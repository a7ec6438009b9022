// The bundle fuzz's child process: judges mutants from..to-1 of a seed and prints one JSON line
// as each starts ({ start, desc }) and as each ends ({ index, outcome, ... }), so the parent
// (campaign.ts) can name the mutant that hung or crashed this process and go on after it.
// argv[2]: a WorkerJob as JSON.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { columnsOf, scoredSeries } from './bases';
import { judge, scoreFile } from './judge';
import { makeMutant, type Base } from './mutate';

export interface WorkerJob {
  seed: number;
  from: number;
  to: number;
  /** Base bundles by name -> path. */
  bases: Record<string, string>;
  /** Where mutant files are written (one at a time). */
  dir: string;
}


async function main(): Promise<void> {
  const job: WorkerJob = JSON.parse(process.argv[2]);
  const bases: Base[] = Object.entries(job.bases).map(([name, path]) => ({ name, bytes: readFileSync(path) }));
  // Each base's fixed series (its schema's columns, 60 rows, faults included) and its results on it.
  const series = new Map(Object.entries(job.bases).map(([name, path]) => [name, scoredSeries(columnsOf(path))]));
  const originals = new Map<string, Awaited<ReturnType<typeof scoreFile>>>();
  for (const [name, path] of Object.entries(job.bases)) originals.set(name, await scoreFile(path, series.get(name)!));
  const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
  for (let i = job.from; i < job.to; i++) {
    const m = makeMutant(bases, job.seed, i);
    const desc = `${m.base}, ${m.layer}: ${m.desc}`;
    say({ start: i, base: m.base, desc });
    const path = join(job.dir, `mutant-${i}.vigil`);
    writeFileSync(path, m.bytes);
    const t0 = performance.now();
    const v = await judge(path, m.free, series.get(m.base)!, originals.get(m.base)!);
    rmSync(path, { force: true });
    say({ index: i, base: m.base, desc, layer: m.layer, free: m.free, ...v, ms: Math.round(performance.now() - t0), detail: v.detail?.replaceAll(path, '<path>').slice(0, 400) });
  }
}

main().catch((e) => {
  process.stderr.write(`fuzz worker: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(2);
});
