// The failover test of issue 22: 3 `vigil serve` processes score 200 entities x 600 rows from
// Redis Streams; one is killed with SIGKILL mid-run (while it holds shards, with scored rows past
// its checkpoints) and a new one is started. Then every (entity, row) has exactly one result, none
// is lost, and every result equals offline batch scoring of that entity's series bit for bit.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';

import { Detector } from '../../lib/detect/detector';
import { fleetKeys } from '../../lib/scale/keys';
import { replay } from '../../lib/scale/producer';
import { BIN } from '../helpers/cli';
import { rowOf, series } from '../detect/detector_fixture';
import { readAll, useFleet, waitFor, REDIS_URL } from './fleet';

const ENTITIES = 200, ROWS = 600, SHARDS = 8, STRIDE = 13;

interface Worker {
  name: string;
  proc: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

describe('vigil serve: failover (3 workers, one SIGKILLed, a new one started)', function () {
  this.timeout(180000);
  const ctx = useFleet();

  function start(name: string, bundle: string): Worker {
    const proc = spawn(process.execPath, [BIN, 'serve', '--model', bundle, '--redis', REDIS_URL!, '--prefix', ctx.prefix, '--shards', String(SHARDS),
      '--name', name, '--lease-ms', '1500', '--checkpoint-rows', '40', '--checkpoint-ms', '1000', '--batch', '200', '--threads', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const w: Worker = { name, proc, out: '', err: '', exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
    proc.stdout!.on('data', (d) => (w.out += d));
    proc.stderr!.on('data', (d) => (w.err += d));
    return w;
  }

  it('every (entity, row) gets exactly one result, none is lost, each equals batch scoring bit for bit', async () => {
    const { redis, prefix } = ctx;
    const keys = fleetKeys(prefix, SHARDS);
    const bundle = ctx.bundle;
    const data = series(3000, 11);
    const workers = ['w0', 'w1', 'w2'].map((n) => start(n, bundle));
    const total = ENTITIES * ROWS;
    const produced = replay(redis, keys, data, { entities: ENTITIES, rowsPerEntity: ROWS, stride: STRIDE, seconds: 120 });

    // Kill a worker that holds shards once a third of the rows have results.
    await waitFor(() => 'a third of the results', async () => (await redis.xlen(keys.results)) >= total / 3, 90000);
    const holders = new Set((await redis.mget(...Array.from({ length: SHARDS }, (_, s) => keys.lease(s)))).map((t) => t?.split(':')[0]));
    const victim = workers.find((w) => holders.has(w.name));
    assert.ok(victim, `no worker holds a shard (${[...holders].join(', ')})`);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    workers.push(start('w3', bundle));
    assert.equal((await produced).rows, total);

    let seen = -1;
    await waitFor(() => `all ${total} results (have ${seen})`, async () => (seen = await redis.xlen(keys.results)) >= total, 120000);
    const live = workers.filter((w) => w !== victim);
    for (const w of live) w.proc.kill('SIGTERM');
    const codes = await Promise.all(live.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0, 0], live.map((w) => `${w.name}: ${w.err}`).join('\n'));
    const counters = live.map((w) => JSON.parse(w.out));
    const sum = (k: string) => counters.reduce((a, c) => a + c[k], 0);
    // The takeover really replayed rows past the killed worker's checkpoints, and skipped their written results.
    assert.ok(sum('restores') > 0 && sum('replays') > 0 && sum('duplicatesSkipped') > 0, JSON.stringify(counters));

    // Every row pushed, by entity in order (the shard streams are never trimmed here).
    const pushed = new Map<string, string[]>();
    for (let s = 0; s < SHARDS; s++) for (const { id, f } of await readAll(redis, keys.rows(s))) (pushed.get(f.e) ?? pushed.set(f.e, []).get(f.e)!).push(id);
    assert.equal(pushed.size, ENTITIES);
    const results = await readAll(redis, keys.results);
    const byKey = new Map<string, Record<string, string>[]>();
    for (const { f } of results) (byKey.get(`${f.e}|${f.row}`) ?? byKey.set(`${f.e}|${f.row}`, []).get(`${f.e}|${f.row}`)!).push(f);
    const duplicates = [...byKey].filter(([, v]) => v.length > 1).map(([k]) => k);
    assert.deepEqual(duplicates.slice(0, 5), [], `${duplicates.length} rows have more than one result`);
    const lost = [...pushed].flatMap(([e, ids]) => ids.filter((id) => !byKey.has(`${e}|${id}`)).map((id) => `${e}|${id}`));
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} rows have no result`);
    assert.equal(results.length, total);
    assert.equal(await redis.xlen(keys.dead), 0);

    const det = await Detector.load(bundle);
    try {
      let compared = 0;
      for (let k = 0; k < ENTITIES; k++) {
        const rows = Array.from({ length: ROWS }, (_, i) => rowOf(data, (k * STRIDE + i) % data.rows));
        const batch = await det.scoreBatch(rows);
        pushed.get(`e${k}`)!.forEach((id, i) => {
          const got = byKey.get(`e${k}|${id}`)![0], want = batch[i];
          assert.equal(got.index, String(i), `e${k} row ${id}: scored out of order`);
          if (!want.ready) return assert.equal(got.ready, '0', `e${k} row ${i}`);
          assert.equal(got.score, String(want.score), `e${k} row ${i}: score`); // String() of a double is exact
          assert.equal(got.flag, want.flag ? '1' : '0', `e${k} row ${i}: flag`);
          assert.equal(got.top, JSON.stringify(want.topChannels), `e${k} row ${i}: top channels`);
          compared++;
        });
      }
      assert.equal(compared, ENTITIES * (ROWS - det.window + 1));
    } finally {
      await det.dispose();
    }
    const alarms = results.filter(({ f }) => f.flag === '1').length;
    assert.equal(await redis.xlen(keys.alarms), alarms);
  });
});
