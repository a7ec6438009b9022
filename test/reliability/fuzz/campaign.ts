// Runs a fuzz campaign: mutants 0..count-1 of a seed, judged by worker.ts in a child process
// under a per-mutant time budget. A mutant that outlives its budget is a hang (the child is
// killed); one during which the child dies is a crash; either way a fresh child goes on with
// the next mutant. Both are failures, named by the mutant's index and description.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { makeBases } from './bases';
import { PASSING, type Outcome } from './judge';
import type { WorkerJob } from './worker';

export interface MutantResult {
  index: number;
  /** The base bundle's name. */
  base: string;
  desc: string;
  layer?: string;
  free?: boolean;
  outcome: Outcome | 'hang' | 'crash';
  detail?: string;
  ms?: number;
}

export interface Campaign {
  seed: number;
  /** Mutants asked for; `results` may hold fewer when the time budget ran out. */
  count: number;
  results: MutantResult[];
  failures: MutantResult[];
  seconds: number;
}

const WORKER = join(__dirname, 'worker.ts');

/** One child from mutant `from` on; resolves with the index to restart at (to when done). */
function runChild(job: WorkerJob, perMutantMs: (base: string) => number, deadline: number, results: MutantResult[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), WORKER, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let current: { index: number; base: string; desc: string; budget: number } | null = null;
    let next = job.from;
    let timer: NodeJS.Timeout | undefined;
    let stderr = '';
    let killedFor: 'hang' | 'deadline' | null = null;
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      clearTimeout(timer);
      if ('start' in msg) {
        const budget = perMutantMs(msg.base);
        current = { index: msg.start, base: msg.base, desc: msg.desc, budget };
        if (Date.now() > deadline) {
          killedFor = 'deadline';
          child.kill('SIGKILL');
          return;
        }
        timer = setTimeout(() => {
          killedFor = 'hang';
          child.kill('SIGKILL');
        }, budget);
      } else {
        results.push(msg);
        current = null;
        next = msg.index + 1;
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killedFor === 'deadline') return resolve(Number.POSITIVE_INFINITY);
      if (current) {
        const outcome = killedFor === 'hang' ? 'hang' : 'crash';
        const detail = outcome === 'hang' ? `no verdict within ${current.budget} ms` : `child exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
        results.push({ index: current.index, base: current.base, desc: current.desc, outcome, detail });
        return resolve(current.index + 1);
      }
      if (next < job.to) {
        // died between mutants (startup or the worker itself): not a mutant's verdict
        throw new Error(`fuzz worker exited ${code ?? signal} before mutant ${next}: ${stderr}`);
      }
      resolve(job.to);
    });
  });
}

/** Judges mutants 0..count-1 of `seed`; stops starting new ones after `budgetMs`. */
export async function runCampaign(opts: { seed: number; count: number; perMutantMs?: number; budgetMs?: number }): Promise<Campaign> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
  const results: MutantResult[] = [];
  try {
    const bases = await makeBases(dir);
    const deadline = t0 + (opts.budgetMs ?? Number.POSITIVE_INFINITY);
    for (let from = 0; from < opts.count; )
      from = await runChild({ seed: opts.seed, from, to: opts.count, bases, dir }, () => opts.perMutantMs ?? 2000, deadline, results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const failures = results.filter((r) => !PASSING.includes(r.outcome as Outcome));
  return { seed: opts.seed, count: opts.count, results, failures, seconds: (Date.now() - t0) / 1000 };
}

/** A refusal's message with its particulars (names, numbers, quoted text) taken out, for grouping. */
export function reasonOf(detail = ''): string {
  return detail
    .replace(/"[^"]*"/g, '"…"')
    .replace(/-?\b\d[\d.e+-]*/g, 'N')
    .replace(/\s*\(.*$/, '')
    .slice(0, 72);
}

/** The campaign as lines: outcomes, refusals grouped by reason, and every failure. */
export function summary(c: Campaign): string {
  const by = (key: (r: MutantResult) => string, rows: MutantResult[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  const baseOf = (r: MutantResult) => r.base;
  const lines = [`seed ${c.seed}: ${c.results.length} of ${c.count} mutants judged in ${c.seconds.toFixed(1)} s`];
  for (const [o, n] of by((r) => r.outcome, c.results)) lines.push(`  ${o}: ${n}`);
  for (const [layer, n] of by((r) => r.layer ?? '?', c.results)) lines.push(`  layer ${layer}: ${n}`);
  for (const [base, n] of by(baseOf, c.results)) {
    const refused = c.results.filter((r) => baseOf(r) === base && r.outcome === 'refused').length;
    lines.push(`  base ${base}: ${n} (${refused} refused)`);
  }
  lines.push('refused, by reason:');
  for (const [why, n] of by((r) => reasonOf(r.detail), c.results.filter((r) => r.outcome === 'refused'))) lines.push(`  ${String(n).padStart(5)}  ${why}`);
  const slowest = (rows: MutantResult[]) => Math.max(0, ...rows.map((r) => r.ms ?? 0));
  const bases = [...new Set(c.results.map(baseOf))];
  lines.push(`slowest verdict: ${slowest(c.results)} ms (${bases.map((b) => `${b} ${slowest(c.results.filter((r) => baseOf(r) === b))}`).join(', ')})`);
  lines.push(`failures: ${c.failures.length}`);
  for (const f of c.failures) lines.push(`  #${f.index} ${f.desc} -> ${f.outcome}: ${f.detail}`);
  return lines.join('\n');
}
