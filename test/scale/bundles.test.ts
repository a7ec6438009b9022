// Per-entity bundles (vigil serve --bundles): each entity is scored with its own bundle, equal to
// that bundle's batch scoring bit for bit; a cache smaller than the entities evicts and restores
// (checkpointing first) and still scores every row exactly once; an entity without a bundle, or
// with a name no bundle file can have, is dead-lettered with the reason while the others go on.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Detector } from '../../lib/detect/detector';
import { BundleCache } from '../../lib/scale/bundle_cache';
import { bundleFileName } from '../../lib/scale/bundle_path';
import { fleetKeys, type FleetKeys } from '../../lib/scale/keys';
import { pushRow } from '../../lib/scale/producer';
import { ScaleWorker } from '../../lib/scale/worker';
import { makeBundle, rowOf, series, SMALL_CONFIGS } from '../detect/detector_fixture';
import { BIN } from '../helpers/cli';
import { readAll, REDIS_URL, TINY_LSTM_AE, useFleet, waitFor } from './fleet';

const T0 = Date.UTC(2024, 0, 1);

/** Rows of an entity (its own generated series). */
function rowsOf(R: number, seed: number): number[][] {
  const s = series(R, seed);
  return Array.from({ length: R }, (_, r) => rowOf(s, r));
}

describe('vigil serve --bundles: per-entity bundles in a bounded cache', function () {
  this.timeout(120000);
  const ctx = useFleet();
  let dir = '';
  /** entity -> its bundle's path: two kinds and two configs, so every entity scores differently. */
  const bundles: Record<string, string> = {};

  before(function () {
    if (!ctx.dir) return this.skip();
    dir = join(ctx.dir, 'bundles');
    mkdirSync(dir);
    const name = (e: string) => bundleFileName(e).slice(0, -'.vigil'.length);
    bundles['plant-a'] = makeBundle(dir, 'lstm-ae', { name: name('plant-a'), config: TINY_LSTM_AE });
    bundles['plant-b'] = makeBundle(dir, 'dc-vae', { name: name('plant-b') });
    bundles['plant/c'] = makeBundle(dir, 'lstm-ae', { name: name('plant/c'), config: SMALL_CONFIGS['lstm-ae'] });
  });

  /** Runs a worker of the fleet over the cache until `done`, checks it while it runs, then stops it and disposes the cache. */
  async function serve(cache: BundleCache, keys: FleetKeys, done: () => Promise<boolean>, check: (w: ScaleWorker) => Promise<void>, batch = 500): Promise<void> {
    const own = ctx.redis.duplicate();
    const worker = new ScaleWorker(cache, own, { prefix: keys.prefix, shards: keys.shards, leaseMs: 3000, batch });
    const running = worker.run();
    try {
      await waitFor(() => 'every row answered', done, 60000);
      await check(worker);
    } finally {
      worker.stop();
      try {
        await running;
      } finally {
        own.disconnect();
        await cache.dispose();
      }
    }
  }

  /** Asserts an entity's results are its own bundle's batch scores of its rows, one per row, in order. */
  async function assertOwnScores(results: { f: Record<string, string> }[], entity: string, rows: number[][]): Promise<void> {
    const det = await Detector.load(bundles[entity]);
    try {
      const want = await det.scoreBatch(rows, { timestamps: rows.map((_, r) => T0 + r * 1000) });
      const got = results.filter(({ f }) => f.e === entity);
      assert.deepEqual(got.map(({ f }) => f.index), rows.map((_, r) => String(r)), `${entity}: one result per row`);
      assert.deepEqual(got.map(({ f }) => f.score), want.map((w) => (w.ready ? String(w.score) : undefined)), entity);
      assert.deepEqual(got.map(({ f }) => f.flag), want.map((w) => (w.ready ? (w.flag ? '1' : '0') : undefined)), entity);
    } finally {
      await det.dispose();
    }
  }

  it('each entity gets its own bundle\'s scores; one without a bundle or with an impossible name is dead-lettered', async () => {
    const keys = fleetKeys(`${ctx.prefix}:own`, 4);
    const R = 30;
    const rows: Record<string, number[][]> = { 'plant-a': rowsOf(R, 11), 'plant-b': rowsOf(R, 12), 'plant-x': rowsOf(R, 13) };
    const long = 'p'.repeat(300);
    for (let r = 0; r < R; r++) for (const e of Object.keys(rows)) await pushRow(ctx.redis, keys, e, rows[e][r], T0 + r * 1000);
    await pushRow(ctx.redis, keys, long, rows['plant-a'][0], T0);
    const answered = async () => (await ctx.redis.xlen(keys.results)) >= 2 * R && (await ctx.redis.xlen(keys.dead)) >= R + 1;
    await serve(new BundleCache(dir, { capacity: 8 }), keys, answered, async (worker) => {
      const page = await worker.metrics();
      assert.match(page, /^vigil_scale_bundle_loads_total\{worker="[^"]+"\} 2$/m);
      assert.match(page, /^vigil_scale_bundle_evictions_total\{worker="[^"]+"\} 0$/m);
      assert.match(page, /^vigil_scale_bundle_cache_entities\{worker="[^"]+"\} 2$/m);
      assert.match(page, /^vigil_scale_bundle_cache_capacity\{worker="[^"]+"\} 8$/m);
    });
    const results = await readAll(ctx.redis, keys.results);
    assert.equal(results.length, 2 * R);
    await assertOwnScores(results, 'plant-a', rows['plant-a']);
    await assertOwnScores(results, 'plant-b', rows['plant-b']);
    const dead = await readAll(ctx.redis, keys.dead);
    const missing = dead.filter(({ f }) => f.e === 'plant-x');
    assert.equal(missing.length, R, 'every row of the entity without a bundle, the later ones too');
    for (const { f } of missing) assert.equal(f.reason, `no bundle for entity "plant-x": ${join(dir, 'plant-x.vigil')} (no such file)`);
    const refused = dead.filter(({ f }) => f.e === long);
    assert.equal(refused.length, 1);
    assert.match(refused[0].f.reason, /cannot have a bundle: the entity name "p+\.\.\." is too long for a bundle file name/);
  });

  it('a cache of 1 with 3 entities interleaved evicts and restores, scoring every row once and bit-identically', async () => {
    // One shard, reads of 6 rows: each read holds two rows of each entity, interleaved.
    const keys = fleetKeys(`${ctx.prefix}:lru`, 1);
    const entities = ['plant-a', 'plant-b', 'plant/c'];
    const R = 20;
    const rows = entities.map((_, k) => rowsOf(R, 21 + k));
    for (let r = 0; r < R; r++) for (let k = 0; k < entities.length; k++) await pushRow(ctx.redis, keys, entities[k], rows[k][r], T0 + r * 1000);
    const cache = new BundleCache(dir, { capacity: 1 });
    await serve(cache, keys, async () => (await ctx.redis.xlen(keys.results)) >= 3 * R, async (worker) => {
      // A read is cut into one piece per entity, the one held first: the first read loads all
      // three, each later one (of R / 2 - 1) the two not held, evicting (checkpointing) the one
      // before; every load after the first three restores a checkpoint.
      const loads = 3 + 2 * (R / 2 - 1);
      assert.deepEqual(cache.stats(), { loads, evictions: loads - 1, size: 1, capacity: 1 });
      assert.equal(worker.counters.restores, loads - 3);
      assert.equal(await ctx.redis.xlen(keys.dead), 0);
    }, 6);
    const results = await readAll(ctx.redis, keys.results);
    assert.equal(results.length, 3 * R);
    for (let k = 0; k < entities.length; k++) await assertOwnScores(results, entities[k], rows[k]);
    // Every row acknowledged: the evictions' checkpoints covered them.
    assert.equal(Number(((await ctx.redis.xpending(keys.rows(0), 'vigil')) as [number])[0]), 0);
  });

  it('vigil serve --bundles DIR --bundle-cache 1 scores each entity with its own bundle and reports the loads', async () => {
    const keys = fleetKeys(`${ctx.prefix}:cli`, 2);
    const entities = ['plant-a', 'plant-b'];
    const R = 16;
    const rows = entities.map((_, k) => rowsOf(R, 31 + k));
    for (let r = 0; r < R; r++) for (let k = 0; k < entities.length; k++) await pushRow(ctx.redis, keys, entities[k], rows[k][r], T0 + r * 1000);
    const proc = spawn(process.execPath, [BIN, 'serve', '--bundles', dir, '--bundle-cache', '1', '--redis', REDIS_URL!, '--prefix', keys.prefix,
      '--shards', '2', '--lease-ms', '1000', '--threads', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      await waitFor(() => `all ${2 * R} results (stderr: ${err})`, async () => (await ctx.redis.xlen(keys.results)) >= 2 * R, 60000);
    } finally {
      proc.kill('SIGTERM');
    }
    assert.equal(await exited, 0, err);
    assert.ok(err.includes(`per-entity bundles in ${dir} (cache 1)`), err);
    const report = JSON.parse(out) as { scored: number; bundleLoads: number; bundleEvictions: number };
    assert.equal(report.scored, 2 * R);
    assert.ok(report.bundleLoads >= 2 && report.bundleEvictions === report.bundleLoads - 1, JSON.stringify(report));
    const results = await readAll(ctx.redis, keys.results);
    for (let k = 0; k < entities.length; k++) await assertOwnScores(results, entities[k], rows[k]);
  });
});
