// A worker's counters and the Prometheus text format (0.0.4) they are served in. The per-shard
// gauges (lag, pending) are read from Redis when scraped, not kept here; the bundle cache's
// figures (per-entity bundles) are its own.
import type { CacheStats } from './detectors';

/** What a worker counts, from its start. */
export interface ScaleCounters {
  /** Rows read from the shard streams (new and claimed). */
  rowsIn: number;
  /** Results written (a row that got a decision or was too early for one). */
  scored: number;
  /** Rows refused to the dead-letter stream. */
  dead: number;
  /** Entity states read back from a checkpoint. */
  restores: number;
  /** Rows taken over from a previous holder's pending list and scored (past the entity's checkpoint: some were scored before). */
  replays: number;
  /** Outputs the commit skipped because the row already had one (replays of written rows). */
  duplicatesSkipped: number;
  /** Claimed ids whose entries were trimmed from the stream before being acknowledged. */
  rowsLost: number;
  /** Leases found taken or expired at renewal or commit. */
  leasesLost: number;
}

export function zeroCounters(): ScaleCounters {
  return { rowsIn: 0, scored: 0, dead: 0, restores: 0, replays: 0, duplicatesSkipped: 0, rowsLost: 0, leasesLost: 0 };
}

const COUNTER_HELP: Record<keyof ScaleCounters, [string, string]> = {
  rowsIn: ['vigil_scale_rows_in_total', 'Rows read from the shard streams (new and claimed).'],
  scored: ['vigil_scale_rows_scored_total', 'Results written to the results stream.'],
  dead: ['vigil_scale_rows_dead_total', 'Rows refused to the dead-letter stream.'],
  restores: ['vigil_scale_restores_total', 'Entity stream states restored from a checkpoint.'],
  replays: ['vigil_scale_replays_total', 'Rows taken over from a previous holder\'s pending list and scored.'],
  duplicatesSkipped: ['vigil_scale_duplicates_skipped_total', 'Outputs not written because the row already had one.'],
  rowsLost: ['vigil_scale_rows_lost_total', 'Pending rows trimmed from a stream before they were acknowledged.'],
  leasesLost: ['vigil_scale_leases_lost_total', 'Shard leases lost (expired or taken) while held.'],
};

export interface ShardGauge {
  shard: number;
  /** Entries not yet delivered to the group (null: Redis cannot tell, after deletions). */
  lag: number | null;
  /** Delivered, not yet acknowledged. */
  pending: number;
}

/** The metrics page: counters, shards held, per held shard its lag and pending rows, and the bundle cache when there is one. */
export function metricsText(c: ScaleCounters, worker: string, shards: ShardGauge[], cache: CacheStats | null = null): string {
  const w = `worker="${worker.replace(/["\\\n]/g, '_')}"`;
  const lines: string[] = [];
  for (const k of Object.keys(COUNTER_HELP) as (keyof ScaleCounters)[]) {
    const [name, help] = COUNTER_HELP[k];
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}{${w}} ${c[k]}`);
  }
  lines.push('# HELP vigil_scale_shards_held Shards this worker holds.', '# TYPE vigil_scale_shards_held gauge', `vigil_scale_shards_held{${w}} ${shards.length}`);
  lines.push('# HELP vigil_scale_shard_lag Entries of a held shard not yet delivered to the group.', '# TYPE vigil_scale_shard_lag gauge');
  for (const g of shards) if (g.lag !== null) lines.push(`vigil_scale_shard_lag{${w},shard="${g.shard}"} ${g.lag}`);
  lines.push('# HELP vigil_scale_shard_pending Rows of a held shard delivered and not yet acknowledged.', '# TYPE vigil_scale_shard_pending gauge');
  for (const g of shards) lines.push(`vigil_scale_shard_pending{${w},shard="${g.shard}"} ${g.pending}`);
  if (cache) {
    lines.push('# HELP vigil_scale_bundle_loads_total Per-entity bundles loaded (again after an eviction).', '# TYPE vigil_scale_bundle_loads_total counter', `vigil_scale_bundle_loads_total{${w}} ${cache.loads}`);
    lines.push('# HELP vigil_scale_bundle_evictions_total Entity detectors dropped from the cache (their state checkpointed first).', '# TYPE vigil_scale_bundle_evictions_total counter', `vigil_scale_bundle_evictions_total{${w}} ${cache.evictions}`);
    lines.push('# HELP vigil_scale_bundle_cache_entities Entity detectors held in the cache.', '# TYPE vigil_scale_bundle_cache_entities gauge', `vigil_scale_bundle_cache_entities{${w}} ${cache.size}`);
    lines.push('# HELP vigil_scale_bundle_cache_capacity Most entity detectors the cache holds.', '# TYPE vigil_scale_bundle_cache_capacity gauge', `vigil_scale_bundle_cache_capacity{${w}} ${cache.capacity}`);
  }
  return lines.join('\n') + '\n';
}
