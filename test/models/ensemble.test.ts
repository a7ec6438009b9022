// The ensemble's common scale and combination rule worked by hand: the surprise of a score
// (rank table below the POT tail, the GPD tail above, floored), max and mean, the attribution
// shares; then through the model itself with members whose scores are known (test/models/
// ensemble_echo.ts): each reads its own last rows, and the scores and attribution are the hand
// values. Bad configs and ONNX export are refused by name.
import { strict as assert } from 'node:assert';

import { registerModelKind, unregisterModelKind } from '../../lib/model';
import { Tensor } from '../../lib/tensor';
import '../../models';
import { defaultThreshold } from '../../lib/calibrate/thresholds';
import { calibratedScore, tailCalibration } from '../../lib/eval/calibrated';
import { addAttribution, combine, ensembleKind, fitMemberScale, surprise, type Ensemble, type MemberScale } from '../../models/ensemble';
import { echoKind } from './ensemble_echo';

const close = (a: number, b: number, what: string, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('ensemble: the common scale and the combination rule', () => {
  // Quantiles of a member's validation scores at levels 0, 1/4, ..., 1; its tail above t = 3.
  const scale = (shape: number): MemberScale => ({ quantiles: [0, 1, 2, 3, 4], tail: { initialThreshold: 3, tailShare: 0.25, shape, scale: 1 } });

  it('below t: -log10 of the interpolated rank; above: of the GPD tail, unbounded', () => {
    const m = scale(0);
    close(surprise(m, -1), 0, 'below every validation score');
    close(surprise(m, 1.5), -Math.log10(1 - 1.5 / 4), 'between the quantiles at 1/4 and 2/4');
    close(surprise(m, 3), -Math.log10(0.25), 'at t: the tail share');
    close(surprise(m, 3 + Math.log(10)), -Math.log10(0.025), 'exponential tail: q e^(-y/s)');
    close(surprise(scale(0.5), 5), -Math.log10(0.25 * 2 ** -2), 'GPD tail: q (1 + g y / s)^(-1/g)');
    close(surprise(m, 103), -Math.log10(0.25) + 100 / Math.LN10, 'far out, where 1 - calibrated rounds to 0', 1e-9);
    for (const g of [0, 0.5])
      for (const x of [3.5, 5, 10]) close(surprise(scale(g), x), -Math.log10(1 - calibratedScore(scale(g).tail, x)), `lib's calibrated tail, g ${g}, x ${x}`, 1e-9);
    assert.throws(() => surprise(scale(-1), 5), /tail shape must be >= 0/);
    assert.ok(Number.isNaN(surprise(m, NaN)));
  });

  it('the tail: POT\'s when unbounded, else exponential over its t; over the top decile without POT', () => {
    // 1..100: POT over t = 90.1 (the 0.9 quantile, 10 excesses 0.9..9.9) fits a bounded tail.
    const uniform = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const pot = tailCalibration(defaultThreshold(uniform))!;
    assert.ok(pot.shape < 0, `the POT fit is bounded: shape ${pot.shape}`);
    const u = fitMemberScale(uniform, 99);
    assert.deepEqual([u.tail.initialThreshold, u.tail.tailShare, u.tail.shape], [pot.initialThreshold, pot.tailShare, 0]);
    close(u.tail.scale, 5.4, 'the mean excess', 1e-12);
    // 40 scores: no POT (under 50); t = the 0.9 quantile 36.1, excesses 0.9, 1.9, 2.9, 3.9.
    const m = fitMemberScale(Float64Array.from({ length: 40 }, (_, i) => i + 1), 39);
    Array.from(m.quantiles).forEach((v, i) => close(v, i + 1, `quantile ${i}`, 1e-12));
    close(m.tail.initialThreshold, 36.1, 't', 1e-12);
    close(m.tail.tailShare, 0.1, 'q');
    close(m.tail.scale, 2.4, 'the mean excess', 1e-12);
    assert.equal(m.tail.shape, 0);
    // Heavy-tailed scores keep POT's positive shape.
    const heavy = Float64Array.from({ length: 2000 }, (_, i) => 1 / (1 - (i + 0.5) / 2000) ** 0.5);
    assert.ok(fitMemberScale(heavy, 100).tail.shape > 0);
  });

  it('max and mean of the surprises; attribution shares weighted by surprise', () => {
    close(combine([0.3, 1.6, 0], 'max'), 1.6, 'max');
    close(combine([0.3, 1.6, 0], 'mean'), 0.6333333333333333, 'mean');
    const out = new Float32Array(3);
    addAttribution([9, 1, 3], 1, 2, 2, out, 1);
    assert.deepEqual(Array.from(out), [0, 0.5, 1.5]);
    addAttribution([1, 3], 0, 2, 0, out, 0);
    addAttribution([0, 0], 0, 2, 5, out, 0);
    assert.deepEqual(Array.from(out), [0, 0.5, 1.5], 'an unsurprised member, or one with no error, blames nothing');
  });
});

describe('ensemble model: hand-known members', () => {
  before(() => registerModelKind(echoKind));
  after(() => unregisterModelKind(echoKind.kind));

  /** Member a: window 1 on channel 0; member b: window 2 on channel 1; validation scores 1..100 each. */
  function fitted(combineRule: 'max' | 'mean'): Ensemble {
    const config = ensembleKind.defaultConfig(2, {
      combine: combineRule, levels: 99,
      members: [{ kind: 'echo-test', config: { channel: 0 } }, { kind: 'echo-test', config: { channel: 1, window: 2 } }],
    });
    const model = ensembleKind.create(config);
    assert.equal(model.window, 2);
    // Both rows of validation window b hold b + 1 on both channels.
    const x = Float32Array.from({ length: 100 * 4 }, (_, i) => Math.floor(i / 4) + 1);
    model.fitScales((visit) => {
      visit(Tensor.fromArray(x.subarray(0, 200), [50, 2, 2]));
      visit(Tensor.fromArray(x.subarray(200), [50, 2, 2]));
    });
    return model;
  }

  // Rows [[1, 25.75], [50.5, 99]]: a reads 50.5 (its last row), P = 1 - 49.5 / 99 = 0.5;
  // b reads 25.75 (row 0 of its 2), P = 1 - 24.75 / 99 = 0.75; a window below every score: 0.
  const x = Tensor.fromArray([1, 25.75, 50.5, 99, 0, 0, 0, 0], [2, 2, 2]);
  const sa = -Math.log10(0.5), sb = -Math.log10(0.75);

  for (const rule of ['max', 'mean'] as const) {
    it(`${rule}: the scores of the hand-worked surprises`, () => {
      const model = fitted(rule);
      try {
        const s = model.scores(x).toArray();
        close(s[0], rule === 'max' ? sa : (sa + sb) / 2, 'window 0', 1e-6);
        assert.equal(s[1], 0, 'a window below every validation score');
      } finally {
        model.dispose();
      }
    });
  }

  it('attribution: each member blames its channel by its surprise', () => {
    const model = fitted('max');
    try {
      const e = model.channelErrors(x).toArray();
      close(e[0], sa, 'channel 0 from member a', 1e-6);
      close(e[1], sb, 'channel 1 from member b', 1e-6);
      assert.deepEqual(Array.from(e.subarray(2)), [0, 0]);
    } finally {
      model.dispose();
    }
  });

  it('a tensor refilled between calls is scored anew (the one-batch cache keys on values)', () => {
    const model = fitted('max');
    try {
      const t = Tensor.fromArray([1, 25.75, 50.5, 99], [1, 2, 2]);
      close(model.scores(t).toArray()[0], sa, 'first fill', 1e-6);
      t.assign([0, 0, 0, 0]);
      assert.equal(model.scores(t).toArray()[0], 0, 'second fill');
      assert.deepEqual(Array.from(model.channelErrors(t).toArray()), [0, 0]);
    } finally {
      model.dispose();
    }
  });

  it('refuses to score before its scales are fitted, and refuses ONNX export naming why', () => {
    const model = ensembleKind.create(ensembleKind.defaultConfig(2, { members: ['echo-test', 'pca'] }));
    try {
      assert.throws(() => model.scores(Tensor.zeros([1, 1, 2])), /ensemble: its members' scales are not fitted/);
      assert.throws(() => model.toOnnx(), /ensemble: no ONNX export .*members that cannot export either: echo-test \(no graph\)\).*native backend/);
    } finally {
      model.dispose();
    }
  });

  it('bad configs name the field', () => {
    const make = (o: Record<string, unknown>) => () => ensembleKind.create(ensembleKind.defaultConfig(2, o));
    assert.throws(make({ members: [] }), /ensemble: members must be a list of one or more/);
    assert.throws(make({ members: ['nope'] }), /unknown model "nope"/);
    assert.throws(make({ members: ['ensemble'] }), /member 0 is an ensemble/);
    assert.throws(make({ members: ['pca'], combine: 'sum' }), /ensemble: combine must be "max" or "mean", got "sum"/);
    assert.throws(make({ members: ['pca'], levels: 1 }), /ensemble: levels must be an integer in \[2, 100000\]/);
    assert.throws(make({ members: ['dc-vae', { kind: 'pca', config: { varianceExplained: 2 } }] }), /pca: varianceExplained must be/);
    assert.throws(make({ members: ['pca', 'alad'] }), /ensemble: member 1 \(alad\) does not read windows of rows/);
    const edited = ensembleKind.defaultConfig(2, { members: ['pca'] });
    edited.members[0].config.inputs = 3;
    assert.throws(() => ensembleKind.create(edited), /ensemble: member 0 \(pca\) reads 3 channels, the ensemble 2/);
  });

  it('refuses a checkpoint or log its members would share', async () => {
    const model = ensembleKind.create(ensembleKind.defaultConfig(2, { members: ['echo-test'] }));
    const data = { trainCount: 1, validationCount: 1, batch: () => Tensor.zeros([1, 1, 2]) };
    try {
      await assert.rejects(ensembleKind.fit!(model, data, { epochs: 1, checkpoint: 'c.ckpt', log: 'l.jsonl' }), /ensemble: --checkpoint, --log not supported/);
    } finally {
      model.dispose();
    }
  });

  it('--window reaches the members that set none', () => {
    const c = ensembleKind.defaultConfig(3, { window: 7, members: ['pca', { kind: 'iforest', config: { window: 4 } }] });
    assert.deepEqual(c.members.map((m) => m.config.window), [7, 4]);
    assert.equal((c as unknown as Record<string, unknown>).window, undefined, 'no stray field');
  });
});
