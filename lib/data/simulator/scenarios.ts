// Scenarios: checking a spec against the plant, the built-in default set, and the compiled form
// the engine applies second by second (which sensor is spoofed how, which actuator is forced,
// which set-points are rewritten, what the demand is multiplied by).
import { CHANNEL_DEFS, channelIndex } from './channels';
import { DEFAULT_SETPOINTS } from './control';
import type { Condition, ScenarioSpec, SetpointName, Setpoints, TamperSpec, Trigger } from './types';

/** One tampering, compiled: times in seconds, channel as a column index. */
export interface Tamper {
  kind: TamperSpec['kind'];
  start: number;
  end: number;
  /** The channel (spoofed sensor or forced actuator); -1 for set-points. */
  k: number;
  value: number;
  lag: number;
  delta: number;
  setpoints: Partial<Setpoints>;
  /** Attack points (column indices): k, or the actuators of the rewritten loops. */
  points: number[];
}

export interface Compiled {
  spec: ScenarioSpec;
  id: string;
  description: string;
  start: number;
  end: number;
  benign: boolean;
  stealthy: boolean;
  tampers: Tamper[];
  /** Demand multiplier while active (1 for attacks). */
  demandFactor: number;
  /** Attack points of all its tampers, column order. */
  points: number[];
  /** The conditions it waits for (column index and bounds; all must hold), if any. */
  when?: Test[];
  /** Longest wait for `when`, seconds (0 without one). */
  maxWait: number;
  /** Seconds it waited (set when it begins). */
  waited: number;
}

/** A compiled trigger condition: column index and bounds. */
export interface Test {
  k: number;
  equals?: number;
  above?: number;
  below?: number;
}

/** Whether every condition of a trigger holds on a row of reported values. */
export function triggered(w: readonly Test[], y: ArrayLike<number>): boolean {
  return w.every(({ k, equals, above, below }) => {
    const v = y[k];
    return (equals === undefined || v === equals) && (above === undefined || v > above) && (below === undefined || v < below);
  });
}

/** Moves a compiled scenario (and its stages) `d` seconds later, as it begins after a wait. */
export function shiftScenario(c: Compiled, d: number): void {
  c.waited = d;
  c.start += d;
  c.end += d;
  for (const t of c.tampers) {
    t.start += d;
    t.end += d;
  }
}

const DEFAULT_MAX_WAIT = 3600;

function compileCondition(c: Condition, where: string): Test {
  const k = channelIndex(c.channel, where);
  const bounds = [c.equals, c.above, c.below].filter((v) => v !== undefined);
  if (!bounds.length || bounds.some((v) => !Number.isFinite(v))) throw new Error(`simulator: ${where} needs numeric equals, above and/or below`);
  return { k, equals: c.equals, above: c.above, below: c.below };
}

function compileTrigger(w: Trigger, where: string): { when: Test[]; maxWait: number } {
  if (w.and !== undefined && !Array.isArray(w.and)) throw new Error(`simulator: ${where}: when.and must be a list of conditions`);
  const when = [compileCondition(w, `${where}: when`), ...(w.and ?? []).map((c, i) => compileCondition(c, `${where}: when.and[${i}]`))];
  const maxWait = w.maxWait ?? DEFAULT_MAX_WAIT;
  if (!whole(maxWait) || maxWait < 0) throw new Error(`simulator: ${where}: when.maxWait must be whole seconds >= 0, got ${maxWait}`);
  return { when, maxWait };
}

/** The actuator a set-point's loop drives: the attack point of set-point tampering. */
const SETPOINT_ACTUATOR: Record<SetpointName, string> = {
  'LIT101.L': 'MV101', 'LIT101.H': 'MV101', 'LIT101.LL': 'P101',
  'LIT301.L': 'P101', 'LIT301.H': 'P101', 'LIT301.LL': 'P301',
  'AIT202.L': 'P201', 'AIT202.H': 'P201',
  'LIT401.L': 'P301', 'LIT401.H': 'P301', 'LIT401.LL': 'P401',
  'PIT401.L': 'P401', 'PIT401.H': 'P401',
  'DPIT301.H': 'MV301', 'UF.backwashInterval': 'MV301',
};

const minutes = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);

function tamperDescription(t: TamperSpec): string {
  switch (t.kind) {
    case 'spoof-constant': return `${t.channel} spoofed to a constant ${t.value} ${CHANNEL_DEFS[channelIndex(t.channel, t.kind)].unit}`;
    case 'spoof-replay': return `${t.channel} replays its own readings of ${minutes(t.lag)} earlier`;
    case 'spoof-ramp': return `${t.channel} spoofed with an offset ramping to ${t.delta > 0 ? '+' : ''}${t.delta} ${CHANNEL_DEFS[channelIndex(t.channel, t.kind)].unit} over ${minutes(t.duration)}`;
    case 'force-actuator': {
      const valve = t.channel.startsWith('MV');
      return `${t.channel} forced ${valve ? (t.value ? 'open' : 'closed') : t.value ? 'on' : 'off'} against the PLC`;
    }
    case 'setpoint': return `PLC set-points rewritten: ${Object.entries(t.setpoints).map(([k, v]) => `${k} ${DEFAULT_SETPOINTS[k as SetpointName]} -> ${v}`).join(', ')}`;
  }
}

function describe(s: ScenarioSpec): string {
  if (s.description) return s.description;
  if (s.kind === 'demand-shift') return `consumer demand x${s.factor} for ${minutes(s.duration)} (benign: not an attack)`;
  if (s.kind === 'multi-stage') return `multi-stage: ${s.stages.map(tamperDescription).join('; ')}`;
  return tamperDescription(s);
}

const whole = (v: number) => Number.isSafeInteger(v);

function checkSpan(start: number, duration: number, where: string, totalSeconds: number, wait = 0): number {
  if (!whole(start) || !whole(duration) || start < 0 || duration < 1) throw new Error(`simulator: ${where}: start and duration must be whole seconds (start >= 0, duration >= 1), got ${start} and ${duration}`);
  const end = start + duration;
  if (end + wait > totalSeconds) throw new Error(`simulator: ${where}: may end at ${end + wait} s${wait ? ` (after waiting up to ${wait} s)` : ''}, after the run's ${totalSeconds} s`);
  return end;
}

function compileTamper(t: TamperSpec, where: string, totalSeconds: number, wait: number): Tamper {
  const end = checkSpan(t.start, t.duration, where, totalSeconds, wait);
  const base: Tamper = { kind: t.kind, start: t.start, end, k: -1, value: 0, lag: 0, delta: 0, setpoints: {}, points: [] };
  if (t.kind === 'setpoint') {
    const names = Object.keys(t.setpoints) as SetpointName[];
    if (!names.length) throw new Error(`simulator: ${where}: no set-points given`);
    for (const n of names) {
      if (!(n in DEFAULT_SETPOINTS)) throw new Error(`simulator: ${where}: unknown set-point "${n}" (known: ${Object.keys(DEFAULT_SETPOINTS).join(', ')})`);
      if (!Number.isFinite(t.setpoints[n])) throw new Error(`simulator: ${where}: set-point ${n} must be a number`);
    }
    const points = [...new Set(names.map((n) => channelIndex(SETPOINT_ACTUATOR[n], where)))].sort((a, b) => a - b);
    return { ...base, setpoints: { ...t.setpoints }, points };
  }
  const k = channelIndex(t.channel, where);
  const kind = CHANNEL_DEFS[k].kind;
  if (t.kind === 'force-actuator') {
    if (kind !== 'actuator') throw new Error(`simulator: ${where}: ${t.channel} is a sensor; force-actuator needs an actuator`);
    if (t.value !== 0 && t.value !== 1) throw new Error(`simulator: ${where}: value must be 0 or 1, got ${t.value}`);
    return { ...base, k, value: t.value, points: [k] };
  }
  if (kind !== 'sensor') throw new Error(`simulator: ${where}: ${t.channel} is an actuator; ${t.kind} needs a sensor`);
  if (t.kind === 'spoof-constant') {
    if (!Number.isFinite(t.value)) throw new Error(`simulator: ${where}: value must be a number`);
    return { ...base, k, value: t.value, points: [k] };
  }
  if (t.kind === 'spoof-ramp') {
    if (!Number.isFinite(t.delta)) throw new Error(`simulator: ${where}: delta must be a number`);
    return { ...base, k, delta: t.delta, points: [k] };
  }
  if (!whole(t.lag) || t.lag < 1) throw new Error(`simulator: ${where}: lag must be a whole number of seconds >= 1, got ${t.lag}`);
  if (t.start - t.lag < 0) throw new Error(`simulator: ${where}: replays from ${t.start - t.lag} s, before the run began (start >= lag)`);
  return { ...base, k, lag: t.lag, points: [k] };
}

const KINDS = ['spoof-constant', 'spoof-replay', 'spoof-ramp', 'force-actuator', 'setpoint', 'multi-stage', 'demand-shift'];

/** Checks specs against the plant and the run length, and compiles them (sorted by start). */
export function compileScenarios(specs: ScenarioSpec[], totalSeconds: number): Compiled[] {
  let attacks = 0, benign = 0;
  const out = specs.map((s, i): Compiled => {
    const where = `scenario ${s.id ?? i + 1} (${s.kind})`;
    if (!KINDS.includes(s.kind)) throw new Error(`simulator: ${where}: unknown kind (known: ${KINDS.join(', ')})`);
    const isBenign = s.kind === 'demand-shift';
    const n = isBenign ? ++benign : ++attacks;
    const id = s.id ?? `${isBenign ? 'b' : 'a'}${n}-${s.kind}`;
    let tampers: Tamper[] = [];
    let demandFactor = 1;
    const trigger = s.when ? compileTrigger(s.when, where) : undefined;
    const wait = trigger?.maxWait ?? 0;
    if (s.kind === 'demand-shift') {
      checkSpan(s.start, s.duration, where, totalSeconds, wait);
      if (!(s.factor > 0) || !Number.isFinite(s.factor)) throw new Error(`simulator: ${where}: factor must be a positive number, got ${s.factor}`);
      demandFactor = s.factor;
    } else if (s.kind === 'multi-stage') {
      if (!s.stages?.length) throw new Error(`simulator: ${where}: no stages`);
      tampers = s.stages.map((st, j) => {
        if (!KINDS.includes(st.kind) || (st.kind as string) === 'multi-stage' || (st.kind as string) === 'demand-shift') throw new Error(`simulator: ${where}: stage ${j + 1} cannot be ${st.kind}`);
        if (st.when) throw new Error(`simulator: ${where}: stage ${j + 1}: put 'when' on the multi-stage scenario, not on a stage`);
        return compileTamper(st, `${where} stage ${j + 1}`, totalSeconds, wait);
      });
      const first = Math.min(...tampers.map((t) => t.start)), last = Math.max(...tampers.map((t) => t.end));
      if (first !== s.start || last !== s.start + s.duration) throw new Error(`simulator: ${where}: start/duration must span its stages exactly (${first} s for ${last - first} s)`);
    } else tampers = [compileTamper(s, where, totalSeconds, wait)];
    const points = [...new Set(tampers.flatMap((t) => t.points))].sort((a, b) => a - b);
    return {
      spec: s, id, description: describe(s), start: s.start, end: s.start + s.duration, benign: isBenign, stealthy: !isBenign && !!s.stealthy,
      tampers, demandFactor, points, when: trigger?.when, maxWait: wait, waited: 0,
    };
  });
  const ids = new Set<string>();
  for (const c of out) {
    if (ids.has(c.id)) throw new Error(`simulator: two scenarios are named "${c.id}"`);
    ids.add(c.id);
  }
  return out.sort((a, b) => a.start - b.start);
}

// ---- The default set

/** Attacked hours the default set needs: 8 slots of 88+ minutes, room for each attack to wait for its moment and have its effect (with less, some attacks may not bite). */
export const DEFAULT_MIN_HOURS = 12;

/**
 * Seven attacks and one benign demand surge, each in its own slot of the attacked period
 * [attackFrom h + 10 min, hours - 5 min): the same plan for every seed, so a report can name
 * them. Each attack waits (`when`) for the plant state in which it bites (a pump running, a
 * tank being drawn down), at most until its slot runs out, and lasts long enough for the
 * physical effect its description names to happen inside its span (docs/simulator.md gives
 * the effects measured; test/data/simulator_effects.test.ts checks them). The ramp on AIT202
 * is the stealthiest.
 */
export function defaultScenarios(hours: number, attackFrom = 0): ScenarioSpec[] {
  const span = hours - attackFrom;
  if (!(span >= DEFAULT_MIN_HOURS)) throw new Error(`simulator: the default attacks need at least ${DEFAULT_MIN_HOURS} attacked hours (hours - attackFrom), got ${span}`);
  const min = 60;
  const begin = Math.round(attackFrom * 3600) + 10 * min;
  const slot = Math.floor((Math.round(hours * 3600) - 5 * min - begin) / 8);
  const minute = (s: number) => Math.floor(s / min) * min;
  // The scenario and its longest wait fill a window of at most slot - 10 min, centred in the slot.
  const place = (i: number, duration: number, waits: boolean) => {
    const window = waits ? Math.min(minute(slot - 10 * min), duration + 60 * min) : duration;
    return { start: begin + i * slot + minute((slot - window) / 2), duration, maxWait: window - duration };
  };
  const at = (i: number, duration: number, first: Condition, ...and: Condition[]) => {
    const { start, maxWait } = place(i, duration, true);
    return { start, duration, when: { ...first, ...(and.length ? { and } : {}), maxWait } };
  };
  const is = (channel: string, equals: number): Condition => ({ channel, equals });
  const below = (channel: string, v: number): Condition => ({ channel, below: v });
  const above = (channel: string, v: number): Condition => ({ channel, above: v });
  const fixed = (i: number, duration: number) => ({ start: place(i, duration, false).start, duration });
  const surge = Math.min(120 * min, minute(slot - 10 * min));
  const a7 = at(7, 30 * min, is('P301', 1), below('LIT401', 650));
  return [
    { id: 'a1-spoof-LIT101-low', kind: 'spoof-constant', channel: 'LIT101', value: 200, ...at(0, 15 * min, above('LIT101', 700)),
      description: 'LIT101 spoofed to a constant 200 mm, below its low-low mark: the PLC keeps MV101 open and holds the transfer pumps off, so T101 overflows' },
    { id: 'a2-force-P101-off', kind: 'force-actuator', channel: 'P101', value: 0, ...at(1, 20 * min, is('P101', 1), below('LIT301', 700)),
      description: 'P101 forced off while running: the transfer stops for about 30 s until the standby pump P102 takes over' },
    { id: 'a3-force-MV101-closed', kind: 'force-actuator', channel: 'MV101', value: 0, ...at(2, 30 * min, is('MV101', 1), is('P101', 1), below('LIT101', 650)),
      description: 'MV101 forced closed while filling: no raw water reaches T101; the transfer draws it down to its low-low mark and stops' },
    { id: 'b1-demand-surge', kind: 'demand-shift', factor: 1.3, ...fixed(3, surge) },
    { id: 'a4-setpoint-pH', kind: 'setpoint', setpoints: { 'AIT202.L': 6.6, 'AIT202.H': 6.8 }, ...at(4, 20 * min, is('P101', 1), below('LIT301', 650)),
      description: 'pH band of the acid dosing rewritten from 7.3-7.5 to 6.6-6.8: P201 doses without pause and the real pH falls below the band, to about 7.0' },
    { id: 'a5-replay-LIT301', kind: 'spoof-replay', channel: 'LIT301', lag: 5 * min, ...at(5, 20 * min, below('LIT301', 600), is('P101', 0), is('P301', 1), below('LIT401', 800)),
      description: 'LIT301 replays its last 5 min of readings in a loop while P301 draws T301 down: the PLC never sees it fall, the transfer never starts and T301 runs dry under P301' },
    { id: 'a6-ramp-AIT202', kind: 'spoof-ramp', channel: 'AIT202', delta: 0.15, ...at(6, 60 * min, is('P101', 1)), stealthy: true,
      description: 'AIT202 reads high by a slowly growing offset (to +0.15 pH over 60 min): the PLC doses more acid and the real pH sinks up to 0.15 below its band' },
    { id: 'a7-multistage-T401', kind: 'multi-stage', ...a7,
      description: 'multi-stage: LIT401 replays its readings of 1 h earlier, then P301 is forced off and the backwash valve MV301 forced open: T401 drains empty unseen, P401 runs dry and the network pressure collapses',
      stages: [
        { kind: 'spoof-replay', channel: 'LIT401', lag: 60 * min, start: a7.start, duration: 30 * min },
        { kind: 'force-actuator', channel: 'P301', value: 0, start: a7.start + 3 * min, duration: 27 * min },
        { kind: 'force-actuator', channel: 'MV301', value: 1, start: a7.start + 5 * min, duration: 25 * min },
      ] },
  ];
}
