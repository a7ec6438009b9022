// The simulator's own seeded generator (pure TS, no native code): sfc32 for uniforms, Box-Muller
// for normals. Its state is four integers and a spare normal, so a copy of the plant (to measure
// what an attack changed) continues the very same stream.

export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
  /** Second normal of the last Box-Muller pair, NaN when used. */
  spare: number;
}

/** splitmix32: spreads a small seed over the generator's state words. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function seedRng(seed: number): RngState {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`simulator: seed must be a non-negative integer, got ${seed}`);
  const lo = seed >>> 0, hi = Math.floor(seed / 2 ** 32) >>> 0;
  const s: RngState = { a: splitmix32(lo), b: splitmix32(lo ^ 0x5bd1e995), c: splitmix32(hi ^ 0x1b873593), d: splitmix32(lo + 0x68e31da4), spare: NaN };
  for (let i = 0; i < 16; i++) uniform(s); // leave the correlated start behind
  return s;
}

/** Uniform in [0, 1) (sfc32, 32 bits). */
export function uniform(s: RngState): number {
  const t = (((s.a + s.b) | 0) + s.d) | 0;
  s.d = (s.d + 1) | 0;
  s.a = s.b ^ (s.b >>> 9);
  s.b = (s.c + (s.c << 3)) | 0;
  s.c = (s.c << 21) | (s.c >>> 11);
  s.c = (s.c + t) | 0;
  return (t >>> 0) / 4294967296;
}

/** Standard normal (Box-Muller; every second call returns the spare). */
export function normal(s: RngState): number {
  if (s.spare === s.spare) {
    const v = s.spare;
    s.spare = NaN;
    return v;
  }
  const u = 1 - uniform(s); // (0, 1]: log is finite
  const r = Math.sqrt(-2 * Math.log(u));
  const th = 2 * Math.PI * uniform(s);
  s.spare = r * Math.sin(th);
  return r * Math.cos(th);
}
