// The per-entity bundle cache on its own (no Redis): least recently used first out, never an
// entity the caller keeps, the eviction hook awaited before the detector is disposed; a missing
// file, an impossible entity name and a corrupt bundle are reasons, and a corrupt bundle is read
// again only once the file changes.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Detector } from '../../lib/detect/detector';
import { BundleCache } from '../../lib/scale/bundle_cache';
import { bundlePath } from '../../lib/scale/bundle_path';
import { makeBundle } from '../detect/detector_fixture';
import { TINY_LSTM_AE } from './fleet';

describe('lib/scale BundleCache', function () {
  this.timeout(60000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-bundle-cache-'));
    const one = makeBundle(dir, 'lstm-ae', { name: 'template', config: TINY_LSTM_AE });
    for (const e of ['a', 'b', 'c']) copyFileSync(one, bundlePath(dir, e));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evicts the least recently used entity not kept, after the hook, and reloads it on demand', async () => {
    const cache = new BundleCache(dir, { capacity: 2 });
    const events: string[] = [];
    const evict = async (victim: string) => void events.push(`evict ${victim}`);
    try {
      const a = (await cache.get('a', new Set(['a']), evict)) as Detector;
      assert.ok(a instanceof Detector);
      await cache.get('b', new Set(['b']), evict);
      assert.equal(await cache.get('a', new Set(['a']), evict), a, 'a hit is the same detector');
      await cache.get('c', new Set(['c']), evict); // b is the least recently used now
      assert.deepEqual(events, ['evict b']);
      assert.equal(await cache.get('a', new Set(['a']), evict), a);
      // c is the least recently used now that a was used; the caller keeps a and b, so c goes.
      await cache.get('b', new Set(['a', 'b']), evict);
      assert.deepEqual(events, ['evict b', 'evict c']);
      assert.deepEqual(cache.stats(), { loads: 4, evictions: 2, size: 2, capacity: 2 });
      await assert.rejects(cache.get('c', new Set(['a', 'b', 'c']), evict), /full of entities in use/);
    } finally {
      await cache.dispose();
    }
  });

  it('a detector is disposed only after the eviction hook has finished (its state is checkpointed first)', async () => {
    const cache = new BundleCache(dir, { capacity: 1 });
    try {
      const a = (await cache.get('a', new Set(['a']), async () => undefined)) as Detector;
      await cache.get('b', new Set(['b']), async (victim) => {
        assert.equal(victim, 'a');
        a.stream().state(); // still usable while the hook runs
      });
      assert.throws(() => a.stream(), /disposed/);
    } finally {
      await cache.dispose();
    }
  });

  it('answers why an entity has no detector; a corrupt bundle is retried only when the file changes', async () => {
    const cache = new BundleCache(dir, { capacity: 4 });
    const none = async () => undefined;
    try {
      assert.deepEqual(await cache.get('zz', new Set(['zz']), none), { refused: `no bundle for entity "zz": ${join(dir, 'zz.vigil')} (no such file)` });
      const long = 'x'.repeat(260);
      assert.match(((await cache.get(long, new Set([long]), none)) as { refused: string }).refused, /cannot have a bundle: .*too long/);
      const path = bundlePath(dir, 'bad');
      writeFileSync(path, 'not a bundle');
      const first = (await cache.get('bad', new Set(['bad']), none)) as { refused: string };
      assert.ok(first.refused.startsWith(`the bundle of entity "bad" (${path}) cannot be loaded: `), first.refused);
      assert.deepEqual(await cache.get('bad', new Set(['bad']), none), first);
      copyFileSync(bundlePath(dir, 'a'), path); // fixed: another size
      assert.ok((await cache.get('bad', new Set(['bad']), none)) instanceof Detector);
      assert.equal(cache.stats().loads, 1);
    } finally {
      await cache.dispose();
    }
  });

  it('refuses a bad directory or size', () => {
    assert.throws(() => new BundleCache(join(dir, 'nope')), /the bundle directory .*nope cannot be read/);
    assert.throws(() => new BundleCache(bundlePath(dir, 'a')), /is not a directory/);
    assert.throws(() => new BundleCache(dir, { capacity: 0 }), /cache size must be a whole number >= 1, got 0/);
  });
});
