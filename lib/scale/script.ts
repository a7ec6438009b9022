// A Lua script run by its SHA1 (EVALSHA), sent in full only when the server does not have it
// yet (NOSCRIPT): the commit script runs once per batch and need not travel each time.
import { createHash } from 'node:crypto';

import type { RedisClient } from './redis';

export class LuaScript {
  private readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
