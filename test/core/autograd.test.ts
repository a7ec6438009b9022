// The tape engine and gradcheck, tested with small host-side Functions so they do not depend on
// any particular native op.
import { strict as assert } from 'node:assert';

import { backward } from '../../lib/autograd/engine';
import { Function } from '../../lib/autograd/function';
import { noGrad } from '../../lib/autograd/grad_mode';
import { gradcheck } from '../../lib/autograd/gradcheck';
import { native } from '../../lib/binding';
import { Tensor, tidy } from '../../lib/tensor';

/** y = x^3 computed on the host; `wrong` makes backward return 3x instead of 3x^2. */
class CubeFn extends Function {
  constructor(private readonly wrong = false) {
    super();
  }
  forward(x: Tensor): Tensor[] {
    const a = x.toArray();
    return [Tensor.fromArray(a.map((v) => v * v * v), x.shape, { dtype: x.dtype })];
  }
  backward([dy]: (Tensor | null)[], [dx]: (Tensor | null)[]): void {
    const x = this.inputs[0]!.toArray();
    const g = dy!.toArray();
    const acc = dx!.toArray();
    for (let i = 0; i < x.length; i++) acc[i] += g[i] * (this.wrong ? 3 * x[i] : 3 * x[i] * x[i]);
    dx!.assign(acc);
  }
}
const cube = (x: Tensor, wrong = false) => new CubeFn(wrong).apply(x)[0];

/** y = a * b elementwise (same shapes), on the host. */
class MulFn extends Function {
  forward(a: Tensor, b: Tensor): Tensor[] {
    const x = a.toArray(), y = b.toArray();
    return [Tensor.fromArray(x.map((v, i) => v * y[i]), a.shape, { dtype: a.dtype })];
  }
  backward([dy]: (Tensor | null)[], [da, db]: (Tensor | null)[]): void {
    const g = dy!.toArray(), x = this.inputs[0]!.toArray(), y = this.inputs[1]!.toArray();
    if (da) da.assign(da.toArray().map((v, i) => v + g[i] * y[i]));
    if (db) db.assign(db.toArray().map((v, i) => v + g[i] * x[i]));
  }
}
const mul = (a: Tensor, b: Tensor) => new MulFn().apply(a, b)[0];

describe('autograd engine', () => {
  it('accumulates gradients through a shared input (d/dx x^3 * x = 4x^3)', () => {
    const x = Tensor.fromArray([1, -2, 0.5], [3], { dtype: 'float64', requiresGrad: true });
    tidy(() => backward(mul(cube(x), x), Tensor.ones([3], { dtype: 'float64' })));
    assert.deepEqual([...x.grad!.toArray()], [4, -32, 0.5]);
    x.grad!.dispose();
    x.dispose();
  });

  it('leaf gradients accumulate across backward calls until zeroed', () => {
    const x = Tensor.fromArray([2], [1], { dtype: 'float64', requiresGrad: true });
    tidy(() => cube(x).backward());
    tidy(() => cube(x).backward());
    assert.equal(x.grad!.item(), 24);
  });

  it('records nothing under noGrad and refuses backward there', () => {
    const x = Tensor.fromArray([2], [1], { requiresGrad: true });
    const y = noGrad(() => cube(x));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.throws(() => y.backward(), /does not require grad/);
  });

  it('needs an explicit gradient for a non-scalar root', () => {
    const x = Tensor.fromArray([1, 2], [2], { requiresGrad: true });
    assert.throws(() => cube(x).backward(), /non-scalar root/);
  });

  it('frees intermediate gradients and saved buffers: native memory returns to its level', () => {
    const x = Tensor.fromArray([1, 2, 3], [3], { dtype: 'float64', requiresGrad: true });
    tidy(() => cube(cube(x)).backward(Tensor.ones([3], { dtype: 'float64' })));
    const before = native.memory().cpuBuffers;
    for (let i = 0; i < 50; i++) tidy(() => cube(cube(x)).backward(Tensor.ones([3], { dtype: 'float64' })));
    assert.equal(native.memory().cpuBuffers, before);
  });
});

  it('inputs: only the named leaves get gradients, and branches leading to none are not run', () => {
    // y = cube(a) * cube(b) with a CubeFn whose backward would be wrong on b's branch: asking
    // for a's gradient alone must give a's exact gradient, leave b.grad untouched and never run
    // b's (wrong) branch; asking for b then runs it (and shows the wrong value).
    const a = Tensor.fromArray([1, 2], [2], { dtype: 'float64', requiresGrad: true });
    const b = Tensor.fromArray([3, -1], [2], { dtype: 'float64', requiresGrad: true });
    tidy(() => mul(cube(a), cube(b, true)).backward(Tensor.ones([2], { dtype: 'float64' }), { inputs: [a] }));
    assert.deepEqual([...a.grad!.toArray()], [3 * 1 * 27, 3 * 4 * -1]); // 3a^2 b^3
    assert.equal(b.grad, null);
    tidy(() => mul(cube(a), cube(b, true)).backward(Tensor.ones([2], { dtype: 'float64' }), { inputs: [b] }));
    assert.deepEqual([...b.grad!.toArray()], [1 * 3 * 3, 8 * 3 * -1]); // a^3 (wrong: 3b)
    assert.deepEqual([...a.grad!.toArray()], [81, -12], 'a.grad unchanged by the pass for b');
  });

  it('inputs: the freed graph returns native memory to its level like a full backward', () => {
    const a = Tensor.fromArray([1, 2], [2], { dtype: 'float64', requiresGrad: true });
    const b = Tensor.fromArray([3, -1], [2], { dtype: 'float64', requiresGrad: true });
    const pass = () => tidy(() => mul(cube(a), cube(b)).backward(Tensor.ones([2], { dtype: 'float64' }), { inputs: [a] }));
    pass();
    const before = native.memory().cpuBuffers;
    for (let i = 0; i < 20; i++) pass();
    assert.equal(native.memory().cpuBuffers, before);
  });

describe('gradcheck', () => {
  it('passes on a correct backward', () => {
    const x = Tensor.fromArray([0.3, -1.2, 2.0, 0.7], [2, 2], { dtype: 'float64', requiresGrad: true });
    const r = gradcheck((t) => cube(t), [x]);
    assert.ok(r.ok, JSON.stringify(r));
  });

  it('fails on a deliberately wrong backward and names the element', () => {
    const x = Tensor.fromArray([0.3, -1.2, 2.0, 0.7], [2, 2], { dtype: 'float64', requiresGrad: true });
    const r = gradcheck((t) => cube(t, true), [x]);
    assert.equal(r.ok, false);
    assert.ok(r.failure && r.failure.input === 0);
    assert.ok(r.maxAbsError > 1);
  });

  it('refuses float32 inputs', () => {
    const x = Tensor.fromArray([1], [1], { requiresGrad: true });
    assert.throws(() => gradcheck((t) => cube(t), [x]), /float64/);
  });
});

describe('Tensor', () => {
  it('round-trips data and reports shape errors clearly', () => {
    const t = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual([...t.toArray()], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => Tensor.fromArray([1, 2, 3], [2, 2]), /do not fill shape \[2,2\]/);
    assert.throws(() => Tensor.empty([2, -1]), /non-negative/);
    t.dispose();
    assert.throws(() => t.toArray(), /disposed/);
  });

  it('tidy disposes everything but the result; views keep storage alive', () => {
    const before = native.memory().cpuBuffers;
    const kept = tidy(() => {
      const a = Tensor.ones([4]);
      Tensor.zeros([8]);
      return a.view([2, 2]);
    });
    assert.equal(native.memory().cpuBuffers, before + 1);
    assert.deepEqual([...kept.shape], [2, 2]);
    assert.deepEqual([...kept.toArray()], [1, 1, 1, 1]);
    kept.dispose();
    assert.equal(native.memory().cpuBuffers, before);
  });

  it('an impossible allocation is a JS error, not a crash', () => {
    assert.throws(() => Tensor.empty([1 << 25, 1 << 25]), (e: any) => /alloc: out of memory allocating \d+ bytes/.test(e.message) && e.code === 'out of memory');
    assert.equal(Tensor.zeros([2]).size, 2); // and the process carries on
  });

  it('native errors become JS errors naming the op and shapes', () => {
    const a = Tensor.zeros([2]);
    const b = Tensor.zeros([3]);
    assert.throws(() => native.copy(a.native, b.native), (e: any) => /copy: element counts differ \(x \[2\], y \[3\]\)/.test(e.message) && e.code === 'shape error');
    const c = Tensor.zeros([2], { dtype: 'float64' });
    assert.throws(() => native.copy(a.native, c.native), /copy: mixed dtypes/);
  });
});
