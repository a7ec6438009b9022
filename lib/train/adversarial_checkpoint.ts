// The checkpoint of an adversarial run: a model bundle like fit's (lib/train/checkpoint.ts: the
// model's tensors under their own names, the run's TrainingState in the "training" section), but
// with one optimiser per player and the weight averages. Everything that is not the model lives
// under "optim/" so checkpointModelState() still returns the model alone:
//   optim/<player>/<param index>/<buffer>   each player's optimiser moments
//   optim/ema/<parameter name>              the exponential moving averages
// and the "optimizers" section holds each player's optimiser kind, groups and steps, "ema" the
// decay. ("ema" is therefore not a player name.)
import { loadBundle, saveBundle } from '../io/bundle';
import { SafeTensor } from '../io/safetensors';
import type { Module, TensorData } from '../nn/module';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer';
import { checkpointModelState, TrainingState } from './checkpoint';
import type { Ema } from './ema';

const OPTIM = 'optim/';
const EMA = `${OPTIM}ema/`;

export interface AdversarialCheckpointParts {
  kind: string;
  config: unknown;
  sections?: Record<string, unknown>;
  model: Module;
  optimizers: Map<string, Optimizer<{ lr: number }>>;
  ema: Ema | null;
  training: TrainingState;
}

export interface LoadedAdversarialCheckpoint {
  model: Map<string, SafeTensor>;
  optimizers: Map<string, { kind: string; state: OptimizerStateDict }>;
  ema: { decay: number; averages: Map<string, TensorData> } | null;
  training: TrainingState;
}

interface SavedOptimizer {
  kind: string;
  groups: OptimizerStateDict['groups'];
  state: { param: number; step: number; buffers: string[] }[];
}

const dtypeOf = (data: Float32Array | Float64Array): 'F32' | 'F64' => (data instanceof Float64Array ? 'F64' : 'F32');

export function saveAdversarialCheckpoint(path: string, c: AdversarialCheckpointParts): void {
  for (const k of ['training', 'optimizers', 'ema'])
    if (c.sections && k in c.sections) throw new Error(`checkpoint: section "${k}" is reserved for the training state`);
  if (c.optimizers.has('ema')) throw new Error('checkpoint: "ema" cannot be a player name (its tensors are the averages)');
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of c.model.stateDict()) {
    if (name.startsWith(OPTIM)) throw new Error(`checkpoint: model tensor "${name}" clashes with the optimisers' names`);
    const data = t.toArray();
    tensors.set(name, { dtype: dtypeOf(data), shape: [...t.shape], data });
  }
  const optimizers: Record<string, SavedOptimizer> = {};
  for (const [player, opt] of c.optimizers) {
    const sd = opt.stateDict();
    optimizers[player] = {
      kind: opt.constructor.name,
      groups: sd.groups,
      state: sd.state.map((e) => {
        for (const [b, d] of Object.entries(e.buffers)) tensors.set(`${OPTIM}${player}/${e.param}/${b}`, { dtype: dtypeOf(d.data), shape: d.shape, data: d.data });
        return { param: e.param, step: e.step, buffers: Object.keys(e.buffers) };
      }),
    };
  }
  for (const [name, d] of c.ema?.stateDict() ?? []) tensors.set(EMA + name, { dtype: dtypeOf(d.data), shape: [...d.shape], data: d.data });
  saveBundle(path, {
    kind: c.kind,
    config: c.config,
    sections: { ...c.sections, optimizers, ema: c.ema ? { decay: c.ema.decay, names: c.ema.names } : null, training: c.training },
    tensors,
  });
}

export function loadAdversarialCheckpoint(path: string): LoadedAdversarialCheckpoint {
  const bundle = loadBundle(path);
  const { training, optimizers, ema } = bundle.sections as { training?: TrainingState; optimizers?: Record<string, SavedOptimizer>; ema?: { decay: number; names: string[] } | null };
  if (!training || !optimizers) throw new Error(`checkpoint ${path}: not written by the adversarial loop (no "optimizers" or "training" section)`);
  const tensor = (name: string, what: string): SafeTensor => {
    const t = bundle.tensors.get(name);
    if (!t) throw new Error(`checkpoint ${path}: ${what} is missing`);
    return t;
  };
  const opts = new Map(Object.entries(optimizers).map(([player, o]) => [player, {
    kind: o.kind,
    state: {
      groups: o.groups,
      state: o.state.map((e) => ({
        param: e.param,
        step: e.step,
        buffers: Object.fromEntries(e.buffers.map((b) => {
          const t = tensor(`${OPTIM}${player}/${e.param}/${b}`, `buffer "${b}" of player "${player}" parameter ${e.param}`);
          return [b, { shape: t.shape, data: t.data }];
        })),
      })),
    },
  }]));
  return {
    model: checkpointModelState(bundle),
    optimizers: opts,
    ema: ema ? { decay: ema.decay, averages: new Map(ema.names.map((n) => [n, tensor(EMA + n, `average "${n}"`)])) } : null,
    training,
  };
}
