import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeBundle, loadBundle, saveBundle } from '../../lib/io/bundle';
import { Tensor } from '../../lib/tensor';

describe('model bundle', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-bundle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const contents = () => ({
    kind: 'test-model',
    config: { hidden: 8, layers: [1, 2] },
    sections: { schema: { columns: ['a', 'b'] }, threshold: { method: 'pot', value: 0.25 } },
    tensors: new Map([
      ['enc.weight', Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3])],
      ['enc.bias', Tensor.fromArray([0.5, -0.5], [2])],
      ['stats.mean', Tensor.fromArray([1e-300, 3], [2], { dtype: 'float64' })],
    ]),
  });

  it('round-trips tensors, config and sections exactly', () => {
    const path = join(dir, 'm.vigil');
    saveBundle(path, contents());
    const b = loadBundle(path);
    assert.equal(b.kind, 'test-model');
    assert.deepEqual(b.config, { hidden: 8, layers: [1, 2] });
    assert.deepEqual(b.sections.threshold, { method: 'pot', value: 0.25 });
    assert.deepEqual([...b.tensors.get('enc.weight')!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(b.tensors.get('enc.weight')!.shape, [2, 3]);
    assert.equal(b.tensors.get('stats.mean')!.dtype, 'F64');
    assert.equal(b.tensors.get('stats.mean')!.data[0], 1e-300);
  });

  it('is a valid safetensors file (header length, JSON header, data offsets)', () => {
    const path = join(dir, 'm.vigil');
    saveBundle(path, contents());
    const buf = readFileSync(path);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    assert.equal(header.__metadata__.format, 'vigil-bundle');
    assert.deepEqual(header['enc.bias'], { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    assert.equal(n % 8, 0);
  });

  it('refuses a truncated file', () => {
    const path = join(dir, 'm.vigil');
    saveBundle(path, contents());
    const buf = readFileSync(path);
    for (const cut of [4, 20, buf.length - 3]) {
      writeFileSync(path, buf.subarray(0, cut));
      assert.throws(() => loadBundle(path), /model bundle .*(truncated|too short)/);
    }
  });

  it('refuses an altered byte in the data and in the metadata', () => {
    const path = join(dir, 'm.vigil');
    saveBundle(path, contents());
    const buf = readFileSync(path);
    const data = Buffer.from(buf);
    data[data.length - 2] ^= 0x40;
    assert.throws(() => decodeBundle(data, 'x'), /checksum mismatch/);
    const meta = Buffer.from(buf.toString('latin1').replace('"hidden\\":8', '"hidden\\":9'), 'latin1');
    assert.notDeepEqual(meta, buf);
    assert.throws(() => decodeBundle(meta, 'x'), /checksum mismatch/);
  });

  it('refuses files that are not bundles, naming the file', () => {
    const path = join(dir, 'other.bin');
    writeFileSync(path, Buffer.from('hello world, not a model at all'));
    assert.throws(() => loadBundle(path), /other\.bin/);
    assert.throws(() => loadBundle(join(dir, 'missing.vigil')), /cannot read: ENOENT/);
  });

  it('a writer killed mid-write leaves the old file intact and loadable', async function () {
    this.timeout(60000);
    const path = join(dir, 'm.vigil');
    saveBundle(path, contents());
    const writer = `
      const { saveBundle } = require(${JSON.stringify(join(__dirname, '../../lib/io/bundle'))});
      const big = new Float32Array(8 << 20).fill(1.5);
      for (;;) saveBundle(${JSON.stringify(path)}, { kind: 'big', config: {}, tensors: new Map([['w', { dtype: 'F32', shape: [big.length], data: big }]]) });`;
    for (const delay of [150, 400, 900]) {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', writer], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const b = loadBundle(path); // whichever version is there, it is whole
      assert.ok(b.kind === 'test-model' || b.kind === 'big');
    }
    const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    // A killed writer may leave its temp file behind, never a torn target.
    assert.ok(leftovers.length <= 3);
  });
});
