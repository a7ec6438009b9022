// Instruments: what a transmitter reports for a true value. Reading = truth + calibration offset
// + drift (random walk) + white noise (flow meters: gain error instead of offset, and a low-flow
// cut-off), clamped to the instrument's span and quantised to the channel's decimals. Every
// reading draws the same two normals whatever the value, so the noise of a channel does not
// depend on what happens elsewhere in the plant.
import { CHANNEL_DEFS, NCH } from './channels';
import { normal, type RngState } from './random';

export interface InstrumentState {
  /** Calibration error per channel (relative for flow meters), drawn once. */
  offset: Float64Array;
  drift: Float64Array;
}

// Flat tables for the per-second loop (module bindings are getters under CommonJS loaders).
const gauss = normal;
const NC = NCH;
/** Channels with an instrument model (the sensors), in column order. */
const SENSORS = Int32Array.from(CHANNEL_DEFS.flatMap((c, k) => (c.instrument ? [k] : [])));
const NOISE = Float64Array.from(CHANNEL_DEFS, (c) => c.instrument?.noise ?? 0);
const DRIFT = Float64Array.from(CHANNEL_DEFS, (c) => c.instrument?.drift ?? 0);
const CUTOFF = Float64Array.from(CHANNEL_DEFS, (c) => c.instrument?.cutoff ?? NaN);
const LO = Float64Array.from(CHANNEL_DEFS, (c) => c.span[0]);
const HI = Float64Array.from(CHANNEL_DEFS, (c) => c.span[1]);
const SCALE = Float64Array.from(CHANNEL_DEFS, (c) => 10 ** c.decimals);

export function instrumentsStart(rng: RngState): InstrumentState {
  const offset = new Float64Array(NC);
  for (const k of SENSORS) offset[k] = CHANNEL_DEFS[k].instrument!.offset * gauss(rng);
  return { offset, drift: new Float64Array(NC) };
}

/** A value as channel k stores it: clamped to the span, rounded to its decimals. */
export function quantise(k: number, v: number): number {
  const x = v < LO[k] ? LO[k] : v > HI[k] ? HI[k] : v;
  const s = SCALE[k];
  return Math.round(x * s) / s;
}

/** Honest readings of the sensor channels of `truth` into `out` (actuator slots untouched). */
export function readInstruments(inst: InstrumentState, truth: Float64Array, rng: RngState, out: Float64Array): void {
  const { offset, drift } = inst;
  for (let j = 0; j < SENSORS.length; j++) {
    const k = SENSORS[j];
    drift[k] += DRIFT[k] * gauss(rng);
    const noise = NOISE[k] * gauss(rng);
    let v: number;
    const cut = CUTOFF[k];
    if (cut === cut) {
      v = truth[k] * (1 + offset[k] + drift[k]) + noise;
      if (v < cut) v = 0;
    } else v = truth[k] + offset[k] + drift[k] + noise;
    out[k] = quantise(k, v);
  }
}
