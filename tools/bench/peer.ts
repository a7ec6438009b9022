// The PyTorch peer: its environment, its self-report (torch_probe.py), and the long-lived peer
// processes the suites alternate with.
//
// Environment, the same for every peer process at a thread count: OPENBLAS_NUM_THREADS,
// OMP_NUM_THREADS and MKL_NUM_THREADS = the thread count (torch.set_num_threads alone leaves
// OpenBLAS's own pool at the core count: a "1-thread" matmul then runs on every core).
// Each side waits at its own best, and the header says how: Vigil's pool polls 200 us, then
// sleeps; the peer on more than one thread runs every timed run under both OMP_WAIT_POLICY as
// the caller has it (libgomp's default: spin, then sleep) and PASSIVE, and each figure keeps the
// faster. Which wins depends on the workload: an LSTM forward + backward on 2 threads ran up to
// 10x slower with the default (libgomp's spinning workers next to OpenBLAS's own threads), the
// DC-VAE's convolutions 2x slower with PASSIVE. A policy the caller sets explicitly is kept as given.
// OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when the machine sets them, can pick a slower kernel
// than OpenBLAS's own detection; the probe runs with and without them and the faster is kept.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Debian's PyTorch (python3-torch) lives in the system Python; VIGIL_BENCH_PYTHON overrides. */
export const PEER_PYTHON = process.env.VIGIL_BENCH_PYTHON ?? '/usr/bin/python3';
const OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

export interface PeerPool {
  user_api: string;
  internal_api: string;
  prefix: string;
  version: string | null;
  threading_layer: string | null;
  architecture: string | null;
  num_threads: number;
  filepath: string;
}

export interface PeerProbe {
  torch: string;
  threads: number;
  matmul_gflops: number;
  lstm_ms: number;
  pools: PeerPool[];
  env: Record<string, string>;
  onednn: boolean;
}

/** The peer's environment at `threads` threads, without the variables in `drop`. */
export function peerEnv(threads: number, drop: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  for (const k of drop) delete env[k];
  return env;
}

function runProbe(threads: number, env: NodeJS.ProcessEnv, seconds: number): PeerProbe {
  const r = spawnSync(PEER_PYTHON, [join(__dirname, 'torch_probe.py'), String(threads), String(seconds)], { encoding: 'utf8', env });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as PeerProbe;
  } catch {
    throw new Error(`PyTorch peer probe failed (${PEER_PYTHON}: ${r.error?.message ?? r.stderr?.trim() ?? 'no output'}); install python3-torch and python3-threadpoolctl`);
  }
}

export interface PeerSetup {
  threads: number;
  /** The environments every timed peer run is taken under, each figure keeping the best. */
  envs: NodeJS.ProcessEnv[];
  /** What the gate judges: the probe under the faster wait policy. */
  probe: PeerProbe;
  /** What was done about OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE. */
  envNote: string;
  /** The peer's OMP_WAIT_POLICY and why. */
  waitNote: string;
}

/** With OPENBLAS_CORETYPE / L2_SIZE set, the faster (matmul) of with and without them. */
function pickCoreType(threads: number, seconds: number): { env: NodeJS.ProcessEnv; probe: PeerProbe; envNote: string } {
  const env = peerEnv(threads);
  const probe = runProbe(threads, env, seconds);
  const set = OVERRIDES.filter((k) => process.env[k] !== undefined);
  if (set.length === 0) return { env, probe, envNote: `${OVERRIDES.join(', ')} not set` };
  const bare = peerEnv(threads, set);
  const without = runProbe(threads, bare, seconds);
  const what = set.map((k) => `${k}=${process.env[k]}`).join(' ');
  const figures = `${probe.matmul_gflops.toFixed(1)} GFLOP/s with ${what}, ${without.matmul_gflops.toFixed(1)} without`;
  return without.matmul_gflops > probe.matmul_gflops
    ? { env: bare, probe: without, envNote: `unset for the peer only (${figures})` }
    : { env, probe, envNote: `kept (${figures})` };
}

/** Probes the peer at `threads` and settles its environment (core type, then wait policy). */
export function setUpPeer(threads: number, seconds: number): PeerSetup {
  const { env, probe, envNote } = pickCoreType(threads, seconds);
  const given = process.env.OMP_WAIT_POLICY;
  if (given !== undefined) return { threads, envs: [env], probe, envNote, waitNote: `OMP_WAIT_POLICY=${given} (as given)` };
  if (threads === 1) return { threads, envs: [env], probe, envNote, waitNote: 'OMP_WAIT_POLICY unset (libgomp default; one thread has no workers to wait)' };
  const passiveEnv = { ...env, OMP_WAIT_POLICY: 'PASSIVE' };
  const passive = runProbe(threads, passiveEnv, seconds);
  const figures = `probe: LSTM fwd+bwd ${probe.lstm_ms.toFixed(0)} ms with the libgomp default, ${passive.lstm_ms.toFixed(0)} ms with PASSIVE`;
  const waitNote = `every peer run timed under both OMP_WAIT_POLICY unset (libgomp default: spin, then sleep) and PASSIVE, each figure the faster (${figures})`;
  return { threads, envs: [env, passiveEnv], probe: passive.lstm_ms < probe.lstm_ms ? passive : probe, envNote, waitNote };
}

/** "OpenBLAS 0.3.21 (pthreads, Zen), 1 thread(s); OpenMP libgomp, 1 thread(s)". */
export function blasLine(probe: PeerProbe): string {
  const pools = probe.pools.map((p) => {
    const name = p.internal_api === 'openblas' ? 'OpenBLAS' : p.internal_api === 'mkl' ? 'MKL' : p.user_api === 'openmp' ? `OpenMP ${p.prefix}` : p.prefix;
    const detail = [p.threading_layer, p.architecture].filter(Boolean).join(', ');
    return `${name}${p.version ? ` ${p.version}` : ''}${detail ? ` (${detail})` : ''}, ${p.num_threads} thread(s)`;
  });
  if (!probe.pools.some((p) => p.user_api === 'blas'))
    pools.unshift('NO BLAS library found by threadpoolctl (reference BLAS or static)');
  return pools.join('; ');
}

/**
 * A peer script (torch_common.serve) running at one thread count: start() waits for its ready
 * line; each run() asks for one timed run and resolves with its JSON answer.
 */
export class PeerServer {
  private lines: string[] = [];
  private waiting: ((line: string | null) => void)[] = [];
  private closed = false;
  private stderr = '';
  ready: Record<string, unknown> = {};

  private constructor(private readonly proc: ChildProcess, private readonly name: string) {
    proc.stderr!.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  static async start(script: string, args: (string | number)[], env: NodeJS.ProcessEnv): Promise<PeerServer> {
    const proc = spawn(PEER_PYTHON, [join(__dirname, script), ...args.map(String)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new PeerServer(proc, script);
    server.ready = await server.reply();
    return server;
  }

  private next(): Promise<string | null> {
    if (this.lines.length) return Promise.resolve(this.lines.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async reply(): Promise<Record<string, number>> {
    for (;;) {
      const line = await this.next();
      if (line === null) throw new Error(`PyTorch peer ${this.name} exited: ${this.stderr.trim() || 'no output'}`);
      if (line.trim().startsWith('{')) return JSON.parse(line);
    }
  }

  /** One timed run of the peer's workload: the script's dict of figures. */
  async run(): Promise<Record<string, number>> {
    this.proc.stdin!.write('run\n');
    return this.reply();
  }

  close(): void {
    if (!this.closed) this.proc.stdin!.end('quit\n');
  }
}
