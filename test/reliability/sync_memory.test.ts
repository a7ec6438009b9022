// Native memory in loops that never yield to the event loop: Node runs a wrapped object's GC
// finaliser only on a loop turn, so before storages were unwrapped at free(), 5,000 synchronous
// training steps of a small LSTM grew RSS by about 7 MB (forward-only under noGrad by about
// 5 MB) although every tensor was disposed. Each loop runs in a fresh process (--expose-gc, a
// full collection before each mark) and must stay within 3 MB from its second mark to its last.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(__dirname, 'sync_memory_child.ts');
const SLACK = 3 << 20;

function marks(mode: 'train' | 'forward'): number[] {
  const out = execFileSync(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), CHILD, '5000', mode], { encoding: 'utf8', env: process.env });
  return JSON.parse(out);
}

describe('reliability: memory of synchronous loops', function () {
  this.timeout(180000);
  for (const mode of ['train', 'forward'] as const) {
    it(`5,000 synchronous ${mode === 'train' ? 'training steps' : 'forward passes under noGrad'}: RSS flat within 3 MB`, () => {
      const m = marks(mode);
      const growth = m[m.length - 1] - m[1];
      const mb = (b: number) => (b / (1 << 20)).toFixed(1);
      assert.ok(growth < SLACK, `RSS grew ${mb(growth)} MB from step 1,000 to 5,000 (marks ${m.map(mb).join(', ')} MB)`);
    });
  }
});
