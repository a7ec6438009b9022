// lstm: one LSTM layer over a whole sequence in one native call each way (PyTorch gate order
// i, f, g, o; the math is in native/include/vigil/ops.h). Training saves the activated gates
// [T,B,4H] and cells [T,B,H] for the fused BPTT backward; inference saves nothing.
import { native } from '../binding';
import { Function } from '../autograd/function';
import { Tensor } from '../tensor';

class LstmFn extends Function {
  private gates: Tensor | null = null;
  private cells: Tensor | null = null;
  private y: Tensor | null = null;

  forward(x: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null,
    h0: Tensor | null, c0: Tensor | null): Tensor[] {
    const [B, T] = x.shape;
    const H = wHh.shape[1];
    const opts = { dtype: x.dtype, device: x.device };
    const y = Tensor.empty([B, T, H], opts);
    const hN = Tensor.empty([B, H], opts);
    const cN = Tensor.empty([B, H], opts);
    if (this.needsInputGrad.some(Boolean)) {
      this.gates = this.saveOwned(Tensor.empty([T, B, 4 * H], opts));
      this.cells = this.saveOwned(Tensor.empty([T, B, H], opts));
      this.y = this.saveOwned(y.view(y.shape)); // h_t for backward, even if the caller drops y
    }
    native.lstmForward(x.native, wIh.native, wHh.native, bIh?.native ?? null, bHh?.native ?? null,
      h0?.native ?? null, c0?.native ?? null, y.native, hN.native, cN.native,
      this.gates?.native ?? null, this.cells?.native ?? null);
    return [y, hN, cN];
  }

  backward([dy, dhN, dcN]: (Tensor | null)[], grads: (Tensor | null)[]): void {
    const [x, wIh, wHh, , , h0, c0] = this.inputs;
    const [dx, dwIh, dwHh, dbIh, dbHh, dh0, dc0] = grads.map((g) => g?.native ?? null);
    native.lstmBackward(x!.native, wIh!.native, wHh!.native, h0?.native ?? null, c0?.native ?? null,
      this.y!.native, this.gates!.native, this.cells!.native, dy?.native ?? null,
      dhN?.native ?? null, dcN?.native ?? null, dx, dwIh, dwHh, dbIh, dbHh, dh0, dc0);
  }
}

const dims = (t: Tensor | null | undefined) => (t ? `[${t.shape.join(',')}]` : 'null');

/**
 * One LSTM layer: x [B,T,I], wIh [4H,I], wHh [4H,H], biases [4H] or null, optional initial
 * state h0/c0 [B,H] (zeros when absent). Returns every hidden state y [B,T,H] and the last
 * state hN, cN [B,H].
 */
export function lstm(x: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null,
  h0?: Tensor | null, c0?: Tensor | null): { y: Tensor; hN: Tensor; cN: Tensor } {
  const H = wHh.shape[1];
  const [B, , I] = x.shape;
  const same = (t: Tensor | null | undefined, shape: number[]) =>
    !t || (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]));
  const ok = x.shape.length === 3 && wHh.shape.length === 2 && wHh.shape[0] === 4 * H &&
    same(wIh, [4 * H, I]) && same(bIh, [4 * H]) && same(bHh, [4 * H]) && same(h0, [B, H]) &&
    same(c0, [B, H]);
  if (!ok)
    throw new Error(`lstm: expected x [B,T,I], wIh [4H,I], wHh [4H,H], biases [4H], h0/c0 [B,H]; got ` +
      `x ${dims(x)}, wIh ${dims(wIh)}, wHh ${dims(wHh)}, bIh ${dims(bIh)}, bHh ${dims(bHh)}, ` +
      `h0 ${dims(h0)}, c0 ${dims(c0)}`);
  const [y, hN, cN] = new LstmFn().apply(x, wIh, wHh, bIh, bHh, h0 ?? null, c0 ?? null);
  return { y, hN, cN };
}
