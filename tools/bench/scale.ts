// The scale-out benchmark (issue 22; docs/scale.md), named alone with its own flags:
//   VIGIL_REDIS_URL=redis://127.0.0.1:6379 npm run bench -- scale [--kind lstm-ae|dc-vae|tiny]
//     [--entities 20] [--rows 300] [--runs 3] [--workers 1,2] [--latency-entities 1000] [--latency-rate 1000]
//     [--latency-seconds 20 (0: none)]
// Throughput: the same rows (E entities, `rows` decisions each after a window of warm-up rows)
// scored in process (Detector.scoreBatch per entity, one thread) and through Redis by 1 and 2
// `vigil serve` processes (one native thread each, started and holding their shards before the
// rows go in), alternating, median/min/max of --runs; the Redis figure runs from the first to the
// last result (Redis' clock: entry ids). Latency: after
// every entity's window is filled, rows replayed at a fixed rate, each decision's result entry id
// minus its row id (both ms on Redis' clock). --runs 0 skips throughput.
// The model is the kind's default (seed) config on 38 channels, randomly initialised: speed does
// not depend on the weights.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { Scaler } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';
import { syntheticSeries } from '../../lib/data/synthetic';
import { Detector } from '../../lib/detect/detector';
import { saveDetector } from '../../lib/detect/detector_bundle';
import { modelKind } from '../../lib/model';
import { Generator } from '../../lib/random';
import { connectRedis, type RedisClient } from '../../lib/scale/redis';
import { fleetKeys, type FleetKeys } from '../../lib/scale/keys';
import { replay } from '../../lib/scale/producer';
import { fieldMap } from '../../lib/scale/wire';
import { alternate, spread, type Spread } from './stats';

const CHANNELS = 38;
const COLUMNS = Array.from({ length: CHANNELS }, (_, c) => `c${c}`);
const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');
const TINY = { window: 8, encoder: [8], latent: 2, decoderDense: 4, decoder: [8] };

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

/** Generated plant rows as a Series (seeded). */
function plant(rows: number, noiseSeed: number): Series {
  return { columns: [...COLUMNS], data: syntheticSeries(rows, CHANNELS, { plantSeed: 3, noiseSeed }).data, rows };
}

function bundle(dir: string, kind: string): string {
  const k = modelKind(kind === 'tiny' ? 'lstm-ae' : kind);
  const config = k.defaultConfig(CHANNELS, kind === 'tiny' ? TINY : {});
  const model = k.create(config, new Generator(1));
  model.eval();
  const s = plant(2000, 4);
  const path = join(dir, `${kind}.vigil`);
  const info = {
    schema: { columns: [...s.columns] }, scaler: new Scaler('standard').fit(s).toJSON(), windows: { length: model.window!, stride: 1 },
    threshold: { value: 1, method: 'fixed', params: {} },
  };
  saveDetector(path, k.kind, config, model, info as never);
  model.dispose();
  return path;
}

async function clear(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const ms = (id: string) => Number(id.split('-')[0]);

/** Starts `n` workers on the fleet; stop() ends them cleanly. */
function workers(n: number, path: string, url: string, prefix: string): { stop(): Promise<void> } {
  const procs = Array.from({ length: n }, (_, i) => spawn(process.execPath, [BIN, 'serve', '--model', path, '--redis', url, '--prefix', prefix, '--shards', '16',
    '--name', `bench${i}`, '--threads', '1', '--lease-ms', '3000', '--batch', '128'], { stdio: ['ignore', 'ignore', 'inherit'] }));
  return {
    async stop() {
      await Promise.all(procs.map((p) => new Promise((r) => (p.on('exit', r), p.kill('SIGTERM')))));
    },
  };
}

/** Waits until `n` workers hold every shard between them (the rows then go in, not during a rebalance). */
async function balanced(redis: RedisClient, keys: FleetKeys, n: number): Promise<void> {
  for (;;) {
    const holders = (await redis.mget(...Array.from({ length: keys.shards }, (_, i) => keys.lease(i)))).map((t) => t?.split(':')[0]);
    const counts = new Map<string, number>();
    for (const h of holders) if (h) counts.set(h, (counts.get(h) ?? 0) + 1);
    if (counts.size === n && [...counts.values()].every((c) => c <= Math.ceil(keys.shards / n)) && !holders.includes(undefined)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitResults(redis: RedisClient, key: string, n: number): Promise<void> {
  while ((await redis.xlen(key)) < n) await new Promise((r) => setTimeout(r, 50));
}

export async function benchScale(): Promise<void> {
  const url = process.env.VIGIL_REDIS_URL;
  if (!url) throw new Error('set VIGIL_REDIS_URL to a Redis of your own (redis-server --port 6379 --bind 127.0.0.1 --save \'\' --daemonize yes)');
  const kind = flag('kind', 'lstm-ae'), E = +flag('entities', '20'), R = +flag('rows', '300'), runs = +flag('runs', '3');
  const counts = flag('workers', '1,2').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-scale-'));
  const redis = await connectRedis(url);
  const load0 = loadavg().map((x) => x.toFixed(2)).join(' / ');
  try {
    const path = bundle(dir, kind);
    const det = await Detector.load(path, { threads: 1 });
    const T = det.window, perEntity = T - 1 + R;
    const s = plant(perEntity + E * 7, 5);
    const rowsOf = (k: number) => Array.from({ length: perEntity }, (_, i) => Array.from(s.data.subarray((k * 7 + i) * CHANNELS, (k * 7 + i + 1) * CHANNELS)));
    const total = E * perEntity;
    console.log(`# scale: ${kind} (window ${T}, ${CHANNELS} channels), ${E} entities x ${perEntity} rows (${E * R} decisions), ${runs} runs; ${new Date().toISOString()}; ${cpus().length} x ${cpus()[0].model}; load before ${load0}`);

    const inProcess = async () => {
      const t = performance.now();
      for (let k = 0; k < E; k++) await det.scoreBatch(rowsOf(k));
      return total / ((performance.now() - t) / 1000);
    };
    const throughRedis = (n: number) => async (run: number) => {
      const prefix = `bench-scale-${process.pid}-${n}-${run}`;
      const keys = fleetKeys(prefix, 16);
      const w = workers(n, path, url, prefix);
      await balanced(redis, keys, n);
      await replay(redis, keys, s, { entities: E, rowsPerEntity: perEntity, stride: 7, seconds: 600 });
      await waitResults(redis, keys.results, total);
      await w.stop();
      const first = await redis.xrange(keys.results, '-', '+', 'COUNT', 1), last = await redis.xrevrange(keys.results, '+', '-', 'COUNT', 1);
      await clear(redis, prefix);
      return total / Math.max(1e-3, (ms(last[0][0]) - ms(first[0][0])) / 1000);
    };
    const rows: [string, Spread, number][] = [];
    for (const n of runs > 0 ? counts : []) {
      const r = await alternate(runs, inProcess, throughRedis(n));
      const base = spread(r.vigil), got = spread(r.peer);
      rows.push([`in process, 1 thread (paired with ${n} worker${n > 1 ? 's' : ''})`, base, 1], [`Redis, ${n} worker${n > 1 ? 's' : ''} (1 thread each)`, got, got.median / base.median]);
    }
    if (rows.length) console.log('| path | rows/s median | min | max | vs in process |\n|---|---|---|---|---|');
    for (const [name, x, ratio] of rows) console.log(`| ${name} | ${x.median.toFixed(0)} | ${x.min.toFixed(0)} | ${x.max.toFixed(0)} | ${ratio.toFixed(2)} |`);

    const LE = +flag('latency-entities', '1000'), rate = +flag('latency-rate', '1000'), secs = +flag('latency-seconds', '20');
    if (!(secs > 0)) return void (await det.dispose()); // --latency-seconds 0: throughput only
    const prefix = `bench-scale-${process.pid}-latency`;
    const keys = fleetKeys(prefix, 16);
    const n = counts[counts.length - 1];
    const w = workers(n, path, url, prefix);
    await balanced(redis, keys, n);
    // Every entity's first window - 1 rows (no decision yet) go in first, as fast as they are taken,
    // and the workers settle; then the timed rows, each of which gets a decision.
    await replay(redis, keys, s, { entities: LE, rowsPerEntity: T - 1, stride: 1, seconds: 600 });
    await waitResults(redis, keys.results, LE * (T - 1));
    const sent = await replay(redis, keys, s, { entities: LE, rate, seconds: secs, stride: 1 });
    await new Promise((r) => setTimeout(r, 2000));
    await w.stop();
    const lat: number[] = [];
    let from = '-';
    for (;;) {
      const page = await redis.xrange(keys.results, from, '+', 'COUNT', 10000);
      for (const [id, fields] of page) {
        const f = fieldMap(fields);
        if (f.ready === '1') lat.push(ms(id) - ms(f.row));
      }
      if (page.length < 10000) break;
      from = '(' + page[page.length - 1][0];
    }
    await clear(redis, prefix);
    lat.sort((a, b) => a - b);
    const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
    console.log(`\nlatency, XADD to result, ${LE} entities (windows filled) at ${rate} rows/s for ${sent.seconds.toFixed(1)} s, ${n} worker(s): ${lat.length} of ${sent.rows} decisions written within 2 s after the last row; p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat[lat.length - 1]} ms`);
    console.log(`load after ${loadavg().map((x) => x.toFixed(2)).join(' / ')}`);
    await det.dispose();
  } finally {
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchScale().catch((e) => {
    console.error(`bench scale: ${(e as Error).message}`);
    process.exit(1);
  });
}
