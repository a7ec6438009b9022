// The flags `vigil serve` and `vigil replay` share: where the fleet's Redis is and how it is keyed.
import { type CliFlagSpec } from './args';

export const FLEET_FLAGS = {
  redis: { type: 'string', help: 'the Redis server, redis://host:port[/db] (default $VIGIL_REDIS_URL, else redis://127.0.0.1:6379)' },
  prefix: { type: 'string', default: 'vigil', help: 'key prefix of the fleet (its streams, leases, checkpoints)' },
  shards: { type: 'number', default: 16, help: 'shard streams of the fleet: fixed for its lifetime, the same for producers and workers', range: { min: 1, max: 4096, integer: true } },
} as const satisfies CliFlagSpec;

export function redisUrl(flag: string | undefined): string {
  return flag ?? process.env.VIGIL_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

