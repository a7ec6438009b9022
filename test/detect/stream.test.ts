// Streaming equals batch: a series pushed row by row (one window per inference call) gives the
// batch decisions bit for bit, for every model, and so does batch scoring in chunks of any size
// (a window's outputs do not depend on how many windows share its call: native/cpu/gemm.h);
// state()/restore mid-stream continues identically (also through JSON); the row policy (wrong
// columns, NaN, out-of-order timestamps) refuses a row without changing the stream.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Decision, RowResult } from '../../lib/detect/decide';
import { native } from '../../lib/binding';
import { Detector } from '../../lib/detect/detector';
import { RowError } from '../../lib/detect/rows';
import { rowOf, series, useBundles } from './detector_fixture';

function pushAll(det: Detector, rows: number[][], opts = {}, times?: ArrayLike<number>): RowResult[] {
  const st = det.stream(opts);
  return rows.map((r, i) => st.pushSync(r, times?.[i]));
}

describe('Detector.stream', function () {
  this.timeout(120000);
  const ctx = useBundles('vigil-stream-');
  const bundles = ctx.bundles;
  const s = series(160);
  const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));

  for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha']) {
    it(`${name}: pushing row by row gives exactly the batch results`, async () => {
      const det = await Detector.load(bundles[name]);
      try {
        const batch = await det.scoreBatch(rows, { timestamps: s.timestamps });
        const streamed = pushAll(det, rows, {}, s.timestamps);
        assert.deepEqual(streamed, batch); // scores compared with ===: bit-identical
        assert.deepEqual(streamed[0], { index: 0, ready: false, remaining: det.window - 1, timestamp: s.timestamps![0] });
        assert.equal(streamed[det.window - 2].ready, false);
        assert.equal(streamed[det.window - 1].ready, true);
      } finally {
        await det.dispose();
      }
    });
  }

  it('batch scoring in chunks of 1, 2, 3, 4, 5 and 64 windows gives the same bits, on 1 and 2 threads', async () => {
    const before = native.getNumThreads();
    try {
      for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha']) {
        let want: Awaited<ReturnType<Detector['scoreSeries']>> | null = null;
        for (const threads of [1, 2])
          for (const chunkWindows of [64, 1, 2, 3, 4, 5]) {
            const det = await Detector.load(bundles[name], { chunkWindows, threads });
            try {
              const got = await det.scoreSeries(s);
              if (!want) want = got;
              else assert.deepEqual(got, want, `${name}: chunks of ${chunkWindows} on ${threads} threads`);
            } finally {
              await det.dispose();
            }
          }
        assert.ok(want!.scores.some((v) => v === v), `${name}: some windows were scored`);
      }
    } finally {
      native.setNumThreads(before);
    }
  });

  it('state() mid-stream, through JSON, resumes with the same continuation (before and after the window fills)', async () => {
    for (const name of ['lstm-ae', 'dc-vae-alpha']) {
      const det = await Detector.load(bundles[name]);
      try {
        const all = pushAll(det, rows, {}, s.timestamps);
        for (const cut of [5, det.window - 1, 40, 97]) {
          const first = det.stream();
          for (let i = 0; i < cut; i++) first.pushSync(rows[i], s.timestamps![i]);
          const saved = JSON.parse(JSON.stringify(first.state()));
          assert.equal(saved.seen, cut);
          assert.equal(saved.rows.length, Math.min(cut, det.window));
          const again = det.stream({ restore: saved });
          const rest = rows.slice(cut).map((r, k) => again.pushSync(r, s.timestamps![cut + k]));
          assert.deepEqual(rest, all.slice(cut), `${name} cut at ${cut}`);
          // The original goes on identically too (state() does not disturb it).
          assert.deepEqual(first.pushSync(rows[cut], s.timestamps![cut]), all[cut]);
        }
        // The restored stream keeps the timestamp order and the policy.
        const st = det.stream({ onBadValue: 'ffill', timestampOrder: 'nondecreasing' });
        rows.slice(0, 3).forEach((r, i) => st.pushSync(r, s.timestamps![i]));
        const back = det.stream({ restore: st.state() });
        assert.equal(back.state().policy.onBadValue, 'ffill');
        assert.throws(() => back.pushSync(rows[3], s.timestamps![0]), /row 3: timestamp .* is not after the previous row's/);
        assert.equal(back.pushSync([null, 1, 2, 3] as never, s.timestamps![2]).index, 3, 'ffill from the restored last row; a repeat is allowed');
        assert.equal(back.state().lastRow![0], rows[2][0]);
      } finally {
        await det.dispose();
      }
    }
  });

  it('restore refuses a state of another detector input or a damaged state', async () => {
    const det = await Detector.load(bundles['lstm-ae']);
    const other = await Detector.load(bundles['dc-vae']);
    try {
      const st = det.stream();
      rows.slice(0, 20).forEach((r) => st.pushSync(r));
      const saved = st.state();
      // Same columns and scaler but another window length (12 for both here: change it).
      assert.throws(() => det.stream({ restore: { ...saved, input: 'sha256:x' } }), /another detector input/);
      assert.throws(() => det.stream({ restore: { ...saved, rows: saved.rows.slice(1) } }), /20 rows seen need the last 12 rows, the state has 11/);
      assert.throws(() => det.stream({ restore: { ...saved, rows: [[1, 2, 3], ...saved.rows.slice(1)] } }), /rows\[0\] must be 4 finite numbers/);
      assert.throws(() => det.stream({ restore: { ...saved, format: 'x' } as never }), /not a state written by stream.state\(\)/);
      // Both test bundles share columns, scaler and window: a state moves between them.
      assert.equal(other.stream({ restore: saved }).seen, 20);
    } finally {
      await det.dispose();
      await other.dispose();
    }
  });

  it('a refused row (wrong columns, NaN, out-of-order time) throws and leaves the stream unchanged', async () => {
    const det = await Detector.load(bundles['lstm-ae']);
    try {
      const want = pushAll(det, rows, {}, s.timestamps);
      const st = det.stream();
      let k = 0;
      const bad: [unknown, number | undefined, RegExp][] = [
        [[1, 2, 3], undefined, /row \d+: expected 4 values in schema order \(a, b, c, d\).* got 3 values/],
        [{ a: 1, b: 2, c: 3 }, undefined, /missing "d"/],
        [[1, NaN, 3, 4], undefined, /column "b": not a number \(NaN\)/],
        [[1, 2, 3, 4], -1, /is not after the previous row's/],
      ];
      for (let i = 0; i < rows.length; i++) {
        if (i > 0 && i % 17 === 0) {
          const [row, t, msg] = bad[k++ % bad.length];
          const before = JSON.stringify(st.state());
          assert.throws(() => st.pushSync(row as never, t === -1 ? s.timestamps![i - 1] : t), (e: Error) => e instanceof RowError && msg.test(e.message));
          assert.equal(JSON.stringify(st.state()), before);
        }
        assert.deepEqual(st.pushSync(rows[i], s.timestamps![i]), want[i]);
      }
      // ffill: a bad value repeats the previous row's value, exactly as in batch.
      const broken = rows.map((r) => [...r]) as (number | null)[][];
      broken[50][1] = null;
      broken[51][1] = NaN;
      const batch = await det.scoreBatch(broken, { onBadValue: 'ffill' });
      assert.deepEqual(pushAll(det, broken as number[][], { onBadValue: 'ffill' }), batch);
      assert.throws(() => det.stream({ onBadValue: 'ffill' }).pushSync([NaN, 1, 2, 3]), /row 0, column "a": not a number \(NaN\) in the first row/);
    } finally {
      await det.dispose();
    }
  });

  it('push() resolves in order on the native backend, and pushes to a disposed detector are refused', async () => {
    const det = await Detector.load(bundles['dc-vae']);
    const st = det.stream();
    const results = await Promise.all(rows.slice(0, 30).map((r) => st.push(r)));
    assert.deepEqual(results.map((r) => r.index), Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(results, pushAll(det, rows.slice(0, 30)));
    await assert.rejects(st.push([1, 2, 3]), /expected 4 values/);
    await det.dispose();
    assert.throws(() => st.pushSync(rows[30]), /disposed/);
    assert.throws(() => det.stream(), /disposed/);
  });

  it('steady state: native memory stays flat over many pushes and batches; the ring and its window views are made once', async () => {
    for (const name of ['lstm-ae', 'dc-vae-alpha']) {
      const det = await Detector.load(bundles[name]);
      try {
        const st = det.stream();
        const ring = (st as unknown as { ring: Float32Array }).ring;
        const views = (st as unknown as { views: Float32Array[] }).views;
        rows.slice(0, 20).forEach((r) => st.pushSync(r));
        await det.scoreBatch(rows);
        const before = native.memory();
        for (let i = 0; i < 300; i++) st.pushSync(rows[i % rows.length]);
        await det.scoreBatch(rows);
        const after = native.memory();
        assert.equal(after.cpuBuffers, before.cpuBuffers, `${name}: native buffers in use`);
        assert.equal(after.cpuBytes, before.cpuBytes, `${name}: native bytes in use`);
        assert.equal((st as unknown as { ring: Float32Array }).ring, ring);
        assert.equal(views.length, det.window);
        assert.ok(views.every((v) => v.buffer === ring.buffer && v.length === det.window * 4));
      } finally {
        await det.dispose();
      }
    }
  });
});
