// Replays a torch.optim fixture (tools/fixtures/optim.py, optim_training.py): parameters w and b
// from the fixture, the gradients of each step fed as saved (so every step is compared on its
// own), the parameters after every step against PyTorch's.
import { Optimizer } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose, Fixture, loadFixture } from '../helpers/fixtures';

/** f32 parameters after each step vs PyTorch's f32 run: rounding only (rounding (1 - beta2) in
 * f32 instead of once from double already moves Adam by 1.6e-6 and fails this). */
export const STEP_TOL = { rtol: 2e-6, atol: 2e-7 };

/** Row i of a stacked [steps, ...shape] tensor. */
export function rowOf(t: Tensor, i: number, shape: readonly number[]): Float32Array | Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return t.toArray().slice(i * n, (i + 1) * n);
}

/**
 * Steps the optimiser `make` builds over the fixture's w and b and compares them after every
 * step; `check` sees the optimiser and fixture at the end (before both are freed).
 */
export function replayFixture(name: string, make: (meta: Record<string, any>, params: Tensor[]) => Optimizer<{ lr: number }>,
  check?: (opt: Optimizer<{ lr: number }>, fx: Fixture) => void): void {
  const fx = loadFixture(name);
  const w = fx.tensor('w', { requiresGrad: true });
  const b = fx.tensor('b', { requiresGrad: true });
  const opt = make(fx.meta, [w, b]);
  w.grad = Tensor.zeros(w.shape); // as the engine leaves them: outside any scope
  b.grad = Tensor.zeros(b.shape);
  const gw = fx.tensor('grad.w'), gb = fx.tensor('grad.b'), ow = fx.tensor('out.w'), ob = fx.tensor('out.b');
  try {
    for (let s = 0; s < fx.meta.steps; s++) {
      // each step inside its own scope, as a training loop does: the state must survive it
      tidy(() => {
        opt.zeroGrad();
        for (const [p, g] of [[w, gw], [b, gb]] as const) p.grad!.assign(rowOf(g, s, p.shape));
        opt.step();
      });
      assertClose(w.toArray(), rowOf(ow, s, w.shape), STEP_TOL, `${name} w after step ${s + 1}`);
      assertClose(b.toArray(), rowOf(ob, s, b.shape), STEP_TOL, `${name} b after step ${s + 1}`);
    }
    check?.(opt, fx);
  } finally {
    opt.dispose();
    for (const t of [w, b, gw, gb, ow, ob]) t.grad?.dispose(), t.dispose();
  }
}
