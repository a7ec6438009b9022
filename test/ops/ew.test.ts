// Element-wise, reduction, softmax and shape ops against PyTorch fixtures (tools/fixtures/ew.py),
// f64 gradchecks, the number-operand fast paths, and argument errors.
import { strict as assert } from 'node:assert';

import { gradcheck } from '../../lib/autograd/gradcheck';
import { noGrad } from '../../lib/autograd/grad_mode';
import { native } from '../../lib/binding';
import * as ew from '../../lib/ops/elementwise';
import { max, mean, sum } from '../../lib/ops/reduce';
import { concat, permute, repeat, slice, squeeze, transpose, unsqueeze } from '../../lib/ops/shape';
import { logSoftmax, softmax } from '../../lib/ops/softmax';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, Fixture, loadFixture } from '../helpers/fixtures';

/** f32 forward against PyTorch: libm and PyTorch's vectorised math differ by an ulp or two. */
const FWD = { rtol: 1e-5, atol: 1e-6 };
/** f32 gradients: broadcast and reduction sums add rounding in a different order. */
const GRAD = { rtol: 1e-4, atol: 1e-5 };

/** Backpropagates gy.y and checks grad.<k> for each input the fixture has a gradient for. */
function checkFixture(fx: Fixture, y: Tensor, inputs: Record<string, Tensor>): void {
  assertClose(y, fx.tensor('out.y'), FWD, 'y');
  y.backward(fx.tensor('gy.y'));
  for (const [k, t] of Object.entries(inputs)) {
    if (!fx.has(`grad.${k}`)) continue;
    assert.ok(t.grad, `${k} got no gradient`);
    assertClose(t.grad!, fx.tensor(`grad.${k}`), GRAD, `grad.${k}`);
  }
}

/** Deterministic f64 leaf with values in [lo, hi), optionally kept `margin` away from 0. */
function leaf(shape: number[], seed: number, lo = -1, hi = 1, margin = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    let x = lo + ((hi - lo) * s) / 4294967296;
    if (Math.abs(x) < margin) x = x < 0 ? x - margin : x + margin;
    v[i] = x;
  }
  return Tensor.fromArray(v, shape, { dtype: 'float64', requiresGrad: true });
}

function assertGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string): void {
  const r = gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-5 });
  assert.ok(r.ok, `${what}: ${JSON.stringify(r.failure)}`);
}

// ------------------------------------------------------------------ binary

const BINARY = { add: ew.add, sub: ew.sub, mul: ew.mul, div: ew.div, pow: ew.pow } as const;

describe('binary ops (ew)', () => {
  for (const [op, fn] of Object.entries(BINARY)) {
    for (const pattern of ['bcast', 'scalar', 'trailing']) {
      it(`${op} ${pattern}: forward and both gradients match PyTorch`, () => {
        tidy(() => {
          const fx = loadFixture(`ew_${op}_${pattern}`);
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

// ------------------------------------------------------------------ unary

const UNARY: Record<string, (x: Tensor, params: number[]) => Tensor> = {
  tanh: (x) => ew.tanh(x),
  sigmoid: (x) => ew.sigmoid(x),
  relu: (x) => ew.relu(x),
  leakyRelu: (x, p) => ew.leakyRelu(x, p[0]),
  elu: (x, p) => ew.elu(x, p[0]),
  selu: (x) => ew.selu(x),
  softplus: (x) => ew.softplus(x),
  exp: (x) => ew.exp(x),
  log: (x) => ew.log(x),
  sqrt: (x) => ew.sqrt(x),
  neg: (x) => ew.neg(x),
  abs: (x) => ew.abs(x),
  square: (x) => ew.square(x),
  pows: (x, p) => ew.pow(x, p[0]),
  affine: (x, p) => ew.affine(x, p[0], p[1]),
};
const UNARY_FIXTURES = ['tanh', 'sigmoid', 'relu', 'leaky_relu_001', 'leaky_relu_02', 'elu', 'selu', 'softplus',
  'exp', 'log', 'sqrt', 'neg', 'abs', 'square', 'pows3', 'affine'];
const POSITIVE = new Set(['log', 'sqrt', 'pows']);

describe('unary ops (ew)', () => {
  for (const name of UNARY_FIXTURES) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(`ew_unary_${name}`);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, UNARY[fx.meta.op](x, fx.meta.params), { x });
      });
    });
  }
  for (const [op, fn] of Object.entries(UNARY)) {
    it(`${op}: f64 gradcheck`, () => {
      tidy(() => {
        const x = POSITIVE.has(op) ? leaf([3, 5], 5, 0.3, 2) : leaf([3, 5], 5, -2, 2, 0.05);
        assertGradcheck((t) => fn(t, op === 'elu' ? [0.7] : [1.7, -0.3]), [x], op);
      });
    });
  }

  it('defaults: leakyRelu slope 0.01, elu alpha 1', () => {
    tidy(() => {
      const x = Tensor.fromArray([-2, 3], [2]);
      assertClose(ew.leakyRelu(x), [-0.02, 3], { rtol: 1e-6, atol: 0 }, 'leakyRelu');
      assertClose(ew.elu(x), [Math.expm1(-2), 3], { rtol: 1e-6, atol: 0 }, 'elu');
    });
  });
});

// ------------------------------------------------------------------ reductions

const REDUCE_FIXTURES = ['sum_all', 'sum_1', 'sum_0_2_keep', 'sum_neg1', 'mean_all', 'mean_0', 'mean_1_2',
  'max_all', 'max_2', 'max_0_1_keep', 'max_neg2'];
const REDUCE = { sum, mean, max } as const;

describe('reductions (ew)', () => {
  for (const name of REDUCE_FIXTURES) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(`ew_reduce_${name}`);
        const x = fx.tensor('x', { requiresGrad: true });
        const fn = REDUCE[fx.meta.op as keyof typeof REDUCE];
        checkFixture(fx, fn(x, fx.meta.axes ?? undefined, fx.meta.keepdim), { x });
      });
    });
  }

  for (const [op, fn] of Object.entries(REDUCE)) {
    it(`${op}: f64 gradcheck over [0, 2], [-1] and all axes`, () => {
      tidy(() => {
        const x = leaf([3, 4, 5], 6, -2, 2);
        assertGradcheck((t) => fn(t, [0, 2]), [x], `${op} [0,2]`);
        assertGradcheck((t) => fn(t, -1, true), [x], `${op} -1 keepDim`);
        assertGradcheck((t) => fn(t), [x], `${op} all`);
      });
    });
  }

  it('output shapes: keepDim, all axes to a scalar', () => {
    tidy(() => {
      const x = Tensor.ones([2, 3, 4]);
      assert.deepEqual(sum(x, [1]).shape, [2, 4]);
      assert.deepEqual(sum(x, [1], true).shape, [2, 1, 4]);
      assert.deepEqual(mean(x).shape, []);
      assert.equal(sum(x).item(), 24);
    });
  });

  it('rejects bad axes, naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3]);
      assert.throws(() => sum(x, [2]), /sum: axis 2 out of range for x \[2,3\]/);
      assert.throws(() => mean(x, [0, -2]), /mean: axis -2 given twice/);
      assert.throws(() => max(Tensor.zeros([0, 3])), /max: x \[0,3\] has no elements/);
    });
  });
});

// ------------------------------------------------------------------ softmax

describe('softmax / logSoftmax (ew)', () => {
  for (const name of ['softmax_axis1', 'softmax_axism1', 'log_softmax_axis1', 'log_softmax_axism1']) {
    it(`${name}: forward and gradient match PyTorch`, () => {
      tidy(() => {
        const fx = loadFixture(`ew_${name}`);
        const x = fx.tensor('x', { requiresGrad: true });
        const fn = fx.meta.log ? logSoftmax : softmax;
        checkFixture(fx, fn(x, fx.meta.axis), { x });
      });
    });
  }

  it('f64 gradcheck on axes 0, 1 and -1', () => {
    tidy(() => {
      const x = leaf([3, 4, 2], 7, -3, 3);
      for (const axis of [0, 1, -1]) {
        assertGradcheck((t) => softmax(t, axis), [x], `softmax ${axis}`);
        assertGradcheck((t) => logSoftmax(t, axis), [x], `logSoftmax ${axis}`);
      }
    });
  });

  it('rejects an axis out of range', () => {
    tidy(() => {
      assert.throws(() => softmax(Tensor.zeros([2, 3]), 2), /softmax: axis 2 out of range for x \[2,3\]/);
      assert.throws(() => logSoftmax(Tensor.zeros([2, 3]), -3), /logSoftmax: axis -3 out of range/);
    });
  });
});

// ------------------------------------------------------------------ shape

describe('shape ops (ew)', () => {
  it('permute and transpose match PyTorch', () => {
    tidy(() => {
      let fx = loadFixture('ew_permute_201');
      let x = fx.tensor('x', { requiresGrad: true });
      checkFixture(fx, permute(x, fx.meta.perm), { x });
      fx = loadFixture('ew_transpose_12');
      x = fx.tensor('x', { requiresGrad: true });
      checkFixture(fx, transpose(x, fx.meta.a, -1), { x });
    });
  });

  it('concat matches PyTorch on axis 1 and -1', () => {
    tidy(() => {
      let fx = loadFixture('ew_concat_axis1');
      const [a, b, c] = ['a', 'b', 'c'].map((k) => fx.tensor(k, { requiresGrad: true }));
      checkFixture(fx, concat([a, b, c], fx.meta.axis), { a, b, c });
      fx = loadFixture('ew_concat_axism1');
      const [d, e] = ['a', 'b'].map((k) => fx.tensor(k, { requiresGrad: true }));
      checkFixture(fx, concat([d, e], fx.meta.axis), { a: d, b: e });
    });
  });

  it('slice matches PyTorch on axes 1 and 0', () => {
    tidy(() => {
      for (const name of ['ew_slice_axis1', 'ew_slice_axis0']) {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, slice(x, fx.meta.axis, fx.meta.start, fx.meta.end), { x });
      }
    });
  });

  it('repeat matches PyTorch, with and without extra leading repeats', () => {
    tidy(() => {
      for (const name of ['ew_repeat', 'ew_repeat_lead']) {
        const fx = loadFixture(name);
        const x = fx.tensor('x', { requiresGrad: true });
        checkFixture(fx, repeat(x, fx.meta.repeats), { x });
      }
    });
  });

  it('f64 gradchecks: permute, transpose, concat, slice, repeat, unsqueeze/squeeze', () => {
    tidy(() => {
      const x = leaf([2, 3, 4], 8);
      const y = leaf([2, 1, 4], 9);
      const w = leaf([3, 2, 4], 10); // weights make each output element count differently
      assertGradcheck((t) => permute(t, [1, -1, 0]), [x], 'permute');
      assertGradcheck((t) => transpose(t, 0, 2), [x], 'transpose');
      assertGradcheck((a, b) => concat([a, b, a], 1), [x, y], 'concat (x used twice)');
      assertGradcheck((t) => slice(t, -1, 1, -1), [x], 'slice');
      assertGradcheck((t) => repeat(t, [2, 1, 1, 3]), [y], 'repeat');
      assertGradcheck((t) => ew.mul(squeeze(unsqueeze(permute(t, [1, 0, 2]), 0), 0), w), [x], 'unsqueeze/squeeze');
    });
  });

  it('slice clamps like Python; unsqueeze and squeeze reshape', () => {
    tidy(() => {
      const x = Tensor.fromArray([0, 1, 2, 3, 4], [5]);
      assert.deepEqual([...slice(x, 0, -2).toArray()], [3, 4]);
      assert.deepEqual([...slice(x, 0, 3, 99).toArray()], [3, 4]);
      assert.deepEqual(slice(x, 0, 4, 2).shape, [0]);
      assert.deepEqual(unsqueeze(x, -1).shape, [5, 1]);
      assert.deepEqual(squeeze(Tensor.zeros([1, 3, 1])).shape, [3]);
    });
  });

  it('rejects bad arguments, naming the op', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3]);
      assert.throws(() => permute(x, [0, 0]), /permute: \[0,0\] is not a permutation of the axes of x \[2,3\]/);
      assert.throws(() => transpose(x, 0, 2), /transpose: axis 2 out of range/);
      assert.throws(() => concat([x, Tensor.zeros([3, 3])], 1), /concat: tensors must agree .*\[2,3\].*\[3,3\]/);
      assert.throws(() => concat([], 0), /concat: no tensors/);
      assert.throws(() => slice(x, 2, 0, 1), /slice: axis 2 out of range/);
      assert.throws(() => repeat(x, [2]), /repeat: repeats \[2\] must be 2 or more/);
      assert.throws(() => squeeze(x, 1), /squeeze: dim 1 of x \[2,3\] has size 3, not 1/);
    });
  });
});
