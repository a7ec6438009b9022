// Which scenarios act at a given second, in the form the engine applies: spoofs (sensor
// readings replaced after the instruments, before the PLC), forced actuators (PLC outputs
// overridden), the set-points in force and the demand factor. Recomputed only when a scenario
// starts or ends.
import { NCH } from './channels';
import { DEFAULT_SETPOINTS } from './control';
import type { Compiled, Tamper } from './scenarios';
import type { Setpoints } from './types';

export class Schedule {
  /** Active spoofs (sensor tampers), in scenario order: a later one wins on the same channel. */
  spoofs: Tamper[] = [];
  /** Per channel: -1, or the value the actuator is forced to. */
  readonly forced = new Int8Array(NCH).fill(-1);
  setpoints: Setpoints = { ...DEFAULT_SETPOINTS };
  demandFactor = 1;
  /** Per channel: 1 where an active attack tampers with it (the per-channel label). */
  readonly points = new Uint8Array(NCH);
  /** An attack (not a benign change) is active. */
  attack = false;
  private readonly items: Compiled[] = [];
  private edges: number[] = [];
  private nextEdge = 0;
  private now = -Infinity;
  private dirty = false;

  /** Scenarios with their final times (a waiting one is added when it begins). */
  constructor(items: readonly Compiled[] = []) {
    for (const c of items) this.add(c);
  }

  /** The scenarios added so far. */
  begun(): Compiled[] {
    return this.items.slice();
  }

  add(c: Compiled): void {
    this.items.push(c);
    const times = new Set<number>(this.edges);
    times.add(c.start).add(c.end);
    for (const t of c.tampers) times.add(t.start).add(t.end);
    this.edges = [...times].sort((a, b) => a - b);
    this.dirty = true;
  }

  /** Brings the active set to second t (t never goes back). */
  update(t: number): void {
    if (t < this.now) throw new Error('simulator: schedule asked to go back in time');
    this.now = t;
    if (this.dirty) {
      this.dirty = false;
      this.nextEdge = 0;
    } else if (this.nextEdge >= this.edges.length || t < this.edges[this.nextEdge]) return;
    while (this.nextEdge < this.edges.length && this.edges[this.nextEdge] <= t) this.nextEdge++;
    this.recompute(t);
  }

  private recompute(t: number): void {
    this.spoofs = [];
    this.forced.fill(-1);
    this.points.fill(0);
    this.setpoints = { ...DEFAULT_SETPOINTS };
    this.demandFactor = 1;
    this.attack = false;
    for (const c of this.items) {
      if (t < c.start || t >= c.end) continue;
      if (c.benign) {
        this.demandFactor *= c.demandFactor;
        continue;
      }
      this.attack = true;
      for (const x of c.tampers) {
        if (t < x.start || t >= x.end) continue;
        for (const k of x.points) this.points[k] = 1;
        if (x.kind === 'force-actuator') this.forced[x.k] = x.value;
        else if (x.kind === 'setpoint') Object.assign(this.setpoints, x.setpoints);
        else this.spoofs.push(x);
      }
    }
  }
}
