// ConvLSTM2d: Keras's initialisers (orthogonal recurrent kernel, unit forget bias), the
// returnSequences and state plumbing, input dropout masks fixed over time, eval determinism,
// and flat native memory over a 1,000-step training loop.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ConvLSTM2d, orthogonalInit } from '../../lib/nn';
import { convLstm } from '../../lib/ops/conv_lstm';
import { dropout } from '../../lib/ops/dropout';
import { slice } from '../../lib/ops/shape';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose } from '../helpers/fixtures';

describe('ConvLSTM2d', () => {
  it('orthogonalInit: orthonormal rows when rows <= cols, orthonormal columns otherwise', () => {
    tidy(() => {
      for (const shape of [[8, 2, 3, 3], [12, 3]]) {
        const w = orthogonalInit(shape, new Generator(2)).toArray();
        const rows = shape[0], cols = w.length / rows;
        const [n, len, at] = rows <= cols ? [rows, cols, (i: number, k: number) => w[i * cols + k]] : [cols, rows, (i: number, k: number) => w[k * cols + i]];
        for (let i = 0; i < n; i++)
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let k = 0; k < len; k++) dot += at(i, k) * at(j, k);
            assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-5, `${shape}: <${i},${j}> = ${dot}`);
          }
      }
    });
  });

  it("starts as Keras: the forget gate's bias 1, the others 0; kernels [4F, Cin|F, K, K]", () => {
    tidy(() => {
      const m = new ConvLSTM2d(3, 4, { generator: new Generator(1) });
      const sd = m.stateDict();
      assert.deepEqual(sd.get('w_x')!.shape, [16, 3, 3, 3]);
      assert.deepEqual(sd.get('w_h')!.shape, [16, 4, 3, 3]);
      assert.deepEqual(Array.from(sd.get('bias')!.toArray()), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.equal(new ConvLSTM2d(3, 4, { bias: false }).stateDict().has('bias'), false);
      m.dispose();
    });
  });

  it('returns every step or the last, whose state carries on: two halves equal the whole', () => {
    tidy(() => {
      const gen = new Generator(3);
      const m = new ConvLSTM2d(2, 3, { generator: gen, recurrentActivation: 'sigmoid' });
      const last = new ConvLSTM2d(2, 3, { generator: new Generator(3), recurrentActivation: 'sigmoid', returnSequences: false });
      last.loadStateDict(m.stateDict());
      const x = gen.uniform([2, 6, 2, 4, 5], -1, 1);
      const whole = m.forward(x);
      assert.deepEqual(whole.output.shape, [2, 6, 3, 4, 5]);
      const y = whole.output.toArray(), S = 3 * 20;
      const lastOut = last.forward(x).output;
      assert.deepEqual(lastOut.shape, [2, 3, 4, 5]);
      const want: number[] = [];
      for (let b = 0; b < 2; b++) want.push(...Array.from(y).slice((b * 6 + 5) * S, (b * 6 + 6) * S));
      assertClose(lastOut, want, { rtol: 0, atol: 0 }, 'last step');
      // first three steps, then the last three from their state
      const first = m.forward(slice(x, 1, 0, 3));
      const second = m.forward(slice(x, 1, 3, 6), first.state);
      const y2 = second.output.toArray();
      for (let b = 0; b < 2; b++)
        assertClose(Array.from(y2).slice(b * 3 * S, (b + 1) * 3 * S), Array.from(y).slice((b * 6 + 3) * S, (b * 6 + 6) * S), { rtol: 1e-6, atol: 1e-6 }, `sample ${b}`);
      m.dispose();
      last.dispose();
    });
  });

  it('training draws one mask per gate, fixed over the sequence; eval uses none', () => {
    tidy(() => {
      const m = new ConvLSTM2d(2, 3, { dropout: 0.4, generator: new Generator(5) });
      const twinGen = new Generator(5), twin = new ConvLSTM2d(2, 3, { dropout: 0.4, generator: twinGen });
      const x = new Generator(6).uniform([2, 3, 2, 4, 4], -1, 1);
      const ev = m.eval().forward(x).output.toArray();
      assertClose(m.forward(x).output, ev, { rtol: 0, atol: 0 }, 'eval is deterministic');
      m.train();
      // the same draw the layer makes: dropout of ones [4, B, Cin, H, W] on a twin generator
      const mask = dropout(Tensor.ones([4, 2, 2, 4, 4]), 0.4, true, twinGen);
      const sd = m.stateDict();
      const want = convLstm(x, [sd.get('w_x')!, sd.get('w_h')!, sd.get('bias')!], { xMask: mask }).y;
      const got = m.forward(x).output;
      assertClose(got, want, { rtol: 0, atol: 0 }, 'masked as the op with the drawn mask');
      assert.ok(Array.from(got.toArray()).some((v, i) => Math.abs(v - ev[i]) > 1e-6), 'dropout changed the output');
      m.dispose();
      twin.dispose();
    });
  });

  it('keeps native memory flat over 1,000 training steps (fresh masks each step)', function () {
    this.timeout(120000);
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'conv_lstm_memory_child.ts'), '1000'], { encoding: 'utf8', env: process.env });
    assert.equal(r.status, 0, r.stderr);
    const { marks } = JSON.parse(r.stdout) as { marks: { buffers: number; bytes: number }[] };
    assert.equal(marks.length, 10);
    for (const [i, mk] of marks.entries()) assert.deepEqual(mk, marks[0], `live native buffers and bytes after step ${(i + 1) * 100}`);
  });
});
