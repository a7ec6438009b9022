// Per-entity bundles (`vigil serve --bundles DIR`): entity e is scored with DIR/<e>.vigil
// (bundle_path.ts), loaded on first use and kept in a least-recently-used cache of at most
// `capacity` detectors. An entity without a usable bundle is answered with the reason (the worker
// dead-letters its rows); the file is looked at again on the entity's next rows, so a bundle
// written later (the training queue) is picked up, but a file that failed to load is not read
// again until it changes (size or mtime).
import { statSync } from 'node:fs';

import { Detector, type DetectorOptions } from '../detect/detector';
import { bundlePath } from './bundle_path';
import type { CacheStats, EntityDetectors, NoDetector } from './detectors';

export interface BundleCacheOptions {
  /** Most detectors held at once (default 64). */
  capacity?: number;
  /** How each bundle is opened (backend, threads). */
  detector?: DetectorOptions;
}

export class BundleCache implements EntityDetectors {
  readonly capacity: number;
  /** entity -> detector, least recently used first (a Map keeps insertion order). */
  private readonly held = new Map<string, Detector>();
  /** entity -> the file's size:mtime when it failed to load, and why. */
  private readonly failed = new Map<string, { stamp: string; refused: string }>();
  private loads = 0;
  private evictions = 0;

  constructor(readonly dir: string, private readonly opts: BundleCacheOptions = {}) {
    this.capacity = opts.capacity ?? 64;
    if (!(Number.isInteger(this.capacity) && this.capacity >= 1)) throw new Error(`the bundle cache size must be a whole number >= 1, got ${opts.capacity}`);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch (e) {
      throw new Error(`the bundle directory ${dir} cannot be read: ${(e as Error).message}`);
    }
    if (!isDir) throw new Error(`the bundle directory ${dir} is not a directory`);
  }

  async get(entity: string, keep: ReadonlySet<string>, evict: (victim: string) => Promise<void>): Promise<Detector | NoDetector> {
    const hit = this.held.get(entity);
    if (hit) {
      this.held.delete(entity);
      this.held.set(entity, hit);
      return hit;
    }
    let path: string;
    try {
      path = bundlePath(this.dir, entity);
    } catch (e) {
      return { refused: `entity "${entity.slice(0, 80)}" cannot have a bundle: ${(e as Error).message}` };
    }
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      return { refused: `no bundle for entity "${entity}": ${path} (${why})` };
    }
    const failed = this.failed.get(entity);
    if (failed?.stamp === stamp) return { refused: failed.refused };
    while (this.held.size >= this.capacity) await this.evictOne(keep, evict);
    let det: Detector;
    try {
      det = await Detector.load(path, this.opts.detector);
    } catch (e) {
      const refused = `the bundle of entity "${entity}" (${path}) cannot be loaded: ${(e as Error).message}`;
      this.failed.set(entity, { stamp, refused });
      return { refused };
    }
    this.failed.delete(entity);
    this.loads++;
    this.held.set(entity, det);
    return det;
  }

  holds(entity: string): boolean {
    return this.held.has(entity);
  }

  stats(): CacheStats {
    return { loads: this.loads, evictions: this.evictions, size: this.held.size, capacity: this.capacity };
  }

  /** Disposes every held detector (the worker has stopped). */
  async dispose(): Promise<void> {
    const dets = [...this.held.values()];
    this.held.clear();
    for (const det of dets) await det.dispose();
  }

  private async evictOne(keep: ReadonlySet<string>, evict: (victim: string) => Promise<void>): Promise<void> {
    let victim: string | undefined;
    for (const e of this.held.keys()) if (!keep.has(e)) { victim = e; break; }
    if (victim === undefined) throw new Error(`the bundle cache (${this.capacity}) is full of entities in use: a read must keep at most ${this.capacity} entities`);
    await evict(victim);
    const det = this.held.get(victim)!;
    this.held.delete(victim);
    this.evictions++;
    await det.dispose();
  }
}
