// The plant simulator: seeded determinism, mass balance and normal operation, and for every
// default scenario, checked against an independent attack-free run of the same seed: rows before
// it are identical, inside it exactly its attack points and its recorded `affects` differ, the
// physical reactions the process must show are there, and the labels cover exactly its span.
import { strict as assert } from 'node:assert';

import { CHANNELS, DEFAULT_MIN_HOURS, defaultScenarios, normalPeriod, simulatePlant, type ScenarioRecord, type ScenarioSpec, type SimulationResult } from '../../lib/data/simulator';

const N = CHANNELS.length;
const col = (name: string) => CHANNELS.findIndex((c) => c.name === name);

/** Channels whose values differ between two runs in rows [from, to) (data or truth). */
function differing(a: Float32Array, b: Float32Array, from: number, to: number): string[] {
  const out = new Set<number>();
  for (let i = from * N; i < to * N; i++) if (a[i] !== b[i]) out.add(i % N);
  return [...out].sort((x, y) => x - y).map((k) => CHANNELS[k].name);
}

const sameRows = (a: Float32Array, b: Float32Array, from: number, to: number) => differing(a, b, from, to).length === 0;

describe('plant simulator', function () {
  this.timeout(120000);

  describe('determinism', () => {
    it('the same seed gives identical data, truth, labels and records; another seed does not', () => {
      const opts = { hours: 13, attacks: 'default' as const, attackFrom: 1 };
      const a = simulatePlant({ ...opts, seed: 11 });
      const b = simulatePlant({ ...opts, seed: 11 });
      const c = simulatePlant({ ...opts, seed: 12 });
      assert.deepEqual(a.series.data, b.series.data);
      assert.deepEqual(a.truth, b.truth);
      assert.deepEqual(a.labels, b.labels);
      assert.deepEqual(a.channelLabels, b.channelLabels);
      assert.equal(JSON.stringify(a.attacks), JSON.stringify(b.attacks));
      assert.deepEqual(a.balance, b.balance);
      let diff = 0;
      for (let i = 0; i < a.series.data.length; i++) if (a.series.data[i] !== c.series.data[i]) diff++;
      assert.ok(diff > a.series.data.length / 4, `seed 12 differs from seed 11 in only ${diff} values`);
    });

    it('the Series has the channel columns, 1 s timestamps from startTime and labels', () => {
      const start = Date.UTC(2025, 5, 1, 6);
      const r = simulatePlant({ hours: 0.5, seed: 1, startTime: start });
      assert.deepEqual(r.series.columns, CHANNELS.map((c) => c.name));
      assert.equal(r.series.rows, 1800);
      assert.equal(r.series.data.length, 1800 * N);
      assert.equal(r.series.timestamps![0], start);
      assert.equal(r.series.timestamps![1799], start + 1799 * 1000);
      assert.equal(r.series.labels, r.labels);
      assert.equal(r.labels.reduce((s, v) => s + v, 0), 0);
      assert.ok(N >= 15 && N <= 25, `${N} channels`);
      assert.equal(r.attacks.length + r.benign.length, 0);
    });

    it('sampleSeconds keeps the physics: row r of a 10 s run is row 10r of a 1 s run', () => {
      const one = simulatePlant({ hours: 1, seed: 5 });
      const ten = simulatePlant({ hours: 1, seed: 5, sampleSeconds: 10 });
      assert.equal(ten.series.rows, 360);
      for (let r = 0; r < 360; r++) {
        assert.deepEqual(ten.series.data.subarray(r * N, (r + 1) * N), one.series.data.subarray(10 * r * N, (10 * r + 1) * N), `row ${r}`);
        assert.equal(ten.series.timestamps![r], one.series.timestamps![10 * r]);
      }
    });

    it('normalPeriod is the attack-free run', () => {
      const s = normalPeriod({ hours: 0.25, seed: 3 });
      assert.deepEqual(s.data, simulatePlant({ hours: 0.25, seed: 3, attacks: 'none' }).series.data);
    });
  });

  describe('mass balance and normal operation (24 h, no attack)', () => {
    for (const seed of [1, 2, 3]) {
      it(`seed ${seed}: water is conserved, no tank overflows or runs to its low-low level, actuators switch`, () => {
        const r = simulatePlant({ hours: 24, seed, attacks: 'none' });
        const b = r.balance;
        const closure = b.storedStart + b.inflow - b.delivered - b.backwash - b.spilled - b.storedEnd;
        assert.ok(Math.abs(closure) < 1e-9, `balance does not close: ${closure} m3`);
        assert.equal(b.spilled, 0, 'a tank spilled without an attack');
        // The inflow integrated from FIT101's true values (float32) agrees with the balance.
        let inflow = 0;
        for (let i = 0; i < r.series.rows; i++) inflow += r.truth[i * N + col('FIT101')] / 3600;
        assert.ok(Math.abs(inflow - b.inflow) / b.inflow < 1e-4, `FIT101 integrates to ${inflow} m3, balance says ${b.inflow}`);
        for (const tank of ['LIT101', 'LIT301', 'LIT401']) {
          let lo = Infinity, hi = -Infinity;
          for (let i = 0; i < r.series.rows; i++) {
            const v = r.truth[i * N + col(tank)];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
          assert.ok(lo > 300 && hi < 1000, `${tank} true level ${lo.toFixed(0)}..${hi.toFixed(0)} mm leaves the band [300, 1000]`);
        }
        for (const c of CHANNELS) {
          let lo = Infinity, hi = -Infinity, switches = 0;
          for (let i = 0; i < r.series.rows; i++) {
            const v = r.series.data[i * N + col(c.name)];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            if (i && v !== r.series.data[(i - 1) * N + col(c.name)]) switches++;
          }
          assert.ok(lo >= c.normalRange[0] && hi <= c.normalRange[1], `${c.name} ${lo}..${hi} outside its normal range ${c.normalRange}`);
          if (c.kind === 'actuator' && c.name !== 'P102') assert.ok(switches >= 10, `${c.name} switched only ${switches} times in 24 h`);
          if (c.name === 'P102') assert.equal(hi, 0, 'the standby pump ran without a fault');
        }
      });
    }
  });

  describe('the default scenarios, each alone against an attack-free run', () => {
    const hours = 4 + DEFAULT_MIN_HOURS;
    const attackFrom = 4;
    const seed = 7;
    let clean: SimulationResult;
    before(() => (clean = simulatePlant({ hours, seed, attacks: 'none' })));

    /** What the process must show besides the attack points (physics, not measured from the run). */
    const reactions: Record<string, string[]> = {
      'a1-spoof-LIT101-low': ['MV101', 'FIT101'], // the inlet opens (the transfer, stopped at low-low, may have been idle anyway)
      'a2-force-P101-off': ['P102', 'FIT201'], // no flow, then the standby pump
      'a3-force-MV101-closed': ['FIT101', 'LIT101', 'P101'], // no inflow: the raw tank runs down, the transfer trips
      'a4-setpoint-pH': ['AIT202', 'AIT201'], // more acid: lower pH, higher conductivity
      'a5-replay-LIT301': ['P101', 'FIT301'], // no transfer; the UF feed pump runs dry
      'a6-ramp-AIT202': ['P201'], // the PLC doses for the spoofed pH
      'a7-multistage-T401': ['FIT301', 'DPIT301', 'PIT401'], // no UF flow, backwash drain, network runs dry
      'b1-demand-surge': ['FIT401', 'PIT401', 'P401'], // the booster pump runs longer
    };

    /**
     * Where the process confines the reaction of the local attacks: nothing else may change
     * (this also catches noise or drift that would depend on the process's path).
     */
    const confined: Record<string, string[]> = {
      'a4-setpoint-pH': ['AIT201', 'AIT202'], // the acid reaches only the analysers
      'a6-ramp-AIT202': ['AIT201', 'P201'],
    };

    const specs = defaultScenarios(hours, attackFrom);
    it('the default set: 7 attacks, 1 benign change, one stealthy, no overlaps, inside the attacked period', () => {
      const full = simulatePlant({ hours, seed, attacks: 'default', attackFrom });
      assert.equal(full.attacks.length, 7);
      assert.equal(full.benign.length, 1);
      assert.deepEqual(full.attacks.filter((a) => a.stealthy).map((a) => a.id), ['a6-ramp-AIT202']);
      assert.equal(full.stealthiest, 'a6-ramp-AIT202');
      assert.equal(full.attackedFrom, attackFrom * 3600);
      const all = [...full.attacks, ...full.benign].sort((a, b) => a.startRow - b.startRow);
      assert.ok(all[0].startRow >= attackFrom * 3600);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].endRow <= all[i].startRow, `${all[i - 1].id} overlaps ${all[i].id}`);
      assert.ok(all[all.length - 1].endRow <= full.series.rows);
      for (const a of full.attacks) assert.ok(a.effective, `${a.id} changed nothing`);
      const kinds = new Set(full.attacks.map((a) => a.kind));
      for (const k of ['spoof-constant', 'spoof-replay', 'spoof-ramp', 'force-actuator', 'setpoint', 'multi-stage']) assert.ok(kinds.has(k as never), `no ${k}`);
      assert.ok(sameRows(full.series.data, clean.series.data, 0, all[0].startRow), 'rows before the first scenario differ from the clean run');
      // Row labels: exactly the attack spans.
      const expect = new Uint8Array(full.series.rows);
      for (const a of full.attacks) expect.fill(1, a.startRow, a.endRow);
      assert.deepEqual(full.labels, expect);
      // Per-channel labels: only attack points of an active attack.
      for (let r = 0; r < full.series.rows; r++) {
        const active = full.attacks.filter((a) => r >= a.startRow && r < a.endRow);
        for (let k = 0; k < N; k++) {
          if (full.channelLabels[r * N + k]) assert.ok(active.some((a) => a.channels.includes(CHANNELS[k].name)), `row ${r} ${CHANNELS[k].name} labelled outside its attack`);
        }
      }
    });

    for (const spec of specs) {
      it(`${spec.id}: identical before, exactly channels + affects differ during, labels on its span only`, () => {
        const run = simulatePlant({ hours, seed, attacks: [spec] });
        const rec: ScenarioRecord = (run.attacks[0] ?? run.benign[0])!;
        assert.equal(rec.id, spec.id);
        const { startRow: s, endRow: e } = rec;
        assert.equal(e - s, spec.duration);
        assert.ok(rec.waited <= (spec.when?.maxWait ?? 0));

        assert.ok(sameRows(run.series.data, clean.series.data, 0, s), 'data differs before the start');
        assert.ok(sameRows(run.truth, clean.truth, 0, s), 'truth differs before the start');
        const changed = differing(run.series.data, clean.series.data, s, e);
        // The twin inside the simulator must agree with this independent clean run.
        assert.deepEqual(changed, [...new Set([...rec.affects, ...rec.channels.filter((c) => changed.includes(c))])].sort((a, b) => col(a) - col(b)));
        assert.ok(rec.channels.every((c) => changed.includes(c)), `attack points ${rec.channels} not all changed (changed: ${changed})`);
        for (const c of reactions[spec.id]) assert.ok(rec.affects.includes(c) || rec.channels.includes(c), `${c} should react (affects: ${rec.affects})`);
        const limit = confined[spec.id];
        if (limit) assert.ok(rec.affects.every((c) => limit.includes(c)), `${spec.id} reached ${rec.affects}, beyond ${limit}`);

        const labelled = run.labels.reduce((a, v) => a + v, 0);
        if (rec.benign) {
          assert.equal(labelled, 0, 'a benign change is labelled');
          assert.equal(run.channelLabels.reduce((a, v) => a + v, 0), 0);
          assert.deepEqual(rec.channels, []);
          return;
        }
        assert.equal(labelled, e - s);
        assert.ok(run.labels.subarray(s, e).every((v) => v === 1));
        const points = new Set(rec.channels.map(col));
        for (let r = 0; r < run.series.rows; r++) {
          for (let k = 0; k < N; k++) {
            const l = run.channelLabels[r * N + k];
            if (r < s || r >= e || !points.has(k)) assert.equal(l, 0, `channel label at row ${r} ${CHANNELS[k].name}`);
          }
        }
        if (spec.kind !== 'multi-stage') for (const k of points) assert.ok(run.channelLabels.subarray(s * N, e * N).filter((_, i) => i % N === k).every((v) => v === 1));
      });
    }

    it('a spoofed sensor reports the spoof while the truth goes its own way; a forced pump shows the forced state', () => {
      const spoof = specs.find((x) => x.id === 'a1-spoof-LIT101-low')!;
      const run = simulatePlant({ hours, seed, attacks: [spoof] });
      const { startRow: s, endRow: e } = run.attacks[0];
      const k = col('LIT101');
      let rise = 0;
      for (let r = s; r < e; r++) {
        assert.equal(run.series.data[r * N + k], 200);
        rise = Math.max(rise, run.truth[r * N + k] - run.truth[s * N + k]);
      }
      assert.ok(rise > 50, `the real level rose only ${rise} mm while the PLC saw 200 mm`);
      const force = specs.find((x) => x.id === 'a2-force-P101-off')!;
      const f = simulatePlant({ hours, seed, attacks: [force] }).attacks[0];
      const fr = simulatePlant({ hours, seed, attacks: [force] });
      for (let r = f.startRow; r < f.endRow; r++) assert.equal(fr.series.data[r * N + col('P101')], 0);
      assert.equal(fr.series.data[(f.startRow - 1) * N + col('P101')], 1, 'the trigger: P101 was running');
    });

    it('the benign demand surge is not labelled inside the default run either', () => {
      const full = simulatePlant({ hours, seed, attacks: 'default', attackFrom });
      const b = full.benign[0];
      assert.equal(b.kind, 'demand-shift');
      assert.ok(b.affects.length > 0);
      assert.ok(full.labels.subarray(b.startRow, b.endRow).every((v) => v === 0));
      assert.equal(full.balance.spilled >= 0, true);
    });
  });

  describe('scenario checks', () => {
    const bad: [string, ScenarioSpec[] | 'default', RegExp][] = [
      ['unknown channel', [{ kind: 'spoof-constant', channel: 'LIT999', value: 1, start: 10, duration: 10 }], /no channel "LIT999"/],
      ['spoofing an actuator', [{ kind: 'spoof-constant', channel: 'P101', value: 1, start: 10, duration: 10 }], /P101 is an actuator/],
      ['forcing a sensor', [{ kind: 'force-actuator', channel: 'LIT101', value: 1, start: 10, duration: 10 }], /LIT101 is a sensor/],
      ['replay before the run', [{ kind: 'spoof-replay', channel: 'LIT101', lag: 600, start: 10, duration: 10 }], /before the run began/],
      ['past the end', [{ kind: 'spoof-ramp', channel: 'AIT202', delta: 1, start: 3500, duration: 200 }], /after the run's 3600 s/],
      ['unknown set-point', [{ kind: 'setpoint', setpoints: { 'LIT999.H': 1 } as never, start: 10, duration: 10 }], /unknown set-point/],
      ['default on a short run', 'default', /at least 12 attacked hours/],
      ['an unknown kind', [{ kind: 'spoof-random', channel: 'LIT101', start: 10, duration: 10 } as never], /unknown kind/],
      ['a multi-stage not spanning its stages', [{ kind: 'multi-stage', start: 0, duration: 100, stages: [{ kind: 'force-actuator', channel: 'P101', value: 0, start: 10, duration: 50 }] }], /must span its stages exactly/],
    ];
    for (const [what, attacks, msg] of bad) it(`refuses ${what}`, () => assert.throws(() => simulatePlant({ hours: 1, attacks }), msg));

    it('a trigger with several conditions begins at the first second after all of them held', () => {
      const when = { channel: 'P101', equals: 1, and: [{ channel: 'LIT301', below: 650 }], maxWait: 7000 };
      const spec: ScenarioSpec = { kind: 'spoof-constant', channel: 'AIT201', value: 300, start: 600, duration: 60, when };
      const r = simulatePlant({ hours: 3, seed: 2, attacks: [spec] });
      const a = r.attacks[0];
      const both = (row: number) => r.series.data[row * N + col('P101')] === 1 && r.series.data[row * N + col('LIT301')] < 650;
      assert.ok(a.waited > 0 && a.waited < 7000, `waited ${a.waited} s`);
      assert.ok(both(a.startRow - 1), 'the conditions did not hold on the second before the start');
      for (let row = 599; row < a.startRow - 1; row++) assert.ok(!both(row), `both held at ${row}, before the start ${a.startRow}`);
      assert.throws(() => simulatePlant({ hours: 1, attacks: [{ ...spec, when: { ...when, and: [{ channel: 'LIT999', below: 1 }] } }] }), /when\.and\[0\]: no channel "LIT999"/);
    });
  });
});
