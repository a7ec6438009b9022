// The commit script on its own: fenced (a worker without the shard's lease writes nothing, acks
// nothing), idempotent (a row's output is written once, whoever commits it again), and it stores
// checkpoints and acknowledges exactly the rows it is given.
import { strict as assert } from 'node:assert';

import { commitBatches, emptyBatch, type Batch } from '../../lib/scale/commit';
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
    const commit = async (token: string) => (await commitBatches(redis, keys, token, [{ shard: 1, batch: batch() }]))[0];
    const pending = async () => Number(((await redis.xpending(keys.rows(1), GROUP)) as [number])[0]);

    await redis.set(keys.lease(1), 'someone-else');
    assert.equal(await commit('me'), null);
    assert.equal(await redis.xlen(keys.results), 0);
    assert.equal(await redis.hlen(keys.state(1)), 0);
    assert.equal(await pending(), 2);

    await redis.set(keys.lease(1), 'me');
    assert.deepEqual(await commit('me'), { results: 2, dead: 0, skipped: 0 });
    assert.deepEqual(await commit('me'), { results: 0, dead: 0, skipped: 2 });
    assert.equal(await redis.xlen(keys.results), 2);
    assert.equal(await redis.xlen(keys.alarms), 1);
    assert.equal(await redis.hget(keys.state(1), 'a'), '{"row":"x"}');
    assert.equal(await pending(), 1, 'only the row given is acknowledged');

    // Several shards in one round trip: each fenced by its own lease.
    await redis.set(keys.lease(0), 'me');
    await redis.set(keys.lease(1), 'someone-else');
    const dead = emptyBatch();
    dead.outputs.push({ kind: 'd', entity: 'b', row: '1-0', fields: ['e', 'b', 'reason', 'test'] });
    assert.deepEqual(await commitBatches(redis, keys, 'me', [{ shard: 0, batch: dead }, { shard: 1, batch: batch() }]), [{ results: 0, dead: 1, skipped: 0 }, null]);
    assert.equal(await redis.xlen(keys.dead), 1);
  });
});
