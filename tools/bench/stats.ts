// Summary statistics of the benchmarks and the alternating-runs driver. Pure: no engine, no
// peer, so test/bench can check them on known numbers.

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, min and max of a figure over runs (NaN for all three when there are none). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/**
 * Runs `vigil` then `peer`, `runs` times in turn (Vigil, peer, Vigil, peer, ...), so that both
 * sides see the same drift of a shared machine; returns each side's results in run order.
 * Run i of each side is paired with run i of the other (they are adjacent in time).
 */
export async function alternate<A, B>(
  runs: number,
  vigil: (run: number) => A | Promise<A>,
  peer: (run: number) => B | Promise<B>,
): Promise<{ vigil: A[]; peer: B[] }> {
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`alternate: runs must be a positive integer, got ${runs}`);
  const out = { vigil: [] as A[], peer: [] as B[] };
  for (let i = 0; i < runs; i++) {
    out.vigil.push(await vigil(i));
    out.peer.push(await peer(i));
  }
  return out;
}

/**
 * Ratio of Vigil to its best peer for each run pair (> 1: Vigil is faster). `peers` holds one
 * array per peer mode (e.g. PyTorch eager and traced), each with one figure per run; in each run
 * the best mode that run is the one compared. `higherIsBetter`: throughput (true) or time (false).
 */
export function pairedRatios(vigil: number[], peers: number[][], higherIsBetter: boolean): number[] {
  for (const p of peers)
    if (p.length !== vigil.length) throw new Error(`pairedRatios: ${p.length} peer runs against ${vigil.length} Vigil runs`);
  return vigil.map((v, i) => {
    const theirs = peers.map((p) => p[i]).filter((x) => Number.isFinite(x) && x > 0);
    if (theirs.length === 0 || !(v > 0)) return NaN;
    return higherIsBetter ? v / Math.max(...theirs) : Math.min(...theirs) / v;
  });
}

/** Items per second from milliseconds per batch of `n` items, run by run. */
export function perSecond(n: number, ms: number[]): number[] {
  return ms.map((m) => (n * 1000) / m);
}
