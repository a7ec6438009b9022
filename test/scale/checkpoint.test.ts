// Checkpoints in their binary form (lib/scale/checkpoint.ts): a round trip gives back every value
// bit for bit (the window's float32 rows and the float64 state of a DSPOT threshold) and a stream
// restored from it goes on exactly as the original; the old JSON form is still read, also by a
// worker restoring an entity a worker of the previous version checkpointed; a truncated or
// corrupt checkpoint is an error naming the entity and key.
import { strict as assert } from 'node:assert';

import { Detector, type DetectorStream } from '../../lib/detect/detector';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../lib/scale/checkpoint';
import { fleetKeys, shardOf } from '../../lib/scale/keys';
import { pushRow } from '../../lib/scale/producer';
import { ScaleWorker } from '../../lib/scale/worker';
import { rowOf, series } from '../detect/detector_fixture';
import { readAll, useFleet, waitFor } from './fleet';

const T0 = Date.UTC(2024, 0, 1);
const DSPOT = { method: 'dspot', warmup: 58, depth: 8, risk: 0.05, drift: 'all' } as const;
const WHERE = { entity: 'plant-1', key: 'fleet:state:3' };

/** The element types of a binary checkpoint's arrays (from its skeleton). */
function blockTypes(raw: Buffer): string[] {
  return (JSON.parse(raw.toString('utf8', 9, 9 + raw.readUInt32LE(5))) as { blocks: { type: string }[] }).blocks.map((b) => b.type);
}

describe('lib/scale checkpoints', function () {
  this.timeout(60000);
  const ctx = useFleet();

  it('the binary form is bit-exact, smaller than JSON (even for this tiny model), and a stream restored from it goes on identically', async () => {
    const det = await Detector.load(ctx.bundle);
    try {
      const data = series(160, 6);
      const stream = det.stream({ adaptiveThreshold: DSPOT, postRules: true });
      for (let r = 0; r < 120; r++) stream.pushSync(rowOf(data, r), T0 + r * 1000);
      const cp: Checkpoint = { row: '1700000000000-7', state: stream.state() };
      const raw = encodeCheckpoint(cp);
      assert.equal(raw.toString('latin1', 0, 4), 'VGCP');
      const types = blockTypes(raw);
      assert.ok(types.includes('f32') && types.includes('f64'), `float32 window rows and float64 threshold state: ${types}`);
      assert.ok(raw.length < Buffer.byteLength(JSON.stringify(cp)), `${raw.length} bytes vs ${Buffer.byteLength(JSON.stringify(cp))} as JSON`);
      const back = decodeCheckpoint(raw, WHERE);
      assert.deepStrictEqual(back, JSON.parse(JSON.stringify(cp)), 'the same object the JSON form gives');
      // bit for bit: every number the same double (the JSON text of a double round-trips it too)
      assert.equal(JSON.stringify(back), JSON.stringify(cp));
      const again: DetectorStream = det.stream({ restore: back.state });
      for (let r = 120; r < 160; r++) assert.deepStrictEqual(again.pushSync(rowOf(data, r), T0 + r * 1000), stream.pushSync(rowOf(data, r), T0 + r * 1000), `row ${r}`);
      assert.deepStrictEqual(again.state(), stream.state());
      // the JSON form of earlier workers still reads
      assert.deepStrictEqual(decodeCheckpoint(Buffer.from(JSON.stringify(cp)), WHERE), back);
    } finally {
      await det.dispose();
    }
  });

  it('a truncated or corrupt checkpoint is an error naming the entity and key', async () => {
    const det = await Detector.load(ctx.bundle);
    try {
      const stream = det.stream();
      const data = series(20, 6);
      for (let r = 0; r < 20; r++) stream.pushSync(rowOf(data, r));
      const raw = encodeCheckpoint({ row: '1-0', state: stream.state() });
      const named = (what: RegExp) => new RegExp(`^Error: the checkpoint of entity "plant-1" \\(fleet:state:3\\) is corrupt: ${what.source}`);
      assert.throws(() => decodeCheckpoint(raw.subarray(0, raw.length - 3), WHERE), named(/truncated: array \d+ needs \d+ bytes at byte \d+, the checkpoint has \d+/));
      assert.throws(() => decodeCheckpoint(raw.subarray(0, 40), WHERE), named(/truncated: the header announces \d+ bytes of skeleton, 31 bytes follow it/));
      assert.throws(() => decodeCheckpoint(raw.subarray(0, 5), WHERE), named(/neither JSON nor a binary checkpoint \(5 bytes/));
      assert.throws(() => decodeCheckpoint(Buffer.concat([raw, Buffer.alloc(4)]), WHERE), named(/4 bytes after its last array/));
      const version = Buffer.from(raw);
      version[4] = 9;
      assert.throws(() => decodeCheckpoint(version, WHERE), named(/binary checkpoint version 9, this worker reads version 1/));
      const skeleton = Buffer.from(raw);
      skeleton[9] = 0x21; // '!' where the skeleton's JSON starts
      assert.throws(() => decodeCheckpoint(skeleton, WHERE), named(/its skeleton is not JSON/));
      assert.throws(() => decodeCheckpoint(Buffer.from('{"row":"1-0","state":'), WHERE), named(/it starts like JSON but is not/));
      assert.throws(() => decodeCheckpoint(Buffer.from('{"state":{}}'), WHERE), named(/it holds no row id and state/));
    } finally {
      await det.dispose();
    }
  });

  it('a worker restores a checkpoint in the old JSON form and writes binary ones; a corrupt one stops it, naming entity and key', async () => {
    const { redis, prefix } = ctx;
    const keys = fleetKeys(`${prefix}:old`, 4);
    const det = await Detector.load(ctx.bundle);
    const own = redis.duplicate();
    try {
      const data = series(40, 8);
      const rows = Array.from({ length: 40 }, (_, r) => rowOf(data, r));
      const ids: string[] = [];
      for (let r = 0; r < 40; r++) ids.push(await pushRow(redis, keys, 'plant-1', rows[r], T0 + r * 1000));
      // A worker of the previous version scored rows 0-14, wrote their results and checkpointed them as JSON.
      const before = det.stream();
      for (let r = 0; r < 15; r++) before.pushSync(rows[r], T0 + r * 1000);
      const s = shardOf('plant-1', 4);
      await redis.hset(keys.state(s), 'plant-1', JSON.stringify({ row: ids[14], state: before.state() }));
      await redis.hset(keys.done(s), 'plant-1', ids[14]);
      const worker = new ScaleWorker(det, own, { prefix: keys.prefix, shards: 4, leaseMs: 1000 });
      const running = worker.run();
      try {
        await waitFor(() => 'rows 15-39 answered', async () => (await redis.xlen(keys.results)) >= 25, 30000);
        assert.equal(worker.counters.restores, 1);
      } finally {
        worker.stop();
        await running;
      }
      const results = await readAll(redis, keys.results);
      const want = await det.scoreBatch(rows, { timestamps: rows.map((_, r) => T0 + r * 1000) });
      assert.deepEqual(results.map(({ f }) => f.row), ids.slice(15));
      assert.deepEqual(results.map(({ f }) => f.score), want.slice(15).map((w) => (w.ready ? String(w.score) : undefined)));
      const stored = (await redis.hgetBuffer(keys.state(s), 'plant-1'))!;
      assert.equal(stored.toString('latin1', 0, 4), 'VGCP', 'the worker wrote the binary form');
      assert.equal(decodeCheckpoint(stored, WHERE).row, ids[39]);

      // Cut short: the next worker to restore it stops with the error.
      await redis.hset(keys.state(s), 'plant-1', stored.subarray(0, stored.length - 10));
      await pushRow(redis, keys, 'plant-1', rows[0], T0 + 40_000);
      const next = new ScaleWorker(det, own, { prefix: keys.prefix, shards: 4, leaseMs: 1000 });
      await assert.rejects(next.run(), new RegExp(`^Error: the checkpoint of entity "plant-1" \\(${keys.state(s)}\\) is corrupt: truncated`));
    } finally {
      own.disconnect();
      await det.dispose();
    }
  });
});
