import { strict as assert } from 'node:assert';

import { SchemaError } from '../../lib/data/errors';
import { Scaler, type ScalerKind } from '../../lib/data/scaler';
import type { Series } from '../../lib/data/series';

/** Column-major values -> a row-major Series. */
function series(cols: Record<string, number[]>, extra: Partial<Series> = {}): Series {
  const names = Object.keys(cols);
  const rows = cols[names[0]].length;
  const data = new Float32Array(rows * names.length);
  names.forEach((n, c) => cols[n].forEach((v, r) => (data[r * names.length + c] = v)));
  return { columns: names, data, rows, ...extra };
}

// Hand-computed statistics of a = [1, 2, 3, 4, 100] and b = [-2, -2, -2, -2, -2] (constant).
const A = [1, 2, 3, 4, 100];
const B = [-2, -2, -2, -2, -2];
const EXPECTED: Record<ScalerKind, { center: number[]; scale: number[] }> = {
  // mean 22, population variance (21² + 20² + 19² + 18² + 78²) / 5 = 7610 / 5 = 1522
  standard: { center: [22, -2], scale: [Math.sqrt(1522), 1] },
  minmax: { center: [1, -2], scale: [99, 1] },
  // median 3; q25 = 2, q75 = 4 (numpy linear): IQR 2
  robust: { center: [3, -2], scale: [2, 1] },
};

describe('data: scalers', () => {
  for (const kind of ['standard', 'minmax', 'robust'] as ScalerKind[]) {
    describe(kind, () => {
      const train = () => series({ a: A, b: B });

      it('fits center and scale (a constant channel gets scale 1)', () => {
        const s = new Scaler(kind).fit(train());
        const e = EXPECTED[kind];
        s.center!.forEach((v, c) => assert.ok(Math.abs(v - e.center[c]) < 1e-12, `center ${c}: ${v}`));
        s.scale!.forEach((v, c) => assert.ok(Math.abs(v - e.scale[c]) < 1e-12, `scale ${c}: ${v}`));
      });

      it('transforms as (x - center) / scale and inverts back within float32 rounding', () => {
        const s = new Scaler(kind).fit(train());
        const test = series({ a: [0, 5, 50, -7.25, 1e4], b: [-2, 0, 3, -2, 1] }, { labels: Uint8Array.from([0, 1, 0, 0, 1]), source: 'x' });
        const y = s.transform(test);
        assert.notEqual(y.data, test.data, 'a new array');
        assert.equal(y.labels, test.labels, 'labels shared');
        assert.equal(y.source, 'x');
        const e = EXPECTED[kind];
        for (let r = 0; r < test.rows; r++) {
          for (let c = 0; c < 2; c++) {
            const want = Math.fround((test.data[r * 2 + c] - e.center[c]) / e.scale[c]);
            assert.ok(Math.abs(y.data[r * 2 + c] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `(${r}, ${c})`);
          }
        }
        const back = s.inverse(y);
        back.data.forEach((v, i) => assert.ok(Math.abs(v - test.data[i]) <= 2e-6 * Math.max(1, Math.abs(test.data[i])), `round trip ${i}: ${v}`));
      });

      it('maps the training data to the documented range', () => {
        const s = new Scaler(kind).fit(train());
        const y = s.transform(train());
        const a = [0, 1, 2, 3, 4].map((r) => y.data[r * 2]);
        if (kind === 'minmax') assert.deepEqual([Math.min(...a), Math.max(...a)], [0, 1]);
        if (kind === 'standard') {
          const mean = a.reduce((p, q) => p + q) / 5;
          const variance = a.reduce((p, q) => p + (q - mean) ** 2, 0) / 5;
          assert.ok(Math.abs(mean) < 1e-6 && Math.abs(variance - 1) < 1e-6);
        }
        if (kind === 'robust') assert.deepEqual(a.slice(0, 4), [-1, -0.5, 0, 0.5]);
        assert.deepEqual([0, 1, 2, 3, 4].map((r) => y.data[r * 2 + 1]), [0, 0, 0, 0, 0], 'the constant channel maps to 0');
      });

      it('round-trips through JSON and scores identically', () => {
        const s = new Scaler(kind).fit(series({ a: [0.1, 0.7, 0.3, 1 / 3, 0.9], b: [5, 6, 7, 8, 9.5] }));
        const json = JSON.parse(JSON.stringify(s));
        assert.equal(json.kind, kind);
        assert.deepEqual(json.columns, ['a', 'b']);
        const r = Scaler.fromJSON(json);
        assert.deepEqual(r.center, s.center);
        assert.deepEqual(r.scale, s.scale);
        const x = series({ a: [0.5, -1, 2], b: [1, 2, 3] });
        assert.deepEqual(r.transform(x).data, s.transform(x).data);
      });

      it('transforms in place when asked', () => {
        const s = new Scaler(kind).fit(train());
        const x = train();
        const before = x.data;
        const y = s.transform(x, { inPlace: true });
        assert.equal(y, x);
        assert.equal(x.data, before);
        assert.deepEqual(x.data, s.transform(train()).data);
      });
    });
  }

  it('transformArray scales [n, T, F] batches by their last axis', () => {
    const s = new Scaler('minmax').fit(series({ a: [0, 10], b: [0, 2] }));
    assert.deepEqual(s.transformArray(Float32Array.from([5, 1, 10, 2, 0, 0, 20, 4])), Float32Array.from([0.5, 0.5, 1, 1, 0, 0, 2, 2]));
    assert.throws(() => s.transformArray(new Float32Array(3)), /3 values are not whole rows of the scaler's 2 channels/);
  });

  it("refuses data whose columns differ from the training data's", () => {
    const s = new Scaler().fit(series({ a: [1, 2], b: [3, 4] }));
    const e = (() => {
      try {
        s.transform(series({ b: [1], a: [2] }, { source: 'test.csv' }));
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof SchemaError);
    assert.deepEqual(e.reordered, ['a', 'b']);
  });

  it('refuses use before fit, unknown kinds, empty data and bad JSON', () => {
    assert.throws(() => new Scaler('robust').transformArray(new Float32Array(2)), /the robust scaler is not fitted/);
    assert.throws(() => new Scaler('zscore' as ScalerKind), /scaler kind must be one of standard, minmax, robust, not 'zscore'/);
    assert.throws(() => new Scaler().fit({ columns: ['a'], data: new Float32Array(0), rows: 0, source: 'e.csv' }), /e.csv: cannot fit a scaler on 0 rows/);
    assert.throws(() => Scaler.fromJSON({ kind: 'standard', columns: ['a'], center: [0], scale: [0] }), /zero\/non-finite scale/);
    assert.throws(() => Scaler.fromJSON({ kind: 'standard', columns: ['a', 'b'], center: [0], scale: [1] }), /same length/);
  });
});
