// Per-player gradients from one shared forward. In a GAN one forward builds every player's loss
// (the discriminator's and the generator's graphs share G(z)), and the engine accumulates a
// backward into EVERY leaf it reaches: backpropagating the discriminator's loss also writes into
// the generator's parameters. Running each loss's backward and letting the optimisers read .grad
// would hand every player the sum of all losses' gradients (the bug of ALAD's PyTorch
// reproduction). So each player's backward names that player's parameters as its only inputs
// (the engine's `inputs`, PyTorch's `backward(inputs=...)`): the pass stops where no path leads
// to them, so no other player's weights get a gradient or cost a dW, and every parameter's .grad
// ends as the gradient of its own player's loss only. backward with retainGraph keeps the shared
// graph for the next player's pass, and the last pass frees it.
import { native } from '../binding';
import { Tensor, untracked } from '../tensor';

export class GradientRouter {
  private readonly owner = new Map<Tensor, string>();
  private readonly own = new Map<Tensor, Tensor>();

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
    this.zeroed(losses.map(([n]) => n));
    losses.forEach(([name, loss], k) => loss.backward(undefined, { retainGraph: k < losses.length - 1, inputs: this.players.get(name)! }));
  }

  /**
   * One backward of `objective` into the listed players' parameters, each starting from zero: the
   * gradient of each player's own loss when the phase's joint claim holds (adversarial.ts, Phase.joint).
   */
  backwardJoint(players: string[], objective: Tensor): void {
    this.zeroed(players);
    objective.backward(undefined, { inputs: players.flatMap((n) => this.players.get(n)!) });
  }

  /** Zeroes the named players' buffers and points every parameter's .grad at its own buffer. */
  private zeroed(players: string[]): void {
    for (const name of players) if (!this.players.has(name)) throw new Error(`adversarial: no player "${name}"`);
    const stepping = new Set(players);
    for (const [p, name] of this.owner) if (stepping.has(name)) native.fill(this.bufferOf(p).native, 0);
    for (const p of this.owner.keys()) p.grad = this.own.get(p) ?? null;
  }

  /** Detaches the buffers from the parameters and frees them. */
  dispose(): void {
    for (const p of this.owner.keys()) if (p.grad === this.own.get(p)) p.grad = null;
    for (const t of this.own.values()) t.dispose();
    this.own.clear();
  }

  /** A zeroed buffer of p's shape, made once and kept outside tidy scopes (remade if freed). */
  private bufferOf(p: Tensor): Tensor {
    let t = this.own.get(p);
    if (!t || t.disposed) {
      t = untracked(() => Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device }));
      this.own.set(p, t);
    }
    return t;
  }
}
