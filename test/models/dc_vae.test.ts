// DC-VAE: one training step against PyTorch (loss, NLL and KL terms, every parameter gradient,
// BatchNorm running statistics, eval-mode last-step scores), causality end to end, the
// statistics of reparameterised draws, the loss terms against their closed forms, and the
// upstream layer layouts.
import { strict as assert } from 'node:assert';

import { dcVaeKind, DcVae, upstreamLayout, type DcVaeConfig } from '../../models/dc_vae';
import { gaussianNll } from '../../lib/ops/losses';
import { slice } from '../../lib/ops';
import { reparamSample } from '../../lib/ops/reparam_sample';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';

function fromFixture(name: string): { model: DcVae; fx: ReturnType<typeof loadFixture> } {
  const fx = loadFixture(name);
  const model = new DcVae(fx.meta as DcVaeConfig, new Generator(0));
  const state = new Map(fx.keys().filter((k) => k.startsWith('p.')).map((k) => [k.slice(2), fx.tensor(k)]));
  model.loadStateDict(state);
  state.forEach((t) => t.dispose());
  return { model, fx };
}

describe('DC-VAE model', function () {
  this.timeout(30000);

  for (const name of ['dc_vae_step_mean', 'dc_vae_step_sum']) {
    it(`one training step matches PyTorch (${name}): loss, terms, gradients, BN statistics, scores`, () => {
      const { model, fx } = fromFixture(name);
      tidy(() => {
        model.train();
        const x = fx.tensor('x');
        const { loss, terms } = model.loss(x, { eps: fx.tensor('eps') });
        // float32 here vs float64 in PyTorch: a few ulps per op over ~10 layers.
        assertClose([loss.item()], fx.tensor('out.loss'), { rtol: 1e-5, atol: 1e-5 }, 'loss');
        assertClose([terms.nll], fx.tensor('out.nll'), { rtol: 1e-5, atol: 1e-5 }, 'nll');
        assertClose([terms.kl], fx.tensor('out.kl'), { rtol: 1e-5, atol: 1e-5 }, 'kl');
        loss.backward();
        let checked = 0;
        for (const [k, p] of model.namedParameters()) {
          assert.ok(p.grad, `${k} has a gradient`);
          assertClose(p.grad!, fx.tensor(`grad.${k}`), { rtol: 1e-3, atol: 1e-5 }, `grad ${k}`);
          checked++;
        }
        assert.equal(checked, fx.keys().filter((k) => k.startsWith('grad.')).length);
        for (const [k, b] of model.namedBuffers()) assertClose(b, fx.tensor(`after.${k}`), { rtol: 1e-5, atol: 1e-6 }, `buffer ${k}`);
        model.eval();
        const { mu, sigma } = model.lastStep(x);
        assertClose(mu, fx.tensor('out.mu'), { rtol: 1e-4, atol: 1e-5 }, 'last-step mu');
        assertClose(sigma, fx.tensor('out.sigma'), { rtol: 1e-4, atol: 1e-5 }, 'last-step sigma');
        assertClose(model.channelErrors(x), fx.tensor('out.errors'), { rtol: 1e-4, atol: 1e-5 }, 'channel errors');
      });
      model.dispose();
    });
  }

  it('is causal end to end in eval mode: outputs up to t ignore inputs after t', () => {
    const config = dcVaeKind.defaultConfig(3, { window: 40 });
    const model = dcVaeKind.create(config, new Generator(4));
    model.eval();
    tidy(() => {
      const g = new Generator(5);
      const a = g.normal([2, 40, 3]).toArray();
      const t = 23;
      const b = Float32Array.from(a);
      for (let i = 0; i < 2; i++) for (let s = t + 1; s < 40; s++) for (let c = 0; c < 3; c++) b[(i * 40 + s) * 3 + c] += 5 * Math.sin(s + c);
      const ya = model.forward(Tensor.fromArray(a, [2, 40, 3]));
      const yb = model.forward(Tensor.fromArray(b, [2, 40, 3]));
      for (const key of ['xMean', 'xLogVar', 'zMean', 'zLogVar'] as const) {
        const pa = ya[key].toArray(), pb = yb[key].toArray();
        const C = ya[key].shape[1];
        let changedAfter = false;
        for (let i = 0; i < 2; i++) for (let c = 0; c < C; c++) for (let s = 0; s < 40; s++) {
          const k = (i * C + c) * 40 + s;
          if (s <= t) assert.equal(pa[k], pb[k], `${key}[${i},${c},${s}] changed with inputs after step ${t}`);
          else if (pa[k] !== pb[k]) changedAfter = true;
        }
        assert.ok(changedAfter, `${key} responds to the changed inputs after step ${t}`);
      }
    });
    model.dispose();
  });

  it('eval-mode scoring over the last output\'s dependency cone equals the full forward\'s last step', () => {
    for (const overrides of [{}, { preset: 'may-2022', window: 300 }, { window: 20, kernel: 3 }] as any[]) {
      const model = dcVaeKind.create(dcVaeKind.defaultConfig(3, overrides), new Generator(6));
      model.eval();
      tidy(() => {
        const T = model.window;
        const x = new Generator(7).normal([3, T, 3]);
        const full = model.forward(x);
        const { mu, logVar } = model.lastStepParams(x);
        assertClose(mu, slice(full.xMean, 2, T - 1).reshape([3, 3]), { rtol: 1e-5, atol: 1e-6 }, `mu ${JSON.stringify(overrides)}`);
        assertClose(logVar, slice(full.xLogVar, 2, T - 1).reshape([3, 3]), { rtol: 1e-5, atol: 1e-6 }, `log-variance ${JSON.stringify(overrides)}`);
      });
      model.dispose();
    }
  });

  it('draws z = z_mean + exp(z_log_var/2) * eps with eps from its generator, and no draw in eval mode', () => {
    const config = dcVaeKind.defaultConfig(2, { window: 16, latent: 3 });
    const model = dcVaeKind.create(config, new Generator(9));
    model.train();
    tidy(() => {
      const x = new Generator(1).normal([2, 16, 2]);
      const offset = model.gen.offset;
      const drawn = model.forward(x, 'sample').xMean.toArray();
      assert.equal(model.gen.offset - offset, 2 * 3 * 16, 'one normal per latent element');
      const twin = new Generator(model.gen.seed);
      twin.restore(offset);
      const eps = twin.normal([2, 3, 16]);
      // The native draw fuses mu + sigma * eps (one rounding fewer than the explicit ops), so z
      // may differ by an ulp, which five training-mode BatchNorms over 32 values amplify to ~2e-6.
      assertClose(drawn, model.forward(x, { eps }).xMean, { rtol: 1e-5, atol: 1e-5 }, 'sampled path = explicit eps');
      model.eval();
      const before = model.gen.offset;
      model.forward(x);
      assert.equal(model.gen.offset, before, 'eval mode uses z = z_mean');
    });
    model.dispose();
  });

  it('reparameterised draws have the mean and variance asked for', () => {
    tidy(() => {
      const n = 200000;
      const mu = Tensor.full([n], 0.7);
      const logvar = Tensor.full([n], Math.log(0.25));
      const z = reparamSample(mu, logvar, new Generator(123)).toArray();
      let s = 0, s2 = 0;
      for (const v of z) s += v;
      const m = s / n;
      for (const v of z) s2 += (v - m) ** 2;
      const v = s2 / (n - 1);
      // standard errors: mean 0.5/sqrt(n) = 0.0011, variance 0.25*sqrt(2/n) = 0.0008; allow 5 of them
      assert.ok(Math.abs(m - 0.7) < 0.0056, `mean ${m}`);
      assert.ok(Math.abs(v - 0.25) < 0.004, `variance ${v}`);
    });
  });

  it('NLL and KL terms equal their closed forms, for both reductions', () => {
    const B = 2, M = 3, T = 5, J = 2;
    const g = new Generator(31);
    for (const reduction of ['mean', 'sum'] as const) {
      const model = dcVaeKind.create(dcVaeKind.defaultConfig(M, { window: T, latent: J, reduction, likelihood: 'gaussian' }), new Generator(1)); // the Gaussian's closed form (the Student-t's: dc_vae_student_t.test.ts)
      tidy(() => {
        const xt = g.normal([B, M, T]), mu = g.normal([B, M, T]), lv = g.normal([B, M, T], 0, 0.5);
        const zm = g.normal([B, J, T]), zlv = g.normal([B, J, T], 0, 0.5);
        const { nll, kl } = model.lossTerms(xt, { xMean: mu, xLogVar: lv, zMean: zm, zLogVar: zlv });
        const [x, m, l, a, b] = [xt, mu, lv, zm, zlv].map((t) => t.toArray());
        let nllSum = 0, klSum = 0;
        for (let i = 0; i < x.length; i++) nllSum += 0.5 * (l[i] + (x[i] - m[i]) ** 2 * Math.exp(-l[i]) + Math.log(2 * Math.PI));
        for (let i = 0; i < a.length; i++) klSum += -0.5 * (1 + b[i] - a[i] ** 2 - Math.exp(b[i]));
        const nllWant = reduction === 'mean' ? nllSum / x.length : nllSum / (B * T);
        const klWant = reduction === 'mean' ? klSum / a.length : klSum / (B * T);
        assert.ok(Math.abs(nll.item() - nllWant) < 1e-5 * Math.abs(nllWant) + 1e-6, `${reduction} nll ${nll.item()} vs ${nllWant}`);
        assert.ok(Math.abs(kl.item() - klWant) < 1e-5 * Math.abs(klWant) + 1e-6, `${reduction} kl ${kl.item()} vs ${klWant}`);
      });
      model.dispose();
    }
  });

  it('sigma is consistent: the NLL is smallest where exp(log_var / 2), the scoring sigma, equals |x - mu|', () => {
    tidy(() => {
      const e = 0.3; // residual
      const lvs = Array.from({ length: 201 }, (_, i) => -6 + i * 0.04);
      const nlls = lvs.map((lv) => gaussianNll(Tensor.fromArray([e], [1]), Tensor.fromArray([0], [1]), Tensor.fromArray([lv], [1])).item());
      const best = lvs[nlls.indexOf(Math.min(...nlls))];
      assert.ok(Math.abs(Math.exp(best / 2) - e) < 0.01, `argmin sigma ${Math.exp(best / 2)} vs |e| ${e}`);
    });
  });

  it('KL weight scales the KL term in the loss', () => {
    const m1 = dcVaeKind.create(dcVaeKind.defaultConfig(2, { window: 8 }), new Generator(3));
    const m2 = dcVaeKind.create(dcVaeKind.defaultConfig(2, { window: 8, klWeight: 0.25 }), new Generator(3));
    tidy(() => {
      const x = new Generator(4).normal([3, 8, 2]);
      m1.eval();
      m2.eval();
      const a = m1.loss(x), b = m2.loss(x);
      assert.ok(Math.abs(a.terms.kl - b.terms.kl) < 1e-6 && Math.abs(a.terms.nll - b.terms.nll) < 1e-6, 'same weights, same terms');
      assert.ok(Math.abs(b.loss.item() - (b.terms.nll + 0.25 * b.terms.kl)) < 1e-5);
      assert.ok(Math.abs(a.loss.item() - (a.terms.nll + a.terms.kl)) < 1e-5);
    });
    m1.dispose();
    m2.dispose();
  });

  it('builds upstream layouts: HEAD (T=128, 5+5 layers, z at dilation 16) and May-2022 (9+9 layers, sums)', () => {
    const head = dcVaeKind.defaultConfig(12);
    assert.equal(head.window, 128);
    assert.equal(head.latent, 4);
    assert.equal(head.kernel, 2);
    assert.deepEqual(head.encoder.map((l) => l.dilation), [1, 2, 4, 8, 16]);
    assert.equal(head.latentDilation, 16);
    assert.deepEqual(head.decoder.map((l) => l.dilation), [64, 32, 16, 8, 4]);
    assert.equal(head.outputDilation, 1);
    assert.ok(head.encoder.every((l) => l.units === 64) && head.decoder.every((l) => l.units === 64));
    assert.equal(head.reduction, 'mean');
    const may = dcVaeKind.defaultConfig(12, { preset: 'may-2022' } as any);
    assert.equal(may.window, 512);
    assert.equal(may.reduction, 'sum');
    assert.deepEqual(may.encoder.map((l) => [l.units, l.dilation]), [[64, 1], [64, 2], [32, 4], [32, 8], [16, 16], [16, 32], [8, 64], [8, 128]]);
    assert.equal(may.latentDilation, 128);
    assert.deepEqual(may.decoder.map((l) => [l.units, l.dilation]), [[4, 256], [8, 128], [8, 64], [16, 32], [16, 16], [32, 8], [32, 4], [64, 2], [64, 1]]);
    assert.deepEqual(upstreamLayout([32, 16, 1], [1, 8, 16]), { encoder: [{ units: 32, dilation: 1 }, { units: 16, dilation: 8 }], latentDilation: 8, decoder: [{ units: 1, dilation: 16 }, { units: 16, dilation: 8 }], outputDilation: 1 });
    assert.throws(() => upstreamLayout([8, 8], [1, 2]), /at least 3/);
    assert.throws(() => dcVaeKind.defaultConfig(3, { preset: 'nope' } as any), /unknown preset "nope"/);
    assert.throws(() => dcVaeKind.create(dcVaeKind.defaultConfig(3, { encoder: [] })), /encoder needs at least one layer/);
    assert.throws(() => dcVaeKind.create(dcVaeKind.defaultConfig(3, { reduction: 'max' as any })), /reduction must be/);
    assert.throws(() => dcVaeKind.create(dcVaeKind.defaultConfig(3, { varianceFloor: -1 })), /varianceFloor must be >= 0/);
    const m = dcVaeKind.create(dcVaeKind.defaultConfig(3, { window: 8 }));
    assert.throws(() => m.channelErrors(Tensor.zeros([1, 9, 3])), /input must be \[batch, 8, 3\], got \[1,9,3\]/);
    m.dispose();
  });
});
