// The run loop. Each simulated second: disturbances -> true process values -> instruments ->
// spoofing -> PLC scan -> forced actuators -> a row of data (every sampleSeconds) -> physics.
// Before a scenario starts, a copy of the whole plant (random stream included) runs its span
// without it: the channels where the copy's rows differ from the real ones are what the
// scenario changed (ScenarioRecord.affects).
import { C, CHANNELS, NCH } from './channels';
import { DEFAULT_SETPOINTS, plcScan, plcStart, type Commands, type PlcState } from './control';
import { DISTURBANCES_START, stepDisturbances, type Disturbances } from './demand';
import { computeFlows, emptyFlows, integrate, physicsStart, stored, trueReadings, type Flows, type PhysicsState } from './physics';
import { seedRng, type RngState } from './random';
import { compileScenarios, defaultScenarios, shiftScenario, triggered, type Compiled } from './scenarios';
import { Schedule } from './schedule';
import { instrumentsStart, quantise, readInstruments, type InstrumentState } from './sensors';
import { buildResult } from './result';
import type { ScenarioSpec, SimulationOptions, SimulationResult, WaterBalance } from './types';

/** Seconds the plant runs before the first row, so the first rows are in steady operation. */
const BURN_IN = 3600;
export const DEFAULT_START_TIME = Date.UTC(2024, 0, 1);

/** Everything that evolves (one structuredClone copies a plant). */
interface Plant {
  rng: RngState;
  dist: Disturbances;
  phys: PhysicsState;
  inst: InstrumentState;
  plc: PlcState;
  bal: WaterBalance;
  /** Reported readings of the last `histLen` seconds (ring, for replay attacks). */
  hist: Float64Array;
  histLen: number;
}

/** Per-second scratch (not state). */
interface Scratch {
  flows: Flows;
  truth: Float64Array;
  reported: Float64Array;
  cmd: Commands;
}

const scratch = (): Scratch => ({ flows: emptyFlows(), truth: new Float64Array(NCH), reported: new Float64Array(NCH), cmd: { mv101: 0, p101: 0, p102: 0, p201: 0, p301: 0, mv301: 0, p401: 0 } });

// Local copies of imported bindings used every second (CommonJS loaders make them getters).
const N = NCH;
const { MV101, MV301 } = C;
const ACT_K = [C.MV101, C.P101, C.P102, C.P201, C.P301, C.MV301, C.P401];
const ACT_CMD: (keyof Commands)[] = ['mv101', 'p101', 'p102', 'p201', 'p301', 'mv301', 'p401'];
const disturb = stepDisturbances, flowsOf = computeFlows, truthOf = trueReadings, read = readInstruments, scan = plcScan, advance = integrate, quant = quantise;

/** Where a second's row goes. */
interface Sink {
  sample: number;
  /** Second of row 0 of this sink. */
  first: number;
  data: Float32Array;
  truth?: Float32Array;
  labels?: Uint8Array;
  channelLabels?: Uint8Array;
}

function newPlant(seed: number, histLen: number): Plant {
  const rng = seedRng(seed);
  const dist = { ...DISTURBANCES_START };
  const phys = physicsStart(rng, dist);
  const inst = instrumentsStart(rng);
  const y = new Float64Array(NCH);
  trueReadings(phys, emptyFlows(), y);
  const plc = plcStart(y, { ...DEFAULT_SETPOINTS });
  const bal: WaterBalance = { inflow: 0, delivered: 0, backwash: 0, spilled: 0, storedStart: 0, storedEnd: 0 };
  return { rng, dist, phys, inst, plc, bal, hist: new Float64Array(Math.max(1, histLen) * NCH), histLen: Math.max(1, histLen) };
}

/** One simulated second t of plant p under schedule s. */
function second(p: Plant, s: Schedule, t: number, hour: number, x: Scratch, sink: Sink | null): void {
  s.update(t);
  disturb(p.dist, p.rng);
  flowsOf(p.phys, p.dist, hour, s.demandFactor, x.flows);
  const truth = x.truth, y = x.reported, cmd = x.cmd, hist = p.hist, len = p.histLen;
  truthOf(p.phys, x.flows, truth);
  read(p.inst, truth, p.rng, y);

  // Spoofing: what the network carries (and the PLC sees) replaces the honest reading.
  for (let i = 0; i < s.spoofs.length; i++) {
    const a = s.spoofs[i];
    let v: number;
    if (a.kind === 'spoof-constant') v = a.value;
    else if (a.kind === 'spoof-ramp') v = y[a.k] + (a.delta * (t - a.start + 1)) / (a.end - a.start);
    else v = hist[((((t - a.lag) % len) + len) % len) * N + a.k];
    y[a.k] = quant(a.k, v);
  }

  scan(p.plc, y, s.setpoints, cmd);
  for (let i = 0; i < ACT_K.length; i++) {
    const k = ACT_K[i], name = ACT_CMD[i];
    if (s.forced[k] >= 0) cmd[name] = s.forced[k];
    // Valves report their limit switches (open past half stroke); pumps their contactor.
    const state = k === MV101 ? (p.phys.pos101 >= 0.5 ? 1 : 0) : k === MV301 ? (p.phys.pos301 >= 0.5 ? 1 : 0) : cmd[name];
    y[k] = state;
    truth[k] = state;
  }
  const h = (((t % len) + len) % len) * N;
  for (let k = 0; k < N; k++) hist[h + k] = y[k];

  if (sink !== null && t >= sink.first && (t - sink.first) % sink.sample === 0) {
    const r = (t - sink.first) / sink.sample;
    const o = r * N;
    const data = sink.data;
    for (let k = 0; k < N; k++) data[o + k] = y[k];
    if (sink.truth) for (let k = 0; k < N; k++) sink.truth[o + k] = truth[k];
    if (sink.labels && s.attack) {
      sink.labels[r] = 1;
      for (let k = 0; k < N; k++) sink.channelLabels![o + k] = s.points[k];
    }
  }
  advance(p.phys, x.flows, cmd, p.dist, hour, p.bal);
}

interface Twin {
  c: Compiled;
  data: Float32Array;
  first: number;
}

/** The reported row of the second before t. */
function lastRow(p: Plant, t: number): Float64Array {
  const at = ((((t - 1) % p.histLen) + p.histLen) % p.histLen) * NCH;
  return p.hist.subarray(at, at + NCH);
}

/** A copy of plant p runs c's span under the scenarios already begun, without c. */
function twinRun(p: Plant, schedule: Schedule, c: Compiled, startSec: number, sample: number): Twin {
  const first = Math.ceil(c.start / sample);
  const n = Math.ceil(c.end / sample) - first;
  const sink: Sink = { sample, first: first * sample, data: new Float32Array(n * NCH) };
  runSpan(structuredClone(p), new Schedule(schedule.begun()), c.start, c.end, startSec, scratch(), sink);
  return { c, data: sink.data, first };
}

/** Runs seconds [from, to) of plant p. */
function runSpan(p: Plant, s: Schedule, from: number, to: number, startSec: number, x: Scratch, sink: Sink | null, progress?: (t: number) => void): void {
  const day = 86400;
  let tod = ((((startSec + from) % day) + day) % day);
  for (let t = from; t < to; t++) {
    second(p, s, t, tod / 3600, x, sink);
    if (++tod === day) tod = 0;
    if (progress && (t & 8191) === 0) progress(t);
  }
}

function resolveSpecs(opts: SimulationOptions): ScenarioSpec[] {
  const a = opts.attacks ?? 'none';
  if (a === 'none') return [];
  if (a === 'default') return defaultScenarios(opts.hours, opts.attackFrom ?? 0);
  if (!Array.isArray(a)) throw new Error(`simulator: attacks must be 'default', 'none' or a list of scenarios, got ${JSON.stringify(a)}`);
  return a;
}

export function run(opts: SimulationOptions): SimulationResult {
  const seed = opts.seed ?? 7;
  const sample = opts.sampleSeconds ?? 1;
  const startTime = opts.startTime ?? DEFAULT_START_TIME;
  const attackFrom = opts.attackFrom ?? 0;
  if (!(opts.hours > 0) || !Number.isFinite(opts.hours)) throw new Error(`simulator: hours must be a positive number, got ${opts.hours}`);
  if (!Number.isSafeInteger(sample) || sample < 1) throw new Error(`simulator: sampleSeconds must be a whole number >= 1, got ${sample}`);
  if (!Number.isFinite(startTime) || startTime % 1000 !== 0) throw new Error('simulator: startTime must be a whole second (ms since the epoch)');
  if (!(attackFrom >= 0 && attackFrom < opts.hours)) throw new Error(`simulator: attackFrom must be in [0, hours), got ${attackFrom}`);
  const rows = Math.floor((opts.hours * 3600) / sample);
  if (rows < 1) throw new Error('simulator: the run is shorter than one row');
  const total = rows * sample;
  const scenarios = compileScenarios(resolveSpecs(opts), total);
  const histLen = Math.max(1, ...scenarios.flatMap((c) => c.tampers.map((t) => t.lag))) + 1;
  const startSec = startTime / 1000;

  const plant = newPlant(seed, histLen);
  const x = scratch();
  runSpan(plant, new Schedule([]), -BURN_IN, 0, startSec, x, null);
  plant.bal = { inflow: 0, delivered: 0, backwash: 0, spilled: 0, storedStart: stored(plant.phys), storedEnd: 0 };

  const sink: Sink = { sample, first: 0, data: new Float32Array(rows * NCH), truth: new Float32Array(rows * NCH), labels: new Uint8Array(rows), channelLabels: new Uint8Array(rows * NCH) };
  const schedule = new Schedule();
  // Each scenario begins at its start or, with `when`, at the first second its trigger holds on
  // the previous second's readings. Just before, a copy of the plant runs its span without it.
  const twins: Twin[] = [];
  const waiting: Compiled[] = [];
  const upcoming = scenarios.slice();
  const report = opts.onProgress ? (t: number) => opts.onProgress!(t / total) : undefined;
  let t = 0;
  while (upcoming.length || waiting.length) {
    const next = waiting.length ? t : upcoming[0].start;
    runSpan(plant, schedule, t, next, startSec, x, sink, report);
    t = next;
    while (upcoming.length && upcoming[0].start <= t) waiting.push(upcoming.shift()!);
    const last = lastRow(plant, t);
    for (let i = 0; i < waiting.length; i++) {
      const c = waiting[i];
      if (c.when && t - c.start < c.maxWait && !triggered(c.when, last)) continue;
      shiftScenario(c, t - c.start);
      twins.push(twinRun(plant, schedule, c, startSec, sample));
      schedule.add(c);
      waiting.splice(i--, 1);
    }
    if (waiting.length) {
      // Step one second and look again.
      runSpan(plant, schedule, t, t + 1, startSec, x, sink, report);
      t++;
    }
  }
  runSpan(plant, schedule, t, total, startSec, x, sink, report);
  plant.bal.storedEnd = stored(plant.phys);
  opts.onProgress?.(1);

  return buildResult({ rows, sample, startTime, seed, hours: opts.hours, attackFrom, sink: sink as Required<Sink>, scenarios, twins, balance: plant.bal, channels: CHANNELS });
}
