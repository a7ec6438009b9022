// Reverse-mode differentiation over the recorded tape: topological order from the root, then
// each node's backward with its output gradients, accumulating into input gradients. Leaf
// gradients land in .grad (kept across steps until the optimiser zeroes them); gradients of
// intermediate tensors live only during the pass.
// Tensor#backward runs this engine through the hook it fills when it loads (see tensor.ts).
import { setTensorHook, Tensor, untracked, type BackwardOptions, type GradNode } from '../tensor';
import { accumulateInto } from './accumulate';
import { noGrad } from './grad_mode';

export type { BackwardOptions };

function topoOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const seen = new Set<GradNode>();
  const stack: [GradNode, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [fn, i] = top;
    if (i < fn.inputs.length) {
      top[1]++;
      const parent = fn.inputs[i]?.gradFn;
      if (parent && !seen.has(parent)) {
        seen.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      stack.pop();
      order.push(fn);
    }
  }
  return order; // inputs before the nodes that use them
}

/** The nodes of `order` (inputs first) from which some leaf in `targets` is reached. */
function leadingTo(order: GradNode[], targets: ReadonlySet<Tensor>): Set<GradNode> {
  const leads = new Set<GradNode>();
  for (const fn of order)
    if (fn.inputs.some((t) => t !== null && (t.isLeaf ? targets.has(t) : leads.has(t.gradFn!)))) leads.add(fn);
  return leads;
}

/**
 * Backpropagates from `root`. Without `gradient`, root must hold one element (its gradient
 * is 1).
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error('backward: tensor does not require grad (no input has requiresGrad, or it was made under noGrad)');
  if (!gradient && root.size !== 1)
    throw new Error(`backward: gradient must be given for a non-scalar root [${root.shape.join(',')}]`);
  if (gradient && gradient.size !== root.size)
    throw new Error(`backward: gradient [${gradient.shape.join(',')}] does not match root [${root.shape.join(',')}]`);

  noGrad(() =>
    untracked(() => {
      const pending = new Map<Tensor, Tensor>(); // non-leaf tensor -> its gradient (engine-owned)
      const gradFor = (t: Tensor): Tensor => {
        if (t.isLeaf) {
          if (!t.grad) t.grad = Tensor.zeros(t.shape, { dtype: t.dtype, device: t.device });
          return t.grad;
        }
        let g = pending.get(t);
        if (!g) {
          g = Tensor.zeros(t.shape, { dtype: t.dtype, device: t.device });
          pending.set(t, g);
        }
        return g;
      };
      const seed = gradient ? gradient.detach() : Tensor.ones(root.shape, { dtype: root.dtype, device: root.device });
      const targets = opts.inputs ? new Set(opts.inputs) : null;
      if (root.isLeaf) {
        if (!targets || targets.has(root)) accumulateInto(gradFor(root), seed);
        seed.dispose();
        return;
      }
      pending.set(root, seed);
      const order = topoOrder(root.gradFn!);
      const leads = targets ? leadingTo(order, targets) : null;
      const wanted = (t: Tensor | null): t is Tensor =>
        t !== null && (!leads || (t.isLeaf ? targets!.has(t) : leads.has(t.gradFn!)));
      for (let k = order.length - 1; k >= 0; k--) {
        const fn = order[k];
        const gradOutputs = fn.outputs.map((o) => pending.get(o) ?? null);
        // Not run, so not released either (as before `inputs` existed, and as PyTorch frees only
        // what a pass ran): another root's pass may still need its saved buffers.
        if ((leads && !leads.has(fn)) || gradOutputs.every((g) => g === null)) continue;
        const gradInputs = fn.inputs.map((t, i) => (fn.needsInputGrad[i] && wanted(t) ? gradFor(t) : null));
        fn.backward(gradOutputs, gradInputs);
        for (const o of fn.outputs) {
          const g = pending.get(o);
          if (g) {
            g.dispose();
            pending.delete(o);
          }
        }
        if (!opts.retainGraph) fn.release();
      }
      for (const g of pending.values()) g.dispose();
    }),
  );
}

setTensorHook('backward', backward);
