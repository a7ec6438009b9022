// binary ops (add, sub, mul, div, pow) against PyTorch fixtures (tools/fixtures/binary.py), f64
// gradchecks, the number-operand fast paths, and argument errors.
import { strict as assert } from 'node:assert';

import { noGrad } from '../../lib/autograd/grad_mode';
import { native } from '../../lib/binding';
import * as ew from '../../lib/ops/elementwise';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { assertGradcheck, checkFixture, leaf } from './op_checks';

const BINARY = { add: ew.add, sub: ew.sub, mul: ew.mul, div: ew.div, pow: ew.pow } as const;

describe('binary ops', () => {
  for (const [op, fn] of Object.entries(BINARY)) {
    for (const pattern of ['bcast', 'scalar', 'trailing']) {
      it(`${op} ${pattern}: forward and both gradients match PyTorch`, () => {
        tidy(() => {
          const fx = loadFixture(`binary_${op}_${pattern}`);
          const a = fx.tensor('a', { requiresGrad: true });
          const b = fx.tensor('b', { requiresGrad: true });
          checkFixture(fx, fn(a, b), { a, b });
        });
      });
    }
    it(`${op}: f64 gradcheck with broadcasting both ways ([3,1,2] with [4,1])`, () => {
      tidy(() => {
        const a = leaf([3, 1, 2], 1, 0.5, 2);
        const b = leaf([4, 1], 2, 0.5, 1.5);
        assertGradcheck(fn, [a, b], op);
      });
    });
  }

  it('numbers on either side: values and gradients through the fast paths', () => {
    tidy(() => {
      const x = leaf([2, 3], 3, 0.5, 2);
      const xs = x.toArray();
      const cases: [string, Tensor, (v: number) => number][] = [
        ['x + 2.5', ew.add(x, 2.5), (v) => v + 2.5],
        ['2.5 + x', ew.add(2.5, x), (v) => v + 2.5],
        ['x - 2', ew.sub(x, 2), (v) => v - 2],
        ['2 - x', ew.sub(2, x), (v) => 2 - v],
        ['3 * x', ew.mul(3, x), (v) => 3 * v],
        ['x * 3', ew.mul(x, 3), (v) => 3 * v],
        ['x / 4', ew.div(x, 4), (v) => v / 4],
        ['2 / x', ew.div(2, x), (v) => 2 / v],
        ['x ^ 3', ew.pow(x, 3), (v) => v ** 3],
        ['2 ^ x', ew.pow(2, x), (v) => 2 ** v],
      ];
      for (const [what, y, f] of cases)
        assertClose(y, Float64Array.from(xs, f), { rtol: 1e-15, atol: 0 }, what);
      const fns: [string, (t: Tensor) => Tensor][] = [
        ['2 - x', (t) => ew.sub(2, t)], ['2 / x', (t) => ew.div(2, t)], ['x / 4', (t) => ew.div(t, 4)],
        ['x ^ 3', (t) => ew.pow(t, 3)], ['2 ^ x', (t) => ew.pow(2, t)], ['x + 1', (t) => ew.add(t, 1)],
      ];
      for (const [what, f] of fns) assertGradcheck(f, [x], what);
    });
  });

  it('frees the scalar tensor a number operand becomes (with and without a graph)', () => {
    const x = leaf([3], 4, 0.5, 2);
    const before = native.memory().cpuBuffers;
    noGrad(() => ew.div(2, x)).dispose();
    assert.equal(native.memory().cpuBuffers, before, 'inference leaked the scalar');
    const y = ew.div(2, x);
    const gy = Tensor.ones([3], { dtype: 'float64' });
    y.backward(gy);
    gy.dispose();
    y.dispose();
    x.grad!.dispose();
    x.grad = null;
    assert.equal(native.memory().cpuBuffers, before, 'backward left the scalar alive');
    x.dispose();
  });

  it('rejects shapes that do not broadcast, and mixed dtypes, naming the op', () => {
    tidy(() => {
      assert.throws(() => ew.add(Tensor.zeros([3, 4]), Tensor.zeros([5])), /add: shapes \[3,4\] and \[5\] do not broadcast/);
      assert.throws(() => ew.mul(Tensor.zeros([2, 3]), Tensor.zeros([3, 3])), /mul: shapes \[2,3\] and \[3,3\]/);
      assert.throws(() => ew.div(Tensor.zeros([2]), Tensor.zeros([2], { dtype: 'float64' })), /div: operands differ in dtype/);
      assert.throws(() => ew.sub(1 as never, 2 as never), /sub: at least one operand must be a Tensor/);
    });
  });
});
