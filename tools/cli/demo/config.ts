// The demo's sizes: the data (simulated hours, sampling), the training budget and each model's
// reduced configuration, for the full run and for --quick (CI). Chosen so the whole command
// stays under 3 minutes (full) and well under a minute (--quick) on two cores; every choice is
// made before any attacked data is seen.
import { DEFAULT_MIN_HOURS } from '../../../lib/data/simulator';
import { modelKind, modelKinds, type DemoConfig } from '../../../lib/model';

export interface DemoSizes {
  hoursNormal: number;
  hoursAttack: number;
  /** Seconds between rows (the simulator steps 1 s and samples every this many). */
  sampleSeconds: number;
  /** Share of the normal rows (their tail) that is validation: early stopping and the thresholds. */
  validation: number;
  epochs: number;
  /** Rows between training windows. */
  stride: number;
  batchSize: number;
  /** VUS buffer length, in seconds (converted to rows). */
  vusSeconds: number;
}

// A full day of normal operation, so training has seen every phase of the daily demand cycle
// (with 6-8 h the validation loss on the following hours stayed 3-4x the training loss). The
// attacked period is as short as the simulator's default scenarios allow.
export const FULL: DemoSizes = {
  hoursNormal: 24, hoursAttack: DEFAULT_MIN_HOURS, sampleSeconds: 10, validation: 0.2, epochs: 25, stride: 2, batchSize: 64, vusSeconds: 300,
};

// The same data; less training (windows every 4 rows, 12 epochs of smaller batches). Sampling
// every 20 s instead left the models far from converged (most attacks then went unseen).
export const QUICK: DemoSizes = {
  hoursNormal: 24, hoursAttack: DEFAULT_MIN_HOURS, sampleSeconds: 10, validation: 0.2, epochs: 12, stride: 4, batchSize: 32, vusSeconds: 300,
};

/** A model kind the demo trains, at its demo size (the kind's `demo`, models/<name>/demo.ts). */
export interface DemoModel extends DemoConfig {
  kind: string;
}

/** Every registered kind that has a demo size, in registration order. */
export function demoModels(): DemoModel[] {
  return modelKinds().map(modelKind).filter((k) => k.demo).map((k) => ({ kind: k.kind, ...k.demo! }));
}

/** The models of the default run: those not marked opt-in. */
export function defaultDemoModels(): DemoModel[] {
  return demoModels().filter((m) => !m.optIn);
}

/** Rows one sample of the model spans at the demo size (a window, or a series of correlation windows). */
export function demoWindow(m: DemoModel, channels: number): number {
  const k = modelKind(m.kind);
  const model = k.create(k.defaultConfig(channels, m.config));
  try {
    return model.window;
  } finally {
    model.dispose();
  }
}
