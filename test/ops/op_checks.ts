// Shared checks of the op tests (test/ops/<op>.test.ts): fixtures against PyTorch, f64 leaves
// and gradchecks.
import { strict as assert } from 'node:assert';

import { backward } from '../../lib/autograd/engine';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, Fixture, loadFixture } from '../helpers/fixtures';

/** f32 forward against PyTorch: libm and PyTorch's vectorised math differ by an ulp or two. */
export const FWD = { rtol: 1e-5, atol: 1e-6 };
/** f32 gradients: broadcast and reduction sums add rounding in a different order. */
export const GRAD = { rtol: 1e-4, atol: 1e-5 };

/** Backpropagates gy.<out> and checks grad.<k> for each input that has one in the fixture. */
export function checkGrads(fx: Fixture, out: Tensor, outName: string, inputs: Record<string, Tensor>, tol = GRAD): void {
  out.backward(fx.tensor(`gy.${outName}`));
  for (const [k, t] of Object.entries(inputs)) {
    if (!fx.has(`grad.${k}`)) continue;
    assert.ok(t.grad, `${k} got no gradient`);
    assertClose(t.grad!, fx.tensor(`grad.${k}`), tol, `grad.${k}`);
  }
}

/** Checks out.y, then backpropagates gy.y and checks grad.<k> for each input that has one. */
export function checkFixture(fx: Fixture, y: Tensor, inputs: Record<string, Tensor>): void {
  assertClose(y, fx.tensor('out.y'), FWD, 'y');
  checkGrads(fx, y, 'y', inputs);
}

/** Deterministic f64 leaf with values in [lo, hi), optionally kept `margin` away from 0. */
export function leaf(shape: number[], seed: number, lo = -1, hi = 1, margin = 0): Tensor {
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

export function assertGradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string): void {
  const r = gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-5 });
  assert.ok(r.ok, `${what}: ${JSON.stringify(r.failure)}`);
}
/** f64 leaf with uniform values in [lo, hi), from a seeded generator. */
export function uniformLeaf(gen: Generator, shape: number[], lo = -1, hi = 1, requiresGrad = true): Tensor {
  const t = gen.uniform(shape, lo, hi, { dtype: 'float64' });
  t.requiresGrad = requiresGrad;
  return t;
}

/** A generator whose offset is `offset` (advanced by whole blocks). */
export function generatorAt(seed: number, offset: number): Generator {
  const g = new Generator(seed);
  g.take('normal', offset);
  return g;
}

// f32 fixtures: the kernels sum in another order than PyTorch (blocked GEMMs, fused gates) and
// use a polynomial exp, so values of order 1 agree to a few f32 ulps (observed ~1e-7 abs);
// gradients (longer sums through the recurrence) get 10x more room. f64 fixtures agree to
// rounding.
export const TOL = {
  float32: { fwd: { rtol: 3e-6, atol: 3e-7 }, grad: { rtol: 3e-5, atol: 3e-6 } },
  float64: { fwd: { rtol: 1e-12, atol: 1e-13 }, grad: { rtol: 1e-10, atol: 1e-12 } },
};
export const GRADCHECK = { eps: 1e-6, rtol: 1e-6, atol: 1e-8 };

export const rand = (shape: number[], seed: number, scale = 1): Tensor => {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 * 2 - 1) * scale;
  });
  return Tensor.fromArray(data, shape, { dtype: 'float64', requiresGrad: true });
};

/** Backpropagates gy into each output in turn (retaining the graph between them). */
export function backwardAll(pairs: [Tensor, Tensor][]): void {
  pairs.forEach(([out, gy], k) => backward(out, gy, { retainGraph: k < pairs.length - 1 }));
}

/** A loss of lib/ops/losses.ts: its fixture input names and a call with a reduction. */
export type LossFn = (xs: Tensor[], reduction: 'mean' | 'sum') => Tensor;

/** Per reduction: value and every input gradient against loss_<name>_<reduction> (PyTorch),
 * and an f64 gradcheck. */
export function lossCases(name: string, inputs: string[], fn: LossFn): void {
  for (const reduction of ['mean', 'sum'] as const) {
    it(`${name} (${reduction}) matches PyTorch: value and every input gradient`, () => {
      tidy(() => {
        const fx = loadFixture(`loss_${name}_${reduction}`);
        const xs = inputs.map((k) => fx.tensor(k, { requiresGrad: fx.has(`grad.${k}`) }));
        const y = fn(xs, reduction);
        assert.deepEqual([...y.shape], []);
        assertClose(y, fx.tensor('out.y'), FWD, 'loss');
        checkGrads(fx, y, 'y', Object.fromEntries(inputs.map((k, i) => [k, xs[i]])), FWD);
      });
    });
    it(`${name} (${reduction}) passes an f64 gradcheck`, () => {
      tidy(() => {
        const g = new Generator(21);
        const xs = inputs.map((k) => (k === 'target' && name === 'bce_with_logits' ? uniformLeaf(g, [3, 5], 0, 1) : uniformLeaf(g, [3, 5], -2, 2)));
        const r = gradcheck((...a) => fn(a, reduction), xs);
        assert.ok(r.ok, JSON.stringify(r.failure));
      });
    });
  }
}

type Tol = { fwd: { rtol: number; atol: number }; grad: { rtol: number; atol: number } };

/**
 * A conv fixture (conv2d, conv_transpose2d): x, w and an optional bias with every input
 * gradient; `run` applies the op with the fixture's meta; forward and gradients are checked at
 * `f32` (TOL.float64 for f64 fixtures).
 */
export function checkConvFixture(name: string, f32: Tol, run: (x: Tensor, w: Tensor, bias: Tensor | null, meta: any) => Tensor): void {
  tidy(() => {
    const f = loadFixture(name);
    const x = f.tensor('x', { requiresGrad: true }), w = f.tensor('w', { requiresGrad: true });
    const bias = f.has('bias') ? f.tensor('bias', { requiresGrad: true }) : null;
    assert.equal(f.has('bias'), f.meta.bias);
    assert.ok(f.has('grad.x') && f.has('grad.w'), 'the fixture has every input gradient');
    const y = run(x, w, bias, f.meta);
    const tol = x.dtype === 'float64' ? TOL.float64 : f32;
    assertClose(y, f.tensor('out.y'), tol.fwd, 'y');
    checkGrads(f, y, 'y', bias ? { x, w, bias } : { x, w }, tol.grad);
  });
}
