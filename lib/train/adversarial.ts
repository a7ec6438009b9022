// fitAdversarial: the training loop for models with several players, each with its own
// optimiser (GANs: discriminators against a generator and an encoder). A training step is a
// sequence of PHASES; each phase takes its own batch (every phase has its own shuffled order of
// the training samples per epoch), runs ONE forward that returns each of its players' losses,
// gives every player the gradient of its own loss only (GradientRouter: all losses are built
// and all gradients computed before any player steps), then steps those players. ALAD's order
// is two phases: the discriminators on batch A, then generator and encoder on an independently
// shuffled batch B, fresh noise in each (PhaseContext.normal draws anew every call).
// After each step the exponential moving averages of all weights are updated (Ema).
// Around the steps it is fit's loop: progress, the JSONL log, onEpoch, an AbortSignal between
// batches, early stopping on a validation score the caller supplies, checkpoints holding every
// optimiser, the averages and the random streams, so `resume` continues bit for bit.

import type { Module, TensorData } from '../nn/module';
import { Adam, AdamOptions } from '../optim/adam';
import { clipGradNorm } from '../optim/clip';
import { Optimizer } from '../optim/optimizer';
import { Generator } from '../random';
import { requireDevice, Tensor, tidy, type Device, type DType } from '../tensor';
import { loadAdversarialCheckpoint, saveAdversarialCheckpoint } from './adversarial_checkpoint';
import { resumesFrom } from './checkpoint';
import type { FitData } from './data';
import { Ema } from './ema';
import { EpochBook, type EpochFields } from './epoch_book';
import type { CheckpointTarget, FitOptions, FitResult, LossOutput, Trainable } from './fit';
import { GradientRouter } from './own_gradients';
import { collectGenerators, generatorStates, restoreGenerators } from './rng_state';

export interface Player {
  /** What this player updates: all parameters of a module, or a list of the model's parameters. */
  params: Module | Tensor[];
  /** Its optimiser (the caller's, left undisposed), or Adam options to make one (disposed at the end). */
  optimizer: Optimizer<{ lr: number }> | Partial<AdamOptions>;
}

export interface PhaseContext {
  epoch: number;
  /** Step within the epoch, from 0. */
  step: number;
  /** The training samples in this phase's batch (positions in this phase's own order). */
  indices: Int32Array;
  /** Fresh noise from the run's noise stream (checkpointed), on the model's device: a new draw every call. */
  normal(shape: readonly number[], opts?: { mean?: number; std?: number; dtype?: DType }): Tensor;
}

/** A loss per stepping player, by player name. */
export type PhaseLosses = Record<string, LossOutput>;

export interface Phase<M> {
  name: string;
  /** The players this phase updates, each on the gradient of its own loss. */
  players: string[];
  /**
   * One forward on the phase's batch x returning each of `players`' losses, and with `joint`
   * also JOINT_LOSS.
   */
  losses(model: M, x: Tensor, ctx: PhaseContext): PhaseLosses;
  /**
   * The model's claim that losses() also returns, under JOINT_LOSS, one objective whose gradient
   * with respect to each player's parameters IS that of the player's own loss (every own loss
   * differs from it only by terms that do not depend on the player's weights, e.g. separate
   * discriminators' summed losses). The phase then runs one backward of it for all its players
   * instead of one per player: the shared part of the graph is backpropagated once. Not a
   * summed-gradient shortcut: a model whose losses lack that structure must not set it, and its
   * tests should compare the joint gradients with per-player passes.
   */
  joint?: boolean;
}

/** The key under which a `joint` phase returns its one objective. */
export const JOINT_LOSS = 'joint';

export interface AdversarialSetup<M> {
  /** By name ("ema" is reserved). Together they must own every parameter of the model, each once. */
  players: Record<string, Player>;
  /** In order, every step. */
  phases: Phase<M>[];
  /** Averages of all weights, updated after every step: a decay (made and freed here) or the caller's Ema. */
  ema?: { decay: number } | Ema;
  /**
   * What the parameters hold when training ends: 'averages' (the default with ema; a model that
   * scores with the averages is then ready) or 'raw' (the caller's Ema still has the averages).
   */
  finalWeights?: 'averages' | 'raw';
  /**
   * A score after each epoch, lower is better (e.g. the anomaly score on normal validation
   * samples). It decides improving epochs (checkpoints, the best epoch) and early stopping;
   * without it every epoch counts as improving, so patience never ends a run (a GAN's losses say
   * nothing about progress) and every epoch is checkpointed. Called in eval mode.
   */
  validate?(model: M, ema: Ema | null): number | Promise<number>;
  /** The noise stream of PhaseContext.normal; default: the shuffling stream. */
  noise?: Generator;
}

/** fit's options; `optimizer` and `loss` belong to the setup's players and phases instead. */
export type AdversarialOptions<M extends Trainable> = FitOptions<M>;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function lossOf(out: LossOutput | undefined, phase: string, player: string): { loss: Tensor; terms?: Record<string, number> } {
  const parts = out instanceof Tensor ? { loss: out } : out;
  if (!(parts?.loss instanceof Tensor) || parts.loss.size !== 1)
    throw new Error(`adversarial: phase "${phase}" must return a one-element Tensor (or { loss, terms }) for player "${player}"`);
  return parts;
}

/** Per-player sample-weighted means over an epoch; terms are named "<player>" and "<player>.<term>". */
class PlayerMeans {
  private n = 0;
  private readonly sums = new Map<string, number>();
  add(values: Record<string, number>, count: number, first: boolean): void {
    if (first) this.n += count;
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * count);
  }
  means(): Record<string, number> {
    return Object.fromEntries([...this.sums].map(([k, v]) => [k, v / this.n]));
  }
}

function checkSetup<M>(setup: AdversarialSetup<M>, o: FitOptions<any>): void {
  const positiveInt = (name: string, v: unknown) => {
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw new Error(`adversarial: ${name} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs', o.epochs);
  if (o.batchSize !== undefined) positiveInt('batchSize', o.batchSize);
  if (o.optimizer !== undefined || o.loss !== undefined) throw new Error('adversarial: optimizer and loss belong to the players and phases, not to the options');
  if (o.patience !== undefined && !(Number.isInteger(o.patience) && o.patience >= 0)) throw new Error(`adversarial: patience must be an integer >= 0, got ${o.patience}`);
  if (o.minDelta !== undefined && !(o.minDelta >= 0)) throw new Error(`adversarial: minDelta must be >= 0, got ${o.minDelta}`);
  if (o.resume && !o.checkpoint) throw new Error('adversarial: resume needs a checkpoint path');
  if (o.device !== undefined) requireDevice(o.device);
  const names = Object.keys(setup.players);
  if (names.includes('ema')) throw new Error('adversarial: "ema" is reserved (the checkpoint names the averages so)');
  if (names.includes(JOINT_LOSS)) throw new Error(`adversarial: "${JOINT_LOSS}" is reserved (a joint phase's objective)`);
  if (!setup.phases.length) throw new Error('adversarial: no phases');
  const stepped = new Set<string>();
  for (const ph of setup.phases) {
    if (!ph.players.length) throw new Error(`adversarial: phase "${ph.name}" updates no player`);
    if (new Set(ph.players).size !== ph.players.length) throw new Error(`adversarial: phase "${ph.name}" lists a player twice`);
    for (const p of ph.players) {
      if (!names.includes(p)) throw new Error(`adversarial: phase "${ph.name}" names no player "${p}" (players: ${names.join(', ')})`);
      stepped.add(p);
    }
  }
  const idle = names.filter((n) => !stepped.has(n));
  if (idle.length) throw new Error(`adversarial: players ${idle.join(', ')} are in no phase`);
  if (setup.ema instanceof Ema && setup.ema.inUse) throw new Error('adversarial: the Ema has its averages swapped in; swap back before training');
}

const paramsOf = (p: Player): Tensor[] => (Array.isArray(p.params) ? p.params : p.params.parameters());

/** Each player's parameters; every parameter of the model is some player's, and only the model's. */
function ownership(model: Module, players: Record<string, Player>): Map<string, Tensor[]> {
  const out = new Map(Object.entries(players).map(([n, p]) => [n, paramsOf(p)]));
  const mine = new Set([...out.values()].flat());
  const all = model.namedParameters();
  const known = new Set(all.map(([, t]) => t));
  const unowned = all.filter(([, t]) => !mine.has(t)).map(([n]) => n);
  if (unowned.length) throw new Error(`adversarial: parameters ${unowned.join(', ')} belong to no player`);
  if ([...mine].some((t) => !known.has(t))) throw new Error('adversarial: a player lists a parameter that is not the model\'s');
  return out;
}

/** Settings that change the numbers of a run: a resume must use the same. */
function runSettings(data: FitData, o: FitOptions<any>, setup: AdversarialSetup<any>, optimizers: Map<string, Optimizer<{ lr: number }>>,
  shuffleSeed: number, noiseSeed: number, ema: Ema | null): Record<string, unknown> {
  return {
    trainCount: data.trainCount,
    validationCount: data.validationCount,
    batchSize: o.batchSize ?? 32,
    shuffle: o.shuffle ?? true,
    shuffleSeed,
    noiseSeed,
    phases: setup.phases.map((p) => ({ name: p.name, players: p.players })),
    optimizers: Object.fromEntries([...optimizers].map(([n, opt]) => [n,
      { kind: opt.constructor.name, groups: opt.paramGroups.map(({ params: _p, ...hyper }) => hyper) }])),
    emaDecay: ema?.decay ?? null,
    clipGradNorm: o.clipGradNorm ?? null,
    validated: !!setup.validate,
    patience: o.patience ?? null,
    minDelta: o.minDelta ?? 0,
  };
}

function epochLine(r: EpochFields, epochs: number): string {
  const terms = Object.entries(r.trainTerms ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
  const score = r.validationLoss === null ? '' : `, validation score ${r.validationLoss.toFixed(4)}`;
  return `epoch ${r.epoch}/${epochs}: ${terms}${score}`;
}

interface Snapshot {
  model: Map<string, TensorData>;
  ema: Map<string, TensorData> | null;
}
function snapshot(model: Module, ema: Ema | null): Snapshot {
  return { model: new Map([...model.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: t.toArray() }])), ema: ema?.stateDict() ?? null };
}

export async function fitAdversarial<M extends Trainable>(model: M, data: FitData, setup: AdversarialSetup<M>, opts: AdversarialOptions<M>): Promise<FitResult> {
  checkSetup(setup, opts);
  if (!(data.trainCount >= 1)) throw new Error(`adversarial: no training samples (trainCount ${data.trainCount})`);
  if (opts.device) model.to(opts.device);
  const device = model.device;
  const batchSize = opts.batchSize ?? 32;
  const target: CheckpointTarget | null = typeof opts.checkpoint === 'string' ? { path: opts.checkpoint } : opts.checkpoint ?? null;
  const shuffleGen = opts.generator ?? new Generator(opts.seed ?? 0);
  const noiseGen = setup.noise ?? shuffleGen;
  const gens = collectGenerators(model, { shuffle: shuffleGen, noise: noiseGen, ...opts.generators });
  const owned = ownership(model, setup.players);
  const optimizers = new Map(Object.entries(setup.players).map(([n, p]) =>
    [n, p.optimizer instanceof Optimizer ? p.optimizer : new Adam(owned.get(n)!, p.optimizer)] as const));
  const ema = setup.ema === undefined ? null : setup.ema instanceof Ema ? setup.ema : new Ema(model, setup.ema.decay);
  const router = new GradientRouter(owned);
  const steps = Math.ceil(data.trainCount / batchSize);
  const book = new EpochBook({ ...opts, steps }, runSettings(data, opts, setup, optimizers, shuffleGen.seed, noiseGen.seed, ema));
  const wasTraining = model.training;
  const keepBest = !!setup.validate && (opts.restoreBest ?? true);
  let best: Snapshot | null = null;
  try {
    if (target && resumesFrom(target.path, opts.resume, (l) => book.progress?.line(l))) {
      const ck = loadAdversarialCheckpoint(target.path);
      book.resume(target.path, ck.training);
      model.loadStateDict(ck.model);
      for (const [n, opt] of optimizers) opt.loadStateDict(ck.optimizers.get(n)!.state);
      if (ema && ck.ema) ema.loadStateDict(ck.ema.averages);
      restoreGenerators(gens, ck.training.generators);
      if (keepBest) best = snapshot(model, ema);
    }

    for (const epoch of book.epochs()) {
      const t0 = Date.now();
      model.train();
      // Every phase its own order: ALAD's G/E phase reads an independently shuffled copy.
      const orders = setup.phases.map(() => (opts.shuffle === false ? Int32Array.from({ length: data.trainCount }, (_, i) => i) : shuffleGen.permutation(data.trainCount)));
      const means = new PlayerMeans();
      for (let s = 0; s < steps; s++) {
        setup.phases.forEach((phase, k) => {
          const idx = orders[k].subarray(s * batchSize, (s + 1) * batchSize);
          const values = tidy(() => runPhase(model, phase, data, idx, { epoch, step: s, noiseGen, device, router, optimizers, owned, clip: opts.clipGradNorm }));
          for (const [n, v] of Object.entries(values))
            if (!Number.isFinite(v)) throw new Error(`adversarial: ${n} is ${v} at epoch ${epoch}, step ${s + 1} of ${steps} (phase "${phase.name}")`);
          means.add(values, idx.length, k === 0);
        });
        ema?.update();
        book.progress?.tick(s + 1, `epoch ${epoch}/${opts.epochs}`);
        await nextTurn();
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('adversarial: aborted');
      }

      const score = setup.validate ? await validationScore(model, setup, ema, epoch) : null;
      const terms = means.means();
      const trainLoss = Object.keys(setup.players).reduce((a, n) => a + (terms[n] ?? 0), 0);
      const fields = { epoch, trainLoss, validationLoss: score, lr: optimizers.get(setup.phases[0].players[0])!.paramGroups[0].lr,
        seconds: (Date.now() - t0) / 1000, trainTerms: terms };
      const record = book.finish(fields, score, trainLoss, epochLine(fields, opts.epochs));
      if (record.improved && keepBest) best = snapshot(model, ema);
      if (record.improved && target) {
        book.state.generators = generatorStates(gens);
        saveAdversarialCheckpoint(target.path, { kind: target.kind ?? 'checkpoint', config: target.config ?? {}, sections: target.sections, model, optimizers, ema, training: book.state });
      }
      await opts.onEpoch?.(record, model);
    }
    const result = book.result();
    if (best && result.bestEpoch !== book.state.epoch) {
      model.loadStateDict(best.model);
      if (ema && best.ema) ema.loadStateDict(best.ema);
    }
    if (ema && (setup.finalWeights ?? 'averages') === 'averages') ema.loadIntoParameters();
    return result;
  } finally {
    router.dispose();
    for (const [n, opt] of optimizers) if (opt !== setup.players[n].optimizer) opt.dispose();
    if (ema && ema !== setup.ema) ema.dispose();
    model.train(wasTraining);
  }
}

/** The caller's score in eval mode; it must be a number. */
async function validationScore<M extends Module>(model: M, setup: AdversarialSetup<M>, ema: Ema | null, epoch: number): Promise<number> {
  model.eval();
  try {
    const score = await setup.validate!(model, ema);
    if (!Number.isFinite(score)) throw new Error(`adversarial: the validation score is ${score} after epoch ${epoch}`);
    return score;
  } finally {
    model.train();
  }
}

interface StepContext {
  epoch: number;
  step: number;
  noiseGen: Generator;
  device: Device;
  router: GradientRouter;
  optimizers: Map<string, Optimizer<{ lr: number }>>;
  owned: Map<string, Tensor[]>;
  clip?: number;
}

/** One phase of a step (inside the caller's tidy): forward, per-player backward, the players' steps. */
function runPhase<M>(model: M, phase: Phase<M>, data: FitData, idx: Int32Array, c: StepContext): Record<string, number> {
  const host = data.batch('train', idx);
  const x = host.device === c.device ? host : host.to(c.device);
  const ctx: PhaseContext = {
    epoch: c.epoch,
    step: c.step,
    indices: idx,
    normal: (shape, o = {}) => {
      const z = c.noiseGen.normal(shape, o.mean ?? 0, o.std ?? 1, { dtype: o.dtype });
      return z.device === c.device ? z : z.to(c.device);
    },
  };
  const out = phase.losses(model, x, ctx);
  const extra = Object.keys(out).filter((k) => !phase.players.includes(k) && !(phase.joint && k === JOINT_LOSS));
  if (extra.length) throw new Error(`adversarial: phase "${phase.name}" returned losses for ${extra.join(', ')}, which it does not update`);
  const parts = phase.players.map((n) => [n, lossOf(out[n], phase.name, n)] as const);
  if (phase.joint) c.router.backwardJoint(phase.players, lossOf(out[JOINT_LOSS], phase.name, JOINT_LOSS).loss);
  else c.router.backward(parts.map(([n, p]) => [n, p.loss]));
  for (const [n] of parts) {
    if (c.clip !== undefined) clipGradNorm(c.owned.get(n)!, c.clip);
    c.optimizers.get(n)!.step();
  }
  const values: Record<string, number> = {};
  for (const [n, p] of parts) {
    values[n] = p.loss.item();
    for (const [t, v] of Object.entries(p.terms ?? {})) values[`${n}.${t}`] = v;
  }
  return values;
}
