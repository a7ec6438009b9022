// reparamSample against its fixture (tools/fixtures/reparam_sample.py), an f64 gradcheck and
// argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { reparamSample } from '../../lib/ops/reparam_sample';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { checkGrads, FWD, generatorAt, uniformLeaf } from './op_checks';

describe('reparamSample', () => {
  it('matches the fixture: z from the Philox normals, dmu and dlogvar', () => {
    tidy(() => {
      const fx = loadFixture('reparam_sample');
      const mu = fx.tensor('mu', { requiresGrad: true });
      const logvar = fx.tensor('logvar', { requiresGrad: true });
      const gen = generatorAt(fx.meta.seed, fx.meta.offset);
      const z = reparamSample(mu, logvar, gen);
      // Box-Muller in double rounded once to f32 on both sides
      assertClose(z, fx.tensor('out.z'), FWD, 'z');
      assert.equal(gen.offset, fx.meta.offset + mu.size, 'one block per element');
      checkGrads(fx, z, 'z', { mu, logvar }, FWD);
    });
  });

  it('passes an f64 gradcheck with eps held fixed', () => {
    tidy(() => {
      const g = new Generator(4);
      const mu = uniformLeaf(g, [3, 4]);
      const logvar = uniformLeaf(g, [3, 4], -2, 1);
      const r = gradcheck((m, l) => reparamSample(m, l, new Generator(77)), [mu, logvar]);
      assert.ok(r.ok, JSON.stringify(r.failure));
    });
  });

  it('rejects mu and logvar of different shapes', () => {
    tidy(() => {
      assert.throws(() => reparamSample(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])),
        /reparamSample: .*mu \[2,3\].*logvar \[3,2\]/);
    });
  });
});
