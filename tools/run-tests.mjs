#!/usr/bin/env node
// `npm test`: runs the C++ op harness and the mocha suite, then prints one closing line
// "N passed, N failed, N skipped" summing both. Exit code 1 when anything failed.
// Arguments are passed to mocha (e.g. a spec file); VIGIL_SKIP_HARNESS=1 skips the harness,
// VIGIL_HARNESS=<path from the root> runs another build's harness.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0, failed = 0, skipped = 0;

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.error) throw r.error;
  return { out: (r.stdout ?? '') + (r.stderr ?? ''), status: r.status };
}

if (!process.env.VIGIL_SKIP_HARNESS) {
  // VIGIL_HARNESS picks another build's harness (as VIGIL_ADDON picks its addon for mocha)
  const harness = [process.env.VIGIL_HARNESS, 'build/vigil_harness', 'build/Release/vigil_harness']
    .filter(Boolean).map((p) => join(root, p)).find(existsSync);
  if (!harness) {
    console.log('harness: build/vigil_harness not found (run `npm install` to build); counted as 1 failure');
    failed++;
  } else {
    console.log('== C++ op harness');
    const { out, status } = run(harness, []);
    const m = out.match(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/m);
    if (m) {
      passed += +m[1];
      failed += +m[2];
      skipped += +(m[3] ?? 0);
    } else {
      console.log(`harness: no summary line (exit ${status}); counted as 1 failure`);
      failed++;
    }
  }
}

console.log('== mocha');
const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const { out, status } = run(process.execPath, [mocha, '--reporter', 'spec', ...process.argv.slice(2)]);
const count = (re) => +(out.match(re)?.[1] ?? 0);
const mp = count(/^\s*(\d+) passing/m), mf = count(/^\s*(\d+) failing/m), ms = count(/^\s*(\d+) pending/m);
if (mp + mf + ms === 0 && status !== 0) {
  console.log(`mocha: exited ${status} without results; counted as 1 failure`);
  failed++;
}
passed += mp;
failed += mf;
skipped += ms;

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
