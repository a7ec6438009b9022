// matmul: y[..., M, N] = op(a)[..., M, K] @ op(b)[..., K, N], op = the transpose of the last
// two dims when transA / transB is set. b has a's batch dims, or is 2-D and shared by every
// batch (its gradient then sums over the batch). Gradients: d op(a) = dy op(b)^T,
// d op(b) = op(a)^T dy.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

class MatmulFn extends Function {
  constructor(private readonly transA: boolean, private readonly transB: boolean,
    private readonly yShape: number[]) {
    super();
  }
  forward(a: Tensor, b: Tensor): Tensor[] {
    const y = Tensor.empty(this.yShape, { dtype: a.dtype, device: a.device });
    native.matmulForward(a.native, b.native, y.native, this.transA, this.transB);
    return [y];
  }
  backward([dy]: (Tensor | null)[], [da, db]: (Tensor | null)[]): void {
    const [a, b] = this.inputs;
    if (dy && (da || db))
      native.matmulBackward(a!.native, b!.native, dy.native, da?.native ?? null, db?.native ?? null,
        this.transA, this.transB);
  }
}

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

const dims = (t: Tensor): string => `[${t.shape.join(',')}]`;

/** op(a) @ op(b) over the last two dims; b batched like a or 2-D (shared). */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  const fail = (what: string): never => {
    throw new Error(`matmul: ${what} (a ${dims(a)}, b ${dims(b)}, transA ${transA}, transB ${transB})`);
  };
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) fail('a and b need at least 2 dims');
  const shared = rb === 2 && ra > 2;
  if (!shared && (ra !== rb || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])))
    fail("b must have a's batch dims or be 2-D (shared by every batch)");
  const [a0, a1] = a.shape.slice(-2), [b0, b1] = b.shape.slice(-2);
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== Kb) fail(`inner dims differ: op(a) is [${M},${K}], op(b) is [${Kb},${N}]`);
  return new MatmulFn(transA, transB, [...a.shape.slice(0, -2), M, N]).apply(a, b)[0];
}
