// Shard leases: one holder per shard, by a key holding the holder's token with an expiry.
// Taken with SET NX PX; renewed and released only by the holder (compare-and-set scripts), so a
// worker whose lease expired and was taken over can neither extend nor delete its successor's.
// The holder keeps a local deadline counted from before each request was sent, which is never
// later than the expiry Redis applies; reads stop well before it (Lease.readable).
import { LuaScript } from './script';
import type { RedisClient } from './redis';

const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

export class Lease {
  /** ms (Date.now) before which the lease is surely still ours. */
  private deadline = 0;

  constructor(private readonly redis: RedisClient, readonly key: string, readonly token: string, readonly ttlMs: number) {}

  /** Takes the lease when nobody holds it. */
  async acquire(): Promise<boolean> {
    const sent = Date.now();
    const ok = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    if (ok) this.deadline = sent + this.ttlMs;
    return ok;
  }

  /** Extends the lease; false when it is no longer ours (expired and maybe taken). */
  async renew(): Promise<boolean> {
    const sent = Date.now();
    const ok = Number(await RENEW.run(this.redis, [this.key], [this.token, this.ttlMs])) === 1;
    this.deadline = ok ? sent + this.ttlMs : 0;
    return ok;
  }

  async release(): Promise<void> {
    this.deadline = 0;
    await RELEASE.run(this.redis, [this.key], [this.token]);
  }

  /**
   * Whether a read that may return up to `withinMs` from now still falls inside the lease, with a
   * third of the ttl to spare (for the rows' processing and clock-rate differences).
   */
  readable(withinMs: number): boolean {
    return Date.now() + withinMs + this.ttlMs / 3 < this.deadline;
  }
}
