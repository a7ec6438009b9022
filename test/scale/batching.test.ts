// A worker scores a read of many entities with one inference call (det.pushMany): rows of 12
// entities over 4 shards, all in Redis before the worker starts, are taken by its first read, and
// the model runs once over every full window among them; each result equals batch scoring of its
// entity's rows bit for bit.
import { strict as assert } from 'node:assert';

import { Detector } from '../../lib/detect/detector';
import { fleetKeys } from '../../lib/scale/keys';
import { pushRow } from '../../lib/scale/producer';
import { ScaleWorker } from '../../lib/scale/worker';
import { rowOf, series } from '../detect/detector_fixture';
import { readAll, useFleet, waitFor } from './fleet';

describe('vigil serve: one inference call per read', function () {
  this.timeout(60000);
  const ctx = useFleet();

  it('a read across 12 entities and 4 shards runs the model once over all their full windows', async () => {
    const { redis, prefix } = ctx;
    const keys = fleetKeys(prefix, 4);
    const det = await Detector.load(ctx.bundle);
    const E = 12, R = det.window + 3;
    const t0 = Date.UTC(2024, 0, 1);
    const rows = Array.from({ length: E }, (_, e) => {
      const s = series(R, 30 + e);
      return Array.from({ length: R }, (_, r) => rowOf(s, r));
    });
    // Rows of the entities interleaved, as producers write them.
    for (let r = 0; r < R; r++) for (let e = 0; e < E; e++) await pushRow(redis, keys, `plant-${e}`, rows[e][r], t0 + r * 1000);
    const calls: number[] = [];
    const run = det.backend.runSync.bind(det.backend);
    det.backend.runSync = (x, P, out) => {
      calls.push(P);
      run(x, P, out);
    };
    const own = redis.duplicate();
    const worker = new ScaleWorker(det, own, { prefix, shards: 4, leaseMs: 3000, batch: 500 });
    const running = worker.run();
    try {
      await waitFor(() => 'every row answered', async () => (await redis.xlen(keys.results)) >= E * R, 30000);
      assert.deepEqual(calls, [E * (R - det.window + 1)], 'one call holding every decision');
      const results = await readAll(redis, keys.results);
      for (let e = 0; e < E; e++) {
        const got = results.filter(({ f }) => f.e === `plant-${e}`);
        const want = await det.scoreBatch(rows[e], { timestamps: rows[e].map((_, r) => t0 + r * 1000) });
        assert.deepEqual(got.map(({ f }) => f.score), want.map((w) => (w.ready ? String(w.score) : undefined)), `plant-${e}`);
        assert.deepEqual(got.map(({ f }) => f.flag), want.map((w) => (w.ready ? (w.flag ? '1' : '0') : undefined)), `plant-${e}`);
      }
    } finally {
      worker.stop();
      try {
        await running;
      } finally {
        det.backend.runSync = run;
        own.disconnect();
        await det.dispose();
      }
    }
  });
});
