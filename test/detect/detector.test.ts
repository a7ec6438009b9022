// Detector.scoreBatch against the batch scoring path `vigil detect` used before the Detector
// (scoreWindows + pointScores, tools/cli/alpha.ts alphaScoring: bit-identical), against the CLI
// itself (same scores, flags and top channels in its CSV), rows as arrays or objects, the row
// policy (wrong columns, NaN, timestamps), unknown kinds, and yielding to the event loop.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { native } from '../../lib/binding';
import { Scaler } from '../../lib/data/scaler';
import { Windows } from '../../lib/data/windows';
import { rankChannels } from '../../lib/eval/attribution';
import type { Decision, RowResult } from '../../lib/detect/decide';
import { Detector } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { RowError } from '../../lib/detect/rows';
import { pointScores, scoreWindows } from '../../lib/detect/score';
import { saveBundle } from '../../lib/io/bundle';
import { alphaFlags, alphasFromJSON, type AlphasJSON } from '../../lib/calibrate/alpha';
import { gaussianRowsOf } from '../../lib/pipeline/gaussian_scores';
import { COLUMNS, rowOf, series, useBundles, writeCsv } from './detector_fixture';

const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

/**
 * The pre-Detector alpha path of `vigil detect`: per row max_c |x - mu| / sigma, the channel
 * ratios, and the alpha flags; null without an alpha section.
 */
function alphaReference(det: ReturnType<typeof loadDetector>, s: ReturnType<typeof series>) {
  const json = (det.info as { alpha?: AlphasJSON }).alpha;
  if (!json) return null;
  const { rows: g, first } = gaussianRowsOf(det, s)!;
  const C = g.channels;
  const scores = new Float32Array(s.rows).fill(NaN), channelErrors = new Float32Array(s.rows * C).fill(NaN), flags = new Uint8Array(s.rows);
  flags.set(alphaFlags(g, alphasFromJSON(json)).flags, first);
  for (let i = 0; i < g.rows; i++) {
    let m = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.abs(g.x[i * C + c] - g.mu[i * C + c]) / g.sigma[i * C + c];
      channelErrors[(first + i) * C + c] = e;
      m = Math.max(m, Math.fround(e));
    }
    scores[first + i] = m;
  }
  return { scores, flags, channelErrors };
}

/** The pre-Detector batch path of `vigil detect`: scores, flags and channel errors per row. */
function referenceScores(path: string, s: ReturnType<typeof series>) {
  const det = loadDetector(path);
  try {
    const alpha = alphaReference(det, s);
    if (alpha) return alpha;
    const scaled = Scaler.fromJSON(det.info.scaler).transform(s);
    const windows = new Windows(scaled, { length: det.info.windows.length, stride: 1 });
    const p = pointScores(windows, scoreWindows(det.model, windows), s.rows);
    return { ...p, flags: Uint8Array.from(p.scores, (v) => (v > det.info.threshold.value ? 1 : 0)) };
  } finally {
    det.model.dispose();
  }
}

function assertMatchesReference(results: RowResult[], ref: ReturnType<typeof referenceScores>, T: number, top: number) {
  const F = COLUMNS.length;
  let flags = 0;
  results.forEach((r, i) => {
    assert.equal(r.index, i);
    if (i < T - 1) {
      assert.deepEqual(r, { index: i, ready: false, remaining: T - 1 - i });
      assert.ok(Number.isNaN(ref.scores[i]));
      return;
    }
    const d = r as Decision;
    assert.equal(d.ready, true);
    assert.equal(d.score, ref.scores[i], `row ${i} score`); // bit-identical
    assert.equal(d.flag, ref.flags[i] === 1, `row ${i} flag`);
    const names = Array.from(rankChannels(ref.channelErrors, F, i).subarray(0, top), (c) => COLUMNS[c]);
    assert.deepEqual(d.topChannels.map((t) => t.name), names, `row ${i} top channels`);
    assert.deepEqual(d.topChannels.map((t) => t.error), d.topChannels.map((t) => ref.channelErrors[i * F + COLUMNS.indexOf(t.name)]));
    flags += d.flag ? 1 : 0;
  });
  assert.ok(flags > 0 && flags < results.length - T + 1, `both flags occur (${flags} of ${results.length - T + 1})`);
}

describe('Detector.scoreBatch', function () {
  this.timeout(120000);
  const ctx = useBundles('vigil-detector-');
  const bundles = ctx.bundles;

  for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha']) {
    it(`${name}: bit-identical to the pre-Detector batch path of vigil detect (scores, flags, top channels)`, async () => {
      const s = series(300);
      const det = await Detector.load(bundles[name], { chunkWindows: 37 });
      try {
        assert.equal(det.rule, name === 'dc-vae-alpha' ? 'alpha' : 'threshold');
        const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));
        const results = await det.scoreBatch(rows, { top: 2 });
        assert.equal(results.length, s.rows);
        assertMatchesReference(results, referenceScores(bundles[name], s), det.window, 2);
        if (name === 'dc-vae-alpha') {
          const flagged = results.filter((r): r is Decision => r.ready && r.flag);
          assert.ok(flagged.every((d) => d.flaggedChannels!.length > 0), 'a flagged row names its flagged channels');
          assert.ok(results.every((r) => !r.ready || r.flag || r.flaggedChannels!.length === 0));
        } else assert.ok(results.every((r) => !r.ready || r.flaggedChannels === undefined));
      } finally {
        await det.dispose();
      }
    });
  }

  it('equals `vigil detect` row by row (lstm-ae and dc-vae with alphas), the CLI format kept', async () => {
    const s = series(200, 6);
    writeCsv(join(ctx.dir, 'test.csv'), s);
    for (const name of ['lstm-ae', 'dc-vae-alpha']) {
      const r = spawnSync(process.execPath, [BIN, 'detect', '--model', bundles[name], '--data', 'test.csv', '--timestamp', 'time', '--out', 'scores.csv', '--top', '2'], { cwd: ctx.dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, name === 'lstm-ae' ? /200 rows scored, \d+ flagged at threshold/ : /200 rows scored, \d+ flagged by per-channel alphas \(fixed\)/);
      const lines = readFileSync(join(ctx.dir, 'scores.csv'), 'utf8').trim().split('\n');
      assert.equal(lines[0], 'row,time,score,flag,top_channels');
      const det = await Detector.load(bundles[name]);
      const results = await det.scoreBatch(Array.from({ length: s.rows }, (_, i) => rowOf(s, i)), { top: 2, timestamps: s.timestamps });
      await det.dispose();
      results.forEach((d, i) => {
        const time = new Date(s.timestamps![i]).toISOString();
        const want = d.ready ? `${i},${time},${d.score},${d.flag ? 1 : 0},${d.topChannels.map((t) => t.name).join(';')}` : `${i},${time},,,`;
        assert.equal(lines[i + 1], want);
        assert.equal(d.timestamp, s.timestamps![i]);
      });
    }
  });

  it('takes rows as objects keyed by column, giving the same results as arrays', async () => {
    const s = series(40);
    const det = await Detector.load(bundles['lstm-ae']);
    try {
      const arrays = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));
      const objects = arrays.map((a) => Object.fromEntries([...COLUMNS].reverse().map((c) => [c, a[COLUMNS.indexOf(c)]])));
      const strings = arrays.map((a) => a.map(String));
      const want = await det.scoreBatch(arrays);
      assert.deepEqual(await det.scoreBatch(objects), want);
      assert.deepEqual(await det.scoreBatch(strings), want);
      assert.equal((await det.scoreBatch(arrays.slice(0, 5))).every((r) => !r.ready), true, 'fewer rows than the window: no decisions, no error');
    } finally {
      await det.dispose();
    }
  });

  it('refuses wrong columns, naming what was expected', async () => {
    const det = await Detector.load(bundles['lstm-ae']);
    try {
      await assert.rejects(det.scoreBatch([[1, 2, 3, 4], [1, 2, 3]]), (e: Error) => {
        assert.ok(e instanceof RowError);
        assert.match(e.message, /^row 1: expected 4 values in schema order \(a, b, c, d\) or an object with exactly those keys, got 3 values$/);
        return true;
      });
      await assert.rejects(det.scoreBatch([{ a: 1, b: 2, c: 3, e: 4 }]), /row 0: the row's keys do not match the model's schema: missing "d"; unexpected "e"/);
      await assert.rejects(det.scoreBatch([{ a: 1, b: 2, c: 3, d: 4, x: 5 }]), /unexpected "x"/);
      await assert.rejects(det.scoreBatch(['1,2,3,4' as never]), /row 0: expected 4 values .* got string/);
      await assert.rejects(det.scoreBatch([[1, 2, 3, 4]], { timestamps: [1, 2] }), /1 rows/);
    } finally {
      await det.dispose();
    }
  });

  it('bad values: an error naming row and column by default; ffill repeats the previous value', async () => {
    const s = series(30);
    const det = await Detector.load(bundles['lstm-ae']);
    try {
      const rows: (number | null | string)[][] = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));
      for (const [bad, what] of [[NaN, /not a number \(NaN\)/], [null, /missing value \(null\)/], [Infinity, /infinite value/], [1e39, /out of float32 range/], ['x1', /text in a numeric column \("x1"\)/]] as [unknown, RegExp][]) {
        const broken = rows.map((r) => [...r]);
        broken[20][2] = bad as number;
        await assert.rejects(det.scoreBatch(broken), (e: RowError) => {
          assert.match(e.message, /^row 20, column "c": /);
          assert.match(e.message, what);
          assert.match(e.message, /onBadValue is 'error'/);
          assert.equal(e.column, 'c');
          assert.equal(e.index, 20);
          return true;
        });
        const filled = rows.map((r) => [...r]);
        filled[20][2] = filled[19][2];
        assert.deepEqual(await det.scoreBatch(broken, { onBadValue: 'ffill' }), await det.scoreBatch(filled));
      }
      const first = rows.map((r) => [...r]);
      first[0][1] = null;
      await assert.rejects(det.scoreBatch(first, { onBadValue: 'ffill' }), /row 0, column "b": missing value \(null\) in the first row: onBadValue 'ffill' has no previous value/);
    } finally {
      await det.dispose();
    }
  });

  it('timestamps out of order follow the CSV policy (strictly increasing by default)', async () => {
    const det = await Detector.load(bundles['lstm-ae']);
    try {
      const rows = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
      const t0 = Date.UTC(2024, 0, 1);
      await assert.rejects(det.scoreBatch(rows, { timestamps: [t0, t0 + 1000, t0 + 500, t0 + 2000] }), /row 2: timestamp 2024-01-01T00:00:00.500Z is not after the previous row's 2024-01-01T00:00:01.000Z \(timestamps must be strictly increasing/);
      await assert.rejects(det.scoreBatch(rows, { timestamps: [t0, t0, t0 + 1, t0 + 2] }), /row 1: .*strictly increasing/);
      assert.equal((await det.scoreBatch(rows, { timestamps: [t0, t0, t0 + 1, t0 + 2], timestampOrder: 'nondecreasing' })).length, 4);
      assert.equal((await det.scoreBatch(rows, { timestamps: [t0, t0 - 5, t0 + 1, t0 + 2], timestampOrder: 'any' })).length, 4);
      const texts = ['2024-01-01 00:00:00', '2024-01-01 00:00:01', '2024-01-01 00:00:02', '2024-01-01 00:00:03'];
      const res = await det.scoreBatch(rows, { timestamps: texts });
      assert.deepEqual(res.map((r) => r.timestamp), texts.map((t) => Date.parse(t.replace(' ', 'T') + 'Z')));
      await assert.rejects(det.scoreBatch(rows, { timestamps: ['yesterday', texts[1], texts[2], texts[3]] }), /row 0: timestamp "yesterday" is not ms since the epoch, a Date or text in a known format/);
    } finally {
      await det.dispose();
    }
  });

  it('an unknown model kind is a clear error', async () => {
    const det = loadDetector(bundles['lstm-ae']);
    const path = join(ctx.dir, 'nope.vigil');
    saveBundle(path, { kind: 'nope', config: det.config, tensors: det.model.stateDict(), sections: { ...det.info } as Record<string, unknown> });
    det.model.dispose();
    await assert.rejects(Detector.load(path), /unknown model "nope" \(known: lstm-ae, dc-vae(, [a-z0-9-]+)*\)/);
  });

  it('imports nothing from models/: without the zoo imported, loading says what to import', () => {
    const script = `
      require('./lib/detect/detector').Detector.load(${JSON.stringify(bundles['lstm-ae'])})
        .then(() => console.log('loaded'), (e) => console.log(e.message))
        .then(() => console.log(Object.keys(require.cache).filter((k) => k.includes('/models/')).length + ' models/ modules'));`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /unknown model "lstm-ae" \(no model kinds registered: import 'vigil-ad' or its models\/ first\)\n0 models\/ modules/);
  });

  it('refuses an unknown backend, device or chunk size; native on cuda without a GPU names `vigil info`', async () => {
    await assert.rejects(Detector.load(bundles['lstm-ae'], { backend: 'tf' as never }), /backend must be 'native' or 'onnxruntime', got 'tf'/);
    await assert.rejects(Detector.load(bundles['lstm-ae'], { device: 'tpu' as never }), /unknown device 'tpu'/);
    if (native.buildInfo().cudaDevices === 0)
      await assert.rejects(Detector.load(bundles['lstm-ae'], { device: 'cuda' }), /device 'cuda': .*vigil info/);
    await assert.rejects(Detector.load(bundles['lstm-ae'], { chunkWindows: 0 }), /chunkWindows must be a positive integer/);
  });

  it('native on cuda scores as on cpu within 1e-4 (skipped without a usable CUDA device)', async function () {
    const info = native.buildInfo();
    if (!info.cudaDevices) {
      console.log(`      (skipped: no usable CUDA device: ${info.cudaInfo})`);
      return this.skip();
    }
    const s = series(120);
    const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));
    for (const name of ['lstm-ae', 'dc-vae-alpha']) {
      const cpu = await Detector.load(bundles[name]);
      const gpu = await Detector.load(bundles[name], { device: 'cuda' });
      const a = await cpu.scoreBatch(rows), b = await gpu.scoreBatch(rows);
      const st = gpu.stream();
      const pushed = rows.map((r) => st.pushSync(r));
      await cpu.dispose();
      await gpu.dispose();
      a.forEach((x, i) => {
        for (const y of [b[i], pushed[i]]) {
          assert.equal(y.ready, x.ready);
          if (x.ready && y.ready) assert.ok(Math.abs(y.score - x.score) <= 1e-4 * Math.max(1, Math.abs(x.score)), `${name} row ${i}: cuda ${y.score} vs cpu ${x.score}`);
        }
      });
    }
  });

  it('yields to the event loop between chunks of a large batch', async () => {
    const s = series(400);
    const det = await Detector.load(bundles['lstm-ae'], { chunkWindows: 16 });
    try {
      // A chain of immediates runs once per turn of the loop: it advances only while scoring
      // yields, whatever the speed of the engine (a timer count would depend on it).
      let ticks = 0, done = false;
      const tick = () => {
        ticks++;
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      const results = await det.scoreBatch(Array.from({ length: s.rows }, (_, r) => rowOf(s, r)));
      done = true;
      assert.equal(results.length, 400);
      assert.ok(ticks >= 20, `the loop turned ${ticks} times while 389 windows were scored in 25 chunks of 16`);
    } finally {
      await det.dispose();
    }
  });
});
