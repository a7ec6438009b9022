// Whether a peer is fit to be compared with. A ratio against a peer running on a reference BLAS
// (3-6 GFLOP/s on this VM) or with oversubscribed threads says nothing about Vigil, so the bench
// measures the peer's own matmul at the thread count it uses and compares it with Vigil's
// measured FMA peak at the same count: a tuned BLAS reaches 70-90% of that peak on a 1024^3
// product, a crippled one a few percent. Below WEAK_PEER_FRACTION the ratio is withheld unless
// the caller explicitly allows a weak peer. Pure: test/bench/peer_check.test.ts feeds it numbers.

/** A peer whose matmul is below this fraction of Vigil's FMA peak is treated as crippled. */
export const WEAK_PEER_FRACTION = 0.5;

export interface PeerCheckInput {
  /** The peer's measured matmul GFLOP/s at `threads`. */
  peerGflops: number;
  /** Vigil's measured fp32 FMA peak GFLOP/s at `threads`. */
  fmaPeakGflops: number;
  threads: number;
  /** --allow-weak-peer: print ratios anyway, labelled as against a weak peer. */
  allowWeak?: boolean;
}

export interface PeerVerdict {
  /** The peer's matmul reaches at least WEAK_PEER_FRACTION of the FMA peak. */
  fair: boolean;
  /** Ratios may be printed (fair, or weak but allowed). */
  printRatios: boolean;
  /** peerGflops / fmaPeakGflops. */
  fraction: number;
  message: string;
}

export function checkPeer({ peerGflops, fmaPeakGflops, threads, allowWeak = false }: PeerCheckInput): PeerVerdict {
  // an unmeasured peer or peak (NaN, 0) is not evidence of a fair peer
  const fraction = fmaPeakGflops > 0 && Number.isFinite(peerGflops) ? peerGflops / fmaPeakGflops : NaN;
  const fair = fraction >= WEAK_PEER_FRACTION;
  const pct = Number.isFinite(fraction) ? `${(100 * fraction).toFixed(0)}%` : 'unknown';
  const what = `peer matmul ${peerGflops.toFixed(1)} GFLOP/s on ${threads} thread(s) = ${pct} of Vigil's FMA peak ${fmaPeakGflops.toFixed(1)}`;
  if (fair) return { fair, printRatios: true, fraction, message: `${what}: fair peer` };
  const limit = `below ${(100 * WEAK_PEER_FRACTION).toFixed(0)}%`;
  if (allowWeak) return { fair, printRatios: true, fraction, message: `${what}: WEAK PEER (${limit}); ratios printed only because of --allow-weak-peer` };
  return { fair, printRatios: false, fraction, message: `${what}: WEAK PEER (${limit}); ratios withheld (check its BLAS and thread settings, or pass --allow-weak-peer)` };
}
