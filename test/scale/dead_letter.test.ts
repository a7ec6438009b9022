// Refused rows go to the dead-letter stream with their reason and change nothing: a malformed
// row (wrong column count, values that are not JSON, no entity, a value that is not a number, a
// timestamp out of order) lands there, and the entity's later rows are still scored, equal to
// batch scoring of its good rows. The worker's /metrics counts them.
import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';

import { Detector } from '../../lib/detect/detector';
import { fleetKeys, shardOf } from '../../lib/scale/keys';
import { serveMetrics } from '../../lib/scale/metrics_server';
import { pushRow } from '../../lib/scale/producer';
import { ScaleWorker } from '../../lib/scale/worker';
import { rowOf, series } from '../detect/detector_fixture';
import { readAll, useFleet, waitFor } from './fleet';

describe('vigil serve: the dead-letter stream', function () {
  this.timeout(60000);
  const ctx = useFleet();

  it('a malformed row lands there with its reason; the entity\'s later rows are still scored', async () => {
    const { redis, prefix } = ctx;
    const keys = fleetKeys(prefix, 4);
    const det = await Detector.load(ctx.bundle);
    const own = redis.duplicate();
    const worker = new ScaleWorker(det, own, { prefix, shards: 4, leaseMs: 1000, checkpointRows: 7 });
    const metrics = await serveMetrics(worker, 0);
    const running = worker.run();
    try {
      const data = series(40, 5);
      const good = Array.from({ length: 40 }, (_, r) => rowOf(data, r));
      const t0 = Date.UTC(2024, 0, 1);
      const bad: Record<number, [string[], RegExp]> = {
        10: [['e', 'plant-1', 'v', '[1, 2, 3]', 't', String(t0 + 10_500)], /expected 4 values .*got 3 values/],
        20: [['e', 'plant-1', 'v', '{not json', 't', String(t0 + 20_500)], /"v" is not JSON/],
        25: [['e', 'plant-1', 'v', '[1, "x", 3, 4]', 't', String(t0 + 25_500)], /column "b".*not a number|column "b"/],
        30: [['e', 'plant-1', 'v', '[1, 2, 3, 4]', 't', String(t0 + 5_000)], /not after the previous row/],
        35: [['v', '[1, 2, 3, 4]'], /no entity/],
      };
      const ids: string[] = [];
      for (let r = 0; r < 40; r++) {
        if (bad[r]) await redis.xadd(keys.rows(shardOf('plant-1', 4)), '*', ...bad[r][0]);
        ids.push(await pushRow(redis, keys, 'plant-1', good[r], t0 + r * 1000));
      }
      await waitFor(() => 'every row answered', async () => (await redis.xlen(keys.results)) >= 40 && (await redis.xlen(keys.dead)) >= 5, 30000);

      const dead = await readAll(redis, keys.dead);
      assert.equal(dead.length, 5);
      Object.values(bad).forEach(([fields, reason], k) => {
        assert.match(dead[k].f.reason, reason);
        assert.deepEqual(JSON.parse(dead[k].f.fields), Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]]))));
      });
      const results = await readAll(redis, keys.results);
      assert.deepEqual(results.map(({ f }) => f.row), ids, 'one result per good row, in order');
      const batch = await det.scoreBatch(good, { timestamps: good.map((_, r) => t0 + r * 1000) });
      results.forEach(({ f }, r) => {
        assert.equal(f.index, String(r));
        assert.equal(f.t, String(t0 + r * 1000));
        const want = batch[r];
        assert.equal(f.score, want.ready ? String(want.score) : undefined, `row ${r}`);
      });

      const page = await (await fetch(`http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`)).text();
      assert.match(page, /^vigil_scale_rows_dead_total\{worker="[^"]+"\} 5$/m);
      assert.match(page, /^vigil_scale_rows_in_total\{worker="[^"]+"\} 45$/m);
      assert.match(page, /^vigil_scale_rows_scored_total\{worker="[^"]+"\} 40$/m);
      assert.match(page, /^vigil_scale_shards_held\{worker="[^"]+"\} 4$/m);
      assert.match(page, /^vigil_scale_shard_lag\{worker="[^"]+",shard="\d"\} 0$/m);
    } finally {
      worker.stop();
      metrics.close();
      try {
        await running;
      } finally {
        own.disconnect();
        await det.dispose();
      }
    }
  });
});
