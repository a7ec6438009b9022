// The layering check (tools/check): planted violations are reported, an import written in a
// comment or a string is not, and the real tree has none beyond the listed exceptions.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readImports } from '../tools/check/imports';
import { checkTree, ROOT } from '../tools/check/layering';
import { checkLayering, type Violation } from '../tools/check/rules';

const messages = (vs: Violation[]) => vs.map((v) => v.message);

describe('layering check', () => {
  it('reads static, type-only, re-export, side-effect, dynamic and require imports, not those in comments or strings', () => {
    const src = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export * as c from './c';",
      "export type { D } from './d';",
      "import './e';",
      "import {",
      '  f,',
      "} from './f';",
      "const g = () => import('./g');",
      "type H = typeof import('./h');",
      "const i = require('./i');",
      "// import { x } from './commented';",
      "/* export * from './blocked'; */",
      "const msg = \"import 'vigil-ad' first\";",
      "const t = `${1 + 1} import('./templated')`;",
      "const re = /from '.\\/regex'/;",
    ].join('\n');
    assert.deepEqual(readImports(src).map((r) => `${r.kind} ${r.spec} ${r.line}`), [
      'import ./a 1', 'type ./b 2', 'import ./c 3', 'type ./d 4', 'import ./e 5', 'import ./f 6',
      'dynamic ./g 9', 'dynamic ./h 10', 'require ./i 11',
    ]);
  });

  it('reports planted violations of every rule in in-memory sources', () => {
    const sources = new Map([
      ['lib/binding.ts', ''],
      ['lib/tensor.ts', "import { native } from './binding';\nimport type { Module } from './nn/module';"],
      ['lib/nn/module.ts', "import { Tensor } from '../tensor';"],
      ['lib/ops/a.ts', "import { b } from './b';"],
      ['lib/ops/b.ts', "import type { A } from './a';"],
      ['lib/io/bundle.ts', "const later = () => import('../detect/detector');"],
      ['lib/detect/detector.ts', "const x = require('../tensor');\nimport { flags } from '../../tools/cli/args';"],
      ['lib/newunit/thing.ts', "import { Tensor } from '../tensor';"],
      ['models/toy/model.ts', "import { Module } from '../../lib/nn/module';\nimport { run } from '../../tools/cli/main';"],
    ]);
    const found = checkLayering(sources);
    assert.deepEqual(messages(found).sort(), [
      'import cycle: lib/nn/module.ts -> lib/tensor.ts -> lib/nn/module.ts',
      'import cycle: lib/ops/a.ts -> lib/ops/b.ts -> lib/ops/a.ts',
      'lib/detect/detector.ts:1: require( in lib (use an import; a lazy one through a registry or hook)',
      'lib/detect/detector.ts:2: import of tools/cli/args: lib/ never imports tools/',
      'lib/io/bundle.ts:1: import of lib/detect/detector.ts: upward arrow io (rank 6) -> detect (rank 12)',
      "lib/newunit/thing.ts: lib unit 'newunit' has no rank in tools/check/ranks.ts",
      'lib/tensor.ts:2: type import of lib/nn/module.ts: upward arrow tensor (rank 1) -> nn (rank 5)',
      'models/toy/model.ts:2: import of tools/cli/main: models/ never imports tools/',
    ]);
  });

  it('drops a violation listed as an exception, and reports an exception that matches nothing', () => {
    const sources = new Map([
      ['lib/tensor.ts', "import { Module } from './nn/module';"],
      ['lib/nn/module.ts', ''],
    ]);
    const allowed = { rule: 'upward' as const, file: 'lib/tensor.ts', target: 'lib/nn/module.ts', reason: 'test' };
    assert.deepEqual(checkLayering(sources, [allowed]), []);
    const stale = { rule: 'cycle' as const, file: 'lib/nn/module.ts', reason: 'test' };
    assert.deepEqual(messages(checkLayering(sources, [allowed, stale])), [
      'exception no longer needed (remove it from tools/check/exceptions.ts): cycle lib/nn/module.ts',
    ]);
  });

  it('the real tree: no violation beyond tools/check/exceptions.ts', () => {
    assert.deepEqual(messages(checkTree()), []);
  });

  it('streams read a StreamSource: lib/detect/stream.ts imports nothing of detector.ts, types included', () => {
    const specs = readImports(readFileSync(join(ROOT, 'lib', 'detect', 'stream.ts'), 'utf8')).map((r) => r.spec);
    assert.ok(specs.length > 0);
    assert.ok(!specs.includes('./detector'), `stream.ts imports ${specs.join(', ')}`);
  });

  it("detect imports no backend above it: without lib/onnx/export loaded, 'onnxruntime' is an error naming what to import", function () {
    this.timeout(60000);
    const script = "const { createBackend } = require('./lib/detect/backend');" +
      "try { createBackend('onnxruntime', null, {}); console.log('registered'); } catch (e) { console.log(e.message); }";
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "backend 'onnxruntime' is not registered: import 'vigil-ad' (the package entry registers it) or lib/onnx/export/export, which registers it when it loads");
  });

  it('the script run alone fails with the violations of a copy with a planted upward import', function () {
    this.timeout(60000);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-layering-'));
    try {
      for (const f of ['lib', 'models']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
      appendFileSync(join(dir, 'lib', 'tensor.ts'), "\nimport type { Detector } from './detect/detector';\n");
      const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'tools', 'check', 'layering.ts'), dir], { encoding: 'utf8' });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /^lib\/tensor\.ts:\d+: type import of lib\/detect\/detector\.ts: upward arrow tensor \(rank 1\) -> detect \(rank 12\)$/m);
      assert.match(run.stdout, /^import cycle: .*lib\/tensor\.ts/m);
      assert.match(run.stdout, /^layering: \d+ violation\(s\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
