// A differentiable operation: forward computes outputs with native calls, backward accumulates
// input gradients. apply() runs forward and records the node on the tape when any input wants
// a gradient. Its public home is function.ts, which also loads the recorded view (see there).
import { Tensor, type GradNode } from '../tensor';
// The engine that runs these nodes: loading it fills Tensor's backward hook (see tensor.ts).
import './engine';
import { isGradEnabled, noGrad } from './grad_mode';

export abstract class Function implements GradNode {
  /** Inputs as given to apply (null for absent optional inputs). */
  inputs: (Tensor | null)[] = [];
  outputs: Tensor[] = [];
  /** Per input: does it want a gradient? Known before forward runs. */
  needsInputGrad: boolean[] = [];
  private owned: Tensor[] = [];

  /** Computes the outputs. Runs with recording off. */
  abstract forward(...inputs: (Tensor | null)[]): Tensor[];

  /**
   * Adds the gradient of each input into gradInputs[i] (allocated and zeroed, or holding earlier
   * contributions; null when input i wants none). gradOutputs[j] is null when output j got no
   * gradient (possible for multi-output functions only).
   */
  abstract backward(gradOutputs: (Tensor | null)[], gradInputs: (Tensor | null)[]): void;

  /** The op's name in error messages. */
  get name(): string {
    return this.constructor.name.replace(/Fn$/, '');
  }

  /** Keeps an internal buffer alive for backward; freed when the node is released. */
  protected saveOwned<T extends Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  /** Runs forward and, when a gradient is wanted, links the outputs to this node. */
  apply(...inputs: (Tensor | null)[]): Tensor[] {
    const record = isGradEnabled();
    this.inputs = inputs;
    this.needsInputGrad = inputs.map((t) => record && t !== null && t.requiresGrad);
    const outputs = noGrad(() => this.forward(...inputs));
    this.outputs = outputs;
    if (this.needsInputGrad.some(Boolean)) {
      outputs.forEach((o, i) => {
        o.requiresGrad = true;
        o.gradFn = this;
        o.outputIndex = i;
      });
    } else {
      this.release();
      this.inputs = [];
      this.outputs = [];
    }
    return outputs;
  }

  /** Frees the buffers saved for backward. */
  release(): void {
    for (const t of this.owned) t.dispose();
    this.owned = [];
  }
}
