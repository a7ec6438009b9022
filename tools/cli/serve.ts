// `vigil serve`: a scoring worker of a fleet on Redis Streams (lib/scale, docs/scale.md). One
// bundle scores every entity (--model), or each entity its own bundle from a directory (--bundles,
// a bounded cache); rows come from the shard streams, results, alarms and refused rows go to their
// streams. Runs until SIGINT or SIGTERM, then checkpoints and releases its shards.
import { Detector } from '../../lib/detect/detector';
import type { BackendName } from '../../lib/detect/backend';
import { BundleCache } from '../../lib/scale/bundle_cache';
import { connectRedis } from '../../lib/scale/redis';
import { serveMetrics } from '../../lib/scale/metrics_server';
import { ScaleWorker } from '../../lib/scale/worker';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG, Output } from './output';
import { FLEET_FLAGS, redisUrl } from './scale_args';

const FLAGS = {
  model: { type: 'string', help: 'the trained bundle every entity is scored with (.vigil); or --bundles' },
  bundles: { type: 'string', help: 'a directory of per-entity bundles: entity e is scored with its own <e>.vigil (letters, digits, _ - and a non-leading . kept, other bytes as %XX), loaded on first use; an entity without one has its rows dead-lettered' },
  'bundle-cache': { type: 'number', default: 64, help: 'with --bundles: most entity bundles held at once (least recently used dropped, its state checkpointed first)', range: RANGE.count },
  ...FLEET_FLAGS,
  name: { type: 'string', help: 'this worker\'s consumer name (default host-pid-random)' },
  'lease-ms': { type: 'number', default: 5000, help: 'shard lease ttl: a dead worker\'s shards are taken over after about this long', range: { min: 100, integer: true } },
  batch: { type: 'number', default: 500, help: 'rows per read over all held shards (a slow model: fewer, so leases are renewed in time)', range: RANGE.count },
  'checkpoint-rows': { type: 'number', default: 200, help: 'checkpoint an entity\'s stream state after this many rows', range: RANGE.count },
  'checkpoint-ms': { type: 'number', default: 5000, help: 'checkpoint an entity with new rows at least this often (entities spread over the period)', range: RANGE.count },
  top: { type: 'number', default: 3, help: 'channels named per result', range: RANGE.whole },
  'on-bad-value': { type: 'string', default: 'error', help: 'error|ffill: a row with a bad value goes to the dead-letter stream, or repeats the entity\'s previous value' },
  'timestamp-order': { type: 'string', default: 'increasing', help: 'increasing|nondecreasing|any: rows whose timestamp breaks it go to the dead-letter stream' },
  backend: { type: 'string', default: 'native', help: 'native|onnxruntime' },
  threads: { type: 'number', help: 'inference threads (native: the process pool)', range: RANGE.count },
  'metrics-port': { type: 'number', help: 'serve GET /metrics (Prometheus text) on this port (0: any free port)', range: { min: 0, max: 65535, integer: true } },
  'metrics-host': { type: 'string', default: '127.0.0.1', help: 'the address /metrics listens on' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function serve(argv: string[]): Promise<void> {
  const f = parseFlags('serve', argv, FLAGS);
  if (f.help) return console.log(helpText('serve', 'score a fleet\'s rows from Redis Streams (a worker; run several)', FLAGS));
  if (!['error', 'ffill'].includes(f['on-bad-value'])) throw new UsageError(`--on-bad-value must be error or ffill, got "${f['on-bad-value']}"`);
  if (!['increasing', 'nondecreasing', 'any'].includes(f['timestamp-order'])) throw new UsageError(`--timestamp-order must be increasing, nondecreasing or any, got "${f['timestamp-order']}"`);
  if (f.backend !== 'native' && f.backend !== 'onnxruntime') throw new UsageError(`--backend must be native or onnxruntime, got "${f.backend}"`);
  if (f.model !== undefined && f.bundles !== undefined) throw new UsageError('--model and --bundles exclude each other: one bundle for every entity, or a directory of per-entity bundles');
  const out = new Output(!!f.json);
  const opts = { backend: f.backend as BackendName, threads: f.threads };
  const det = f.bundles !== undefined
    ? new BundleCache(f.bundles, { capacity: f['bundle-cache'], detector: opts })
    : await Detector.create(loadModelArg(f.model, 'the bundle to score the fleet with, or --bundles DIR'), opts, true);
  const url = redisUrl(f.redis);
  try {
    const redis = await connectRedis(url);
    const worker = new ScaleWorker(det, redis, {
      prefix: f.prefix, shards: f.shards, name: f.name, leaseMs: f['lease-ms'], batch: f.batch, checkpointRows: f['checkpoint-rows'],
      checkpointMs: f['checkpoint-ms'], top: f.top, onBadValue: f['on-bad-value'] as 'error', timestampOrder: f['timestamp-order'] as 'increasing',
      log: (line) => out.note(`vigil serve ${line}`),
    });
    const metrics = f['metrics-port'] === undefined ? null : await serveMetrics(worker, f['metrics-port'], f['metrics-host']);
    const stop = () => {
      out.note('vigil serve: stopping (checkpointing and releasing the shards)');
      worker.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const where = metrics ? `; metrics on http://${f['metrics-host']}:${(metrics.address() as { port: number }).port}/metrics` : '';
    const scoring = det instanceof Detector ? `${det.kind} (window ${det.window}, ${det.columns.length} channels)` : `per-entity bundles in ${det.dir} (cache ${det.capacity})`;
    out.note(`vigil serve: worker ${worker.name}, ${scoring}, fleet "${f.prefix}" on ${url}, ${f.shards} shards${where}`);
    try {
      await worker.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      metrics?.close();
      redis.disconnect();
    }
    const c = worker.counters;
    const cache = det instanceof Detector ? null : det.stats();
    const bundles = cache ? `, ${cache.loads} bundle loads, ${cache.evictions} evictions` : '';
    out.say(`vigil serve: stopped; ${c.rowsIn} rows in, ${c.scored} results, ${c.dead} dead letters, ${c.restores} restores, ${c.replays} replays, ${c.duplicatesSkipped} duplicates skipped${bundles}`);
    out.result({ worker: worker.name, ...c, ...(cache ? { bundleLoads: cache.loads, bundleEvictions: cache.evictions } : {}) });
  } finally {
    await det.dispose();
  }
}
