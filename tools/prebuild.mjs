#!/usr/bin/env node
// Builds the prebuilt CPU addons the package ships (npm pack runs it through `prepack`): one per
// CPU target of lib/addon_location.ts, CUDA off, libstdc++ linked in, stripped, into
// prebuilds/<platform>-<arch>/vigil-<target>.node. Each build's C++ harness runs first, so a binary
// whose kernels fail their reference checks on this machine is never packed.
//   node tools/prebuild.mjs [--skip-harness] [--jobs N]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['x86-64-v3', 'x86-64']; // PREBUILT_CPU_TARGETS in lib/addon_location.ts
const args = process.argv.slice(2);
const runHarness = !args.includes('--skip-harness');
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : cpus().length;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  // Only linux-x64 binaries are shipped; elsewhere the package builds from source at install.
  console.log(`prebuild: no prebuilt binaries for ${process.platform}-${process.arch}; installs will build from source`);
  process.exit(0);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`prebuild: ${cmd} ${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
    process.exit(1);
  }
}

const outDir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
for (const target of TARGETS) {
  const started = Date.now();
  const buildDir = join(root, `build-prebuild-${target}`);
  console.log(`prebuild: ${target} in ${buildDir}`);
  run(process.execPath, [cmakeJs, 'compile', '-O', buildDir, '-p', String(jobs),
    '--CDVIGIL_CUDA=OFF', `--CDVIGIL_CPU_TARGET=${target}`, '--CDVIGIL_STATIC_RUNTIME=ON'],
  { env: { ...process.env, VIGIL_CUDA: 'OFF' } });
  if (runHarness) run(join(buildDir, 'vigil_harness'), []);
  const dest = join(outDir, `vigil-${target}.node`);
  copyFileSync(join(buildDir, 'Release', 'vigil.node'), dest);
  run('strip', ['--strip-unneeded', dest]);
  console.log(`prebuild: ${dest} (${(statSync(dest).size / 1e6).toFixed(2)} MB, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
