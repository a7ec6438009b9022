// DC-VAE's Student-t likelihood (models/dc_vae/student_t.ts): lgamma against known values, the
// density integrating to 1 (so the constant is right), its minimum over sigma at |x - mu| (the
// scoring sigma is the fitted one, as for the Gaussian), gradients against finite differences,
// and which configs use it.
import { strict as assert } from 'node:assert';

import { dcVaeKind } from '../../models/dc_vae';
import { lgamma, studentTNll, studentTNllElements } from '../../models/dc_vae/student_t';
import { gaussianNll } from '../../lib/ops/losses';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';

const f64 = (v: number[]) => Tensor.fromArray(v, [v.length], { dtype: 'float64' });

describe('DC-VAE Student-t likelihood', () => {
  it('lgamma matches known values', () => {
    const cases: [number, number][] = [[1, 0], [2, 0], [0.5, 0.5 * Math.log(Math.PI)], [5, Math.log(24)], [2.5, Math.log(0.75 * Math.sqrt(Math.PI))], [30, Math.log(8.841761993739701e30)]];
    for (const [x, want] of cases) assert.ok(Math.abs(lgamma(x) - want) < 1e-12 * Math.max(1, Math.abs(want)), `lgamma(${x}) = ${lgamma(x)}, want ${want}`);
    assert.throws(() => lgamma(0), /x must be positive/);
  });

  it('exp(-nll) is a density: it integrates to 1 over x, for several nu, mu and sigma', () => {
    for (const [nu, mu, sigma] of [[4, 0, 1], [2.5, 1.5, 0.3], [10, -2, 2]]) {
      tidy(() => {
        const h = 0.01 * sigma, n = 40000; // x over mu +- 400 sigma
        const xs = Array.from({ length: 2 * n + 1 }, (_, i) => mu + (i - n) * h);
        const lv = 2 * Math.log(sigma);
        const nll = studentTNllElements(f64(xs), f64(xs.map(() => mu)), f64(xs.map(() => lv)), nu).toArray();
        let area = 0; // Simpson's rule
        for (let i = 0; i < nll.length; i++) area += Math.exp(-nll[i]) * (h / 3) * (i === 0 || i === nll.length - 1 ? 1 : i % 2 ? 4 : 2);
        // the tails beyond 400 sigma hold well under 1e-5 of the mass for nu >= 2.5
        assert.ok(Math.abs(area - 1) < 1e-5, `nu ${nu}: integral ${area}`);
      });
    }
  });

  it('its minimum over sigma is at sigma = exp(log_var / 2) = |x - mu|, as the Gaussian\'s', () => {
    tidy(() => {
      const e = 0.3;
      const lvs = Array.from({ length: 201 }, (_, i) => -6 + i * 0.04);
      const nlls = lvs.map((lv) => studentTNll(f64([e]), f64([0]), f64([lv]), 4).item());
      const best = lvs[nlls.indexOf(Math.min(...nlls))];
      assert.ok(Math.abs(Math.exp(best / 2) - e) < 0.01, `argmin sigma ${Math.exp(best / 2)} vs |e| ${e}`);
    });
  });

  it('gradients of the mean and sum reductions match finite differences (float64)', () => {
    const g = new Generator(5);
    for (const reduction of ['mean', 'sum'] as const) {
      tidy(() => {
        const x = g.normal([7], 0, 2, { dtype: 'float64' }).toArray(), m = g.normal([7], 0, 1, { dtype: 'float64' }).toArray(), l = g.normal([7], 0, 1, { dtype: 'float64' }).toArray();
        const value = (mv: number[], lvv: number[]) => studentTNll(f64(x), f64(mv), f64(lvv), 3.5, reduction).item();
        const mu = Tensor.fromArray(m, [7], { dtype: 'float64', requiresGrad: true });
        const lv = Tensor.fromArray(l, [7], { dtype: 'float64', requiresGrad: true });
        studentTNll(f64(x), mu, lv, 3.5, reduction).backward();
        const gm = mu.grad!.toArray(), gl = lv.grad!.toArray(), d = 1e-6;
        for (let i = 0; i < 7; i++) {
          const bump = (a: number[], s: number) => a.map((v, j) => (j === i ? v + s : v));
          const nm = (value(bump([...m], d), [...l]) - value(bump([...m], -d), [...l])) / (2 * d);
          const nl = (value([...m], bump([...l], d)) - value([...m], bump([...l], -d))) / (2 * d);
          assert.ok(Math.abs(gm[i] - nm) < 1e-7 * Math.max(1, Math.abs(nm)), `${reduction} d/dmu[${i}] ${gm[i]} vs ${nm}`);
          assert.ok(Math.abs(gl[i] - nl) < 1e-7 * Math.max(1, Math.abs(nl)), `${reduction} d/dlogvar[${i}] ${gl[i]} vs ${nl}`);
        }
      });
    }
  });

  it('the named configs train with it; a config without the field (an older bundle) with the Gaussian', () => {
    for (const preset of ['head', 'may-2022']) {
      const c = dcVaeKind.defaultConfig(3, { preset } as never);
      assert.equal(c.likelihood, 'student-t');
      assert.equal(c.nu, 4);
    }
    const M = 2, T = 6;
    const config = { ...dcVaeKind.defaultConfig(M, { window: T, latent: 2 }) };
    delete config.likelihood;
    delete config.nu;
    const old = dcVaeKind.create(config, new Generator(1));
    const robust = dcVaeKind.create(dcVaeKind.defaultConfig(M, { window: T, latent: 2 }), new Generator(1));
    tidy(() => {
      const g = new Generator(2);
      const out = { xMean: g.normal([1, M, T]), xLogVar: g.normal([1, M, T], 0, 0.5), zMean: g.normal([1, 2, T]), zLogVar: g.normal([1, 2, T]) };
      const xt = g.normal([1, M, T], 0, 3);
      assert.equal(old.lossTerms(xt, out).nll.item(), gaussianNll(xt, out.xMean, out.xLogVar).item());
      assert.equal(robust.lossTerms(xt, out).nll.item(), studentTNll(xt, out.xMean, out.xLogVar, 4).item());
    });
    old.dispose();
    robust.dispose();
    assert.throws(() => dcVaeKind.create(dcVaeKind.defaultConfig(2, { likelihood: 'laplace' } as never)), /likelihood must be 'gaussian' or 'student-t', got "laplace"/);
    assert.throws(() => dcVaeKind.create(dcVaeKind.defaultConfig(2, { nu: 0 })), /nu must be a positive finite number, got 0/);
  });
});
