// fit: the training loop shared by every model. Per epoch: shuffle the training samples with a
// seeded generator, take optimiser steps batch by batch (each inside tidy, the event loop
// served between batches), score the validation split, log the epoch (JSONL, progress), and on
// an improving epoch keep the weights and write a checkpoint atomically. Early stopping watches
// the validation loss (the training loss when there is no validation data) and restores the
// best weights. A checkpoint holds everything the loop depends on (weights, optimiser moments
// and steps, random streams, counters, log position, the step count a learning-rate schedule
// reads), so a resumed run continues exactly as an uninterrupted one would have.
// Per step: zeroGrad, loss, backward, optional gradient clipping (global or per tensor), the
// schedule hook (every group's lr = schedule.lrAt(iteration)), optimiser step.

import { noGrad } from '../autograd/grad_mode';
import type { Module, TensorData } from '../nn/module';
import { mseLoss } from '../ops/losses';
import { Adam, AdamW } from '../optim/adam';
import { clipGradNorm, clipGradNormPerTensor } from '../optim/clip';
import { Optimizer } from '../optim/optimizer';
import { LrSchedule, setLr } from '../optim/schedule';
import { Generator } from '../random';
import { Device, requireDevice, Tensor, tidy } from '../tensor';
import { EpochRecord, loadCheckpoint, resumesFrom, saveCheckpoint, TrainingState } from './checkpoint';
import type { FitData, Split } from './data';
import { LossLog } from './loss_log';
import { Progress } from './progress';
import { collectGenerators, generatorStates, restoreGenerators } from './rng_state';

/** A module fit can train: it has its own loss(x) (as every AnomalyModel), or forward(x) for the default loss. */
export interface Trainable extends Module {
  forward?(x: Tensor): Tensor;
  loss?(x: Tensor): LossOutput;
}

/** A loss is a one-element tensor, optionally with named terms (numbers) to log beside it. */
export type LossOutput = Tensor | { loss: Tensor; terms?: Record<string, number> };
export type LossFn<M> = (model: M, x: Tensor) => LossOutput;

/** Where checkpoints go and what model bundle they are (kind and config, for loaders). */
export interface CheckpointTarget {
  path: string;
  kind?: string;
  config?: unknown;
  /** Further bundle sections (schema, scaler, ...); "training" and "optimizer" are taken. */
  sections?: Record<string, unknown>;
}

interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface FitOptions<M extends Trainable = Trainable> {
  epochs: number;
  /** Default 32; the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Batch size for validation (no gradients, so it can be larger); default batchSize. */
  validationBatchSize?: number;
  /** A new order of the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Seeds the shuffling generator when `generator` is not given (default 0). */
  seed?: number;
  /** The shuffling stream; may be the one the model was built with. */
  generator?: Generator;
  /** Streams to checkpoint beyond the shuffling one and those found in the model's modules. */
  generators?: Record<string, Generator>;
  /** 'adam' (default), 'adamw', or an optimiser over the model's parameters (left undisposed). */
  optimizer?: 'adam' | 'adamw' | Optimizer<{ lr: number }>;
  /** Learning rate of a named optimiser (default 1e-3). */
  lr?: number;
  /** Weight decay of a named optimiser (default: 0 for adam (L2), 0.01 for adamw (decoupled)). */
  weightDecay?: number;
  /** AMSGrad for a named optimiser (torch.optim.Adam(amsgrad=True); default false). */
  amsgrad?: boolean;
  /** Clips the global gradient norm (all gradients together) to this before each step. */
  clipGradNorm?: number;
  /**
   * Clips each parameter's gradient norm to this on its own before each step (Keras's
   * clipnorm); not together with clipGradNorm.
   */
  clipGradNormPerTensor?: number;
  /**
   * Sets every parameter group's learning rate before each step to lrAt(iteration), iteration
   * counting the steps of the whole run from 0 (kept across resume); e.g. CyclicLR. It overrides
   * lr (which then only names the optimiser's starting rate).
   */
  lrSchedule?: LrSchedule;
  /** Default: the model's own loss(x) if it has one, else mse(model.forward(x), x) (reconstruction). */
  loss?: LossFn<M>;
  /** Early stopping: stop after this many epochs without improvement (off when undefined). */
  patience?: number;
  /** An improvement must beat the best loss by more than this (default 0). */
  minDelta?: number;
  /** Load the best epoch's weights at the end (default true). */
  restoreBest?: boolean;
  /** Writes a checkpoint after each improving epoch. */
  checkpoint?: string | CheckpointTarget;
  /** Continue from the checkpoint: true requires it, 'if-exists' starts afresh without one. */
  resume?: boolean | 'if-exists';
  /** JSONL log of the epochs (see EpochRecord). */
  log?: string;
  /** A bar on a terminal, one line per epoch otherwise; default stderr, false for none. */
  progress?: boolean | ProgressSink;
  /** Called after each epoch (after its checkpoint); awaited. */
  onEpoch?: (record: EpochRecord, model: M) => void | Promise<void>;
  /** Aborts between batches (fit rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Trains on this device: the model moves there first (Module.to; it stays there after fit)
   * and every batch is copied to it. Default: where the model's parameters already are.
   */
  device?: Device;
}

export interface FitResult {
  history: EpochRecord[];
  bestEpoch: number;
  /** The best value of `watched` (the last epoch's training loss when nothing was watched). */
  bestLoss: number;
  /** What picked the best epoch when there was validation data: fit's validation loss, or the
   * caller's validation score (fitAdversarial). */
  watched: 'validation loss' | 'validation score';
  /** Early stopping ended the run before `epochs`. */
  stoppedEarly: boolean;
  /** The checkpoint's epoch this run continued from, null for a fresh run. */
  resumedFrom: number | null;
  seconds: number;
}

/** The model's own loss, else the mean squared reconstruction error. */
function defaultLoss<M extends Trainable>(model: M): LossFn<M> {
  if (typeof model.loss === 'function') return (m, x) => m.loss!(x);
  if (typeof model.forward === 'function') return (m, x) => mseLoss(m.forward!(x), x);
  throw new Error(`fit: ${model.constructor.name} has neither loss(x) nor forward(x); pass a loss`);
}
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checkOptions(o: FitOptions<any>): void {
  const positiveInt = (name: string, v: unknown) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) throw new Error(`fit: ${name} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs', o.epochs);
  if (o.epochs === undefined) throw new Error('fit: epochs is required');
  positiveInt('batchSize', o.batchSize);
  positiveInt('validationBatchSize', o.validationBatchSize);
  if (o.patience !== undefined && !(Number.isInteger(o.patience) && o.patience >= 0)) throw new Error(`fit: patience must be an integer >= 0, got ${o.patience}`);
  if (o.minDelta !== undefined && !(o.minDelta >= 0)) throw new Error(`fit: minDelta must be >= 0, got ${o.minDelta}`);
  if (o.resume && !o.checkpoint) throw new Error('fit: resume needs a checkpoint path');
  if (o.optimizer instanceof Optimizer && (o.lr !== undefined || o.weightDecay !== undefined || o.amsgrad !== undefined))
    throw new Error('fit: lr, weightDecay and amsgrad belong to the optimiser when one is passed');
  if (o.amsgrad !== undefined && typeof o.amsgrad !== 'boolean') throw new Error(`fit: amsgrad must be true or false, got ${String(o.amsgrad)}`);
  for (const name of ['clipGradNorm', 'clipGradNormPerTensor'] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`fit: ${name} must be > 0, got ${v}`);
  }
  if (o.clipGradNorm !== undefined && o.clipGradNormPerTensor !== undefined)
    throw new Error('fit: clipGradNorm (global) and clipGradNormPerTensor exclude each other; give one');
  if (o.lrSchedule !== undefined && typeof o.lrSchedule?.lrAt !== 'function')
    throw new Error('fit: lrSchedule must have lrAt(iteration) (e.g. a CyclicLR)');
  if (o.device !== undefined) requireDevice(o.device);
}

/** A batch on the model's device (the host batch stays in the caller's tidy scope). */
function onDevice(x: Tensor, device: Device): Tensor {
  return x.device === device ? x : x.to(device);
}

function makeOptimizer(model: Module, o: FitOptions<any>): Optimizer<{ lr: number }> {
  if (o.optimizer instanceof Optimizer) return o.optimizer;
  const kind = o.optimizer ?? 'adam';
  const hyper = {
    lr: o.lr ?? 1e-3,
    ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
    ...(o.amsgrad !== undefined ? { amsgrad: o.amsgrad } : {}),
  };
  if (kind === 'adam') return new Adam(model.parameters(), hyper);
  if (kind === 'adamw') return new AdamW(model.parameters(), hyper);
  throw new Error(`fit: optimizer must be 'adam', 'adamw' or an Optimizer, got ${String(kind)}`);
}

/** The loss as a tensor and its terms, whatever form the loss function returned. */
function lossParts(out: LossOutput): { loss: Tensor; terms?: Record<string, number> } {
  const parts = out instanceof Tensor ? { loss: out } : out;
  if (!(parts?.loss instanceof Tensor) || parts.loss.size !== 1)
    throw new Error('fit: the loss function must return a one-element Tensor or { loss, terms }');
  return parts;
}

/** Sample-weighted sums of the loss and its terms over an epoch's batches. */
class Mean {
  private n = 0;
  private loss = 0;
  private readonly terms = new Map<string, number>();
  add(loss: number, terms: Record<string, number> | undefined, count: number): void {
    this.n += count;
    this.loss += loss * count;
    for (const [k, v] of Object.entries(terms ?? {})) this.terms.set(k, (this.terms.get(k) ?? 0) + v * count);
  }
  get value(): number {
    return this.loss / this.n;
  }
  get termValues(): Record<string, number> | undefined {
    return this.terms.size ? Object.fromEntries([...this.terms].map(([k, v]) => [k, v / this.n])) : undefined;
  }
}

function snapshot(model: Module): Map<string, TensorData> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, { shape: [...t.shape], data: t.toArray() }]));
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('fit: aborted');
}

function epochLine(r: EpochRecord, epochs: number): string {
  const terms = (t?: Record<string, number>) => (t ? ` (${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')})` : '');
  let s = `epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)}${terms(r.trainTerms)}`;
  if (r.validationLoss !== null) s += `, validation loss ${r.validationLoss.toFixed(4)}${terms(r.validationTerms)}`;
  return s;
}

/**
 * Settings that change the numbers of a run: a resume must use the same. Settings added after
 * the first checkpoints were written (amsgrad, per-tensor clipping, a schedule) appear only when
 * in use, so those checkpoints still resume.
 */
function runSettings(o: FitOptions<any>, data: FitData, opt: Optimizer<{ lr: number }>, shuffleSeed: number): Record<string, unknown> {
  const group = opt.paramGroups[0] as Record<string, unknown>;
  return {
    trainCount: data.trainCount,
    validationCount: data.validationCount,
    batchSize: o.batchSize ?? 32,
    shuffle: o.shuffle ?? true,
    shuffleSeed,
    optimizer: opt.constructor.name,
    lr: group.lr,
    weightDecay: group.weightDecay ?? null,
    clipGradNorm: o.clipGradNorm ?? null,
    patience: o.patience ?? null,
    minDelta: o.minDelta ?? 0,
    ...(group.amsgrad === true ? { amsgrad: true } : {}),
    ...(o.clipGradNormPerTensor !== undefined ? { clipGradNormPerTensor: o.clipGradNormPerTensor } : {}),
    ...(o.lrSchedule ? { lrSchedule: o.lrSchedule.toJSON() } : {}),
  };
}

function checkSettings(path: string, saved: Record<string, unknown>, now: Record<string, unknown>): void {
  const keys = [...new Set([...Object.keys(now), ...Object.keys(saved)])];
  const diff = keys.filter((k) => JSON.stringify(saved[k] ?? null) !== JSON.stringify(now[k] ?? null));
  if (diff.length)
    throw new Error(`resume from ${path}: the checkpoint was written with other settings: ${diff
      .map((k) => `${k} ${JSON.stringify(saved[k] ?? null)} (now ${JSON.stringify(now[k] ?? null)})`).join(', ')}`);
}

export async function fit<M extends Trainable>(model: M, data: FitData, opts: FitOptions<M>): Promise<FitResult> {
  checkOptions(opts);
  if (!(data.trainCount >= 1)) throw new Error(`fit: no training samples (trainCount ${data.trainCount})`);
  const started = Date.now();
  if (opts.device) model.to(opts.device);
  const device = model.device;
  const batchSize = opts.batchSize ?? 32;
  const valBatch = opts.validationBatchSize ?? batchSize;
  const lossFn = opts.loss ?? defaultLoss(model);
  const minDelta = opts.minDelta ?? 0;
  const target: CheckpointTarget | null = typeof opts.checkpoint === 'string' ? { path: opts.checkpoint } : opts.checkpoint ?? null;
  const shuffleGen = opts.generator ?? new Generator(opts.seed ?? 0);
  const gens = collectGenerators(model, { shuffle: shuffleGen, ...opts.generators });
  const optimizer = makeOptimizer(model, opts);
  const ownOptimizer = optimizer !== opts.optimizer;
  const settings = runSettings(opts, data, optimizer, shuffleGen.seed);
  const steps = Math.ceil(data.trainCount / batchSize);
  const wasTraining = model.training;
  const sink = opts.progress === false ? null : opts.progress === true || opts.progress === undefined ? process.stderr : opts.progress;
  const progress = sink ? new Progress('train', steps, sink as NodeJS.WriteStream) : null;

  let state: TrainingState = { epoch: 0, bestEpoch: 0, bestLoss: Infinity, badEpochs: 0, generators: [], logPosition: null, history: [], settings };
  let best: Map<string, TensorData> | null = null;
  let resumedFrom: number | null = null;
  let iteration = 0; // optimiser steps so far: the schedule's position
  let stoppedEarly = false;
  try {
    let log: LossLog | null = null;
    if (target && resumesFrom(target.path, opts.resume, (l) => progress?.line(l))) {
      const ck = loadCheckpoint(target.path);
      checkSettings(target.path, ck.training.settings, settings);
      if (ck.training.bestEpoch !== ck.training.epoch) throw new Error(`resume from ${target.path}: inconsistent training state (best epoch is not the saved one)`);
      // Checkpoints fall on epoch ends, so the step count is epoch * steps (older ones lack it).
      iteration = ck.training.iteration ?? ck.training.epoch * steps;
      if (iteration !== ck.training.epoch * steps)
        throw new Error(`resume from ${target.path}: inconsistent training state (${iteration} steps after ${ck.training.epoch} epochs of ${steps})`);
      model.loadStateDict(ck.model);
      optimizer.loadStateDict(ck.optimizer);
      restoreGenerators(gens, ck.training.generators);
      state = { ...ck.training, iteration, settings };
      best = snapshot(model);
      resumedFrom = state.epoch;
      if (opts.log) log = LossLog.resume(opts.log, state.logPosition ?? 0, state.history);
      progress?.line(`resumed from ${target.path} after epoch ${state.epoch}`);
    } else if (opts.log) log = LossLog.create(opts.log);

    const earlyStop = () => opts.patience !== undefined && state.badEpochs >= opts.patience;
    for (let epoch = state.epoch + 1; epoch <= opts.epochs && !earlyStop(); epoch++) {
      const t0 = Date.now();
      model.train();
      const order = opts.shuffle === false ? Int32Array.from({ length: data.trainCount }, (_, i) => i) : shuffleGen.permutation(data.trainCount);
      const train = new Mean();
      for (let s = 0; s < steps; s++) {
        const idx = order.subarray(s * batchSize, (s + 1) * batchSize);
        const r = tidy(() => {
          const x = onDevice(data.batch('train', idx), device);
          optimizer.zeroGrad();
          const { loss, terms } = lossParts(lossFn(model, x));
          loss.backward();
          if (opts.clipGradNorm !== undefined) clipGradNorm(model.parameters(), opts.clipGradNorm);
          if (opts.clipGradNormPerTensor !== undefined) clipGradNormPerTensor(model.parameters(), opts.clipGradNormPerTensor);
          if (opts.lrSchedule) setLr(optimizer, opts.lrSchedule.lrAt(iteration));
          optimizer.step();
          return { loss: loss.item(), terms };
        });
        iteration++;
        if (!Number.isFinite(r.loss)) throw new Error(`fit: the training loss is ${r.loss} at epoch ${epoch}, batch ${s + 1} of ${steps}`);
        train.add(r.loss, r.terms, idx.length);
        progress?.tick(s + 1, `epoch ${epoch}/${opts.epochs}`);
        await nextTurn();
        aborted(opts.signal);
      }
      const val = data.validationCount > 0 ? await evaluate(model, data, 'validation', valBatch, lossFn, opts.signal) : null;

      const watched = val ? val.loss : train.value;
      const improved = watched < state.bestLoss - minDelta;
      if (improved) {
        state.bestLoss = watched;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
        best = snapshot(model);
      } else state.badEpochs++;
      const record: EpochRecord = {
        epoch,
        trainLoss: train.value,
        validationLoss: val ? val.loss : null,
        lr: optimizer.paramGroups[0].lr,
        seconds: (Date.now() - t0) / 1000,
        improved,
        ...(train.termValues ? { trainTerms: train.termValues } : {}),
        ...(val?.terms ? { validationTerms: val.terms } : {}),
      };
      log?.append(record);
      state.history.push(record);
      state.epoch = epoch;
      state.iteration = iteration;
      state.logPosition = log ? log.position : null;
      progress?.line(epochLine(record, opts.epochs));
      if (improved && target) {
        state.generators = generatorStates(gens);
        saveCheckpoint(target.path, { kind: target.kind ?? 'checkpoint', config: target.config ?? {}, sections: target.sections, model, optimizer, training: state });
      }
      await opts.onEpoch?.(record, model);
    }
    stoppedEarly = earlyStop() && state.epoch < opts.epochs;
    if (stoppedEarly)
      progress?.line(`early stop after epoch ${state.epoch}: no improvement for ${opts.patience} epochs; best epoch ${state.bestEpoch} (loss ${state.bestLoss.toFixed(4)})`);
    if ((opts.restoreBest ?? true) && best && state.bestEpoch !== state.epoch) model.loadStateDict(best);
  } finally {
    if (ownOptimizer) optimizer.dispose();
    model.train(wasTraining);
  }
  return { history: state.history, bestEpoch: state.bestEpoch, bestLoss: state.bestLoss, watched: 'validation loss', stoppedEarly, resumedFrom, seconds: (Date.now() - started) / 1000 };
}

/** Mean loss (and terms) over a split in eval mode without gradients, batch by batch, on the model's device. */
export async function evaluate<M extends Trainable>(model: M, data: FitData, split: Split, batchSize: number,
  lossFn: LossFn<M> = defaultLoss(model), signal?: AbortSignal): Promise<{ loss: number; terms?: Record<string, number> }> {
  const count = split === 'train' ? data.trainCount : data.validationCount;
  const wasTraining = model.training;
  const device = model.device;
  model.eval();
  const mean = new Mean();
  try {
    for (let b = 0; b < count; b += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, count - b) }, (_, i) => b + i);
      const r = noGrad(() => tidy(() => {
        const { loss, terms } = lossParts(lossFn(model, onDevice(data.batch(split, idx), device)));
        return { loss: loss.item(), terms };
      }));
      mean.add(r.loss, r.terms, idx.length);
      await nextTurn();
      aborted(signal);
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: mean.value, terms: mean.termValues };
}
