// A worker that has held every shard of an idle fleet for a while still heartbeats and hands
// shards to a newcomer: the renewals between reads must not postpone its rebalancing.
import { strict as assert } from 'node:assert';

import { Detector } from '../../lib/detect/detector';
import { ScaleWorker } from '../../lib/scale/worker';
import { useFleet, waitFor } from './fleet';

describe('vigil serve: rebalancing an idle fleet', function () {
  this.timeout(60000);
  const ctx = useFleet();

  it('a worker alone on idle shards for many lease periods gives half of them to a second worker', async () => {
    const { redis, prefix } = ctx;
    const det = await Detector.load(ctx.bundle);
    const conns = [redis.duplicate(), redis.duplicate()];
    const opts = { prefix, shards: 4, leaseMs: 600 };
    const first = new ScaleWorker(det, conns[0], { ...opts, name: 'first' });
    const second = new ScaleWorker(det, conns[1], { ...opts, name: 'second' });
    const runs = [first.run()];
    try {
      await waitFor(() => 'the first worker holds every shard', async () => first.shards.length === 4, 10000);
      await new Promise((r) => setTimeout(r, 2000)); // more than 3 lease periods without rows
      runs.push(second.run());
      await waitFor(() => `two shards each (first ${first.shards}, second ${second.shards})`, async () => first.shards.length === 2 && second.shards.length === 2, 10000);
      assert.deepEqual([...first.shards, ...second.shards].sort(), [0, 1, 2, 3]);
    } finally {
      first.stop();
      second.stop();
      try {
        await Promise.all(runs);
      } finally {
        conns.forEach((c) => c.disconnect());
        await det.dispose();
      }
    }
  });
});
