// Loads the PyTorch fixtures written by tools/fixtures/ and compares tensors with a stated
// tolerance.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeSafetensors } from '../../lib/io/safetensors';
import { Tensor } from '../../lib/tensor';

export interface Fixture {
  meta: Record<string, any>;
  has(key: string): boolean;
  /** A fresh tensor (float32 or float64 as stored); requiresGrad as asked. */
  tensor(key: string, opts?: { requiresGrad?: boolean; dtype?: 'float32' | 'float64' }): Tensor;
  keys(): string[];
}

export function loadFixture(name: string): Fixture {
  const path = join(__dirname, '..', 'fixtures', `${name}.safetensors`);
  const file = decodeSafetensors(readFileSync(path), path);
  const meta = JSON.parse(file.metadata.meta ?? '{}');
  return {
    meta,
    has: (k) => file.tensors.has(k),
    keys: () => [...file.tensors.keys()],
    tensor(key, opts = {}) {
      const t = file.tensors.get(key);
      if (!t) throw new Error(`fixture ${name}: no tensor "${key}" (has ${[...file.tensors.keys()].join(', ')})`);
      const dtype = opts.dtype ?? (t.dtype === 'F64' ? 'float64' : 'float32');
      return Tensor.fromArray(t.data, t.shape, { dtype, requiresGrad: opts.requiresGrad });
    },
  };
}

/** |actual - expected| <= atol + rtol*|expected| everywhere; NaN never passes. */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>,
  tol: { rtol: number; atol: number }, what = 'tensor'): void {
  if (actual instanceof Tensor && expected instanceof Tensor)
    assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape [${actual.shape}] vs [${expected.shape}]`);
  const a = actual instanceof Tensor ? actual.toArray() : actual;
  const e = expected instanceof Tensor ? expected.toArray() : expected;
  assert.equal(a.length, e.length, `${what}: ${a.length} vs ${e.length} elements`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    const excess = Number.isNaN(err) ? Infinity : err - (tol.atol + tol.rtol * Math.abs(e[i]));
    if (excess > 0 && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0)
    assert.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${tol.rtol}, atol ${tol.atol})`);
}
