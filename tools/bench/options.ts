// The bench runner's command line: `npm run bench -- <suite...|all> [--runs N] [--quick]
// [--json] [--threads 1,2] [--allow-weak-peer] [--help]`. Pure parsing, no benchmark code.

/** The CPU suites `all` runs, in order; `gpu` runs only when named. */
export const CPU_SUITES = ['ops', 'lstm-ae', 'dc-vae', 'inference', 'convlstm', 'alad', 'staead', 'sa-dvcrae'] as const;
export const ALL_SUITES = [...CPU_SUITES, 'gpu'] as const;
export type SuiteName = (typeof ALL_SUITES)[number];

export interface BenchOptions {
  suites: SuiteName[];
  /** Alternating run pairs per figure (>= 5 for a figure worth publishing). */
  runs: number;
  /** Fewer warm-ups and repetitions per run (smoke test; not for publishing). */
  quick: boolean;
  json: boolean;
  threads: number[];
  allowWeakPeer: boolean;
  help: boolean;
}

export const DEFAULT_RUNS = 5;
/** Runs below this are labelled "not publishable" in the output. */
export const MIN_PUBLISHED_RUNS = 5;

export const USAGE = `usage: npm run bench -- <suite...|all> [options]

suites: ${ALL_SUITES.join(', ')}; "all" = ${CPU_SUITES.join(', ')} (gpu only when named)

options:
  --runs N            alternating Vigil/peer run pairs per figure (default ${DEFAULT_RUNS}); each
                      figure is the median of the N runs with min and max
  --quick             fewer warm-ups and repetitions per run (smoke test, not for publishing)
  --threads 1,2       thread counts (default 1,2); the peer gets the same count through
                      torch.set_num_threads and OPENBLAS/OMP/MKL_NUM_THREADS
  --json              print one JSON object (raw runs and summaries) instead of markdown
  --allow-weak-peer   print ratios even when the peer's matmul is below half of Vigil's FMA peak
  --help              this text

The gpu suite runs its own single-shot protocol (tools/bench/gpu.ts) and ignores these options.
\`npm run bench -- scale [--kind lstm-ae|dc-vae|tiny] [--entities N] [--workers 1,2] ...\` (named
alone, VIGIL_REDIS_URL set) times scoring through Redis and vigil serve against in-process
scoring; its flags are listed in tools/bench/scale.ts and docs/scale.md.`;

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { suites: [], runs: DEFAULT_RUNS, quick: false, json: false, threads: [1, 2], allowWeakPeer: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--allow-weak-peer') o.allowWeakPeer = true;
    else if (a === '--runs') {
      o.runs = Number(value());
      if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error(`--runs must be a positive integer, got ${argv[i]}`);
    } else if (a === '--threads') {
      o.threads = value().split(',').map(Number);
      if (!o.threads.every((t) => Number.isInteger(t) && t >= 1)) throw new Error(`--threads must be positive integers, got ${argv[i]}`);
    } else if (a === 'all') o.suites.push(...CPU_SUITES);
    else if ((ALL_SUITES as readonly string[]).includes(a)) o.suites.push(a as SuiteName);
    else throw new Error(`unknown argument "${a}"`);
  }
  o.suites = [...new Set(o.suites)];
  return o;
}
