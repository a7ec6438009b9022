// ConvLSTM2d, every cell: the initialisers ('plain' as Keras: orthogonal recurrent kernel, unit
// forget bias; 'input-attention' as the seed STAEAD: glorot separable input kernels, orthogonal
// recurrent ones, constant gate kernels, zero biases; 'self-attention-memory' the Keras ConvLSTM
// part and glorot 1x1 SAM projections with zero biases), 'same' maps, the returnSequences and
// state plumbing (for 'self-attention-memory' the memory M rides in c), 'seed-self-attention-memory'
// the seed's initialisers and square maps, the attention's spatial
// max of 1, input dropout masks fixed over time, eval determinism, and flat native memory over a
// 1,000-step training loop.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ConvLSTM2d, orthogonalInit } from '../../lib/nn';
import { CONV_LSTM_PARAMS, convLstm, type ConvLstmCell } from '../../lib/ops/conv_lstm';
import { dropout } from '../../lib/ops/dropout';
import { slice } from '../../lib/ops/shape';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';
import { assertClose } from '../helpers/fixtures';

const CELLS: ConvLstmCell[] = ['plain', 'input-attention', 'self-attention-memory'];
const SA = 'self-attention-memory' as const;
const SEED = 'seed-self-attention-memory' as const;  // square maps only: tested on its own below

/** Asserts that w, read as a row-major [rows, cols] matrix, has orthonormal rows (rows <= cols) or columns. */
function assertOrthonormal(w: ArrayLike<number>, rows: number, what: string): void {
  const cols = w.length / rows;
  const [n, len, at] = rows <= cols ? [rows, cols, (i: number, k: number) => w[i * cols + k]] : [cols, rows, (i: number, k: number) => w[k * cols + i]];
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += at(i, k) * at(j, k);
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-5, `${what}: <${i},${j}> = ${dot}`);
    }
}

/** Asserts that w looks like U(-bound, bound): inside it, reaching near it, mean square bound^2/3 (+-15%). */
function assertUniformBound(w: ArrayLike<number>, bound: number, what: string): void {
  let max = 0, sq = 0;
  for (let k = 0; k < w.length; k++) max = Math.max(max, Math.abs(w[k])), sq += w[k] * w[k];
  assert.ok(max <= bound * (1 + 1e-6), `${what}: max |w| ${max} > bound ${bound}`);
  assert.ok(max > 0.95 * bound, `${what}: max |w| ${max} far below bound ${bound}`);
  const ratio = sq / w.length / (bound * bound / 3);
  assert.ok(Math.abs(ratio - 1) < 0.15, `${what}: mean square ${ratio} x bound^2/3`);
}

describe('ConvLSTM2d', () => {
  it('orthogonalInit: orthonormal rows when rows <= cols, orthonormal columns otherwise, rows grouped on request', () => {
    tidy(() => {
      for (const shape of [[8, 2, 3, 3], [12, 3]]) assertOrthonormal(orthogonalInit(shape, new Generator(2)).toArray(), shape[0], `${shape}`);
      // [6,1,3,3] as 3 rows of 18 (one row per depthwise branch): orthonormal rows, but not as 6 rows of 9
      const w = orthogonalInit([6, 1, 3, 3], new Generator(2), 3);
      assert.deepEqual(w.shape, [6, 1, 3, 3]);
      assertOrthonormal(w.toArray(), 3, 'grouped');
      assert.throws(() => assertOrthonormal(w.toArray(), 6, 'ungrouped'));
      assert.throws(() => orthogonalInit([6, 1, 3, 3], new Generator(2), 4), /rows do not divide/);
    });
  });

  it("'plain' starts as Keras: the forget gate's bias 1, the others 0; kernels [4F, Cin|F, K, K]", () => {
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

  it("'input-attention' starts as the seed (STAEAD's AttenInputConvLSTM2D initialisers, Keras fans)", () => {
    tidy(() => {
      const cin = 16, F = 32, K = 3;
      const m = new ConvLSTM2d(cin, F, { cell: 'input-attention', generator: new Generator(1) });
      const sd = m.stateDict();
      assert.deepEqual([...sd.keys()], [...CONV_LSTM_PARAMS['input-attention'].names]);
      const shapes = Object.fromEntries([...sd].map(([k, t]) => [k, [...t.shape]]));
      assert.deepEqual(shapes, {
        dw_x: [2 * cin, 1, K, K], pw_x: [2 * F, cin, 1, 1], dw_h: [3 * F, 1, K, K], pw_h: [3 * F, F, 1, 1],
        bias: [2 * F], gw_x: [2 * F, cin], gw_h: [2 * F, F], gate_bias: [2 * F],
      });
      // glorot on the seed's (K,K,Cin,2) and (1,1,Cin,2F): fans K*K*Cin + K*K*2, Cin + 2F
      assertUniformBound(sd.get('dw_x')!.toArray(), Math.sqrt(6 / (K * K * cin + K * K * 2)), 'dw_x');
      assertUniformBound(sd.get('pw_x')!.toArray(), Math.sqrt(6 / (cin + 2 * F)), 'pw_x');
      // orthogonal on (K,K,F,3) -> [K*K*F, 3]: one unit vector per branch, the three orthogonal
      assertOrthonormal(sd.get('dw_h')!.toArray(), 3, 'dw_h as [3, F*K*K]');
      // orthogonal on (1,1,F,3F) -> [F, 3F]: orthonormal rows there, orthonormal columns of [3F, F]
      assertOrthonormal(sd.get('pw_h')!.toArray(), 3 * F, 'pw_h as [3F, F]');
      assert.ok(Array.from(sd.get('gw_x')!.toArray()).every((v) => v === Math.fround(1 / cin)), 'gw_x = 1/Cin');
      assert.ok(Array.from(sd.get('gw_h')!.toArray()).every((v) => v === Math.fround(1 / F)), 'gw_h = 1/F');
      assert.ok(Array.from(sd.get('bias')!.toArray()).every((v) => v === 0), 'bias zeros');
      assert.ok(Array.from(sd.get('gate_bias')!.toArray()).every((v) => v === 0), 'gate_bias zeros (no unit forget bias)');
      const noBias = new ConvLSTM2d(3, 4, { cell: 'input-attention', bias: false }).stateDict();
      assert.deepEqual([...noBias.keys()], ['dw_x', 'pw_x', 'dw_h', 'pw_h', 'gw_x', 'gw_h']);
      const ufb = new ConvLSTM2d(3, 2, { cell: 'input-attention', unitForgetBias: true }).stateDict();
      assert.deepEqual(Array.from(ufb.get('gate_bias')!.toArray()), [1, 1, 0, 0], 'unitForgetBias: the f rows of gate_bias');
      m.dispose();
    });
  });

  it("'self-attention-memory' starts as Keras's ConvLSTM2D plus glorot 1x1 SAM projections (each projection its own fans) and zero biases", () => {
    tidy(() => {
      const cin = 8, F = 32, K = 3, A = 16;  // A: the default F/2
      const m = new ConvLSTM2d(cin, F, { cell: SA, generator: new Generator(1) });
      const sd = m.stateDict();
      assert.deepEqual([...sd.keys()], [...CONV_LSTM_PARAMS[SA].names]);
      const shapes = Object.fromEntries([...sd].map(([k, t]) => [k, [...t.shape]]));
      assert.deepEqual(shapes, {
        w_x: [4 * F, cin, K, K], w_h: [4 * F, F, K, K], bias: [4 * F],
        w_qkv: [2 * A + F, F, 1, 1], b_qkv: [2 * A + F], w_kv_m: [A + F, F, 1, 1], b_kv_m: [A + F],
        w_z: [2 * F, 2 * F, 1, 1], b_z: [2 * F], w_mem: [3 * F, 3 * F, 1, 1], b_mem: [3 * F],
      });
      const rows = (name: string, from: number, to: number) => Array.from(sd.get(name)!.toArray()).slice(from * F, to * F);  // 1x1: F inputs a row
      assertUniformBound(sd.get('w_x')!.toArray(), Math.sqrt(6 / (K * K * cin + K * K * 4 * F)), 'w_x (Keras fans)');
      assertOrthonormal(sd.get('w_h')!.toArray(), 4 * F, 'w_h as [4F, F*K*K]');
      assert.deepEqual(Array.from(sd.get('bias')!.toArray()), Array.from({ length: 4 * F }, (_, k) => (k >= F && k < 2 * F ? 1 : 0)), 'unit forget bias');
      const qk = Math.sqrt(6 / (F + A)), v = Math.sqrt(6 / (2 * F));
      assertUniformBound(rows('w_qkv', 0, A), qk, 'w_qkv q rows');
      assertUniformBound(rows('w_qkv', A, 2 * A), qk, 'w_qkv k rows');
      assertUniformBound(rows('w_qkv', 2 * A, 2 * A + F), v, 'w_qkv v rows');
      assertUniformBound(rows('w_kv_m', 0, A), qk, 'w_kv_m k rows');
      assertUniformBound(rows('w_kv_m', A, A + F), v, 'w_kv_m v rows');
      assertUniformBound(sd.get('w_z')!.toArray(), Math.sqrt(6 / (4 * F)), 'w_z');
      assertUniformBound(sd.get('w_mem')!.toArray(), Math.sqrt(6 / (6 * F)), 'w_mem');
      for (const b of ['b_qkv', 'b_kv_m', 'b_z', 'b_mem']) assert.ok(Array.from(sd.get(b)!.toArray()).every((x) => x === 0), `${b} zeros`);
      const noBias = new ConvLSTM2d(3, 4, { cell: SA, bias: false }).stateDict();
      assert.deepEqual([...noBias.keys()], ['w_x', 'w_h', 'w_qkv', 'w_kv_m', 'w_z', 'w_mem']);
      const a5 = new ConvLSTM2d(3, 4, { cell: SA, attentionChannels: 5 }).stateDict();
      assert.deepEqual([a5.get('w_qkv')!.shape[0], a5.get('w_kv_m')!.shape[0]], [2 * 5 + 4, 5 + 4]);
      assert.equal(new ConvLSTM2d(3, 1, { cell: SA }).stateDict().get('w_qkv')!.shape[0], 2 * 1 + 1, 'A at least 1');
      assert.throws(() => new ConvLSTM2d(3, 4, { cell: SA, attentionChannels: 0 }), /attentionChannels must be a positive integer/);
      assert.throws(() => new ConvLSTM2d(3, 4, { attentionChannels: 2 }), /applies to the 'self-attention-memory' cell only/);
      m.dispose();
    });
  });

  it("'seed-self-attention-memory' starts as the seed's SaConvLSTM2DCell.build (Keras fans from its channels-last shapes), carries M in c and needs square maps", () => {
    tidy(() => {
      const cin = 8, F = 16, K = 3;
      const m = new ConvLSTM2d(cin, F, { cell: SEED, generator: new Generator(1) });
      const sd = m.stateDict();
      assert.deepEqual([...sd.keys()], [...CONV_LSTM_PARAMS[SEED].names]);
      const shapes = Object.fromEntries([...sd].map(([k, t]) => [k, [...t.shape]]));
      assert.deepEqual(shapes, {
        w_x: [4 * F, cin, K, K], w_h: [4 * F, F, K, K], bias: [4 * F],
        w_sa: [5, F, 1, 1], w_z: [F, 2, K, K], w_mem: [6 * F, 1, K, K], b_mem: [3 * F],
      });
      assert.deepEqual(Array.from(sd.get('bias')!.toArray()), Array.from({ length: 4 * F }, (_, k) => (k >= F && k < 2 * F ? 1 : 0)), 'unit forget bias');
      assertUniformBound(sd.get('w_sa')!.toArray(), Math.sqrt(6 / (F + 5)), 'w_sa: sa_kernel (1,1,F,5)');
      assertUniformBound(sd.get('w_z')!.toArray(), Math.sqrt(6 / (2 * K * K + F * K * K)), 'w_z: kernel_z (K,K,2,F)');
      assertUniformBound(sd.get('w_mem')!.toArray(), Math.sqrt(6 / (F * K * K + 6 * K * K)), 'w_mem: depth_wise_kernel (K,K,F,6)');
      assert.ok(Array.from(sd.get('b_mem')!.toArray()).every((x) => x === 0), 'b_mem (sa_bias) zeros');
      assert.deepEqual([...new ConvLSTM2d(3, 4, { cell: SEED, bias: false }).stateDict().keys()], ['w_x', 'w_h', 'w_sa', 'w_z', 'w_mem']);
      const x = new Generator(4).uniform([2, 3, cin, 5, 5], -1, 1);
      const { output, state } = m.forward(x);
      assert.deepEqual(output.shape, [2, 3, F, 5, 5]);
      assert.deepEqual(state.c.shape, [2, 2 * F, 5, 5], 'c then M');
      assert.throws(() => m.forward(new Generator(4).uniform([2, 3, cin, 5, 6], -1, 1)), /needs H == W; x is \[2,3,8,5,6\]/);
      m.dispose();
    });
  });

  for (const cell of CELLS) {
    it(`${cell}: 'same' convs keep H and W for every kernel size, 13x13 included`, () => {
      tidy(() => {
        for (const [K, H, W] of [[1, 5, 4], [2, 13, 13], [3, 13, 13], [4, 6, 7]]) {
          const m = new ConvLSTM2d(2, 3, { cell, kernelSize: K, generator: new Generator(K) });
          assert.deepEqual(m.forward(new Generator(8).uniform([2, 3, 2, H, W], -1, 1)).output.shape, [2, 3, 3, H, W], `K ${K}`);
          m.dispose();
        }
      });
    });

    it(`${cell}: returns every step or the last, whose state carries on: two halves equal the whole`, () => {
      tidy(() => {
        const gen = new Generator(3);
        const m = new ConvLSTM2d(2, 3, { cell, generator: gen, recurrentActivation: 'sigmoid' });
        const last = new ConvLSTM2d(2, 3, { cell, generator: new Generator(3), recurrentActivation: 'sigmoid', returnSequences: false });
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
        // and a fresh start is not the carried one (the carry matters)
        const fresh = m.forward(slice(x, 1, 3, 6)).output.toArray();
        assert.ok(Array.from(fresh).some((v, k) => Math.abs(v - y2[k]) > 1e-4), 'the state changed the second half');
        const blocks = CONV_LSTM_PARAMS[cell].cellStates;
        assert.deepEqual(first.state.c.shape, [2, blocks * 3, 4, 5], 'c: cellStates blocks of F channels');
        if (cell === SA) {
          // c then M: zeroing either block of the carried c changes the second half, so both ride along
          for (const [what, from, to] of [['c', 0, 3], ['M', 3, 6]] as const) {
            const c = Float32Array.from(first.state.c.toArray()), S1 = 20;
            for (let b = 0; b < 2; b++) c.fill(0, (b * 6 + from) * S1, (b * 6 + to) * S1);
            const cut = m.forward(slice(x, 1, 3, 6), { h: first.state.h, c: Tensor.fromArray(c, first.state.c.shape) }).output.toArray();
            assert.ok(Array.from(cut).some((v, k) => Math.abs(v - y2[k]) > 1e-4), `the carried ${what} changed the second half`);
          }
        }
        m.dispose();
        last.dispose();
      });
    });

    it(`${cell}: training draws one mask per gate, fixed over the sequence; eval uses none`, () => {
      tidy(() => {
        const m = new ConvLSTM2d(2, 3, { cell, dropout: 0.4, generator: new Generator(5) });
        const twinGen = new Generator(5), twin = new ConvLSTM2d(2, 3, { cell, dropout: 0.4, generator: twinGen });
        const x = new Generator(6).uniform([2, 3, 2, 4, 4], -1, 1);
        const ev = m.eval().forward(x).output.toArray();
        assertClose(m.forward(x).output, ev, { rtol: 0, atol: 0 }, 'eval is deterministic');
        m.train();
        // the same draw the layer makes: dropout of ones [4, B, Cin, H, W] on a twin generator
        const mask = dropout(Tensor.ones([4, 2, 2, 4, 4]), 0.4, true, twinGen);
        const sd = m.stateDict();
        const params = CONV_LSTM_PARAMS[cell].names.map((n) => sd.get(n) ?? null);
        const want = convLstm(x, params, { cell, xMask: mask }).y;
        const got = m.forward(x).output;
        assertClose(got, want, { rtol: 0, atol: 0 }, 'masked as the op with the drawn mask');
        assert.ok(Array.from(got.toArray()).some((v, i) => Math.abs(v - ev[i]) > 1e-6), 'dropout changed the output');
        if (cell === 'input-attention') {
          // this cell reads m_0 (i branch) and m_2 (g branch) only: ones in slots 1 and 3 change nothing
          const n = mask.size / 4, mk = Float32Array.from(mask.toArray());
          mk.fill(1, n, 2 * n).fill(1, 3 * n, 4 * n);
          assertClose(convLstm(x, params, { cell, xMask: Tensor.fromArray(mk, mask.shape) }).y, want, { rtol: 0, atol: 0 }, 'm_1 and m_3 unread');
        }
        m.dispose();
        twin.dispose();
      });
    });
  }

  for (const cell of [...CELLS, SEED])
    it(`${cell}: keeps native memory flat over 1,000 training steps (fresh masks each step)`, function () {
      this.timeout(120000);
      const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'conv_lstm_memory_child.ts'), '1000', cell], { encoding: 'utf8', env: process.env });
      assert.equal(r.status, 0, r.stderr);
      const { marks } = JSON.parse(r.stdout) as { marks: { buffers: number; bytes: number }[] };
      assert.equal(marks.length, 10);
      for (const [i, mk] of marks.entries()) assert.deepEqual(mk, marks[0], `live native buffers and bytes after step ${(i + 1) * 100}`);
    });

  it("input-attention: the attention map peaks at exactly 1 over H,W, per sample and channel", () => {
    // With c0 = 0 and one step, c_1 = i * g. Zeroing the g branch's pointwise rows (pw_x, pw_h
    // rows F..2F) leaves g = tanh(bias_g) = tanh(1) everywhere, so i = c_1 / tanh(1): its
    // spatial max must be 1 (ops.h: i = exp(z - max_{H,W} z)), the rest of the map in (0, 1).
    tidy(() => {
      const cin = 3, F = 4, B = 2, H = 7, W = 6, gen = new Generator(11);
      const m = new ConvLSTM2d(cin, F, { cell: 'input-attention', generator: gen, recurrentActivation: 'sigmoid' });
      const sd = m.stateDict();
      for (const [name, t] of sd) t.assign(gen.uniform(t.shape, -0.8, 0.8).toArray());
      for (const name of ['pw_x', 'pw_h']) {
        const t = sd.get(name)!, v = Float32Array.from(t.toArray()), per = t.size / t.shape[0];
        t.assign(v.fill(0, F * per, 2 * F * per));
      }
      sd.get('bias')!.assign(Float32Array.from({ length: 2 * F }, (_, k) => (k < F ? 0.3 * k - 0.4 : 1)));
      const h0 = gen.uniform([B, F, H, W], -1, 1), c0 = Tensor.zeros([B, F, H, W]);
      const { state } = m.eval().forward(gen.uniform([B, 1, cin, H, W], -2, 2), { h: h0, c: c0 });
      const att = Array.from(state.c.toArray(), (v) => v / Math.tanh(1)), S = H * W;
      for (let bf = 0; bf < B * F; bf++) {
        const map = att.slice(bf * S, (bf + 1) * S);
        assert.ok(Math.abs(Math.max(...map) - 1) < 1e-5, `map ${bf}: max ${Math.max(...map)}`);
        assert.ok(Math.min(...map) > 0 && Math.min(...map) < 0.99, `map ${bf}: min ${Math.min(...map)} (not a flat map)`);
      }
      m.dispose();
    });
  });
});
