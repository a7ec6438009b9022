// Optimizer: parameter groups (each with its own hyper-parameters, e.g. lr, changed in place by
// schedules), per-parameter state tensors owned by the optimiser, zeroGrad and dispose.
import { native } from '../binding';
import { Tensor, untracked } from '../tensor';

/** A group of parameters with hyper-parameters overriding the optimiser's defaults. */
export type ParamGroupSpec<O> = { params: Tensor[] } & Partial<O>;
export type ParamGroup<O> = { params: Tensor[] } & O;

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[];
  /** Per-parameter state: named tensors (moments, buffers) and the step count. */
  protected readonly state = new Map<Tensor, { step: number; buffers: Map<string, Tensor> }>();

  constructor(params: Tensor[] | ParamGroupSpec<O>[], defaults: O) {
    const specs: ParamGroupSpec<O>[] =
      params.length > 0 && params[0] instanceof Tensor ? [{ params: params as Tensor[] } as ParamGroupSpec<O>]
        : (params as ParamGroupSpec<O>[]);
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec) => {
      for (const p of spec.params) {
        if (!(p instanceof Tensor)) throw new Error(`${this.constructor.name}: params must be Tensors`);
        if (seen.has(p)) throw new Error(`${this.constructor.name}: a parameter [${p.shape.join(',')}] appears twice`);
        seen.add(p);
      }
      const group = { ...defaults, ...spec, params: [...spec.params] } as ParamGroup<O>;
      this.validate(group);
      return group;
    });
  }

  /** Throws on hyper-parameters out of range. */
  protected abstract validate(group: O): void;

  /** Updates one parameter in place from p.grad. */
  protected abstract update(p: Tensor, grad: Tensor, group: O, state: { step: number; buffers: Map<string, Tensor> }): void;

  /** One optimisation step over every parameter that has a gradient. */
  step(): void {
    for (const group of this.paramGroups)
      for (const p of group.params) {
        if (!p.grad) continue;
        let st = this.state.get(p);
        if (!st) this.state.set(p, (st = { step: 0, buffers: new Map() }));
        st.step++;
        this.update(p, p.grad, group, st);
      }
  }

  /** Zeroes every parameter's gradient in place (the buffers are kept for the next backward). */
  zeroGrad(): void {
    for (const group of this.paramGroups)
      for (const p of group.params) if (p.grad) native.fill(p.grad.native, 0);
  }

  /** A state tensor of p's shape, zero-initialised, owned by the optimiser (outside tidy scopes). */
  protected buffer(p: Tensor, st: { buffers: Map<string, Tensor> }, name: string): Tensor {
    let t = st.buffers.get(name);
    if (!t) {
      t = untracked(() => Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device }));
      st.buffers.set(name, t);
    }
    return t;
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const st of this.state.values()) for (const t of st.buffers.values()) t.dispose();
    this.state.clear();
  }
}

/** Checks a number hyper-parameter: finite and >= 0 (and < 1 when `belowOne`). */
export function checkHyper(opt: string, name: string, v: number, belowOne = false): void {
  if (!(Number.isFinite(v) && v >= 0 && (!belowOne || v < 1)))
    throw new Error(`${opt}: ${name} must be ${belowOne ? 'in [0, 1)' : 'finite and >= 0'}, got ${v}`);
}
