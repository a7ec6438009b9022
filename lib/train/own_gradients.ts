// Per-player gradients from one shared forward. In a GAN one forward builds every player's loss
// (the discriminator's and the generator's graphs share G(z)), and the engine accumulates a
// backward into EVERY leaf it reaches: backpropagating the discriminator's loss also writes into
// the generator's parameters. Running each loss's backward and letting the optimisers read .grad
// would hand every player the sum of all losses' gradients (the bug of ALAD's PyTorch
// reproduction). So before each player's backward the router points the other players'
// parameters at spill buffers (written, never read) and that player's parameters at their own
// buffers; afterwards every parameter's .grad is its own buffer: the gradient of its own
// player's loss only. No engine change is needed: backward with retainGraph keeps the shared
// graph for the next player's pass, and the last pass frees it.
import { native } from '../binding';
import { Tensor, untracked } from '../tensor';

export class GradientRouter {
  private readonly owner = new Map<Tensor, string>();
  private readonly own = new Map<Tensor, Tensor>();
  private readonly spill = new Map<Tensor, Tensor>();

  /** players: name -> the parameters it updates; no parameter may belong to two players. */
  constructor(private readonly players: Map<string, Tensor[]>) {
    for (const [name, params] of players)
      for (const p of params) {
        const other = this.owner.get(p);
        if (other !== undefined) throw new Error(`adversarial: a parameter [${p.shape.join(',')}] belongs to players "${other}" and "${name}"`);
        this.owner.set(p, name);
      }
  }

  /**
   * Backpropagates each player's loss into that player's parameters only. Every loss must be
   * built (the whole forward done) before this runs, and no parameter changed since. Gradients
   * of the listed players start from zero; other players' .grad keep what they held.
   */
  backward(losses: [player: string, loss: Tensor][]): void {
    for (const [name] of losses) if (!this.players.has(name)) throw new Error(`adversarial: no player "${name}"`);
    const stepping = new Set(losses.map(([n]) => n));
    for (const [p, name] of this.owner) if (stepping.has(name)) native.fill(this.bufferOf(this.own, p).native, 0);
    losses.forEach(([name, loss], k) => {
      for (const [p, owner] of this.owner) p.grad = owner === name ? this.bufferOf(this.own, p) : this.bufferOf(this.spill, p);
      loss.backward(undefined, { retainGraph: k < losses.length - 1 });
    });
    for (const p of this.owner.keys()) p.grad = this.own.get(p) ?? null;
  }

  /** Detaches the buffers from the parameters and frees them. */
  dispose(): void {
    for (const p of this.owner.keys()) if (p.grad === this.own.get(p)) p.grad = null;
    for (const t of [...this.own.values(), ...this.spill.values()]) t.dispose();
    this.own.clear();
    this.spill.clear();
  }

  /** A zeroed buffer of p's shape, made once and kept outside tidy scopes (remade if freed). */
  private bufferOf(store: Map<Tensor, Tensor>, p: Tensor): Tensor {
    let t = store.get(p);
    if (!t || t.disposed) {
      t = untracked(() => Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device }));
      store.set(p, t);
    }
    return t;
  }
}
