// Cutting a read for a bounded bundle cache: each piece names at most `capacity` entities and
// takes all of their rows, held entities first; every entry is in one piece, each entity's rows
// keep their order, and a read that fits is taken whole.
import { strict as assert } from 'node:assert';

import { cutRead, type ReadPiece, type ShardEntries } from '../../lib/scale/read_cut';
import type { Entry } from '../../lib/scale/shard';
import { fieldMap } from '../../lib/scale/wire';

const entry = (id: number, entity?: string): Entry => [`${id}-0`, entity === undefined ? ['v', '[1]'] : ['e', entity, 'v', '[1]']];
const ids = (pieces: ReadPiece[]) => pieces.map((p) => p.parts.map((q) => `${q.shard}: ${q.entries.map(([id]) => id.split('-')[0]).join(' ')}`));
const none = () => false;

describe('lib/scale cutRead', () => {
  const parts: ShardEntries[] = [
    { shard: 0, entries: [entry(1, 'a'), entry(2, 'b'), entry(3, 'a'), entry(4), entry(5, 'c'), entry(6, 'b')] },
    { shard: 3, entries: [entry(7, 'd'), entry(8, 'd')] },
  ];

  it('pieces of at most `capacity` entities with all their rows; held entities first; unnamed rows in the first', () => {
    const pieces = cutRead(parts, 2, none);
    assert.deepEqual(pieces.map((p) => [...p.entities]), [['a', 'b'], ['c', 'd']]);
    assert.deepEqual(ids(pieces), [['0: 1 2 3 4 6'], ['0: 5', '3: 7 8']]);
    const heldC = cutRead(parts, 2, (e) => e === 'c');
    assert.deepEqual(heldC.map((p) => [...p.entities]), [['c', 'a'], ['b', 'd']]);
    assert.deepEqual(ids(heldC), [['0: 1 3 4 5'], ['0: 2 6', '3: 7 8']]);
  });

  it('a read naming at most `capacity` entities is one piece, as read', () => {
    for (const capacity of [4, Infinity]) {
      const [piece, ...rest] = cutRead(parts, capacity, none);
      assert.equal(rest.length, 0);
      assert.deepEqual(piece.parts, parts);
      assert.deepEqual([...piece.entities], ['a', 'b', 'c', 'd']);
    }
    assert.deepEqual(cutRead([], 1, none), []);
  });

  it('random reads: every entry once, an entity in one piece, its rows in order, at most `capacity` each', () => {
    let x = 5; // a seeded LCG: the same reads every run
    const pick = (n: number) => Math.floor(((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32) * n);
    for (let trial = 0; trial < 200; trial++) {
      let id = 0;
      const read: ShardEntries[] = Array.from({ length: 1 + pick(3) }, (_, s) => ({
        shard: s, entries: Array.from({ length: pick(12) }, () => entry(++id, pick(8) ? `e${s}-${pick(4)}` : undefined)),
      }));
      const capacity = 1 + pick(5), held = new Set([`e0-${pick(4)}`, `e1-${pick(4)}`]);
      const pieces = cutRead(read, capacity, (e) => held.has(e));
      const flat = pieces.flatMap((p, k) => p.parts.flatMap((q) => q.entries.map(([i, f]) => ({ k, id: Number(i.split('-')[0]), e: fieldMap(f).e }))));
      assert.deepEqual(flat.map((x) => x.id).sort((x, y) => x - y), Array.from({ length: id }, (_, i) => i + 1), 'every entry once');
      for (const p of pieces) assert.ok(p.entities.size <= capacity);
      const at = new Map<string, { k: number; id: number }>();
      for (const x of flat.filter((x) => x.e)) {
        const before = at.get(x.e);
        if (before) assert.ok(before.k === x.k && before.id < x.id, `entity ${x.e}: one piece, in order`);
        assert.ok(pieces[x.k].entities.has(x.e));
        at.set(x.e, x);
      }
    }
  });
});
