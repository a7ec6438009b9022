// Seeded counter-based randomness (Philox4x32-10 in the core): a Generator is a seed and a
// counter offset; every draw advances the offset by the blocks it consumed, so a seed gives the
// same numbers in the same order on every run and device.
import { native, RNG_DIST } from './binding';
import { Tensor } from './tensor';

export type Distribution = keyof typeof RNG_DIST;

/** Philox blocks a draw of n elements consumes (the rule of ops.h). */
export function blocksFor(dist: Distribution, n: number): number {
  return dist === 'uniform' ? Math.ceil(n / 4) : n;
}

export class Generator {
  private offsetValue = 0;
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`Generator: seed must be a non-negative safe integer, got ${seed}`);
  }

  get offset(): number {
    return this.offsetValue;
  }

  /** Moves the stream to a saved position (resuming a checkpointed run). */
  restore(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`Generator.restore: offset must be a non-negative safe integer, got ${offset}`);
    this.offsetValue = offset;
  }

  /** Reserves the stream for an op that draws n values itself (dropout, reparam_sample). */
  take(dist: Distribution, n: number): { seed: number; offset: number } {
    const at = { seed: this.seed, offset: this.offsetValue };
    this.offsetValue += blocksFor(dist, n);
    return at;
  }

  /** Fills t in place: uniform in [a, b) or normal with mean a and std b. */
  fill(t: Tensor, dist: Distribution, a: number, b: number): Tensor {
    const { seed, offset } = this.take(dist, t.size);
    native.randomFill(t.native, RNG_DIST[dist], a, b, seed, offset);
    return t;
  }

  uniform(shape: readonly number[], lo = 0, hi = 1, opts: { dtype?: 'float32' | 'float64' } = {}): Tensor {
    return this.fill(Tensor.empty(shape, opts), 'uniform', lo, hi);
  }

  normal(shape: readonly number[], mean = 0, std = 1, opts: { dtype?: 'float32' | 'float64' } = {}): Tensor {
    return this.fill(Tensor.empty(shape, opts), 'normal', mean, std);
  }

  /** A random permutation of 0..n-1 (Fisher-Yates on the generator's uniforms). */
  permutation(n: number): Int32Array {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    if (n < 2) return perm;
    const u = this.uniform([n], 0, 1, { dtype: 'float64' });
    const r = u.toArray();
    u.dispose();
    for (let i = n - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(r[i] * (i + 1)));
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    return perm;
  }
}

let defaultGen = new Generator(0);

/** The generator used when none is passed. */
export function defaultGenerator(): Generator {
  return defaultGen;
}

/** Resets the default generator to a seed. */
export function manualSeed(seed: number): Generator {
  defaultGen = new Generator(seed);
  return defaultGen;
}
