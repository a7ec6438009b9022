// The Detector serving a model that reads single rows (ALAD, window 1) trained on tabular rows with
// categorical columns: rows keyed by the ORIGINAL table columns (or arrays in their order) are
// one-hot encoded with the bundle's vocabulary, scaled and scored, and every score and flag
// equals what `vigil detect` computes on the same rows written to a CSV (loadSeries with the
// bundle's encoder -> pipeline scoreSeries -> applyThreshold), in a batch and in a stream, with a
// fixed and a dynamic threshold, and the CLI's scores file too; unseen categories follow the bundle's policy; bad rows are
// RowErrors naming the row and column; the onnxruntime backend scores them as the native one; the example service's
// /score takes such rows.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import '../../models';
import '../../lib/onnx/export/export';
import { loadSeries, loadTrainingData, type DataSource } from '../../lib/data/load';
import type { Series } from '../../lib/data/series';
import { scoringOptions, type TabularInput } from '../../lib/data/tabular_input';
import { Detector, RowError, type Decision, type RowResult } from '../../lib/detect/detector';
import { loadDetector, saveDetector } from '../../lib/detect/detector_bundle';
import { applyThreshold } from '../../lib/eval/threshold';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { fitDetector } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';
import { Generator } from '../../lib/random';
import { createService } from '../../examples/service/server';
import { vigil } from '../helpers/cli';

const SMALL = { latent: 4, encoderWidth: 16, generatorWidths: [16, 32], dxzWidth: 32, dxxWidth: 32, dzzWidth: 8 };
const HEADER = ['duration', 'bytes', 'proto', 'flag', 'class'];
type Row = { duration: number; bytes: number; proto: string; flag: string };

/** `n` connection records: two numeric columns, proto and flag categories, class ok / odd (odd rows off the structure). */
function records(n: number, seed: number): (Row & { class: string })[] {
  const g = new Generator(seed);
  const u = g.uniform([n, 3]).toArray(), e = g.normal([n, 2]).toArray();
  return Array.from({ length: n }, (_, r) => {
    const odd = u[r * 3] < 0.2;
    const proto = u[r * 3 + 1] < 0.6 ? 'tcp' : u[r * 3 + 1] < 0.9 ? 'udp' : 'icmp';
    // Values rounded as the CSV holds them, so the rows given to the Detector are the file's.
    const duration = Number((e[r * 2] + (odd ? 3 : 0)).toFixed(4)), bytes = Number((e[r * 2] - e[r * 2 + 1]).toFixed(4));
    return { duration, bytes, proto, flag: u[r * 3 + 2] < 0.8 ? 'SF' : 'REJ', class: odd ? 'odd' : 'ok' };
  });
}

function writeCsv(path: string, rows: (Row & { class: string })[]): void {
  writeFileSync(path, [HEADER.join(','), ...rows.map((r) => HEADER.map((c) => String(r[c as keyof typeof r])).join(','))].join('\n') + '\n');
}

const featuresOf = ({ class: _, ...row }: Row & { class: string }): Row => row;
const asArray = (r: Row) => [r.duration, r.bytes, r.proto, r.flag];
const decided = (r: RowResult): Decision => {
  assert.ok(r.ready, `row ${r.index} has a decision (window 1)`);
  return r as Decision;
};

describe('Detector: single-row models on tabular rows (ALAD)', function () {
  this.timeout(120000);
  let dir = '', fixed = '', dynamic = '', strict = '';
  let src: DataSource;
  const fresh = records(120, 11);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-row-models-'));
    const file = join(dir, 'conn.csv');
    writeCsv(file, records(640, 4));
    src = { path: file, preset: 'tabular', labels: ['class'], tabular: { protocol: 'honest', symbolic: ['proto', 'flag'], anomalous: ['odd'] } };
    const { train, validation, tabular } = await loadTrainingData(src);
    fixed = join(dir, 'fixed.vigil');
    const det = await fitDetector(train, { kind: 'alad', config: SMALL, validationData: validation, tabular, epochs: 1, seed: 1, progress: false, out: fixed });
    try {
      // A dynamic threshold low enough that some of the fresh rows' scores are flagged.
      dynamic = join(dir, 'dynamic.vigil');
      saveCalibration(fixed, calibrateDetector(det, validation!, 'dynamic', { options: { history: 30, span: 3, 'z-grid': '0.5,1,1.5', 'min-decrease': 0.01 } }), dynamic);
      strict = join(dir, 'strict.vigil');
      saveDetector(strict, det.kind, det.config, det.model, { ...det.info, tabular: { ...det.info.tabular!, unseen: 'error' } });
    } finally {
      det.model.dispose();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** What `vigil detect --protocol none` computes on `rows` written to a file: scores and flags. */
  async function viaDetect(bundle: string, rows: (Row & { class: string })[], name: string): Promise<{ scores: Float32Array; flags: Uint8Array; series: Series }> {
    const path = join(dir, name);
    writeCsv(path, rows);
    const loaded = loadDetector(bundle);
    try {
      const series = await loadSeries({ ...src, path, tabular: scoringOptions(loaded.info.tabular as TabularInput, { ...src.tabular, protocol: 'none' }) }, 'test');
      assert.equal(series.rows, rows.length);
      const { scores } = scoreSeries(loaded, series);
      return { scores, flags: applyThreshold(scores, loaded.info.threshold), series };
    } finally {
      loaded.model.dispose();
    }
  }

  /** Batch (objects and arrays) and a stream pushed row by row give `vigil detect`'s scores and flags, exactly. */
  async function assertMatchesDetect(bundle: string, rows: (Row & { class: string })[], name: string): Promise<number> {
    const want = await viaDetect(bundle, rows, name);
    const det = await Detector.load(bundle);
    const seven = await Detector.load(bundle, { chunkWindows: 7 });
    try {
      assert.equal(det.window, 1);
      assert.deepEqual(det.rowColumns, ['duration', 'bytes', 'proto', 'flag']);
      assert.deepEqual(det.columns, want.series.columns, 'decisions speak of the encoded columns');
      const objects = await det.scoreBatch(rows.map(featuresOf));
      const arrays = await seven.scoreBatch(rows.map((r) => asArray(featuresOf(r))));
      const stream = det.stream();
      rows.forEach((r, i) => {
        const b = decided(objects[i]), a = decided(arrays[i]), s = decided(stream.pushSync(featuresOf(r)));
        assert.equal(b.score, want.scores[i], `row ${i}: batch score = vigil detect's`);
        assert.equal(a.score, want.scores[i], `row ${i}: array rows, in chunks of 7, score the same`);
        assert.equal(s.score, want.scores[i], `row ${i}: stream score = vigil detect's`);
        assert.equal(b.flag, want.flags[i] === 1, `row ${i}: batch flag`);
        assert.equal(s.flag, want.flags[i] === 1, `row ${i}: stream flag`);
        assert.deepEqual(b.topChannels, [], 'ALAD has no per-channel errors: no channels named');
      });
      return want.flags.reduce((a, f) => a + f, 0);
    } finally {
      await det.dispose();
      await seven.dispose();
    }
  }

  it('batch and stream equal vigil detect, row by row (fixed threshold)', async () => {
    await assertMatchesDetect(fixed, fresh, 'fresh.csv');
  });

  it('the CLI itself: `vigil detect` on the file writes the scores and flags the Detector gives the rows', async () => {
    writeCsv(join(dir, 'cli.csv'), fresh);
    const r = vigil(['detect', '--model', fixed, '--preset', 'tabular', '--label', 'class', '--symbolic', 'proto,flag', '--anomalous', 'odd',
      '--data', 'cli.csv', '--protocol', 'none', '--out', 'cli.scores'], dir);
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(join(dir, 'cli.scores'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const det = await Detector.load(fixed);
    try {
      const got = await det.scoreBatch(fresh.map(featuresOf));
      assert.equal(lines.length, fresh.length);
      lines.forEach((l, i) => {
        assert.equal(decided(got[i]).score, Number(l[2]), `row ${i}: score`);
        assert.equal(decided(got[i]).flag ? '1' : '0', l[3], `row ${i}: flag`);
      });
    } finally {
      await det.dispose();
    }
  });

  it('a dynamic threshold: batch and stream flags equal vigil detect\'s; a saved stream resumes exactly', async () => {
    const flagged = await assertMatchesDetect(dynamic, fresh, 'fresh_dyn.csv');
    assert.ok(flagged > 0 && flagged < fresh.length, `${flagged} of ${fresh.length} flagged: the rule decides both ways`);
    const det = await Detector.load(dynamic);
    try {
      assert.equal(det.threshold.method, 'dynamic');
      const whole = det.stream(), half = det.stream();
      const all = fresh.map((r) => decided(whole.pushSync(featuresOf(r))).flag);
      fresh.slice(0, 60).forEach((r) => half.pushSync(featuresOf(r)));
      const resumed = det.stream({ restore: JSON.parse(JSON.stringify(half.state())) });
      assert.deepEqual(fresh.slice(60).map((r) => decided(resumed.pushSync(featuresOf(r))).flag), all.slice(60));
    } finally {
      await det.dispose();
    }
  });

  it('an unseen category: policy zeros scores it as vigil detect does and reports it; policy error refuses the row', async () => {
    const rows = fresh.slice(0, 10).map((r, i) => (i === 4 ? { ...r, proto: 'sctp' } : r));
    const want = await viaDetect(fixed, rows, 'unseen.csv');
    let det = await Detector.load(fixed);
    try {
      const got = await det.scoreBatch(rows.map(featuresOf));
      got.forEach((g, i) => assert.equal(decided(g).score, want.scores[i], `row ${i}`));
      assert.deepEqual(decided(got[4]).unseen, [{ column: 'proto', value: 'sctp' }]);
      assert.ok(got.every((g, i) => i === 4 || !('unseen' in g)), 'only the row with the unseen category says so');
      const s = det.stream().pushSync(featuresOf(rows[4]));
      assert.deepEqual(decided(s).unseen, [{ column: 'proto', value: 'sctp' }]);
      assert.equal(decided(s).score, want.scores[4]);
      // pushMany: a stream's row keeps its own unseen categories when the stream reads another row in the same call.
      const [m1, m2, one1, one2] = [det.stream(), det.stream(), det.stream(), det.stream()];
      const order: [number, number][] = [[0, 3], [0, 4], [1, 4], [0, 5], [1, 6]];
      const many = det.pushManySync(order.map(([k, r]) => ({ stream: [m1, m2][k], row: featuresOf(rows[r]) })));
      assert.deepEqual(many, order.map(([k, r]) => [one1, one2][k].pushSync(featuresOf(rows[r]))));
      assert.deepEqual(decided(many[1] as RowResult).unseen, [{ column: 'proto', value: 'sctp' }]);
      assert.ok(!('unseen' in many[3]));
    } finally {
      await det.dispose();
    }
    det = await Detector.load(strict);
    try {
      await assert.rejects(det.scoreBatch(rows.map(featuresOf)), (e: Error) => e instanceof RowError &&
        /^row 4, column "proto": category "sctp" was not seen when the encoder was fitted \(known: icmp, tcp, udp; the bundle's unseen policy is 'error'\)/.test(e.message));
    } finally {
      await det.dispose();
    }
  });

  it('bad rows are RowErrors naming the row and column; a refused push leaves the stream as it was', async () => {
    const det = await Detector.load(fixed);
    try {
      const good = fresh.slice(0, 3).map(featuresOf);
      const refuse = async (bad: unknown, re: RegExp) => {
        await assert.rejects(det.scoreBatch([...good, bad as Row]), (e: Error) => e instanceof RowError && re.test(e.message), String(re));
      };
      const { flag: _, ...noFlag } = good[0];
      await refuse(noFlag, /^row 3: the row's keys do not match the model's schema: missing "flag"/);
      await refuse({ ...good[0], class: 'ok' }, /^row 3: the row's keys do not match the model's schema: unexpected "class"/);
      await refuse({ ...good[0], bytes: 'abc' }, /^row 3, column "bytes": /);
      await refuse({ ...good[0], duration: null }, /^row 3, column "duration": missing value/);
      await refuse({ ...good[0], proto: 6 }, /^row 3, column "proto": a categorical column takes its category as a string \(known: icmp, tcp, udp\), not the number 6/);
      await refuse({ ...good[0], flag: '  ' }, /^row 3, column "flag": empty category/);
      await refuse([1, 2, 'tcp'], /^row 3: expected 4 values in schema order \(duration, bytes, proto, flag\)/);
      assert.throws(() => det.stream({ onBadValue: 'ffill' }), /onBadValue 'ffill' does not apply to tabular rows/);
      // Categories are trimmed text, as the tabular CSV reader reads them.
      assert.equal(decided((await det.scoreBatch([{ ...good[0], proto: ` ${good[0].proto} ` }]))[0]).score, decided((await det.scoreBatch([good[0]]))[0]).score);

      const st = det.stream(), ref = det.stream();
      st.pushSync(good[0]);
      ref.pushSync(good[0]);
      assert.throws(() => st.pushSync({ ...good[1], proto: 7 } as never), RowError);
      assert.equal(st.seen, 1);
      assert.deepEqual(st.pushSync(good[1]), { ...ref.pushSync(good[1]) });
    } finally {
      await det.dispose();
    }
  });

  it('backend onnxruntime (the exported graph: scores, no channel_errors) scores the rows as the native backend, within 1e-4', async () => {
    const nat = await Detector.load(fixed), ort = await Detector.load(fixed, { backend: 'onnxruntime' });
    try {
      const rows = fresh.slice(0, 20).map(featuresOf);
      const [a, b] = [await nat.scoreBatch(rows), await ort.scoreBatch(rows)];
      a.forEach((r, i) => {
        const [x, y] = [decided(r), decided(b[i])];
        assert.ok(Math.abs(x.score - y.score) <= 1e-4 * (1 + Math.abs(x.score)), `row ${i}: native ${x.score}, onnxruntime ${y.score}`);
      });
    } finally {
      await nat.dispose();
      await ort.dispose();
    }
  });

  it('the example service\'s /score takes rows keyed by the table columns', async () => {
    const det = await Detector.load(fixed);
    const svc = createService(det, {});
    try {
      await new Promise<void>((resolve) => svc.server.listen(0, '127.0.0.1', resolve));
      const rows = fresh.slice(0, 5).map(featuresOf);
      const r = await fetch(`http://127.0.0.1:${(svc.server.address() as AddressInfo).port}/score`, { method: 'POST', body: JSON.stringify({ rows }), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
      assert.deepEqual((await r.json()).results, JSON.parse(JSON.stringify(await det.scoreBatch(rows))));
    } finally {
      await new Promise((resolve) => svc.server.close(resolve));
      await det.dispose();
    }
  });
});
