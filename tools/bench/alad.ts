// Benchmark of ALAD at the paper's KDD Cup 99 sizes (121 inputs, latent 32, batch 50, dropout as
// configured) against the same networks in PyTorch CPU (tools/bench/torch_alad.py, the fixture
// generator's port) at the same batch and thread count. Tables:
// - training steps/s: one step = the discriminators' phase (D_xz, D_xx, D_zz, each on the
//   gradient of its own loss, an Adam step each) on one batch and the generator/encoder phase on
//   another, then the weight averages: Vigil's own loop (models/alad fitAlad over lib/train's
//   fitAdversarial, an epoch of `steps` steps per run, its set-up of optimisers and averages
//   included; one backward per phase of its joint objective, models/alad/train.ts) against
//   PyTorch eager per-player autograd.grad (the fixture's loop) and eager with one backward per
//   phase of the same joint objectives (the same gradients, less backward work); the ratio is
//   taken against the faster peer column;
// - scoring rows/s: the fm score of a batch in eval mode (the averaged weights in place), against
//   PyTorch eager under inference_mode and traced + frozen.
// Runs alternate with the peer's; each side at its own best (the harness's peer check, index.ts).
import { noGrad } from '../../lib/autograd/grad_mode';
import { fromSources, type FitData } from '../../lib/train/data';
import { Generator } from '../../lib/random';
import { tidy } from '../../lib/tensor';
import { aladKind, fitAlad, type Alad, type AladConfig } from '../../models/alad';
import { lcgTensor, medianMs } from './common';
import { alternateWithTorch, peerColumn, withheldAt, type SuiteContext } from './context';
import { perSecond } from './stats';
import type { BenchTable, TableRow } from './table';

const INPUTS = 121, SCORE_BATCH = 1000;

/** Training samples [n, inputs] (LCG uniforms in [-1, 1)) as lib/train's FitData. */
function rowsData(n: number): FitData {
  const table = lcgTensor([n, INPUTS], 1);
  const values = Float32Array.from(table.toArray());
  table.dispose();
  return fromSources([INPUTS], {
    count: n,
    batch(indices) {
      const out = new Float32Array(indices.length * INPUTS);
      for (let i = 0; i < indices.length; i++) out.set(values.subarray(indices[i] * INPUTS, (indices[i] + 1) * INPUTS), i * INPUTS);
      return out;
    },
  });
}

interface AladRun {
  train_ms: number;
  score_ms: number;
}

/** Vigil's side at one thread count: warm once, then each run an epoch of `steps` training steps and the scoring median. */
function vigilSide(config: AladConfig, steps: number, warmup: number, reps: number): { run: () => Promise<AladRun>; free: () => void } {
  const model = aladKind.create(config, new Generator(0)) as Alad;
  const data = rowsData(steps * config.batchSize);
  const xs = lcgTensor([SCORE_BATCH, INPUTS], 2);
  let seed = 0, warm = false;
  const epoch = async () => {
    const t0 = process.hrtime.bigint();
    await fitAlad(model, data, { epochs: 1, generator: new Generator(++seed), progress: false });
    return Number(process.hrtime.bigint() - t0) / 1e6 / steps;
  };
  const score = () => medianMs(() => tidy(() => {
    model.eval();
    noGrad(() => void model.scores(xs).toArray());
  }), warmup, reps);
  return {
    async run() {
      if (!warm) for (let i = 0; i < warmup; i++) await epoch();
      warm = true;
      return { train_ms: await epoch(), score_ms: score() };
    },
    free: () => {
      xs.dispose();
      model.dispose();
    },
  };
}

export async function benchAlad(ctx: SuiteContext): Promise<BenchTable[]> {
  const warmup = ctx.quick ? 1 : 2, reps = ctx.quick ? 3 : 9, steps = ctx.quick ? 10 : 60;
  const config = aladKind.defaultConfig(INPUTS) as AladConfig;
  const training: TableRow[] = [], scoring: TableRow[] = [];
  for (const threads of ctx.threads) {
    ctx.log(`alad: ${threads} thread(s)`);
    const side = vigilSide(config, steps, warmup, reps);
    try {
      const { vigil: pending, peer } = await alternateWithTorch(ctx, threads, 'torch_alad.py', [warmup, reps, steps, SCORE_BATCH, JSON.stringify(config)], side.run);
      const vigil = await Promise.all(pending);
      const withheld = withheldAt(ctx, threads);
      training.push({
        name: `training step (batch ${config.batchSize}, both phases, averages)`, threads, withheld,
        vigil: perSecond(1, vigil.map((r) => r.train_ms)),
        peers: [perSecond(1, peerColumn(peer, 'train_ms')), perSecond(1, peerColumn(peer, 'train_joint_ms'))],
      });
      scoring.push({
        name: `fm score (batch ${SCORE_BATCH})`, threads, withheld,
        vigil: perSecond(SCORE_BATCH, vigil.map((r) => r.score_ms)),
        peers: [perSecond(SCORE_BATCH, peerColumn(peer, 'score_ms')), perSecond(SCORE_BATCH, peerColumn(peer, 'score_frozen_ms'))],
      });
    } finally {
      side.free();
    }
  }
  const title = `ALAD (\`alad\`), KDD Cup 99 sizes: ${INPUTS} inputs, latent ${config.latent}`;
  return [
    {
      title: `${title}: training`, unit: 'steps/s', higherIsBetter: true,
      peerLabels: ['PyTorch eager, per-player autograd.grad', 'PyTorch eager, one backward per phase'],
      rows: training,
      notes: [
        `A step: 5 players, each on the gradient of its own loss (2 phases, fresh noise, independently shuffled batches), then the averages of every weight; ${steps} steps per run (one epoch), time per step = epoch / steps.`,
        'Vigil runs its training loop as `vigil train` does (fitAlad -> fitAdversarial: its five Adams, averages and gradient buffers set up inside the timed epoch); the peer keeps its optimisers across runs.',
        'The second peer column takes each phase\'s gradients in one backward of its joint objective, as Vigil does (the discriminators\' summed losses; G/E\'s foolG + foolE + cycle): the same gradients as per-player passes.',
      ],
    },
    {
      title: `${title}: scoring`, unit: 'rows/s', higherIsBetter: true,
      peerLabels: ['PyTorch eager', 'PyTorch traced+frozen'],
      rows: scoring,
      notes: ['fm score = ||f_xx(x, x) - f_xx(x, G(E(x)))||_1 in eval mode, op by op on Vigil (no inference plan for ALAD); eager under torch.inference_mode; traced+frozen = torch.jit.trace + torch.jit.freeze.'],
    },
  ];
}
