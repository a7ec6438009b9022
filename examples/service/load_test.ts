// A bounded load test of the example service, over loopback only: `concurrency` clients send
// requests back to back for `seconds`, then it prints rows/second and request latency p50/p99.
//   npx tsx examples/service/load_test.ts --model model.vigil   (starts the server itself)
//   npx tsx examples/service/load_test.ts --url http://127.0.0.1:8080
// Options: --mode score|stream (default score), --rows N rows per request (default: the window
// + 63 for score, i.e. 64 decisions a request; 1 for stream), --seconds S (default 10, at most
// 60), --concurrency C (default 4, at most 64). In stream mode each client pushes to its own stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

export interface LoadOptions {
  url: string;
  mode?: 'score' | 'stream';
  rows?: number;
  seconds?: number;
  concurrency?: number;
}

export interface LoadResult {
  mode: 'score' | 'stream';
  requests: number;
  errors: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Rows that got a decision (a full window ended at them), per second. */
  decisionsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
export const LIMITS = { seconds: 60, concurrency: 64, rows: 10_000 };

function post(agent: Agent, url: URL, path: string, body: string | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: body === null ? 'GET' : 'POST', agent, headers: body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const bounded = (what: string, v: number, max: number) => {
  if (!(Number.isInteger(v) && v >= 1 && v <= max)) throw new Error(`--${what} must be an integer in 1..${max}, got ${v}`);
  return v;
};

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  if (!LOOPBACK.has(url.hostname)) throw new Error(`the load test runs over loopback only (127.0.0.1, ::1, localhost), not ${url.hostname}`);
  const mode = opts.mode ?? 'score';
  if (mode !== 'score' && mode !== 'stream') throw new Error(`--mode must be score or stream, got ${mode}`);
  const seconds = opts.seconds ?? 10;
  if (!(seconds > 0 && seconds <= LIMITS.seconds)) throw new Error(`--seconds must be in (0, ${LIMITS.seconds}], got ${seconds}`);
  const concurrency = bounded('concurrency', opts.concurrency ?? 4, LIMITS.concurrency);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const health = await post(agent, url, '/healthz', null);
  if (health.status !== 200) throw new Error(`GET /healthz answered ${health.status}: ${health.text}`);
  const { columns, window } = JSON.parse(health.text) as { columns: number; window: number };
  const perRequest = bounded('rows', opts.rows ?? (mode === 'score' ? window + 63 : 1), LIMITS.rows);
  // A smooth signal per channel, so scores stay ordinary.
  const row = (t: number) => Array.from({ length: columns }, (_, c) => Math.sin(t / (7 + c)) + 0.1 * Math.cos(t / 3));
  const latencies: number[] = [];
  let rows = 0, decisions = 0, errors = 0, requests = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, client) => {
    let t = 0;
    while (performance.now() < until) {
      const batch = Array.from({ length: perRequest }, () => row(t++));
      const path = mode === 'score' ? '/score' : `/stream?id=load-${client}`;
      const t0 = performance.now();
      const r = await post(agent, url, path, JSON.stringify({ rows: batch }));
      latencies.push(performance.now() - t0);
      requests++;
      if (r.status === 200) {
        rows += perRequest;
        decisions += r.text.split('"ready":true').length - 1;
      }
      else if (errors++ === 0) console.error(`load test: ${path} answered ${r.status}: ${r.text.trim()}`);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return { mode, requests, errors, rows, seconds: elapsed, rowsPerSecond: rows / elapsed, decisionsPerSecond: decisions / elapsed, p50Ms: q(0.5), p99Ms: q(0.99) };
}

/** Starts server.ts on a free loopback port; resolves with its URL once it listens. */
function startServer(model: string, extra: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'server.ts'), '--model', model, '--port', '0', '--host', '127.0.0.1', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`the server exited (code ${code}) before listening: ${out.trim()}`)));
  });
}

async function main(argv: string[]): Promise<void> {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string) => (get(name) === undefined ? undefined : Number(get(name)));
  let url = get('url');
  let child: ChildProcess | undefined;
  if (!url) {
    const model = get('model');
    if (!model) throw new Error('usage: load_test.ts (--model model.vigil | --url http://127.0.0.1:PORT) [--mode score|stream] [--rows N] [--seconds S] [--concurrency C] [--backend native|onnxruntime]');
    ({ url, child } = await startServer(model, get('backend') ? ['--backend', get('backend')!] : []));
  }
  try {
    const r = await runLoad({ url, mode: get('mode') as LoadOptions['mode'], rows: num('rows'), seconds: num('seconds'), concurrency: num('concurrency') });
    console.log(`load test (${r.mode}, ${url}): ${r.requests} requests (${r.errors} failed) in ${r.seconds.toFixed(1)} s; ` +
      `${r.rowsPerSecond.toFixed(0)} rows/s (${r.decisionsPerSecond.toFixed(0)} decisions/s); request latency p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
  } finally {
    child?.kill('SIGTERM');
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`load test: ${e.message}`);
    process.exit(1);
  });
}
