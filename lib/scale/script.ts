// A Lua script run by its SHA1 (EVALSHA), sent in full only when the server does not have it
// yet (NOSCRIPT): the commit script runs once per batch and need not travel each time.
import { createHash } from 'node:crypto';

import type { RedisClient } from './redis';

export class LuaScript {
  private readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Several runs in one round trip, answers in order. A run the server refused as NOSCRIPT did not
   * run at all, so it is sent again in full (once the script is cached the rest go by SHA1).
   */
  async pipelined(redis: RedisClient, calls: readonly { keys: readonly string[]; args: readonly (string | number | Buffer)[] }[]): Promise<unknown[]> {
    const p = redis.pipeline();
    for (const c of calls) p.evalsha(this.sha, c.keys.length, ...c.keys, ...c.args);
    const replies = (await p.exec()) ?? [];
    const out: unknown[] = [];
    for (let i = 0; i < calls.length; i++) {
      const [err, value] = replies[i] ?? [new Error('no reply'), null];
      if (!err) out.push(value);
      else if (String(err.message).startsWith('NOSCRIPT')) out.push(await redis.eval(this.lua, calls[i].keys.length, ...calls[i].keys, ...calls[i].args));
      else throw err;
    }
    return out;
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
