// The bench's own honesty checks, on numbers chosen here (no benchmark runs): a crippled peer
// is refused, a fair one passes, the alternating runs alternate, and the median / min / max and
// per-run ratios the tables print are the right ones.
import { strict as assert } from 'node:assert';

import { checkPeer, WEAK_PEER_FRACTION } from '../../tools/bench/peer_check';
import { alternate, median, pairedRatios, spread } from '../../tools/bench/stats';
import { fmtSpread, formatTable, summarizeRow } from '../../tools/bench/table';

describe('bench peer check', () => {
  it('refuses a crippled peer (reference BLAS: 3 GFLOP/s against a 50 GFLOP/s FMA peak)', () => {
    const v = checkPeer({ peerGflops: 3, fmaPeakGflops: 50, threads: 1 });
    assert.equal(v.fair, false);
    assert.equal(v.printRatios, false);
    assert.ok(Math.abs(v.fraction - 0.06) < 1e-12);
    assert.match(v.message, /WEAK PEER/);
    assert.match(v.message, /withheld/);
  });

  it('prints ratios against a weak peer only when told --allow-weak-peer, and says so', () => {
    const v = checkPeer({ peerGflops: 3, fmaPeakGflops: 50, threads: 1, allowWeak: true });
    assert.equal(v.fair, false);
    assert.equal(v.printRatios, true);
    assert.match(v.message, /allow-weak-peer/);
  });

  it('passes a fair peer (a tuned BLAS at 80% of the peak)', () => {
    const v = checkPeer({ peerGflops: 40, fmaPeakGflops: 50, threads: 2 });
    assert.equal(v.fair, true);
    assert.equal(v.printRatios, true);
    assert.match(v.message, /fair peer/);
  });

  it('draws the line at half the FMA peak', () => {
    assert.equal(WEAK_PEER_FRACTION, 0.5);
    assert.equal(checkPeer({ peerGflops: 25, fmaPeakGflops: 50, threads: 1 }).fair, true);
    assert.equal(checkPeer({ peerGflops: 24.9, fmaPeakGflops: 50, threads: 1 }).fair, false);
  });

  it('does not call an unmeasured peer or peak fair', () => {
    assert.equal(checkPeer({ peerGflops: NaN, fmaPeakGflops: 50, threads: 1 }).printRatios, false);
    assert.equal(checkPeer({ peerGflops: 40, fmaPeakGflops: NaN, threads: 1 }).printRatios, false);
    assert.equal(checkPeer({ peerGflops: 40, fmaPeakGflops: 0, threads: 1 }).printRatios, false);
  });
});

describe('bench statistics', () => {
  it('median, min and max of known runs', () => {
    assert.deepEqual(spread([5, 1, 4, 2, 3]), { median: 3, min: 1, max: 5, n: 5 });
    assert.deepEqual(spread([10, 40, 20, 30]), { median: 25, min: 10, max: 40, n: 4 });
    assert.equal(median([7]), 7);
    assert.ok(Number.isNaN(spread([]).median));
  });

  it('alternates the two sides, Vigil first, and keeps each side in run order', async () => {
    const order: string[] = [];
    const r = await alternate(
      5,
      (i) => { order.push(`v${i}`); return 100 + i; },
      async (i) => { order.push(`p${i}`); return 200 + i; },
    );
    assert.deepEqual(order, ['v0', 'p0', 'v1', 'p1', 'v2', 'p2', 'v3', 'p3', 'v4', 'p4']);
    assert.deepEqual(r.vigil, [100, 101, 102, 103, 104]);
    assert.deepEqual(r.peer, [200, 201, 202, 203, 204]);
    await assert.rejects(alternate(0, () => 0, () => 0), /positive integer/);
  });

  it('ratios pair run i with run i against the best peer mode of that run', () => {
    // throughput: Vigil / the faster of eager and traced in each run
    const vigil = [100, 120, 90, 110, 100];
    const eager = [50, 60, 45, 55, 50];
    const traced = [80, 40, 90, 100, 25];
    assert.deepEqual(pairedRatios(vigil, [eager, traced], true), [1.25, 2, 1, 1.1, 2]);
    // times: the peer's best (lowest) ms / Vigil's ms
    assert.deepEqual(pairedRatios([10, 20], [[30, 20], [15, 40]], false), [1.5, 1]);
    // a missing peer figure leaves the other mode; none at all is no ratio
    assert.deepEqual(pairedRatios([10], [[NaN], [20]], true), [0.5]);
    assert.ok(Number.isNaN(pairedRatios([10], [[NaN]], true)[0]));
    assert.throws(() => pairedRatios([1, 2], [[1]], true), /1 peer runs against 2/);
  });
});

describe('bench table', () => {
  it('prints median (min-max) of Vigil, each peer and the paired ratio', () => {
    const row = { name: 'scoring', threads: 1, vigil: [100, 120, 90, 110, 100], peers: [[50, 60, 45, 55, 50], [80, 40, 90, 100, 25]] };
    const s = summarizeRow(row, true);
    assert.deepEqual(s.ratio, { median: 1.25, min: 1, max: 2, n: 5 });
    assert.equal(fmtSpread(s.vigil), '100 (90-120)');
    assert.equal(fmtSpread(s.ratio!, 'x'), '1.25x (1.00-2.00x)');
    assert.equal(fmtSpread({ median: 0.979, min: 0.816, max: 1.143, n: 5 }, 'x', 2), '0.98x (0.82-1.14x)');
    const lines = formatTable({ title: 't', unit: 'windows/s', higherIsBetter: true, peerLabels: ['eager', 'traced'], rows: [row] });
    assert.equal(lines[2], '|  | threads | Vigil windows/s | eager windows/s | traced windows/s | ratio vs best peer |');
    assert.equal(lines[4], '| scoring | 1 | 100 (90-120) | 50.0 (45.0-60.0) | 80.0 (25.0-100.0) | 1.25x (1.00-2.00x) |');
  });

  it('withholds the ratio of a row whose peer failed the check, still showing the figures', () => {
    const row = { name: 'training', threads: 2, vigil: [10, 10, 10, 10, 10], peers: [[1, 1, 1, 1, 1]], withheld: 'weak peer' };
    const lines = formatTable({ title: 't', unit: 'ms', higherIsBetter: false, peerLabels: ['PyTorch'], rows: [row] });
    assert.equal(lines[4], '| training | 2 | 10.0 (10.0-10.0) | 1.00 (1.00-1.00) | withheld (weak peer) |');
    assert.doesNotMatch(lines[4], /\dx/);
  });
});
