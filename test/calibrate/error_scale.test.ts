// The per-channel error scale (lib/calibrate/error_scale.ts): its fit by hand, scaled scores by
// hand (mean and max), a bundle without a scale scoring bit-identically to the arithmetic before
// the scale existed, the Detector (batch, stream) and `vigil detect` equal to scoreWindows under
// a scale, the ONNX metadata round trip and onnxruntime under a scale, and attribution: a channel
// at 100x its normal error outranks a noisy channel.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Scaler } from '../../lib/data/scaler';
import { Windows } from '../../lib/data/windows';
import { hitRate, rankChannels, topChannels } from '../../lib/eval/attribution';
import type { Decision, RowResult } from '../../lib/detect/decide';
import { Detector } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { ERROR_SCALE_FLOOR, fitErrorScale, rescore } from '../../lib/calibrate/error_scale';
import { pointScores, scoreWindows, type Scorer, type WindowSource } from '../../lib/detect/score';
import { loadBundle, saveBundle } from '../../lib/io/bundle';
import { exportDetectorOnnx } from '../../lib/onnx/export/export';
import { metadataErrorScale, readOnnxMetadata } from '../../lib/onnx/export/metadata';
import { noGrad } from '../../lib/autograd/grad_mode';
import { Tensor, tidy } from '../../lib/tensor';
import { COLUMNS, makeBundle, rowOf, series, writeCsv } from '../detect/detector_fixture';

const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

/** A scorer whose channel errors are the last step of each window, and windows of given rows. */
function fakeScorer(reduction: 'mean' | 'max'): Scorer {
  return {
    eval: () => undefined,
    scoreReduction: reduction,
    channelErrors(x: Tensor): Tensor {
      const [n, T, F] = x.shape;
      const v = x.toArray();
      const out = new Float32Array(n * F);
      for (let i = 0; i < n; i++) out.set(v.subarray((i * T + T - 1) * F, (i * T + T) * F), i * F);
      return Tensor.fromArray(out, [n, F]);
    },
  };
}

/** One-step windows whose (only) step is row i of `errors` ([n, F]). */
function rowsAsWindows(errors: number[][]): WindowSource {
  const F = errors[0].length;
  return {
    count: errors.length, length: 1, channels: F,
    batch: (idx) => Float32Array.from(Array.from(idx).flatMap((i) => errors[i])),
    endRow: (i) => i,
  };
}

describe('per-channel error scale', function () {
  this.timeout(120000);

  it('fitErrorScale: each channel\'s mean error, non-finite skipped, floored at 1e-3 of the median channel\'s', () => {
    // channel 0 very noisy, 1 steady, 2 constant (error 0), 3 with a NaN window, 4 near-constant.
    const e = [
      [4000, 0.002, 0, 1, 1e-7],
      [6000, 0.004, 0, NaN, 3e-7],
      [5000, 0.003, 0, 3, 2e-7],
    ];
    const s = fitErrorScale(e.flat(), 5);
    assert.equal(ERROR_SCALE_FLOOR, 1e-3);
    // means [5000, 0.003, 0, 2, 2e-7]: median 0.003 (the noisy channel does not move it), floor 3e-6.
    const want = [5000, 0.003, 3e-6, 2, 3e-6];
    s.forEach((v, c) => assert.ok(Math.abs(v - want[c]) <= 1e-12 * want[c], `channel ${c}: ${v} vs ${want[c]}`));
    assert.deepEqual(fitErrorScale([0, 0, 4, 0, 0, 2], 3), [0.001, 0.001, 3], 'median 0: the mean over channels (1) stands in');
    assert.deepEqual(fitErrorScale([0, 0, 0, 0], 2), [1, 1], 'every error zero: scale 1');
    assert.throws(() => fitErrorScale([1, NaN, 2, NaN], 2), /channel 1 has no finite error in the 2 windows/);
    assert.throws(() => fitErrorScale([1, 2, 3], 2), /3 errors are not a multiple of 2 channels/);
  });

  it('scoreWindows with a scale: mean and max of e_c / scale_c, equal to a hand computation', () => {
    const errs = [
      [2, 0.01, 0.5],
      [8, 0.5, 0.25],
      [1, 0.0001, 3],
    ];
    const scale = [4, 0.005, 0.5];
    for (const reduction of ['mean', 'max'] as const) {
      const ws = scoreWindows(fakeScorer(reduction), rowsAsWindows(errs), { errorScale: scale, batchSize: 2 });
      errs.forEach((row, i) => {
        const q = row.map((v, c) => Math.fround(v) / scale[c]); // the model's float32 errors over the scale, in float64
        const want = reduction === 'max' ? Math.max(...q) : (q[0] + q[1] + q[2]) / 3;
        assert.equal(ws.scores[i], Math.fround(want), `${reduction} window ${i}`);
        assert.deepEqual(Array.from(ws.channelErrors.subarray(i * 3, i * 3 + 3)), q.map(Math.fround), `scaled channel errors of window ${i}`);
      });
      // Window 1 by hand: e / s = [2, 100, 0.5].
      assert.ok(Math.abs(ws.scores[1] - (reduction === 'max' ? 100 : 102.5 / 3)) < 1e-4);
      // rescore of the raw errors gives the same bits.
      const raw = scoreWindows(fakeScorer(reduction), rowsAsWindows(errs));
      assert.deepEqual(rescore(raw.channelErrors, 3, reduction, scale), ws);
    }
    assert.throws(() => scoreWindows(fakeScorer('mean'), rowsAsWindows(errs), { errorScale: [1, 2] }), /errorScale: 2 values for 3 channels/);
    assert.throws(() => scoreWindows(fakeScorer('mean'), rowsAsWindows(errs), { errorScale: [1, 0, 2] }), /channel 1 has scale 0/);
  });

  it('attribution: with the scale, a channel at 100x its normal error outranks a noisy channel at 1.2x', () => {
    // Normal data: channel 0 (a fast-toggling pump) has error ~50, channel 1 (a steady level) ~0.01, channel 2 ~1.
    const normal = Array.from({ length: 40 }, (_, i) => [50 + (i % 5) - 2, 0.01 * (1 + 0.1 * ((i % 3) - 1)), 1 + 0.05 * ((i % 4) - 1.5)]);
    const scale = fitErrorScale(normal.flat(), 3);
    assert.ok(Math.abs(scale[0] - 50) < 1e-9 && Math.abs(scale[1] - 0.01) < 1e-4 && Math.abs(scale[2] - 1) < 0.05, String(scale));
    const anomaly = [60, 1, 1.1]; // channel 1 at 100x its normal error; channel 0 at 1.2x its own
    assert.deepEqual(Array.from(rankChannels(anomaly, 3, 0)), [0, 2, 1], 'raw errors blame the noisy pump');
    assert.deepEqual(Array.from(rankChannels(anomaly, 3, 0, scale)), [1, 0, 2], 'scaled errors blame the steady level');
    assert.deepEqual(Array.from(topChannels([...anomaly, ...normal[0]], 2, 3, 1, scale)), [1, 0]);
    const seg = [{ start: 0, end: 1, channels: [1] }];
    assert.equal(hitRate(anomaly, 3, seg, [100]).hitRate['100'], 0);
    assert.equal(hitRate(anomaly, 3, seg, [100], scale).hitRate['100'], 1);
    assert.throws(() => rankChannels(anomaly, 3, 0, [1, 2]), /the scale has 2 values for 3 channels/);
    // The same through scoreWindows: its channel errors come out scaled, so plain ranking agrees.
    const ws = scoreWindows(fakeScorer('mean'), rowsAsWindows([anomaly]), { errorScale: scale });
    assert.deepEqual(Array.from(rankChannels(ws.channelErrors, 3, 0)), [1, 0, 2]);
    // And the score moves: without the scale the 100x rise changes the mean by 0.03 of ~17.
    const unscaled = scoreWindows(fakeScorer('mean'), rowsAsWindows([anomaly, normal[0]]));
    const scaled = scoreWindows(fakeScorer('mean'), rowsAsWindows([anomaly, normal[0]]), { errorScale: scale });
    assert.ok(unscaled.scores[0] / unscaled.scores[1] < 1.3, `unscaled ${unscaled.scores[0]} vs normal ${unscaled.scores[1]}`);
    assert.ok(scaled.scores[0] / scaled.scores[1] > 20, `scaled ${scaled.scores[0]} vs normal ${scaled.scores[1]}`);
  });

  describe('detector bundles', () => {
    let dir: string;
    const bundles: Record<string, string> = {};
    const s = series(220);
    const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));

    /** A copy of a fixture bundle with an error scale fitted on normal rows and a threshold at the median scaled score. */
    function withScale(src: string, name: string): string {
      const det = loadDetector(src);
      const normal = Scaler.fromJSON(det.info.scaler).transform(series(300, 11, false));
      const w = new Windows(normal, { length: det.info.windows.length });
      const raw = scoreWindows(det.model, w);
      const errorScale = fitErrorScale(raw.channelErrors, COLUMNS.length);
      const sorted = rescore(raw.channelErrors, COLUMNS.length, det.model.scoreReduction, errorScale).scores.sort();
      det.model.dispose();
      const b = loadBundle(src);
      const path = join(dir, `${name}.vigil`);
      saveBundle(path, { ...b, sections: { ...b.sections, errorScale, threshold: { value: sorted[sorted.length >> 1], method: 'fixed', params: {} } } });
      return path;
    }

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'vigil-error-scale-'));
      for (const kind of ['lstm-ae', 'dc-vae'] as const) {
        bundles[kind] = makeBundle(dir, kind);
        bundles[`${kind}-scaled`] = withScale(bundles[kind], `${kind}-scaled`);
      }
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /**
     * The reference: scoreWindows (with the bundle's scale, `batchSize` windows per call) +
     * pointScores, flags at the threshold. A stream runs one window per call: batchSize 1 makes
     * the same calls, so the comparison holds whether or not the engine's sums depend on the batch.
     */
    function reference(path: string, batchSize = 256) {
      const det = loadDetector(path);
      try {
        const w = new Windows(Scaler.fromJSON(det.info.scaler).transform(s), { length: det.info.windows.length });
        const p = pointScores(w, scoreWindows(det.model, w, { errorScale: det.info.errorScale, batchSize }), s.rows);
        return { ...p, flags: Uint8Array.from(p.scores, (v) => (v > det.info.threshold.value ? 1 : 0)), scale: det.info.errorScale };
      } finally {
        det.model.dispose();
      }
    }

    function assertAgrees(results: RowResult[], ref: ReturnType<typeof reference>, what: string) {
      const F = COLUMNS.length;
      let flagged = 0;
      results.forEach((r, i) => {
        if (!r.ready) return assert.ok(Number.isNaN(ref.scores[i]), `${what} row ${i}`);
        const d = r as Decision;
        assert.equal(d.score, ref.scores[i], `${what} row ${i} score`); // bit-identical
        assert.equal(d.flag, ref.flags[i] === 1, `${what} row ${i} flag`);
        const ranked = Array.from(rankChannels(ref.channelErrors, F, i).subarray(0, 2));
        assert.deepEqual(d.topChannels.map((t) => t.name), ranked.map((c) => COLUMNS[c]), `${what} row ${i} top channels`);
        assert.deepEqual(d.topChannels.map((t) => t.error), ranked.map((c) => ref.channelErrors[i * F + c]), `${what} row ${i} top errors`);
        flagged += d.flag ? 1 : 0;
      });
      assert.ok(flagged > 0 && flagged < s.rows - 20, `${what}: both flags occur (${flagged})`);
    }

    it('a bundle without errorScale scores bit-identically to the arithmetic before the scale', async () => {
      for (const kind of ['lstm-ae', 'dc-vae']) {
        const det = loadDetector(bundles[kind]);
        assert.equal(det.info.errorScale, undefined);
        const w = new Windows(Scaler.fromJSON(det.info.scaler).transform(s), { length: det.info.windows.length });
        // Before: raw channel errors, score = their float64 sum / F (or max), stored as float32.
        const F = COLUMNS.length;
        assert.ok(w.count <= 256, 'one scoreWindows batch');
        const raw = noGrad(() => tidy(() => Float32Array.from(det.model.channelErrors(Tensor.fromArray(w.batch(Int32Array.from({ length: w.count }, (_, i) => i)), [w.count, w.length, F])).toArray())));
        const old = new Float32Array(w.count);
        for (let i = 0; i < w.count; i++) {
          let acc = det.model.scoreReduction === 'max' ? -Infinity : 0;
          for (let c = 0; c < F; c++) acc = det.model.scoreReduction === 'max' ? Math.max(acc, raw[i * F + c]) : acc + raw[i * F + c];
          old[i] = det.model.scoreReduction === 'max' ? acc : acc / F;
        }
        const now = scoreWindows(det.model, w);
        assert.deepEqual(now.scores, old, `${kind} scoreWindows`);
        assert.deepEqual(now.channelErrors, raw, `${kind} channel errors stay raw`);
        det.model.dispose();
        const d = await Detector.load(bundles[kind], { chunkWindows: 37 });
        const res = await d.scoreSeries(s);
        await d.dispose();
        assert.deepEqual(res.scores.subarray(w.length - 1), old, `${kind} Detector`);
      }
    });

    for (const kind of ['lstm-ae', 'dc-vae']) {
      it(`${kind}: Detector scoreBatch and streams equal scoreWindows under the bundle's scale`, async () => {
        const path = bundles[`${kind}-scaled`];
        const ref = reference(path);
        assert.equal(ref.scale!.length, COLUMNS.length);
        const det = await Detector.load(path, { chunkWindows: 37 });
        try {
          assert.deepEqual(Array.from(det.decisions.errorScale!), ref.scale);
          assertAgrees(await det.scoreBatch(rows, { top: 2 }), ref, 'scoreBatch');
          const stream = det.stream({ top: 2 });
          assertAgrees(rows.map((r) => stream.pushSync(r)), reference(path, 1), 'stream');
          // The unscaled bundle's scores differ: the scale is used.
          const plain = await Detector.load(bundles[kind]);
          const a = await plain.scoreSeries(s);
          await plain.dispose();
          assert.ok(a.scores.some((v, i) => v === v && v !== ref.scores[i]), 'scaled scores differ from unscaled ones');
        } finally {
          await det.dispose();
        }
      });
    }

    it('`vigil detect` writes the scaled scores and top channels of scoreWindows', () => {
      writeCsv(join(dir, 'test.csv'), s);
      for (const kind of ['lstm-ae', 'dc-vae']) {
        const path = bundles[`${kind}-scaled`];
        const r = spawnSync(process.execPath, [BIN, 'detect', '--model', path, '--data', 'test.csv', '--timestamp', 'time', '--out', 'scores.csv', '--top', '2'], { cwd: dir, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const ref = reference(path);
        const lines = readFileSync(join(dir, 'scores.csv'), 'utf8').trim().split('\n').slice(1);
        lines.forEach((line, i) => {
          const [, , score, flag, top] = line.split(',');
          if (score === '') return assert.ok(Number.isNaN(ref.scores[i]));
          assert.equal(Number(score), ref.scores[i], `${kind} row ${i}`);
          assert.equal(Number(flag), ref.flags[i]);
          assert.equal(top, Array.from(rankChannels(ref.channelErrors, 4, i).subarray(0, 2), (c) => COLUMNS[c]).join(';'));
        });
      }
    });

    it('ONNX: vigil.errorScale round-trips exactly; onnxruntime scores with it as native does', async () => {
      for (const kind of ['lstm-ae', 'dc-vae']) {
        const det = loadDetector(bundles[`${kind}-scaled`]);
        const meta = readOnnxMetadata(exportDetectorOnnx(det));
        assert.deepEqual(JSON.parse(meta['vigil.errorScale']), det.info.errorScale);
        assert.deepEqual(metadataErrorScale(meta), det.info.errorScale, 'every float64 digit');
        det.model.dispose();
        const plain = loadDetector(bundles[kind]);
        const pm = readOnnxMetadata(exportDetectorOnnx(plain));
        plain.model.dispose();
        assert.ok(!('vigil.errorScale' in pm), 'no key without a scale');
        assert.equal(metadataErrorScale(pm), null);
        assert.throws(() => metadataErrorScale({ ...meta, 'vigil.errorScale': '[1, 2]' }), /metadata vigil\.errorScale: 2 values for 4 channels/);
        assert.throws(() => metadataErrorScale({ ...meta, 'vigil.errorScale': '[1, 2, -1, 3]' }), /channel 2 has scale -1/);

        const ref = reference(bundles[`${kind}-scaled`]);
        const ort = await Detector.load(bundles[`${kind}-scaled`], { backend: 'onnxruntime' });
        const res = await ort.scoreSeries(s);
        await ort.dispose();
        res.scores.forEach((v, i) => {
          if (Number.isNaN(ref.scores[i])) return assert.ok(Number.isNaN(v));
          assert.ok(Math.abs(v - ref.scores[i]) <= 1e-4 * (1 + Math.abs(ref.scores[i])), `${kind} row ${i}: onnxruntime ${v} vs native ${ref.scores[i]}`);
        });
      }
    });

    it('a bundle whose errorScale does not fit its channels is refused on load', () => {
      const b = loadBundle(bundles['lstm-ae']);
      const path = join(dir, 'bad.vigil');
      saveBundle(path, { ...b, sections: { ...b.sections, errorScale: [1, 2, 3] } });
      assert.throws(() => loadDetector(path), /bad\.vigil: errorScale: 3 values for 4 channels/);
      saveBundle(path, { ...b, sections: { ...b.sections, errorScale: [1, 2, 3, null] } });
      assert.throws(() => loadDetector(path), /channel 3 has scale null; scales must be finite and positive/);
    });
  });
});
