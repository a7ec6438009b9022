// What the scale-out tests share: the Redis they run against (VIGIL_REDIS_URL; .ci/run starts one
// and sets it, so in CI they run; unset, they skip saying so), a fresh key prefix and folder per
// suite, removed after it, a tiny fleet bundle, and reading a whole stream as field maps.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeBundle } from '../detect/detector_fixture';
import { connectRedis, type RedisClient } from '../../lib/scale/redis';
import { fieldMap } from '../../lib/scale/wire';

export const REDIS_URL = process.env.VIGIL_REDIS_URL;

/** A tiny LSTM-AE (window 8, 4 channels): the failover test scores 120,000 rows with it. */
export const TINY_LSTM_AE = { window: 8, encoder: [8], latent: 2, decoderDense: 4, decoder: [8] };

/**
 * Call at the top of a describe(): skips the suite without VIGIL_REDIS_URL, else connects and
 * writes the tiny bundle into a fresh folder before it; deletes the suite's keys and folder after
 * it. `prefix` is unique to the suite.
 */
export function useFleet(): { redis: RedisClient; prefix: string; dir: string; bundle: string } {
  const ctx = { redis: null as unknown as RedisClient, prefix: `vigil-test-${process.pid}-${randomBytes(4).toString('hex')}`, dir: '', bundle: '' };
  before(async function () {
    if (!REDIS_URL) {
      console.log('    skipped: VIGIL_REDIS_URL is not set (start redis-server and set it, as .ci/run does)');
      this.skip();
    }
    ctx.redis = await connectRedis(REDIS_URL);
    ctx.dir = mkdtempSync(join(tmpdir(), 'vigil-scale-'));
    ctx.bundle = makeBundle(ctx.dir, 'lstm-ae', { name: 'fleet', config: TINY_LSTM_AE });
  });
  after(async () => {
    if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
    if (!ctx.redis) return;
    let cursor = '0';
    do {
      const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', `${ctx.prefix}:*`, 'COUNT', 1000);
      if (keys.length) await ctx.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    ctx.redis.disconnect();
  });
  return ctx;
}

/** Every entry of a stream, oldest first: its id and fields. */
export async function readAll(redis: RedisClient, key: string): Promise<{ id: string; f: Record<string, string> }[]> {
  const out: { id: string; f: Record<string, string> }[] = [];
  let from = '-';
  for (;;) {
    const page = await redis.xrange(key, from, '+', 'COUNT', 10000);
    for (const [id, fields] of page) out.push({ id, f: fieldMap(fields) });
    if (page.length < 10000) return out;
    from = '(' + page[page.length - 1][0];
  }
}

/** Waits until `done()` holds, polling; throws with `what` after `ms`. */
export async function waitFor(what: () => string, done: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
