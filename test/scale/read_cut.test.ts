// Cutting a read for a bounded bundle cache: each piece names at most `capacity` entities, the
// pieces hold every entry once in the read's order, and an unbounded cache gets the read whole.
import { strict as assert } from 'node:assert';

import { cutRead, type ShardEntries } from '../../lib/scale/read_cut';
import type { Entry } from '../../lib/scale/shard';

const entry = (id: number, entity?: string): Entry => [`${id}-0`, entity === undefined ? ['v', '[1]'] : ['e', entity, 'v', '[1]']];

describe('lib/scale cutRead', () => {
  const parts: ShardEntries[] = [
    { shard: 0, entries: [entry(1, 'a'), entry(2, 'b'), entry(3, 'a'), entry(4), entry(5, 'c'), entry(6, 'b')] },
    { shard: 3, entries: [entry(7, 'd'), entry(8, 'd')] },
  ];
  const flat = (pieces: ReturnType<typeof cutRead>) => pieces.flatMap((p) => p.parts.flatMap((q) => q.entries.map(([id]) => `${q.shard}:${id}`)));
  const all = parts.flatMap((p) => p.entries.map(([id]) => `${p.shard}:${id}`));

  it('pieces of at most `capacity` entities, every entry once, in order', () => {
    const pieces = cutRead(parts, 2);
    assert.deepEqual(pieces.map((p) => [...p.entities]), [['a', 'b'], ['c', 'b'], ['d']]);
    assert.deepEqual(pieces.map((p) => p.parts.map((q) => q.shard)), [[0], [0], [3]]);
    assert.deepEqual(flat(pieces), all);
    const ones = cutRead(parts, 1);
    assert.deepEqual(ones.map((p) => [...p.entities]), [['a'], ['b'], ['a'], ['c'], ['b'], ['d']]);
    assert.deepEqual(flat(ones), all);
    assert.ok(ones.every((p) => p.entities.size <= 1));
  });

  it('an unbounded cache takes the read whole', () => {
    const [piece, ...rest] = cutRead(parts, Infinity);
    assert.equal(rest.length, 0);
    assert.deepEqual(piece.parts, parts);
    assert.deepEqual([...piece.entities], ['a', 'b', 'c', 'd']);
  });
});
