// Module: parameters, buffers and child modules under dotted names, train/eval mode, and a
// strict state dict. Parameters and buffers belong to the module (no tidy scope frees them);
// dispose() releases them.
import { Device, keep, requireDevice, Tensor } from '../tensor';

export type StateDict = Map<string, Tensor>;
/** A tensor-like record (a Tensor, or host data as decoded from a bundle). */
export interface TensorData {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name);
    t.requiresGrad = true;
    this.params.set(name, keep(t));
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this.buffers.set(name, keep(t));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this.children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (!name || name.includes('.')) throw new Error(`${this.constructor.name}: bad member name "${name}"`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name))
      throw new Error(`${this.constructor.name}: "${name}" registered twice`);
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.params].map(([n, t]) => [prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.buffers].map(([n, t]) => [prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return [...new Set(this.namedParameters().map(([, t]) => t))];
  }

  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's tensors. Strict: every name must match both ways and
   * every shape must agree; all problems are reported together and nothing is changed then.
   */
  loadStateDict(state: Map<string, Tensor | TensorData>, strict = true): void {
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, t] of own) {
      const src = state.get(name);
      if (!src) {
        if (strict) problems.push(`missing "${name}"`);
        continue;
      }
      if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i]))
        problems.push(`"${name}" has shape [${src.shape.join(',')}], the module expects [${t.shape.join(',')}]`);
    }
    if (strict) for (const name of state.keys()) if (!own.has(name)) problems.push(`unexpected "${name}"`);
    if (problems.length) throw new Error(`loadStateDict(${this.constructor.name}): ${problems.join('; ')}`);
    for (const [name, t] of own) {
      const src = state.get(name);
      if (src) t.assign(src instanceof Tensor ? src.toArray() : src.data);
    }
  }

  /**
   * Moves every parameter and buffer (with its gradient) to `device` in place and returns this:
   * layers and optimisers keep the same tensors. Optimiser state made before the move stays on
   * the old device (the next step is then a device error): move the model first, then create
   * the optimiser, as fit does. Nothing moves when the device is not usable.
   */
  to(device: Device): this {
    requireDevice(device);
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.moveTo(device);
    return this;
  }

  /** Where the parameters and buffers are ('cpu' when there are none); throws if they are split. */
  get device(): Device {
    const found = new Set([...this.namedParameters(), ...this.namedBuffers()].map(([, t]) => t.device));
    if (found.size > 1) throw new Error(`${this.constructor.name}: parameters are on several devices (${[...found].join(', ')}); use to(device)`);
    return found.values().next().value ?? 'cpu';
  }

  /** Training mode (dropout on, batch statistics) or eval mode, for this module and below. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees parameters, buffers and gradients. The module is unusable afterwards. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}
