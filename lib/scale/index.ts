// Scale-out on Redis Streams (docs/scale.md, docs/train_queue.md): scoring workers, producers, the fleet's keys, the training queue.
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
export { submitJobs, queueStatus, queueCounts, ensureTrainGroup, TRAIN_STATES, type TrainJob, type TrainRecord, type TrainState, type TrainQueueStatus, type SubmitReport } from './train_queue';
export { trainQueueKeys, TRAIN_GROUP, type TrainQueueKeys } from './train_queue_keys';
export { TrainQueueWorker, type Trainer, type TrainWorkerOptions, type TrainWorkReport } from './train_queue_worker';
