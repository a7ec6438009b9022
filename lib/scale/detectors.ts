// Which detector scores an entity: one fleet bundle for all (oneDetector), or each entity its own
// bundle from a directory, loaded on first use and kept in a bounded cache (bundle_cache.ts). The
// worker asks per entity and, before a bounded cache drops an entity's detector, checkpoints the
// entity's stream state through the `evict` hook, so that nothing scored is lost.
import type { Detector } from '../detect/detector';

/** An entity's rows cannot be scored: why (its rows go to the dead-letter stream with it). */
export interface NoDetector {
  refused: string;
}

/** What a bounded cache reports in /metrics. */
export interface CacheStats {
  /** Bundles loaded (a reload after an eviction counts again). */
  loads: number;
  /** Detectors dropped to make room. */
  evictions: number;
  /** Entities whose detectors are held now. */
  size: number;
  capacity: number;
}

export interface EntityDetectors {
  /** Most entities whose detectors are held at once (Infinity: unbounded, e.g. one for all). */
  readonly capacity: number;
  /**
   * The detector of `entity` (loaded if not held), or why it has none. When a load needs room,
   * the least recently used entity not in `keep` is evicted: `evict(victim)` is awaited before
   * its detector is disposed. `keep` must hold at most `capacity` entities, `entity` among them.
   */
  get(entity: string, keep: ReadonlySet<string>, evict: (victim: string) => Promise<void>): Promise<Detector | NoDetector>;
  /** Whether entity's detector is held now (get() would not load it). */
  holds(entity: string): boolean;
  /** The cache's figures, or null when there is no bound to report. */
  stats(): CacheStats | null;
}

/** One detector scores every entity (`vigil serve --model`): nothing is loaded or evicted. */
export function oneDetector(det: Detector): EntityDetectors {
  return { capacity: Infinity, get: async () => det, holds: () => true, stats: () => null };
}
