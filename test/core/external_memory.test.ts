import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import { Tensor } from '../../lib/tensor';

// V8's count of external memory must follow the host memory
// Vigil holds from the system, not every reuse of a cached buffer: counting reuses made each
// step of a tidy-scoped loop look like fresh allocation and set off major GCs.
describe('external memory reported to V8', () => {
  const MB = 1 << 20;
  // An odd size class no other test uses, so its first allocation is a miss.
  const shape = [3 * MB + 4096 * 3 + 8];
  const bytes = shape[0] * 4;
  const external = () => native.memory().v8ExternalBytes;

  it('counts a buffer when it comes from the system and when it goes back, not its reuse', () => {
    native.releaseCached();
    const e0 = external();
    const a = Tensor.empty(shape);
    assert.ok(external() - e0 >= bytes, `a fresh ${bytes}-byte buffer adds to external memory (${external() - e0})`);
    const e1 = external();
    a.dispose();
    for (let i = 0; i < 20; i++) Tensor.empty(shape).dispose();
    assert.ok(Math.abs(external() - e1) < MB, `reusing the cached buffer 20 times changes nothing (${external() - e1})`);
    native.releaseCached();
    assert.ok(external() - e0 < MB, `released to the system, it is uncounted (${external() - e0})`);
  });
});
