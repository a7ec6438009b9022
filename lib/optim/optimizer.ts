// Optimizer: parameter groups (each with its own hyper-parameters, e.g. lr, changed in place by
// schedules), per-parameter state tensors owned by the optimiser, zeroGrad and dispose, and a
// state dict (host copies, serialisable) so a checkpoint can resume the exact same run.
import { native } from '../binding';
import { Tensor, untracked } from '../tensor';

/** A group of parameters with hyper-parameters overriding the optimiser's defaults. */
export type ParamGroupSpec<O> = { params: Tensor[] } & Partial<O>;
export type ParamGroup<O> = { params: Tensor[] } & O;

/** Host data of one state tensor. */
export interface StateTensorData {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * The optimiser's state without tensors: each group's hyper-parameters with its parameters as
 * indices into the flat list over all groups (PyTorch's convention), and the per-parameter step
 * and buffers (copies) of every parameter that has state.
 */
export interface OptimizerStateDict {
  groups: ({ params: number[] } & Record<string, unknown>)[];
  state: { param: number; step: number; buffers: Record<string, StateTensorData> }[];
}

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

  /** Every parameter in group order (the indices of the state dict). */
  private flatParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** A copy of the state: hyper-parameters, steps and buffers (see OptimizerStateDict). */
  stateDict(): OptimizerStateDict {
    let next = 0;
    const groups = this.paramGroups.map(({ params, ...hyper }) => ({
      ...(JSON.parse(JSON.stringify(hyper)) as Record<string, unknown>),
      params: params.map(() => next++),
    }));
    const state: OptimizerStateDict['state'] = [];
    this.flatParams().forEach((p, i) => {
      const st = this.state.get(p);
      if (!st) return;
      const buffers: Record<string, StateTensorData> = {};
      for (const [name, t] of st.buffers) buffers[name] = { shape: [...t.shape], data: t.toArray() };
      state.push({ param: i, step: st.step, buffers });
    });
    return { groups, state };
  }

  /**
   * Replaces the state with a copy of `sd` (from stateDict of an optimiser of the same kind over
   * parameters of the same shapes, grouped the same way). Checks everything first: on a mismatch
   * it throws naming every problem and changes nothing.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    const params = this.flatParams();
    const problems: string[] = [];
    if (sd.groups.length !== this.paramGroups.length)
      problems.push(`${sd.groups.length} parameter groups, this optimiser has ${this.paramGroups.length}`);
    else
      sd.groups.forEach((g, i) => {
        if (g.params.length !== this.paramGroups[i].params.length)
          problems.push(`group ${i} has ${g.params.length} parameters, this optimiser's has ${this.paramGroups[i].params.length}`);
      });
    for (const e of sd.state) {
      const p = params[e.param];
      if (!p) {
        problems.push(`state for parameter ${e.param}, this optimiser has ${params.length}`);
        continue;
      }
      if (!(Number.isInteger(e.step) && e.step >= 0)) problems.push(`parameter ${e.param}: bad step ${e.step}`);
      for (const [b, d] of Object.entries(e.buffers))
        if (d.data.length !== d.shape.reduce((a, x) => a * x, 1) || d.shape.length !== p.shape.length || d.shape.some((x, k) => x !== p.shape[k]))
          problems.push(`parameter ${e.param} buffer "${b}" is [${d.shape.join(',')}] (${d.data.length} values), the parameter is [${p.shape.join(',')}]`);
    }
    if (problems.length) throw new Error(`${name}.loadStateDict: ${problems.join('; ')}`);
    const merged = sd.groups.map(({ params: _p, ...hyper }, i) => ({ ...this.paramGroups[i], ...hyper }) as ParamGroup<O>);
    merged.forEach((g) => this.validate(g));
    merged.forEach((g, i) => Object.assign(this.paramGroups[i], g, { params: this.paramGroups[i].params }));
    this.dispose();
    for (const e of sd.state) {
      const p = params[e.param];
      const st = { step: e.step, buffers: new Map<string, Tensor>() };
      for (const [b, d] of Object.entries(e.buffers)) this.buffer(p, st, b).assign(d.data);
      this.state.set(p, st);
    }
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
