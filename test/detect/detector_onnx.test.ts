// The onnxruntime backend against the native one on the same bundles: scores and channel errors
// within 1e-4 (relative to max(1, |value|)), the same flags and alpha channel flags wherever the
// score is not within that tolerance of the decision boundary; its async stream equals its batch;
// pushSync and a missing CUDA provider are clear errors. Skipped when lib/onnx is absent.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SeriesScores } from '../../lib/detect/decide';
import { Detector } from '../../lib/detect/detector';
import { makeBundle, rowOf, series, writeCsv } from './detector_fixture';

const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

const TOL = 1e-4;
const close = (a: number, b: number) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));

function onnxAvailable(): string | null {
  try {
    require('../../lib/onnx/export/export');
    require('../../lib/onnx/export/runner');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('Detector on onnxruntime', function () {
  this.timeout(120000);
  let dir: string;
  const bundles: Record<string, string> = {};
  before(function () {
    const why = onnxAvailable();
    if (why) {
      console.log(`      (skipped: lib/onnx is not available: ${why})`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'vigil-detector-onnx-'));
    bundles['lstm-ae'] = makeBundle(dir, 'lstm-ae');
    bundles['dc-vae'] = makeBundle(dir, 'dc-vae');
    bundles['dc-vae-alpha'] = makeBundle(dir, 'dc-vae', { alpha: true, name: 'dc-vae-alpha' });
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const s = series(150);
  const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));

  for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha']) {
    it(`${name}: scores, channel errors and flags equal the native backend's within ${TOL}`, async () => {
      const nat = await Detector.load(bundles[name]);
      const ort = await Detector.load(bundles[name], { backend: 'onnxruntime', threads: 1, chunkWindows: 50 });
      try {
        assert.equal(ort.backendName, 'onnxruntime');
        assert.equal(ort.rule, nat.rule);
        const a: SeriesScores = await nat.scoreSeries(s);
        const b: SeriesScores = await ort.scoreSeries(s);
        let compared = 0;
        for (let r = 0; r < s.rows; r++) {
          if (Number.isNaN(a.scores[r])) {
            assert.ok(Number.isNaN(b.scores[r]), `row ${r}: no decision in either`);
            continue;
          }
          assert.ok(close(b.scores[r], a.scores[r]), `row ${r}: onnxruntime ${b.scores[r]} vs native ${a.scores[r]}`);
          for (let c = 0; c < 4; c++) assert.ok(close(b.channelErrors[r * 4 + c], a.channelErrors[r * 4 + c]), `row ${r} channel ${c}`);
          const nearBoundary = nat.rule === 'threshold' && close(a.scores[r], nat.threshold.value);
          if (!nearBoundary) assert.equal(b.flags[r], a.flags[r], `row ${r} flag`);
          compared++;
        }
        assert.equal(compared, s.rows - nat.window + 1);
        if (a.channelFlags) {
          let differ = 0;
          a.channelFlags.forEach((f, i) => (differ += f !== b.channelFlags![i] ? 1 : 0));
          assert.ok(differ <= 1, `${differ} per-channel alpha flags differ`);
        }
      } finally {
        await nat.dispose();
        await ort.dispose();
      }
    });
  }

  it('its stream (async push) equals its batch scoring; pushSync says to use push', async () => {
    const ort = await Detector.load(bundles['dc-vae-alpha'], { backend: 'onnxruntime', threads: 1 });
    try {
      const batch = await ort.scoreBatch(rows);
      const st = ort.stream();
      const pushed = await Promise.all(rows.map((r) => st.push(r))); // queued: in order
      pushed.forEach((p, i) => {
        const b = batch[i];
        assert.equal(p.index, i);
        assert.equal(p.ready, b.ready);
        if (p.ready && b.ready) {
          assert.ok(close(p.score, b.score), `row ${i}`);
          assert.equal(p.flag, b.flag);
        }
      });
      assert.throws(() => st.pushSync(rows[0]), /pushSync needs backend 'native' \(onnxruntime runs asynchronously\): use await stream.push\(\)/);
      // A state moves between backends: same input side.
      const nat = await Detector.load(bundles['dc-vae-alpha']);
      const cont = nat.stream({ restore: st.state() });
      const next = cont.pushSync(rows[3]);
      assert.equal(next.index, rows.length);
      await nat.dispose();
    } finally {
      await ort.dispose();
    }
  });

  it('`vigil detect --backend onnxruntime` writes the native scores within tolerance, same format', () => {
    writeCsv(join(dir, 'test.csv'), s);
    const out: Record<string, string[][]> = {};
    for (const backend of ['native', 'onnxruntime']) {
      const r = spawnSync(process.execPath, [BIN, 'detect', '--model', bundles['dc-vae-alpha'], '--data', 'test.csv', '--timestamp', 'time', '--out', `${backend}.csv`, '--backend', backend], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      out[backend] = readFileSync(join(dir, `${backend}.csv`), 'utf8').trim().split('\n').map((l) => l.split(','));
    }
    assert.equal(out.native.length, s.rows + 1);
    out.native.forEach((a, i) => {
      const b = out.onnxruntime[i];
      assert.deepEqual([b[0], b[1]], [a[0], a[1]]);
      if (i === 0 || a[2] === '') return assert.deepEqual(b, a);
      assert.ok(close(+b[2], +a[2]), `row ${i}: ${b[2]} vs ${a[2]}`);
    });
  });

  it("device 'cuda' without onnxruntime's CUDA provider is an error that says how to install it", async function () {
    const { cudaProviderInstalled } = require('../../lib/onnx/export/runner') as typeof import('../../lib/onnx/export/runner');
    if (cudaProviderInstalled()) this.skip();
    await assert.rejects(Detector.load(bundles['lstm-ae'], { backend: 'onnxruntime', device: 'cuda' }), /CUDA execution provider is not installed.*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});
