// The default scenarios do what their descriptions say, judged on the plant's TRUE values (not on
// any detector): in the demo's setup (24 h normal, then 12 attacked hours, a row every 10 s),
// for seeds 0-4, each attack's physical effect happens inside its own span, and the benign
// demand surge keeps the plant inside its normal operating bands. docs/simulator.md lists the
// effects with the magnitudes measured for seeds 0-9.
import { strict as assert } from 'node:assert';

import { CHANNELS, defaultScenarios, simulatePlant, type ScenarioRecord, type SimulationResult } from '../../lib/data/simulator';

const N = CHANNELS.length;
const col = (name: string) => CHANNELS.findIndex((c) => c.name === name);
const DEMO = { hours: 36, attackFrom: 24, sampleSeconds: 10 } as const;
const ROW_S = DEMO.sampleSeconds;
/** Rows in a number of minutes. */
const rowsIn = (minutes: number) => Math.round((minutes * 60) / ROW_S);

/** Rows of a record's span, and accessors of true and reported values. */
function view(run: SimulationResult, rec: ScenarioRecord) {
  const rows = Array.from({ length: rec.endRow - rec.startRow }, (_, j) => rec.startRow + j);
  const truth = (r: number, c: string) => run.truth[r * N + col(c)];
  const reported = (r: number, c: string) => run.series.data[r * N + col(c)];
  const where = (f: (r: number) => boolean) => rows.filter(f);
  const lowest = (f: (r: number) => number) => Math.min(...rows.map(f));
  return { rows, truth, reported, where, lowest };
}

describe('plant simulator: the default scenarios have their described physical effect (demo setup)', function () {
  this.timeout(120000);

  for (const seed of [0, 1, 2, 3, 4]) {
    describe(`seed ${seed}`, () => {
      let run: SimulationResult;
      let withoutA6: SimulationResult;
      const rec = (id: string) => [...run.attacks, ...run.benign].find((a) => a.id.startsWith(id))!;
      before(() => {
        run = simulatePlant({ ...DEMO, seed, attacks: 'default' });
        // The same plant without the ramp: identical up to the ramp's start (same random stream).
        withoutA6 = simulatePlant({ ...DEMO, seed, attacks: defaultScenarios(DEMO.hours, DEMO.attackFrom).filter((s) => !s.id!.startsWith('a6')) });
      });

      it('every attack is effective and inside the attacked period', () => {
        assert.equal(run.attacks.length, 7);
        for (const a of run.attacks) {
          assert.ok(a.effective, `${a.id} changed nothing`);
          assert.ok(a.startRow >= run.attackedFrom && a.endRow <= run.series.rows, `${a.id} outside the attacked period`);
        }
      });

      it('a1 (LIT101 spoofed to 200 mm): MV101 stays open, the transfer stops and T101 overflows', () => {
        const { rows, truth, reported, where } = view(run, rec('a1'));
        assert.ok(rows.every((r) => reported(r, 'LIT101') === 200), 'the PLC did not see 200 mm');
        const atRim = where((r) => truth(r, 'LIT101') >= 1199.5);
        assert.ok(atRim.length > 0, `T101 rose only to ${Math.max(...rows.map((r) => truth(r, 'LIT101'))).toFixed(0)} mm`);
        assert.ok(atRim.every((r) => truth(r, 'MV101') === 1 && truth(r, 'P101') + truth(r, 'P102') === 0), 'inlet closed or transfer running while at the rim');
        assert.ok(run.balance.spilled > 0.05, `only ${run.balance.spilled} m3 spilled`);
      });

      it('a2 (P101 forced off): the transfer stops for >= 30 s, then the standby P102 carries it', () => {
        const { rows, truth, where } = view(run, rec('a2'));
        assert.ok(rows.every((r) => truth(r, 'P101') === 0));
        const p102 = where((r) => truth(r, 'P102') === 1);
        assert.ok(p102.length >= rowsIn(1), `P102 ran ${(p102.length * ROW_S) / 60} min`);
        // Before P102 first starts, the dosing line had no flow (under the PLC's 0.5 m3/h) for the
        // fault delay of 30 s: the rows of the 20 s before the start (P101 spins down in seconds).
        const first = p102[0];
        for (let r = first - rowsIn(1 / 3); r < first; r++) assert.ok(truth(r, 'FIT201') < 0.5, `flow ${truth(r, 'FIT201')} at row ${r} before P102 started`);
        assert.ok(p102.some((r) => truth(r, 'FIT201') > 2), 'P102 gave no flow');
      });

      it('a3 (MV101 forced closed): no inflow; T101 falls to its low-low mark and the transfer stops', () => {
        const { rows, truth, lowest } = view(run, rec('a3'));
        assert.ok(rows.slice(2).every((r) => truth(r, 'FIT101') === 0), 'raw water still flowed in after the valve stroke');
        const low = lowest((r) => truth(r, 'LIT101'));
        assert.ok(low < 270, `T101 fell only to ${low.toFixed(0)} mm (low-low mark 250 mm)`);
        const last = rows[rows.length - 1];
        assert.equal(truth(last, 'P101') + truth(last, 'P102'), 0, 'the transfer still runs at the end');
      });

      it('a4 (pH band rewritten): P201 doses whenever water flows and the real pH stays below the 7.3-7.5 band', () => {
        const { rows, truth, where } = view(run, rec('a4'));
        const flowing = where((r) => truth(r, 'FIT201') > 1);
        assert.ok(flowing.length >= rowsIn(2), 'hardly any flow to dose into');
        assert.ok(flowing.every((r) => truth(r, 'P201') === 1), 'P201 paused while water flowed');
        const below = where((r) => truth(r, 'AIT202') < 7.3).length;
        assert.ok(below >= 0.8 * rows.length, `pH below 7.3 in only ${below} of ${rows.length} rows`);
      });

      it('a5 (LIT301 replayed in a loop): the PLC never sees T301 fall, no transfer, T301 runs dry under P301', () => {
        const { rows, truth, reported, where } = view(run, rec('a5'));
        assert.ok(rows.every((r) => reported(r, 'LIT301') >= 500), 'the replay showed a level that starts the transfer');
        assert.ok(rows.every((r) => truth(r, 'P101') + truth(r, 'P102') === 0), 'the transfer started');
        const dry = where((r) => truth(r, 'LIT301') < 1 && truth(r, 'P301') === 1);
        assert.ok(dry.length >= rowsIn(3), `P301 ran on an empty T301 for ${(dry.length * ROW_S) / 60} min`);
        assert.ok(dry.every((r) => truth(r, 'FIT301') < 0.1), 'a pump on an empty tank gave flow');
      });

      it('a6 (AIT202 ramp, stealthy): while water flows, the real pH sits lower than without the attack', () => {
        const a = rec('a6');
        assert.ok(a.stealthy);
        assert.equal(run.stealthiest, a.id);
        const { rows, truth } = view(run, a);
        const w = (r: number) => withoutA6.truth[r * N + col('AIT202')];
        // The offset grows linearly: look where it is at least a third of its final 0.15 pH.
        const late = rows.slice(Math.floor(rows.length / 3)).filter((r) => truth(r, 'FIT201') > 1);
        assert.ok(late.length >= rowsIn(1), 'no flow in the last two thirds of the ramp');
        const diff = late.reduce((s, r) => s + truth(r, 'AIT202') - w(r), 0) / late.length;
        assert.ok(diff <= -0.04, `real pH only ${diff.toFixed(3)} lower while flowing`);
        assert.ok(diff >= -0.25, `real pH ${diff.toFixed(3)} lower: more than the 0.15 offset and its overshoot`);
      });

      it('a7 (LIT401 replayed, P301 off, MV301 open): T401 drains empty unseen, P401 runs dry, the network pressure collapses', () => {
        const { rows, truth, reported, where, lowest } = view(run, rec('a7'));
        assert.ok(rows.every((r) => reported(r, 'LIT401') >= 300), 'the replay showed a level near the low-low mark');
        assert.ok(where((r) => truth(r, 'LIT401') < 20).length > 0, `T401 fell only to ${lowest((r) => truth(r, 'LIT401')).toFixed(0)} mm`);
        assert.ok(where((r) => truth(r, 'LIT401') < 250 && truth(r, 'P401') === 1).length > 0, 'P401 never ran below the low-low mark');
        const p = lowest((r) => truth(r, 'PIT401'));
        assert.ok(p < CHANNELS[col('PIT401')].normalRange[0], `network pressure fell only to ${p.toFixed(0)} kPa`);
      });

      it('b1 (benign demand surge): unlabelled, and the plant stays inside its normal operating bands', () => {
        const b = rec('b1');
        assert.ok(b.benign && b.effective);
        const { rows, truth, reported } = view(run, b);
        assert.ok(run.labels.subarray(b.startRow, b.endRow).every((v) => v === 0));
        for (const c of CHANNELS) {
          const values = rows.map((r) => reported(r, c.name));
          const lo = Math.min(...values), hi = Math.max(...values);
          assert.ok(lo >= c.normalRange[0] && hi <= c.normalRange[1], `${c.name} ${lo}..${hi} outside its normal range ${c.normalRange}`);
        }
        for (const tank of ['LIT101', 'LIT301', 'LIT401']) {
          const levels = rows.map((r) => truth(r, tank));
          assert.ok(Math.min(...levels) > 300 && Math.max(...levels) < 1000, `${tank} true level left [300, 1000] mm`);
        }
      });
    });
  }
});
