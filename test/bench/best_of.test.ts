import { strict as assert } from 'node:assert';

import { bestOf } from '../../tools/bench/context';

// A peer run at 2 threads is timed under both OpenMP wait policies; each figure keeps the better.
describe('bench: the peer\'s figure under its better wait policy', () => {
  it('keeps the lower time and the higher rate per key, whichever policy gave it', () => {
    const def = { train_ms: 70, score_ms: 310 }, passive = { train_ms: 150, score_ms: 290 };
    assert.deepEqual(bestOf([def, passive], 'lower'), { train_ms: 70, score_ms: 290 });
    assert.deepEqual(bestOf([{ matmul: 60, linear: 40 }, { matmul: 55, linear: 48 }], 'higher'), { matmul: 60, linear: 48 });
  });

  it('leaves a key alone that is not a number in every answer, and one answer as it is', () => {
    const a = { t: 5, check: Number.NaN }, b = { t: 4, check: 1e-9 };
    const out = bestOf([a, b], 'lower');
    assert.equal(out.t, 4);
    assert.ok(Number.isNaN(out.check));
    assert.deepEqual(bestOf([{ t: 3 }], 'lower'), { t: 3 });
  });
});
