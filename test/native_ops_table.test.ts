// native/include/vigil/ops.def is the one op list: every op in it has its C prototypes in ops.h,
// its addon exports and its typing in lib/binding.ts, and nothing in those three is an op the
// table lacks, so the lists cannot drift apart.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ADDON_INTERFACE, checkedAddon, native } from '../lib/binding';
import { Tensor } from '../lib/tensor';

const root = join(__dirname, '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

interface Row {
  name: string;
  js: string;
  pair: boolean;
  cuda: boolean;
}

function parseTable(text: string): Row[] {
  return [...text.matchAll(/^VIGIL_OP\((\w+), (\w+), (ONE|PAIR), ([01])\)$/gm)].map((m) => ({
    name: m[1], js: m[2], pair: m[3] === 'PAIR', cuda: m[4] === '1',
  }));
}

const prototypesOf = (header: string): string[] =>
  [...header.matchAll(/^\S[^(]*\bvigil_(\w+)\(/gm)].map((m) => m[1]);
const cNames = (r: Row): string[] => (r.pair ? [`${r.name}_forward`, `${r.name}_backward`] : [r.name]);
const jsNames = (r: Row): string[] => (r.pair ? [`${r.js}Forward`, `${r.js}Backward`] : [r.js]);

/** ops.h functions that serve ops without being one. */
const C_HELPERS = ['random_blocks', 'supports', 'conv_lstm_saved_size'];
/** Addon exports that are not ops: storage, host copies, threads, memory, build facts, plans. */
const JS_NOT_OPS = ['Storage', 'InferencePlan', 'alloc', 'write', 'read', 'memory', 'releaseCached',
  'setNumThreads', 'getNumThreads', 'buildInfo', 'supports', 'cudaSetTf32', 'convLstmSavedSize'];

/** Every way `rows` and the other lists disagree, as messages (empty when they agree). */
function drift(rows: Row[], prototypes: string[], exports: string[], typed: string[]): string[] {
  const out: string[] = [];
  const names = rows.map((r) => r.name);
  if (new Set(names).size !== names.length) out.push('ops.def lists an op twice');
  const wantC = new Set(rows.flatMap(cNames));
  const wantJs = new Set(rows.flatMap(jsNames));
  for (const r of rows) {
    for (const c of cNames(r)) if (!prototypes.includes(c)) out.push(`${r.name}: no vigil_${c} in ops.h`);
    for (const j of jsNames(r)) {
      if (!exports.includes(j)) out.push(`${r.name}: the addon exports no ${j}`);
      if (!typed.includes(j)) out.push(`${r.name}: lib/binding.ts does not type ${j}`);
    }
  }
  for (const p of prototypes)
    if (!wantC.has(p) && !C_HELPERS.includes(p)) out.push(`ops.h declares vigil_${p}, an op ops.def lacks`);
  for (const e of exports)
    if (!wantJs.has(e) && !JS_NOT_OPS.includes(e)) out.push(`the addon exports ${e}, an op ops.def lacks`);
  return out;
}

describe('native op table (ops.def)', () => {
  const rows = parseTable(read('native/include/vigil/ops.def'));
  const prototypes = prototypesOf(read('native/include/vigil/ops.h'));
  const exports = Object.keys(native).filter((k) => typeof (native as unknown as Record<string, unknown>)[k] === 'function');
  const typed = [...read('lib/binding.ts').matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]);

  it('reads the table: every op of ops.h, with its JS name', () => {
    assert.ok(rows.length >= 20, `only ${rows.length} rows parsed`);
    assert.deepEqual(rows.find((r) => r.name === 'causal_conv1d'),
      { name: 'causal_conv1d', js: 'causalConv1d', pair: true, cuda: true });
  });

  it('agrees with the C prototypes, the addon exports and lib/binding.ts, both ways', () => {
    assert.deepEqual(drift(rows, prototypes, exports, typed), []);
  });

  it('every op is supported on the CPU and on CUDA exactly where the build and table say', () => {
    const cuda = native.buildInfo().cudaCompiled;
    for (const r of rows) {
      assert.equal(native.supports(r.name, 0), true, `${r.name} on cpu`);
      assert.equal(native.supports(r.name, 1), cuda && r.cuda, `${r.name} on cuda`);
    }
  });

  it('catches drift: a row without its prototype or export, and an op missing from the table', () => {
    // an op no one will add (conv2d was the example until it became a real op)
    const extra: Row = { name: 'not_an_op', js: 'notAnOp', pair: true, cuda: false };
    const found = drift([...rows, extra], prototypes, exports, typed);
    assert.ok(found.includes('not_an_op: no vigil_not_an_op_forward in ops.h'), found.join('\n'));
    assert.ok(found.includes('not_an_op: the addon exports no notAnOpBackward'), found.join('\n'));
    assert.ok(found.includes('not_an_op: lib/binding.ts does not type notAnOpForward'), found.join('\n'));
    const without = rows.filter((r) => r.name !== 'softmax');
    const lost = drift(without, prototypes, exports, typed);
    assert.ok(lost.includes('ops.h declares vigil_softmax_forward, an op ops.def lacks'), lost.join('\n'));
    assert.ok(lost.includes('the addon exports softmaxBackward, an op ops.def lacks'), lost.join('\n'));
  });
});

describe('addon interface', () => {
  it('the loaded addon speaks this binding\'s interface; another version is refused naming the file and the fix', () => {
    assert.equal((native as unknown as { interfaceVersion: number }).interfaceVersion, ADDON_INTERFACE);
    assert.throws(() => checkedAddon({}, '/x/vigil.node'), /addon at \/x\/vigil\.node speaks interface 1, this vigil-ad needs 2.*npm run build:native/);
    assert.throws(() => checkedAddon({ interfaceVersion: 3 }, '/x/vigil.node'), /speaks interface 3/);
  });
});

describe('tensor descriptors', () => {
  it('are read through meta, or field by field without it; a bad meta is a clear error, never a crash', () => {
    const t = Tensor.zeros([2, 3]);
    try {
      const d = t.native;
      assert.ok(d.meta instanceof Float64Array);
      native.fill({ ...d }, 2); // a spread copy has no meta: read field by field
      assert.deepEqual([...t.toArray()], [2, 2, 2, 2, 2, 2]);
      const withMeta = (meta: number[]) => Object.assign({ ...d }, { meta: Float64Array.from(meta) });
      native.fill(withMeta([0, 1, 6]), 3); // meta wins over the fields: [6] is the same storage
      assert.deepEqual([...t.toArray()], [3, 3, 3, 3, 3, 3]);
      for (const bad of [[0, NaN, 6], [0, 1e300, 6], [0, 2, 2], [5, 1, 6], [0, 1, -1], [0, 1, 1e300], [0, 1, 2.5]])
        assert.throws(() => native.fill(withMeta(bad), 0), /argument 0: expected a (tensor whose meta|shape of non-negative integer sizes)/, `meta [${bad}]`);
      assert.throws(() => native.fill(withMeta([0, 1, 7]), 0), /shape needs more bytes than its storage holds/);
    } finally {
      t.dispose();
    }
  });
});
