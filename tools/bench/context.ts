// What every CPU suite gets from the runner (index.ts): the run settings, and per thread count
// the peer check (Vigil's FMA peak, the peer's probe, the verdict); plus the one way the suites
// time Vigil against a peer: alternating runs at one thread count.
import { native } from '../../lib/binding';
import { PeerServer, type PeerSetup } from './peer';
import type { PeerVerdict } from './peer_check';
import { alternate } from './stats';

export interface PeerGate {
  setup: PeerSetup;
  fmaPeakGflops: number;
  verdict: PeerVerdict;
}

export interface SuiteContext {
  runs: number;
  quick: boolean;
  threads: number[];
  /** The PyTorch peer's check at `threads` (measured once, on first use). */
  gate(threads: number): PeerGate;
  /** Progress, to stderr (stdout carries the tables or the JSON). */
  log(message: string): void;
}

/** Runs fn with Vigil's pool at `threads`, then restores the count it found. */
export async function withThreads<T>(threads: number, fn: () => Promise<T>): Promise<T> {
  const before = native.getNumThreads();
  native.setNumThreads(threads);
  try {
    return await fn();
  } finally {
    native.setNumThreads(before);
  }
}

/** The reason to withhold the ratios at `threads`, or undefined when the peer passed. */
export function withheldAt(ctx: SuiteContext, threads: number): string | undefined {
  return ctx.gate(threads).verdict.printRatios ? undefined : 'weak peer';
}

/**
 * ctx.runs alternating runs at `threads`: vigilRun() in this process, then one run of the
 * PyTorch peer `script` (started once with `args` under each of the gate's environments: at more
 * than one thread both OpenMP wait policies, because which is faster depends on the workload),
 * and so on. A peer run is one run under each environment, each figure the better of them
 * (`better`: 'lower' for times, 'higher' for rates).
 */
export async function alternateWithTorch<V>(
  ctx: SuiteContext, threads: number, script: string, args: (string | number)[], vigilRun: () => V,
  better: 'lower' | 'higher' = 'lower',
): Promise<{ vigil: V[]; peer: Record<string, number>[] }> {
  const servers: PeerServer[] = [];
  try {
    for (const env of ctx.gate(threads).setup.envs) servers.push(await PeerServer.start(script, [threads, ...args], env));
    const peerRun = async () => {
      const answers: Record<string, number>[] = [];
      for (const s of servers) answers.push(await s.run());
      return bestOf(answers, better);
    };
    return await withThreads(threads, () => alternate(ctx.runs, vigilRun, peerRun));
  } finally {
    servers.forEach((s) => s.close());
  }
}

/** Per key, the best number of the answers (the first answer's value where a key is not a number in all). */
export function bestOf(answers: Record<string, number>[], better: 'lower' | 'higher'): Record<string, number> {
  const out = { ...answers[0] };
  for (const key of Object.keys(out)) {
    const values = answers.map((a) => a[key]);
    if (values.every((v) => typeof v === 'number' && !Number.isNaN(v)))
      out[key] = better === 'lower' ? Math.min(...values) : Math.max(...values);
  }
  return out;
}

/** Column `key` of the peer's answers (NaN where a run lacks it). */
export function peerColumn(answers: Record<string, number>[], key: string): number[] {
  return answers.map((a) => (typeof a[key] === 'number' ? a[key] : NaN));
}
