// Scale-out on Redis Streams (docs/scale.md): scoring workers, producers, the fleet's keys.
export { connectRedis, isLoopback, REDIS_MISSING, START_REDIS, type RedisClient } from './redis';
export { fleetKeys, shardOf, GROUP, type FleetKeys } from './keys';
export { ScaleWorker, type ScaleWorkerOptions } from './worker';
export { serveMetrics } from './metrics_server';
export { pushRow, replay, type ReplayOptions, type ReplayReport } from './producer';
export { encodeRow, decodeRow } from './wire';
export type { ScaleCounters } from './metrics';
export { BundleCache, type BundleCacheOptions } from './bundle_cache';
export { oneDetector, type CacheStats, type EntityDetectors, type NoDetector } from './detectors';
export { bundlePath } from './bundle_path';
