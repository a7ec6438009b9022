// How `npm run eval` trains each model kind: the data shapes it applies to, its training settings
// (those of the runs in docs/results.md, shortened where a 2-core machine needs it), config
// overrides, and rough costs for the planner. The costs are seconds on the shared 2-core
// development VM (2026-12-07, load 5-6): the classic kinds' from a run on SMD 1-6, the deep kinds'
// from one-epoch runs on BATADAL and the times docs/results.md records; early stopping makes the
// deep estimates upper bounds. A resumed run replaces them with the times it measured (plan.ts).
import type { DataShape, DatasetSpec } from './datasets';

export interface TrainSettings {
  /** Most epochs (deep kinds; --epochs replaces it). Classic kinds fit once. */
  epochs?: number;
  patience?: number;
  minDelta?: number;
  lr?: number;
  batchSize?: number;
  clipGradNorm?: number;
  /** Rows between training windows. */
  stride?: number;
}

export interface KindSpec {
  kind: string;
  /** Trained by gradient epochs (else a closed-form fit: --epochs does not apply). */
  deep: boolean;
  shapes: DataShape[];
  train(d: DatasetSpec): TrainSettings;
  config?(d: DatasetSpec): Record<string, unknown>;
  /** Seconds per 10k training windows (rows / stride) per epoch, and per 10k scored rows. */
  cost: { fit: number; score: number };
}

/** Training windows every 5 rows on the long SMD training sets, every row elsewhere. */
const strideFor = (d: DatasetSpec, long: number) => (d.trainRows > 20000 ? long : 1);

export const KINDS: KindSpec[] = [
  { kind: 'lstm-ae', deep: true, shapes: ['series'], train: () => ({ epochs: 12, patience: 4, stride: 5 }), cost: { fit: 60, score: 25 } },
  {
    kind: 'dc-vae', deep: true, shapes: ['series'],
    train: (d) => ({ epochs: 30, patience: 5, minDelta: 0.01, lr: 1e-3, clipGradNorm: 5, batchSize: 32, stride: strideFor(d, 5) }),
    cost: { fit: 50, score: 40 },
  },
  { kind: 'staead', deep: true, shapes: ['series'], train: () => ({ epochs: 15, patience: 4, stride: 4 }), cost: { fit: 50, score: 100 } },
  { kind: 'sa-dvcrae', deep: true, shapes: ['series'], train: () => ({ epochs: 8, patience: 8, stride: 4 }), cost: { fit: 200, score: 100 } },
  {
    kind: 'alad', deep: true, shapes: ['rows'], train: () => ({ epochs: 100 }),
    config: (d) => ({ preset: d.id === 'arrhythmia' ? 'arrhythmia' : 'kdd' }), cost: { fit: 4, score: 2 },
  },
  // Classic kinds: on tabular rows a sample is one row (rows have no time order).
  { kind: 'pca', deep: false, shapes: ['series', 'rows'], train: () => ({}), cost: { fit: 0.5, score: 0.5 } },
  { kind: 'iforest', deep: false, shapes: ['series', 'rows'], train: () => ({}), config: rowWindow, cost: { fit: 1, score: 1 } },
  { kind: 'knn', deep: false, shapes: ['series', 'rows'], train: () => ({}), config: rowWindow, cost: { fit: 2, score: 5 } },
  // The default members (lstm-ae, pca, iforest), trained with LSTM-AE's settings.
  { kind: 'ensemble', deep: true, shapes: ['series'], train: () => ({ epochs: 12, patience: 4, stride: 5 }), cost: { fit: 62, score: 27 } },
];

function rowWindow(d: DatasetSpec): Record<string, unknown> {
  return d.shape === 'rows' ? { window: 1 } : {};
}

export function kindSpec(kind: string): KindSpec {
  const k = KINDS.find((x) => x.kind === kind);
  if (!k) throw new Error(`unknown kind "${kind}" (known: ${KINDS.map((x) => x.kind).join(', ')})`);
  return k;
}

/** Whether the kind runs on the dataset's shape. */
export function applies(k: KindSpec, d: DatasetSpec): boolean {
  return k.shapes.includes(d.shape);
}

/** The kind's settings on the dataset, with --epochs replacing a deep kind's epochs. */
export function settingsFor(k: KindSpec, d: DatasetSpec, epochs?: number): TrainSettings {
  const s = k.train(d);
  return k.deep && epochs !== undefined ? { ...s, epochs } : s;
}

/** Seconds a cell takes besides fitting and scoring (thresholds, evaluation). */
const OVERHEAD_SECONDS = 2;

/** Rough seconds for one seed of the kind on the dataset. */
export function estimateSeconds(k: KindSpec, d: DatasetSpec, epochs?: number): number {
  const s = settingsFor(k, d, epochs);
  const fit = k.cost.fit * (d.trainRows / (s.stride ?? 1) / 1e4) * (k.deep ? s.epochs ?? 1 : 1);
  return Math.round(OVERHEAD_SECONDS + fit + k.cost.score * (d.testRows / 1e4));
}
