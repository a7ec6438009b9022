// det.pushMany / pushManySync (lib/detect/stream_batch.ts): rows of many streams with different
// histories (fresh, restored before and after the window fills, post-rules, an adaptive or a
// dynamic threshold, ffill) pushed together, several rows per stream in one call and refused rows
// among them, give per push exactly what the stream's own pushSync gives (results bit for bit,
// the same errors), leave every stream in the same state(), and run the model once per call
// over all the full windows of the call.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import type { Series } from '../../lib/data/series';
import { Detector, type PushOutcome, type StreamPush } from '../../lib/detect/detector';
import type { DetectorResult } from '../../lib/detect/detector_result';
import { loadDetector } from '../../lib/detect/detector_bundle';
import type { DetectorStream, StreamOptions } from '../../lib/detect/stream';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { rowOf, series, useBundles } from './detector_fixture';

const DSPOT = { method: 'dspot', warmup: 58, depth: 8, risk: 0.05, drift: 'all' } as const;

/** A stream under test and its twin fed row by row, over a series of its own. */
interface Pair {
  many: DetectorStream;
  one: DetectorStream;
  s: Series;
  next: number;
}

/** A small deterministic generator (the test's choices, not the data). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function pushOne(stream: DetectorStream, row: unknown, timestamp: number): PushOutcome {
  try {
    return stream.pushSync(row as number[], timestamp);
  } catch (e) {
    return e as Error;
  }
}

function sameOutcome(got: PushOutcome, want: PushOutcome, what: string): void {
  if (want instanceof Error) {
    assert.ok(got instanceof Error, `${what}: push threw "${want.message}", pushMany answered a result`);
    assert.equal(got.constructor, want.constructor, what);
    assert.equal(got.message, want.message, what);
  } else assert.deepEqual(got, want, what); // numbers compared with Object.is: bit for bit
}

/** Streams of `det` with different options and histories, each with its twin. */
function pairs(det: Detector, thresholdRule: boolean): Pair[] {
  const opts: StreamOptions[] = [{}, { postRules: true }, { onBadValue: 'ffill', top: 2 }, { postRules: { minDuration: 2, mergeGap: 1 } }, {}, { top: 0 }];
  if (thresholdRule) opts.push({ adaptiveThreshold: DSPOT }, { adaptiveThreshold: DSPOT, postRules: true });
  return opts.map((o, k) => {
    const s = series(400, 20 + k, true, k * 1000);
    // Streams 3 and 4 resume a state taken before / after the window filled (from other rows).
    const cut = k === 3 ? 5 : k === 4 ? det.window + 9 : 0;
    let restore;
    if (cut) {
      const h = series(cut, 90 + k, true, k * 1000 - cut - 10);
      const first = det.stream(o);
      for (let r = 0; r < cut; r++) first.pushSync(rowOf(h, r), h.timestamps![r]);
      restore = JSON.parse(JSON.stringify(first.state()));
    }
    return { many: det.stream({ ...o, restore }), one: det.stream({ ...o, restore }), s, next: 0 };
  });
}

/** `rounds` calls of pushMany (every other one async) against the same rows pushed one by one. */
async function compare(det: Detector, ps: Pair[], rounds: number, seed: number): Promise<{ calls: number[]; decided: number; refused: number; flagged: number; episodes: number }> {
  const rnd = lcg(seed);
  const calls: number[] = [];
  const run = det.backend.runSync.bind(det.backend);
  let counting = false, decided = 0, refused = 0, flagged = 0, episodes = 0;
  det.backend.runSync = (x, P, out) => {
    if (counting) calls.push(P);
    run(x, P, out);
  };
  for (let round = 0; round < rounds; round++) {
    const order: { pair: Pair; row: unknown; t: number }[] = [];
    for (const pair of ps) {
      const n = Math.floor(rnd() * 4); // 0 to 3 rows of this stream in the call
      for (let i = 0; i < n; i++) {
        const r = pair.next;
        const u = rnd();
        // Now and then a refused row: a NaN (ffill repeats it), a short row, a timestamp going back.
        if (u < 0.06) order.push({ pair, row: rowOf(pair.s, r).map((v, c) => (c === 1 ? NaN : v)), t: pair.s.timestamps![r] });
        else if (u < 0.09) order.push({ pair, row: rowOf(pair.s, r).slice(1), t: pair.s.timestamps![r] });
        else if (u < 0.12 && r > 0) order.push({ pair, row: rowOf(pair.s, r), t: pair.s.timestamps![r - 1] - 500 });
        else order.push({ pair, row: rowOf(pair.s, r), t: pair.s.timestamps![(pair.next = r + 1) - 1] });
      }
    }
    // Interleave the streams' rows, keeping each stream's own order.
    const queues = ps.map((p) => order.filter((o) => o.pair === p));
    const mixed: typeof order = [];
    while (queues.some((q) => q.length)) {
      const q = queues.filter((x) => x.length);
      mixed.push(q[Math.floor(rnd() * q.length)].shift()!);
    }
    const pushes: StreamPush[] = mixed.map((o) => ({ stream: o.pair.many, row: o.row as number[], timestamp: o.t }));
    counting = true;
    const got = round % 2 ? await det.pushMany(pushes) : det.pushManySync(pushes);
    counting = false;
    assert.equal(got.length, pushes.length);
    const want = mixed.map((o) => pushOne(o.pair.one, o.row, o.t));
    got.forEach((g, i) => sameOutcome(g, want[i], `round ${round}, push ${i} (stream ${ps.indexOf(mixed[i].pair)})`));
    for (const g of got) {
      if (g instanceof Error) refused++;
      else if (g.ready) {
        decided++;
        if (g.flag) flagged++;
        if ((g as DetectorResult & { episode?: unknown }).episode) episodes++;
      }
    }
    ps.forEach((p, k) => {
      assert.deepEqual(p.many.state(), p.one.state(), `round ${round}: state of stream ${k}`);
      assert.deepEqual(p.many.pendingEpisode(), p.one.pendingEpisode(), `round ${round}: pending episode of stream ${k}`);
      assert.equal(p.many.adaptiveThreshold, p.one.adaptiveThreshold);
    });
  }
  det.backend.runSync = run;
  return { calls, decided, refused, flagged, episodes };
}

describe('Detector.pushMany: many streams in one inference call', function () {
  this.timeout(120000);
  const ctx = useBundles('vigil-stream-batch-');

  for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha', 'lstm-ae dynamic']) {
    it(`${name}: every push's result and every stream's state equal pushing one by one; one model call per pushMany`, async () => {
      let path = ctx.bundles[name];
      if (name === 'lstm-ae dynamic') {
        path = join(ctx.dir, 'dynamic.vigil');
        const loaded = loadDetector(ctx.bundles['lstm-ae']);
        try {
          const options = { history: 30, span: 3, 'z-grid': '1,1.5,2,2.5,3', 'min-decrease': 0.05 };
          saveCalibration(ctx.bundles['lstm-ae'], calibrateDetector(loaded, series(400, 9, false), 'dynamic', { options }), path);
        } finally {
          loaded.model.dispose();
        }
      }
      const det = await Detector.load(path);
      try {
        if (name === 'lstm-ae dynamic') assert.equal(det.threshold.method, 'dynamic');
        const ps = pairs(det, det.rule === 'threshold');
        const { calls, decided, refused, flagged, episodes } = await compare(det, ps, 80, 7);
        // The comparison saw refused rows, flags both ways and episode events.
        assert.ok(refused > 5 && flagged > 0 && flagged < decided && episodes > 0, `refused ${refused}, flagged ${flagged} of ${decided}, episode events ${episodes}`);
        if (det.rule === 'threshold') assert.ok(ps.some((p) => p.many.adaptiveThreshold !== null && p.many.adaptiveThreshold === p.many.adaptiveThreshold), 'a DSPOT stream left its warm-up');
        // One call per pushMany that had a full window, holding all of them.
        assert.ok(calls.length > 20 && calls.some((P) => P > ps.length), `calls: ${calls}`);
        assert.equal(calls.reduce((a, b) => a + b, 0), decided);
        assert.ok(ps.every((p) => p.next > det.window), 'every stream got decisions');
      } finally {
        await det.dispose();
      }
    });
  }

  it('onnxruntime: pushMany runs after the streams\' queued pushes and before later ones; scores as pushSync on native within 1e-4', async function () {
    try {
      require('../../lib/onnx/export/export');
    } catch (e) {
      console.log(`      (skipped: lib/onnx is not available: ${(e as Error).message})`);
      this.skip();
    }
    const ort = await Detector.load(ctx.bundles['lstm-ae'], { backend: 'onnxruntime', threads: 1 });
    const nat = await Detector.load(ctx.bundles['lstm-ae']);
    try {
      const s = series(40);
      const a = ort.stream(), b = ort.stream();
      // Not awaited: a's 30 pushes are queued when pushMany is called, and a's 33rd push after it.
      const first = Array.from({ length: 30 }, (_, r) => a.push(rowOf(s, r), s.timestamps![r]));
      const many = ort.pushMany([{ stream: a, row: rowOf(s, 30), timestamp: s.timestamps![30] }, { stream: b, row: rowOf(s, 0) }, { stream: a, row: rowOf(s, 31), timestamp: s.timestamps![31] }]);
      const later = a.push(rowOf(s, 32), s.timestamps![32]);
      const got = [...(await Promise.all(first)), ...(await many).filter((_, i) => i !== 1), await later] as DetectorResult[];
      const ref = nat.stream();
      got.forEach((g, r) => {
        const want = ref.pushSync(rowOf(s, r), s.timestamps![r]);
        assert.equal(g.index, r);
        assert.equal(g.ready, want.ready);
        if (g.ready && want.ready) assert.ok(Math.abs(g.score - want.score) <= 1e-4 * Math.max(1, Math.abs(want.score)), `row ${r}: ${g.score} vs ${want.score}`);
      });
      assert.equal(((await many)[1] as DetectorResult).index, 0);
      assert.equal(a.seen, 33);
    } finally {
      await ort.dispose();
      await nat.dispose();
    }
  });

  it('refuses pushes of another detector, a non-array and a disposed detector, changing no stream', async () => {
    const det = await Detector.load(ctx.bundles['lstm-ae']);
    const other = await Detector.load(ctx.bundles['lstm-ae']);
    try {
      const s = series(20);
      const a = det.stream(), b = other.stream();
      a.pushSync(rowOf(s, 0), s.timestamps![0]);
      const before = a.state();
      assert.throws(() => det.pushManySync([{ stream: a, row: rowOf(s, 1) }, { stream: b, row: rowOf(s, 1) }]), /pushes\[1\]\.stream belongs to another detector/);
      assert.throws(() => det.pushManySync({} as never), /pushes must be an array/);
      assert.throws(() => det.pushManySync([{ row: rowOf(s, 1) } as never]), /pushes\[0\] must be \{ stream, row, timestamp\? \}/);
      await assert.rejects(det.pushMany([{ stream: b, row: rowOf(s, 1) }]), /belongs to another detector/);
      assert.deepEqual(a.state(), before);
      assert.deepEqual(det.pushManySync([]), []);
      await det.dispose();
      assert.throws(() => det.pushManySync([{ stream: a, row: rowOf(s, 1) }]), /this Detector was disposed/);
    } finally {
      await det.dispose();
      await other.dispose();
    }
  });
});
