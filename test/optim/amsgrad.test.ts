// AMSGrad (Adam and AdamW with amsgrad: true) against torch.optim.Adam/AdamW(amsgrad=True) step by
// step (tools/fixtures/optim_training.py: the gradients of each step are fed as saved; their scale
// rises and falls so the second moment drops below its running maximum), the state it keeps,
// and resume through the state dict.
import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import { Adam, AdamW, Optimizer } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, loadFixture } from '../helpers/fixtures';
import { replayFixture, rowOf } from './replay';

function make(meta: Record<string, any>, params: Tensor[]): Adam {
  const o = { lr: meta.lr, betas: meta.betas as [number, number], eps: meta.eps, weightDecay: meta.weightDecay, amsgrad: meta.amsgrad };
  return meta.kind === 'adamw' ? new AdamW(params, o) : new Adam(params, o);
}

/** The named state buffer of p (Optimizer's per-parameter state is protected). */
function buffer(opt: Optimizer<{ lr: number }>, index: number, name: string): Float32Array | Float64Array {
  const e = opt.stateDict().state.find((s) => s.param === index);
  assert.ok(e && name in e.buffers, `state ${name} of parameter ${index}`);
  return e!.buffers[name].data;
}

describe('AMSGrad against torch.optim (amsgrad=True)', () => {
  for (const name of ['optim_amsgrad', 'optim_amsgrad_beta2', 'optim_amsgrad_l2', 'optim_adamw_amsgrad'])
    it(`${name}: parameters after each step and the final max_exp_avg_sq`, () =>
      replayFixture(name, make, (opt, fx) => {
        for (const [i, p] of [[0, 'w'], [1, 'b']] as const) {
          const vmax = buffer(opt, i, 'max_exp_avg_sq'), v = buffer(opt, i, 'exp_avg_sq');
          assertClose(vmax, fx.tensor(`state.${p}.max_exp_avg_sq`).toArray(), { rtol: 1e-5, atol: 0 }, `${name} ${p} max_exp_avg_sq`);
          assertClose(v, fx.tensor(`state.${p}.exp_avg_sq`).toArray(), { rtol: 1e-5, atol: 0 }, `${name} ${p} exp_avg_sq`);
          assert.ok(vmax.every((x, k) => x >= v[k]), 'the maximum is never below v');
        }
      }));

  it('without amsgrad the same gradients give other parameters (the fixtures exercise the maximum)', () => {
    const fx = loadFixture('optim_amsgrad_beta2');
    const w = fx.tensor('w', { requiresGrad: true });
    const opt = make({ ...fx.meta, amsgrad: false }, [w]);
    w.grad = Tensor.zeros(w.shape);
    const gw = fx.tensor('grad.w'), ow = fx.tensor('out.w');
    for (let s = 0; s < fx.meta.steps; s++)
      tidy(() => {
        w.grad!.assign(rowOf(gw, s, w.shape));
        opt.step();
      });
    const last = rowOf(ow, fx.meta.steps - 1, w.shape);
    const got = w.toArray();
    assert.ok(got.some((x, i) => Math.abs(x - last[i]) > 1e-3), 'plain Adam ends elsewhere');
    opt.dispose();
    for (const t of [w, gw, ow]) t.grad?.dispose(), t.dispose();
  });

  it('keeps three state tensors (exp_avg, exp_avg_sq, max_exp_avg_sq), freed on dispose; amsgrad must be a boolean', () => {
    tidy(() => {
      const p = Tensor.zeros([10], { requiresGrad: true });
      p.grad = Tensor.ones([10]);
      const before = native.memory().cpuBuffers;
      const opt = new Adam([p], { amsgrad: true });
      opt.step();
      assert.equal(native.memory().cpuBuffers, before + 3);
      assert.deepEqual(opt.stateDict().state.map((e) => Object.keys(e.buffers)), [['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']]);
      assert.equal(opt.stateDict().groups[0].amsgrad, true);
      opt.dispose();
      assert.equal(native.memory().cpuBuffers, before);
      assert.throws(() => new Adam([p], { amsgrad: 1 as unknown as boolean }), /Adam: amsgrad must be true or false/);
    });
  });

  it('stops after 5 steps, restores from its state dict and continues bit for bit', () => {
    const fx = loadFixture('optim_amsgrad_l2');
    const gw = fx.tensor('grad.w');
    const fresh = () => {
      const p = fx.tensor('w', { requiresGrad: true });
      p.grad = Tensor.zeros(p.shape);
      return p;
    };
    const run = (opt: Optimizer<{ lr: number }>, p: Tensor, from: number, to: number) => {
      for (let s = from; s < to; s++)
        tidy(() => {
          p.grad!.assign(rowOf(gw, s, p.shape));
          opt.step();
        });
    };
    const p1 = fresh(), p2 = fresh();
    const o1 = make(fx.meta, [p1]);
    run(o1, p1, 0, fx.meta.steps);
    const o2 = make(fx.meta, [p2]);
    run(o2, p2, 0, 5);
    const sd = o2.stateDict();
    o2.dispose();
    const o3 = make({ ...fx.meta, amsgrad: false }, [p2]); // the dict's hyper-parameters win
    o3.loadStateDict(sd);
    assert.equal((o3.paramGroups[0] as { amsgrad: boolean }).amsgrad, true);
    run(o3, p2, 5, fx.meta.steps);
    assert.deepEqual(Array.from(p2.toArray()), Array.from(p1.toArray()));
    assert.deepEqual(o3.stateDict(), o1.stateDict());
    for (const o of [o1, o3]) o.dispose();
    for (const t of [p1, p2, gw]) t.grad?.dispose(), t.dispose();
  });
});
