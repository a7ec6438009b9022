// `npm run bench -- <suite...|all> [--runs N] [--quick] [--json] [--threads 1,2]
// [--allow-weak-peer]`: Vigil against a peer at its best, like-for-like work, alternating runs.
// Before any suite it measures, per thread count, Vigil's FMA peak (fma_peak.ts) and the
// PyTorch peer's BLAS and matmul GFLOP/s (peer.ts), and withholds every PyTorch ratio at a thread
// count where the peer looks crippled (peer_check.ts). Each figure is the median of --runs
// alternating runs with min and max; the header carries date, CPU, threads, versions, BLAS and
// the machine's load before and after. Suites: ops, lstm-ae, dc-vae, inference, convlstm, alad,
// staead, sa-dvcrae (= all), gpu; scale (named alone, its own flags: tools/bench/scale.ts).
import { cpus, loadavg } from 'node:os';

import { fmaPeakGflops, fmaPeakSource } from './fma_peak';
import { CPU_SUITES, MIN_PUBLISHED_RUNS, parseOptions, USAGE, type BenchOptions, type SuiteName } from './options';
import { blasLine, setUpPeer } from './peer';
import { checkPeer } from './peer_check';
import type { PeerGate, SuiteContext } from './context';
import { formatTable, tableJson, type BenchTable } from './table';

type CpuSuite = (typeof CPU_SUITES)[number];

// Loaded lazily: each pulls in the engine, and --help should not need it.
const SUITES: Record<CpuSuite, (ctx: SuiteContext) => Promise<BenchTable[]>> = {
  ops: async (ctx) => [
    await (require('./gemm') as typeof import('./gemm')).benchGemm(ctx),
    await (require('./seq') as typeof import('./seq')).benchSeq(ctx),
  ],
  'lstm-ae': async (ctx) => [await (require('./lstm_ae') as typeof import('./lstm_ae')).benchLstmAe(ctx)],
  'dc-vae': async (ctx) => [await (require('./dc_vae') as typeof import('./dc_vae')).benchDcVae(ctx)],
  inference: (ctx) => (require('./inference') as typeof import('./inference')).benchInference(ctx),
  convlstm: async (ctx) => [await (require('./convlstm') as typeof import('./convlstm')).benchConvLstm(ctx)],
  alad: (ctx) => (require('./alad') as typeof import('./alad')).benchAlad(ctx),
  staead: async (ctx) => [await (require('./staead') as typeof import('./staead')).benchStaead(ctx)],
  'sa-dvcrae': async (ctx) => [await (require('./sa_dvcrae') as typeof import('./sa_dvcrae')).benchSaDvcrae(ctx)],
};
const TORCH_SUITES: SuiteName[] = ['ops', 'lstm-ae', 'dc-vae', 'convlstm', 'alad', 'staead', 'sa-dvcrae'];

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' / ');
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function makeContext(o: BenchOptions): SuiteContext & { gates: Map<number, PeerGate> } {
  const gates = new Map<number, PeerGate>();
  const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
  return {
    runs: o.runs, quick: o.quick, threads: o.threads, log, gates,
    gate(threads) {
      let g = gates.get(threads);
      if (!g) {
        log(`peer check, ${threads} thread(s): Vigil FMA peak and PyTorch matmul`);
        const fma = fmaPeakGflops(threads, o.quick ? 0.3 : 0.6);
        const setup = setUpPeer(threads, o.quick ? 0.5 : 1.5);
        g = { setup, fmaPeakGflops: fma, verdict: checkPeer({ peerGflops: setup.probe.matmul_gflops, fmaPeakGflops: fma, threads, allowWeak: o.allowWeakPeer }) };
        gates.set(threads, g);
      }
      return g;
    },
  };
}

function header(o: BenchOptions, ctx: ReturnType<typeof makeContext>, loadBefore: string): string[] {
  const lines = [
    `vigil bench ${o.suites.join(' ')}: ${new Date().toISOString()}`,
    '',
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} logical cores; threads: ${o.threads.join(', ')}`,
    `- Node ${process.version}; onnxruntime-node ${versionOf('onnxruntime-node')}`,
    `- runs: ${o.runs} alternating (Vigil, peer, Vigil, ...) per figure; cells are median (min-max) over runs; ratio > 1: Vigil faster, taken run pair by run pair against the best peer column${o.quick ? '; QUICK: fewer repetitions per run (smoke test)' : ''}`,
    `- load average (1 / 5 / 15 min) before: ${loadBefore}`,
    `- wait policy: each side at its own best: Vigil's pool workers poll 200 us, then sleep; onnxruntime its own spinning pool; PyTorch per thread count below (OpenBLAS threads: its own default)`,
    `- Vigil FMA peak from ${fmaPeakSource()}`,
  ];
  if (o.runs < MIN_PUBLISHED_RUNS || o.quick) lines.push(`- NOT FOR PUBLISHING: ${o.quick ? '--quick' : `${o.runs} runs < ${MIN_PUBLISHED_RUNS}`}`);
  for (const [threads, g] of [...ctx.gates].sort((a, b) => a[0] - b[0])) {
    const p = g.setup.probe;
    lines.push(`- PyTorch peer, ${threads} thread(s): PyTorch ${p.torch} (${process.env.VIGIL_BENCH_PYTHON ?? '/usr/bin/python3'}), torch.set_num_threads(${p.threads}), OPENBLAS/OMP/MKL_NUM_THREADS=${threads}; BLAS: ${blasLine(p)}; OPENBLAS_CORETYPE/L2_SIZE: ${g.setup.envNote}; ${g.setup.waitNote}`);
    lines.push(`  - ${g.verdict.message}`);
  }
  return lines;
}

async function main(): Promise<void> {
  // scale runs Redis and vigil serve processes with flags of its own (tools/bench/scale.ts)
  if (process.argv[2] === 'scale') return (require('./scale') as typeof import('./scale')).benchScale();
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (o.help || o.suites.length === 0) {
    (o.help ? console.log : console.error)(USAGE);
    process.exit(o.help ? 0 : 2);
  }
  if (o.suites.includes('gpu')) {
    // the GPU suite keeps its own single-shot protocol against CUDA PyTorch
    (require('./gpu') as typeof import('./gpu')).benchGpu();
    o.suites = o.suites.filter((s) => s !== 'gpu');
    if (o.suites.length === 0) return;
  }
  const loadBefore = load();
  const ctx = makeContext(o);
  // the peer check first, so a crippled peer is reported before minutes of benchmarks
  if (o.suites.some((s) => TORCH_SUITES.includes(s))) for (const t of o.threads) ctx.gate(t);
  const head = header(o, ctx, loadBefore);
  if (!o.json) console.log(head.join('\n'));
  const tables: { suite: string; table: BenchTable }[] = [];
  const failed: string[] = [];
  for (const suite of o.suites as CpuSuite[]) {
    const started = Date.now();
    try {
      // each suite's tables as soon as it ends: a later suite's failure loses nothing
      for (const table of await SUITES[suite](ctx)) {
        tables.push({ suite, table });
        if (!o.json) console.log(`\n${formatTable(table).join('\n')}`);
      }
    } catch (e) {
      failed.push(suite);
      console.error(`bench ${suite} failed: ${(e as Error).stack ?? e}`);
    }
    ctx.log(`${suite}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const after = `load average after: ${load()} (includes this bench's own threads)`;
  if (o.json) {
    const gates = Object.fromEntries([...ctx.gates].map(([t, g]) => [t, { fmaPeakGflops: g.fmaPeakGflops, verdict: g.verdict, probe: g.setup.probe, envNote: g.setup.envNote, waitNote: g.setup.waitNote }]));
    console.log(JSON.stringify({ header: head, loadAfter: after, gates, failed, tables: tables.map((t) => ({ suite: t.suite, ...tableJson(t.table) })) }, null, 1));
  } else {
    console.log(`\n- ${after}`);
  }
  if (failed.length) {
    console.error(`bench: failed suites: ${failed.join(', ')}`);
    process.exitCode = 1;
  } else if ([...ctx.gates.values()].some((g) => !g.verdict.printRatios)) {
    console.error('bench: ratios withheld against a weak peer (see the header); exit 3');
    process.exitCode = 3;
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
