// An independent TypeScript Philox4x32-10 (the stream of native/core/philox.h), used by tests as
// a reference for the native generator and as seeded test data that needs no addon.

/** High and low 32 bits of the 64-bit product of two uint32 values. */
function mulHiLo(a: number, b: number): [number, number] {
  const aLo = a & 0xffff, aHi = a >>> 16, bLo = b & 0xffff, bHi = b >>> 16;
  const ll = aLo * bLo, lh = aLo * bHi, hl = aHi * bLo, hh = aHi * bHi; // each < 2^32, exact
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const hi = (hh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
  return [hi, Math.imul(a, b) >>> 0];
}

const TWO32 = 4294967296;

/** One Philox4x32-10 block for counter (c0, c1, 0, 0) and key (k0, k1). */
function block(c0: number, c1: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0, x1 = c1, x2 = 0, x3 = 0;
  for (let r = 0; r < 10; r++) {
    if (r) {
      k0 = (k0 + 0x9e3779b9) >>> 0;
      k1 = (k1 + 0xbb67ae85) >>> 0;
    }
    const [hi0, lo0] = mulHiLo(0xd2511f53, x0);
    const [hi1, lo1] = mulHiLo(0xcd9e8d57, x2);
    const n0 = (hi1 ^ x1 ^ k0) >>> 0;
    const n2 = (hi0 ^ x3 ^ k1) >>> 0;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** n uniforms in [0, 1) of the stream (seed, offset in blocks), as vigil_random_fill draws them. */
export function philoxUniform(n: number, seed: number, offset = 0): Float64Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`philoxUniform: seed must be a non-negative safe integer, got ${seed}`);
  const out = new Float64Array(n);
  const lanes = new Uint32Array(4);
  const k0 = seed % TWO32, k1 = Math.floor(seed / TWO32);
  for (let j = 0; 4 * j < n; j++) {
    const ctr = offset + j;
    block(ctr % TWO32, Math.floor(ctr / TWO32), k0, k1, lanes);
    for (let l = 0; l < 4 && 4 * j + l < n; l++) out[4 * j + l] = (lanes[l] >>> 8) / 16777216;
  }
  return out;
}
