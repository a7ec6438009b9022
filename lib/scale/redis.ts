// The Redis connection of the scale-out path. ioredis is an optional peer dependency, loaded on
// first use (an import(), as lib has no require) so that nothing else in vigil-ad needs it; when
// it is missing the error says how to install it. An unreachable server is an error naming the
// address and the one command that starts one, instead of ioredis' endless reconnecting.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

export type { RedisClient };

/** The error when ioredis is not installed, saying how to add it. */
export const REDIS_MISSING =
  'the scale-out path (vigil serve, vigil replay, lib/scale) needs ioredis, an optional peer dependency of vigil-ad that is not ' +
  'installed. Add it to your project with: npm install ioredis@^5';

/** How a user starts a local Redis for this mode (docs/scale.md). */
export const START_REDIS = "redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes";

type RedisClass = new (url: string, opts: RedisOptions) => RedisClient;
let redisClass: RedisClass | null = null;

async function loadRedis(): Promise<RedisClass> {
  if (!redisClass) {
    let ns: { Redis?: RedisClass; default?: RedisClass | { Redis?: RedisClass } };
    try {
      ns = (await import('ioredis')) as unknown as typeof ns;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw e;
      throw new Error(REDIS_MISSING);
    }
    // CommonJS through import(): the exports object may sit under `default`.
    const d = ns.default as { Redis?: RedisClass } | RedisClass | undefined;
    redisClass = ns.Redis ?? (d && 'Redis' in d && d.Redis ? d.Redis : (d as RedisClass));
  }
  return redisClass;
}

export interface ConnectOptions {
  /** ms to wait for the first connection (default 3000). */
  connectTimeoutMs?: number;
}

/**
 * A connected client for `url` (redis://host:port[/db]). Refuses, naming the address, when the
 * server cannot be reached; later drops are retried for about 10 s before commands fail.
 */
export async function connectRedis(url: string, opts: ConnectOptions = {}): Promise<RedisClient> {
  const Redis = await loadRedis();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the Redis address must be a URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`the Redis address must start with redis:// or rediss://, got "${url}"`);
  let connected = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 3000,
    maxRetriesPerRequest: 3,
    // Before the first connection: give up at once (the caller gets the error); after: retry ~10 s.
    retryStrategy: (times) => (connected && times <= 20 ? 500 : null),
  });
  let lastError: Error | null = null;
  client.on('error', (e: Error) => (lastError = e)); // reported by the failing command, not as an unhandled event
  try {
    await client.connect();
    await client.ping();
    connected = true;
  } catch (e) {
    client.disconnect();
    const why = (lastError ?? (e as Error)).message;
    throw new Error(`cannot reach Redis at ${url}: ${why}. Start one with: ${START_REDIS}`);
  }
  return client;
}

/** Whether a URL's host is this machine (the load generator refuses any other). */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
