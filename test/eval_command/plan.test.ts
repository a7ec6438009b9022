// The planner of `npm run eval` under a budget: what runs, what is skipped and what is said.
import { strict as assert } from 'node:assert';

import type { DatasetSpec, EvalData } from '../../tools/eval/datasets';
import type { KindSpec } from '../../tools/eval/kinds';
import { formatSeconds, parseBudget, planCells } from '../../tools/eval/plan';
import type { Cell, CellResult, EvalResults } from '../../tools/eval/results';
import { runPlan } from '../../tools/eval/run';

const dataset = (id: string, shape: 'series' | 'rows', trainRows: number, testRows = 0): DatasetSpec => ({
  id, what: id, shape, trainRows, testRows, needs: [], load: async () => { throw new Error('not loaded in this test'); },
});
// cost.fit seconds per 10k training rows (x epochs for deep kinds), plus 2 s overhead.
const kind = (name: string, fit: number, deep = false, shapes: ('series' | 'rows')[] = ['series']): KindSpec => ({
  kind: name, deep, shapes, train: () => (deep ? { epochs: 2 } : {}), cost: { fit, score: 0 },
});

const A = dataset('a', 'series', 10000), B = dataset('b', 'series', 10000), T = dataset('t', 'rows', 10000);
const cheap = kind('cheap', 5), deep = kind('deep', 50, true), rows = kind('rows-only', 5, false, ['rows']);

describe('eval plan', () => {
  it('estimates from the kinds\' costs: 2 s overhead + fit per 10k rows (x epochs for deep kinds)', () => {
    const p = planCells({ datasets: [A], kinds: [cheap, deep], seeds: [0] });
    assert.deepEqual(p.run.map((c) => [c.kind, c.estimateSeconds]), [['cheap', 7], ['deep', 102]]);
    assert.equal(p.estimateSeconds, 109);
    assert.deepEqual(p.skipped, []);
  });

  it('runs a kind only on the data shapes it applies to', () => {
    const p = planCells({ datasets: [A, T], kinds: [cheap, rows], seeds: [0] });
    assert.deepEqual(p.run.map((c) => `${c.dataset}/${c.kind}`).sort(), ['a/cheap', 't/rows-only']);
  });

  it('under a budget: seed 0 cheapest first, then seed 1; what does not fit is skipped with its estimate and why', () => {
    // Seed 0: a/cheap 7, b/cheap 7, a/deep 102 (116), b/deep 102 does not fit; seed 1: a/cheap 7 (123), then nothing fits 125.
    const p = planCells({ datasets: [A, B], kinds: [deep, cheap], seeds: [0, 1], budgetSeconds: 125 });
    assert.deepEqual(p.run.map((c) => `${c.dataset}/${c.kind}/${c.seed}`), ['a/cheap/0', 'b/cheap/0', 'a/deep/0', 'a/cheap/1']);
    assert.equal(p.estimateSeconds, 123);
    assert.deepEqual(p.skipped.map((c) => `${c.dataset}/${c.kind}/${c.seed}`), ['b/deep/0', 'b/cheap/1', 'a/deep/1', 'b/deep/1']);
    assert.match(p.skipped[0].reason, /does not fit the budget: estimated 1.7 min, 9 s of it left/);
    assert.equal(p.skipped[0].estimateSeconds, 102);
    assert.match(p.skipped[1].reason, /estimated 7 s, 2 s of it left/);
  });

  it('--epochs changes a deep kind\'s estimate, not a classic one\'s', () => {
    const p = planCells({ datasets: [A], kinds: [cheap, deep], seeds: [0], epochs: 6 });
    assert.deepEqual(p.run.map((c) => c.estimateSeconds), [7, 302]);
  });

  it('a dataset whose files are missing is skipped with that reason, not planned', () => {
    const p = planCells({ datasets: [A, B], kinds: [cheap], seeds: [0], unavailable: new Map([['b', 'missing /x/b.csv']]) });
    assert.deepEqual(p.run.map((c) => c.dataset), ['a']);
    assert.deepEqual(p.skipped, [{ dataset: 'b', kind: 'cheap', seed: 0, estimateSeconds: null, reason: 'missing /x/b.csv' }]);
  });

  it('leaves out cells a previous run has done, and estimates from their measured times', () => {
    const done: CellResult[] = [{ dataset: 'a', kind: 'deep', seed: 0, status: 'done', wallSeconds: 40, maxEpochs: 2, scorers: {} as never }];
    const p = planCells({ datasets: [A], kinds: [deep], seeds: [0, 1], done });
    assert.deepEqual(p.run.map((c) => [c.seed, c.estimateSeconds, c.measured]), [[1, 40, true]]);
    assert.equal(p.done.length, 1);
    // Measured with another epoch limit: not used.
    const q = planCells({ datasets: [A], kinds: [deep], seeds: [1], done, epochs: 3 });
    assert.deepEqual(q.run.map((c) => [c.estimateSeconds, c.measured]), [[152, false]]);
  });

  it('parses budgets and refuses bad ones', () => {
    assert.equal(parseBudget('45m'), 2700);
    assert.equal(parseBudget('2h'), 7200);
    assert.equal(parseBudget('1h30m'), 5400);
    assert.equal(parseBudget('90s'), 90);
    assert.equal(parseBudget('600'), 600);
    for (const bad of ['', 'm', '45x', '0m', 'soon']) assert.throws(() => parseBudget(bad), /--budget must be/, bad);
    assert.equal(formatSeconds(2700), '45.0 min');
  });

  it('while running: a cell the elapsed time leaves no room for is skipped and said, the next cheap one still runs', async () => {
    let clock = 0;
    const lines: string[] = [];
    const spent: Record<string, number> = { deep: 130, cheap: 5 };
    const plan = planCells({ datasets: [A], kinds: [deep, cheap], seeds: [0, 1], budgetSeconds: 240 });
    // Planned: cheap/0 7, deep/0 102, cheap/1 7, deep/1 102 = 218 <= 240; deep/0 really takes 130.
    assert.equal(plan.run.length, 4);
    let saved: EvalResults | undefined;
    const r = await runPlan({
      plan, dataset: () => A, kind: (k) => (k === 'deep' ? deep : cheap), budgetSeconds: 240,
      part: { started: '2026-12-07T00:00:00.000Z', commit: 'abc', machine: { cpu: 'test', cores: 2, load: [1, 1] }, command: 'test' },
      load: async () => ({}) as EvalData,
      runCell: async (cell: Cell) => {
        clock += spent[cell.kind] * 1000;
        return { ...cell, status: 'done', wallSeconds: spent[cell.kind], maxEpochs: cell.kind === 'deep' ? 2 : undefined, scorers: { model: { vusPr: 0.5, aucPr: 0.5, flagged: 0.1 } } as never };
      },
      save: (x) => (saved = JSON.parse(JSON.stringify(x))),
      say: (l) => lines.push(l), now: () => clock,
    });
    // After cheap/0 (5 s), deep/0 (130 s), cheap/1 (5 s): 140 s elapsed; deep/1, now estimated
    // from the 130 s measured, would end at 270 > 240.
    assert.deepEqual(r.cells.map((c) => `${c.kind}/${c.seed}`), ['cheap/0', 'deep/0', 'cheap/1']);
    assert.deepEqual(r.skipped.map((c) => `${c.kind}/${c.seed}`), ['deep/1']);
    assert.match(r.skipped[0].reason, /budget spent: 1.7 min left when it came up, estimated 2.2 min/);
    assert.ok(lines.some((l) => /\[4\/4\] a deep seed 1: SKIPPED \(budget spent/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /\[3\/4\] a cheap seed 1: estimated 5 s \(measured before\)/.test(l)), lines.join('\n'));
    assert.equal(r.parts.length, 1);
    assert.equal(r.parts[0].wallSeconds, 140);
    assert.deepEqual(saved, JSON.parse(JSON.stringify(r)));
  });

  it('a failing cell is recorded with its error and the run goes on', async () => {
    const plan = planCells({ datasets: [A], kinds: [cheap], seeds: [0, 1] });
    const r = await runPlan({
      plan, dataset: () => A, kind: () => cheap,
      part: { started: '2026-12-07T00:00:00.000Z', commit: 'abc', machine: { cpu: 'test', cores: 2, load: [1, 1] }, command: 'test' },
      load: async () => ({}) as EvalData,
      runCell: async (cell) => {
        if (cell.seed === 0) throw new Error('diverged');
        return { ...cell, status: 'done', wallSeconds: 1, scorers: { model: { vusPr: 0.5, aucPr: 0.5, flagged: 0.1 } } as never };
      },
      save: () => {}, say: () => {},
    });
    assert.deepEqual(r.cells.map((c) => [c.seed, c.status, c.error]), [[0, 'failed', 'diverged'], [1, 'done', undefined]]);
  });
});
