// `vigil replay`: a load generator for `vigil serve`. Plays a CSV as N entities into the fleet's
// shard streams at a total rate, bounded in rows per entity and in time, and only into a Redis on
// this machine (it exists to load-test, never to flood a shared server).
import { connectRedis, isLoopback } from '../../lib/scale/redis';
import { fleetKeys } from '../../lib/scale/keys';
import { replay as replayRows } from '../../lib/scale/producer';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { DATA_FLAGS, loadSeries } from './data_args';
import { JSON_FLAG, Output } from './output';
import { FLEET_FLAGS, redisUrl } from './scale_args';

const FLAGS = {
  ...DATA_FLAGS,
  ...FLEET_FLAGS,
  entities: { type: 'number', default: 10, help: 'entities to play the data as (e0, e1, ...), each from another offset in it', range: RANGE.count },
  rate: { type: 'number', help: 'rows per second over all entities (default: as fast as Redis takes them)', range: RANGE.positive },
  'rows-per-entity': { type: 'number', help: 'rows per entity (default: the data\'s rows)', range: RANGE.count },
  seconds: { type: 'number', default: 60, help: 'stop after this long at the latest', range: RANGE.positive },
  stride: { type: 'number', help: 'rows between consecutive entities\' start offsets (default rows / entities)', range: RANGE.whole },
  'entity-prefix': { type: 'string', default: 'e', help: 'entity names are this prefix and a number' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function replay(argv: string[]): Promise<void> {
  const f = parseFlags('replay', argv, FLAGS);
  if (f.help) return console.log(helpText('replay', 'push a CSV into Redis as N entities at a given rate (load generator, loopback only)', FLAGS));
  const url = redisUrl(f.redis);
  try {
    if (!isLoopback(url)) throw new UsageError(`replay: --redis ${url} is not on this machine; the load generator writes only to 127.0.0.1, ::1 or localhost`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`replay: --redis must be a URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  const out = new Output(!!f.json);
  const series = await loadSeries(f, 'train');
  const keys = fleetKeys(f.prefix, f.shards);
  const redis = await connectRedis(url);
  try {
    const r = await replayRows(redis, keys, series, {
      entities: f.entities, rate: f.rate, rowsPerEntity: f['rows-per-entity'], seconds: f.seconds, stride: f.stride, entityPrefix: f['entity-prefix'],
    });
    out.say(`vigil replay: ${r.rows} rows of ${f.entities} entities in ${r.seconds.toFixed(1)} s (${Math.round(r.rows / Math.max(r.seconds, 1e-3))} rows/s) into "${f.prefix}" on ${url}${r.stoppedBy === 'time' ? '; stopped at --seconds' : ''}`);
    out.result({ ...r, entities: f.entities, prefix: f.prefix });
  } finally {
    redis.disconnect();
  }
}
