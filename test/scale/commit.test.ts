// The commit script on its own: fenced (a worker without the shard's lease writes nothing, acks
// nothing), idempotent (a row's output is written once, whoever commits it again), and it stores
// checkpoints and acknowledges exactly the rows it is given.
import { strict as assert } from 'node:assert';

import { commitBatch, emptyBatch, type Batch } from '../../lib/scale/commit';
import { fleetKeys, GROUP } from '../../lib/scale/keys';
import { useFleet } from './fleet';

describe('lib/scale commit script', () => {
  const ctx = useFleet();

  it('writes nothing without the lease, each row once with it, and acknowledges what it is given', async () => {
    const { redis, prefix } = ctx;
    const keys = fleetKeys(prefix, 2);
    await redis.xgroup('CREATE', keys.rows(1), GROUP, '0', 'MKSTREAM');
    const ids = [await redis.xadd(keys.rows(1), '*', 'e', 'a', 'v', '[1]'), await redis.xadd(keys.rows(1), '*', 'e', 'a', 'v', '[2]')] as string[];
    await redis.call('XREADGROUP', 'GROUP', GROUP, 'w', 'COUNT', 10, 'STREAMS', keys.rows(1), '>');
    const batch = (): Batch => {
      const b = emptyBatch();
      b.outputs.push({ kind: 'r', entity: 'a', row: ids[0], fields: ['e', 'a', 'row', ids[0], 'score', '0.5'] });
      b.outputs.push({ kind: 'a', entity: 'a', row: ids[1], fields: ['e', 'a', 'row', ids[1], 'score', '9'] });
      b.states.set('a', '{"row":"x"}');
      b.acks.push(ids[0]);
      return b;
    };
    const pending = async () => Number(((await redis.xpending(keys.rows(1), GROUP)) as [number])[0]);

    await redis.set(keys.lease(1), 'someone-else');
    assert.equal(await commitBatch(redis, keys, 1, 'me', batch()), null);
    assert.equal(await redis.xlen(keys.results), 0);
    assert.equal(await redis.hlen(keys.state(1)), 0);
    assert.equal(await pending(), 2);

    await redis.set(keys.lease(1), 'me');
    assert.deepEqual(await commitBatch(redis, keys, 1, 'me', batch()), { results: 2, dead: 0, skipped: 0 });
    assert.deepEqual(await commitBatch(redis, keys, 1, 'me', batch()), { results: 0, dead: 0, skipped: 2 });
    assert.equal(await redis.xlen(keys.results), 2);
    assert.equal(await redis.xlen(keys.alarms), 1);
    assert.equal(await redis.hget(keys.state(1), 'a'), '{"row":"x"}');
    assert.equal(await pending(), 1, 'only the row given is acknowledged');
  });
});
