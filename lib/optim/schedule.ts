// Learning-rate schedules: the rate as a closed-form function of the optimiser step counted over
// the whole run (0 for the first step), so a schedule holds no state of its own and a resumed run
// only needs the step count (lib/train's fit keeps it in its checkpoints). fit applies a schedule
// per iteration (its schedule hook): before each optimiser step every parameter group's lr is set
// to lrAt(iteration).
//
// CyclicLR, triangular (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017;
// the Keras callback bckenstler/CLR that STAE-AD uses as CyclicLR(mode='triangular')):
//   cycle = floor(1 + i / (2 stepSize));  x = |i / stepSize - 2 cycle + 1|
//   lr(i) = baseLr + (maxLr - baseLr) * max(0, 1 - x)
// It starts at baseLr, climbs linearly to maxLr over stepSize steps, falls back over the next
// stepSize, and repeats. The Keras callback sets baseLr before the first batch and clr() of the
// step count after each batch, so its batch i runs at lr(i), as here. torch.optim.lr_scheduler.
// CyclicLR(mode='triangular', step_size_up = step_size_down = stepSize) gives the same rates.
// The defaults are that callback's (base 1e-3, max 6e-3, 2000 steps), which STAE-AD leaves as
// they are.
import type { Optimizer } from './optimizer';

/** A learning rate for every optimiser step of a run. */
export interface LrSchedule {
  /** The rate of step `iteration` (0-based, over the whole run). */
  lrAt(iteration: number): number;
  /** The kind and parameters (plain JSON): part of a run's settings, so a resume must use the same. */
  toJSON(): Record<string, unknown>;
}

export interface CyclicLROptions {
  /** The lower bound of the cycle (default 1e-3). */
  baseLr: number;
  /** The upper bound (default 6e-3), reached stepSize steps into each cycle. */
  maxLr: number;
  /** Steps in half a cycle (default 2000). */
  stepSize: number;
}

/** The triangular cyclic learning rate (CLR's mode 'triangular'; see the top of this file). */
export class CyclicLR implements LrSchedule {
  readonly baseLr: number;
  readonly maxLr: number;
  readonly stepSize: number;
  constructor(opts: Partial<CyclicLROptions> = {}) {
    const { baseLr = 1e-3, maxLr = 6e-3, stepSize = 2000 } = opts;
    for (const [k, v] of Object.entries({ baseLr, maxLr }))
      if (!(Number.isFinite(v) && v >= 0)) throw new Error(`CyclicLR: ${k} must be finite and >= 0, got ${v}`);
    if (!(maxLr >= baseLr)) throw new Error(`CyclicLR: maxLr (${maxLr}) must be >= baseLr (${baseLr})`);
    if (!(Number.isInteger(stepSize) && stepSize >= 1)) throw new Error(`CyclicLR: stepSize must be a positive integer, got ${stepSize}`);
    this.baseLr = baseLr;
    this.maxLr = maxLr;
    this.stepSize = stepSize;
  }
  lrAt(iteration: number): number {
    if (!(Number.isInteger(iteration) && iteration >= 0)) throw new Error(`CyclicLR: iteration must be an integer >= 0, got ${iteration}`);
    const cycle = Math.floor(1 + iteration / (2 * this.stepSize));
    const x = Math.abs(iteration / this.stepSize - 2 * cycle + 1);
    return this.baseLr + (this.maxLr - this.baseLr) * Math.max(0, 1 - x);
  }
  toJSON(): Record<string, unknown> {
    return { kind: 'cyclic-triangular', baseLr: this.baseLr, maxLr: this.maxLr, stepSize: this.stepSize };
  }
}

/** Sets every parameter group's lr to `lr` (what a schedule does before a step). */
export function setLr(optimizer: Optimizer<{ lr: number }>, lr: number): void {
  if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`setLr: lr must be finite and >= 0, got ${lr}`);
  for (const g of optimizer.paramGroups) g.lr = lr;
}
