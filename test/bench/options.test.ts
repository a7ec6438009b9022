// The bench runner's command line (tools/bench/options.ts): `all` is the CPU suites and
// not gpu, --runs defaults to 5 and rejects nonsense, and unknown words are errors rather than
// silently ignored suites.
import { strict as assert } from 'node:assert';

import { CPU_SUITES, DEFAULT_RUNS, parseOptions } from '../../tools/bench/options';

describe('bench options', () => {
  it('all = ops, lstm-ae, dc-vae, inference, convlstm, alad, staead, sa-dvcrae (gpu only when named), five runs, 1 and 2 threads', () => {
    const o = parseOptions(['all']);
    assert.deepEqual(o.suites, ['ops', 'lstm-ae', 'dc-vae', 'inference', 'convlstm', 'alad', 'staead', 'sa-dvcrae']);
    assert.deepEqual([...CPU_SUITES], o.suites);
    assert.equal(o.runs, DEFAULT_RUNS);
    assert.equal(DEFAULT_RUNS, 5);
    assert.deepEqual(o.threads, [1, 2]);
    assert.equal(o.allowWeakPeer, false);
    assert.deepEqual(parseOptions(['all', 'gpu', 'ops']).suites, ['ops', 'lstm-ae', 'dc-vae', 'inference', 'convlstm', 'alad', 'staead', 'sa-dvcrae', 'gpu']);
  });

  it('reads --runs, --quick, --json, --threads, --allow-weak-peer and --help', () => {
    const o = parseOptions(['dc-vae', '--runs', '7', '--quick', '--json', '--threads', '2', '--allow-weak-peer']);
    assert.deepEqual(o.suites, ['dc-vae']);
    assert.equal(o.runs, 7);
    assert.equal(o.quick, true);
    assert.equal(o.json, true);
    assert.deepEqual(o.threads, [2]);
    assert.equal(o.allowWeakPeer, true);
    assert.equal(parseOptions(['--help']).help, true);
  });

  it('rejects bad values and unknown words', () => {
    assert.throws(() => parseOptions(['ops', '--runs', '0']), /--runs/);
    assert.throws(() => parseOptions(['ops', '--runs', '2.5']), /--runs/);
    assert.throws(() => parseOptions(['ops', '--runs']), /needs a value/);
    assert.throws(() => parseOptions(['ops', '--threads', '1,x']), /--threads/);
    assert.throws(() => parseOptions(['lstm']), /unknown argument "lstm"/);
  });
});
