// A training checkpoint is a model bundle (lib/io/bundle: safetensors, checksum, atomic write)
// whose tensors are the model's state dict under its own names plus the optimiser's buffers
// under "optim/<param index>/<buffer>", and whose "training" and "optimizer" sections hold the
// rest of the run's state: epoch, best loss, early-stopping count, random streams, log position
// and the per-epoch history. A loader that wants only the model takes checkpointModelState().
import { existsSync } from 'node:fs';

import { loadBundle, LoadedBundle, saveBundle } from '../io/bundle';
import { SafeTensor } from '../io/safetensors';
import type { Module } from '../nn/module';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer';
import type { GeneratorState } from './rng_state';

const OPTIM_PREFIX = 'optim/';

/** One finished epoch, as logged (JSONL) and returned. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  /** null without validation data. */
  validationLoss: number | null;
  /** The first parameter group's rate after the epoch (with a schedule: that of its last step). */
  lr: number;
  seconds: number;
  /** The watched loss (validation, else training) beat the best so far by more than minDelta. */
  improved: boolean;
  /** Extra terms the loss reported (e.g. reconstruction and KL), sample-weighted means. */
  trainTerms?: Record<string, number>;
  validationTerms?: Record<string, number>;
}

export interface TrainingState {
  /** The last finished epoch (training continues at epoch + 1). */
  epoch: number;
  /**
   * Optimiser steps taken over the run (fit's; a learning-rate schedule's position). Absent in
   * checkpoints written before it was kept, and in the adversarial loop's state.
   */
  iteration?: number;
  bestEpoch: number;
  bestLoss: number;
  /** Epochs since the best one (early stopping's count). */
  badEpochs: number;
  generators: GeneratorState[];
  /** Byte length of the JSONL log after this epoch's line; null without a log. */
  logPosition: number | null;
  history: EpochRecord[];
  /** The settings that shape the run; resuming with others is refused. */
  settings: Record<string, unknown>;
}

export interface CheckpointParts {
  kind: string;
  config: unknown;
  sections?: Record<string, unknown>;
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  training: TrainingState;
}

export interface LoadedCheckpoint {
  bundle: LoadedBundle;
  model: Map<string, SafeTensor>;
  optimizer: OptimizerStateDict;
  optimizerKind: string;
  training: TrainingState;
}

export function saveCheckpoint(path: string, c: CheckpointParts): void {
  for (const k of ['training', 'optimizer'])
    if (c.sections && k in c.sections) throw new Error(`checkpoint: section "${k}" is reserved for the training state`);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of c.model.stateDict()) {
    if (name.startsWith(OPTIM_PREFIX)) throw new Error(`checkpoint: model tensor "${name}" clashes with the optimiser's names`);
    tensors.set(name, { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data: t.toArray() });
  }
  const sd = c.optimizer.stateDict();
  const state = sd.state.map((e) => {
    for (const [b, d] of Object.entries(e.buffers))
      tensors.set(`${OPTIM_PREFIX}${e.param}/${b}`, { dtype: d.data instanceof Float64Array ? 'F64' : 'F32', shape: d.shape, data: d.data });
    return { param: e.param, step: e.step, buffers: Object.keys(e.buffers) };
  });
  saveBundle(path, {
    kind: c.kind,
    config: c.config,
    sections: {
      ...c.sections,
      optimizer: { kind: c.optimizer.constructor.name, groups: sd.groups, state },
      training: c.training,
    },
    tensors,
  });
}

/**
 * Whether a run resumes from `path`: `resume` true requires the checkpoint; 'if-exists' (the
 * CLI's --resume) starts from scratch when a crash came before the first one was written, and
 * says so through `say`.
 */
export function resumesFrom(path: string, resume: boolean | 'if-exists' | undefined, say?: (line: string) => void): boolean {
  if (!resume) return false;
  if (resume === true || existsSync(path)) return true;
  say?.(`no checkpoint at ${path} yet (the run ended before its first one): starting from scratch`);
  return false;
}

export function loadCheckpoint(path: string): LoadedCheckpoint {
  const bundle = loadBundle(path);
  const { training, optimizer } = bundle.sections;
  if (!training || !optimizer) throw new Error(`checkpoint ${path}: a model bundle without training state (not written by fit)`);
  const state = (optimizer.state as { param: number; step: number; buffers: string[] }[]).map((e) => ({
    param: e.param,
    step: e.step,
    buffers: Object.fromEntries(e.buffers.map((b) => {
      const t = bundle.tensors.get(`${OPTIM_PREFIX}${e.param}/${b}`);
      if (!t) throw new Error(`checkpoint ${path}: optimiser buffer "${b}" of parameter ${e.param} is missing`);
      return [b, { shape: t.shape, data: t.data }];
    })),
  }));
  return {
    bundle,
    model: checkpointModelState(bundle),
    optimizer: { groups: optimizer.groups, state },
    optimizerKind: optimizer.kind,
    training: training as TrainingState,
  };
}

/** The model's tensors of a checkpoint (without the optimiser's), for Module.loadStateDict. */
export function checkpointModelState(bundle: LoadedBundle): Map<string, SafeTensor> {
  return new Map([...bundle.tensors].filter(([name]) => !name.startsWith(OPTIM_PREFIX)));
}
