#!/usr/bin/env node
// npm's install step for vigil-ad. In an installed package: use the prebuilt addon for this CPU
// when it loads here (no compiler needed, seconds), else build from source. In a checkout (test/
// is present): always build from source, tuned for this machine, with CUDA whenever nvcc is found
// so the CUDA sources are compile-checked. Knobs (environment):
//   VIGIL_BUILD_FROM_SOURCE=1   skip the prebuilt binary
//   VIGIL_CUDA=ON|OFF|AUTO      CUDA kernels: ON requires nvcc; AUTO (default) compiles them in an
//                               installed package only when nvcc AND an NVIDIA driver are present
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { delimiter, join } = require('node:path');

const root = join(__dirname, '..');
const say = (msg) => console.log(`vigil-ad: ${msg}`);

function onPath(name) {
  return (process.env.PATH || '').split(delimiter).some((d) => d && existsSync(join(d, name)));
}

/** Whether an installed package should compile CUDA: asked for, or nvcc and a driver both present. */
function wantCuda() {
  const v = (process.env.VIGIL_CUDA || 'AUTO').toUpperCase();
  if (v === 'ON' || v === 'OFF') return v === 'ON';
  const nvcc = onPath('nvcc') || existsSync('/usr/local/cuda/bin/nvcc');
  return nvcc && existsSync('/proc/driver/nvidia/version');
}

function buildFromSource(env) {
  if (!onPath('cmake')) {
    console.error('vigil-ad: building the native addon from source needs CMake 3.18+ and a C++17 compiler ' +
      '(Debian/Ubuntu: apt-get install cmake g++), then `npm rebuild vigil-ad`');
    process.exit(1);
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  const r = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit', env });
  process.exit(r.status === null ? 1 : r.status);
}

/** The prebuilt binary for this platform and CPU if it exists and loads here, else why not. */
function usablePrebuilt() {
  const locate = join(root, 'dist', 'lib', 'addon_location.js');
  if (!existsSync(locate)) return { why: `${locate} is missing` };
  let path;
  try {
    const loc = require(locate);
    if (process.arch !== 'x64') return { why: `none is shipped for ${process.platform}-${process.arch}` };
    path = loc.prebuiltPath(root, loc.prebuiltCpuTarget());
  } catch (e) {
    return { why: e.message };
  }
  if (!existsSync(path)) return { why: `none is shipped for ${process.platform}-${process.arch}` };
  // Load it in a child process: a binary needing a newer glibc must fail there, not in the user's app.
  const probe = `const b = require(${JSON.stringify(path)}).buildInfo(); if (!b.cpuTarget) process.exit(3);`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) return { why: `${path} does not load here: ${(r.stderr || '').trim().split('\n')[0]}` };
  return { path };
}

if (existsSync(join(root, 'test'))) {
  buildFromSource(process.env); // a checkout: CMake decides CUDA (nvcc present => compiled)
} else {
  const cuda = wantCuda();
  const env = { ...process.env, VIGIL_CUDA: cuda ? 'ON' : 'OFF' };
  if (process.env.VIGIL_BUILD_FROM_SOURCE === '1') {
    say('VIGIL_BUILD_FROM_SOURCE=1: building the addon from source');
    buildFromSource(env);
  } else if (cuda) {
    say('an NVIDIA driver and nvcc are present: building the addon from source with CUDA kernels ' +
      '(VIGIL_CUDA=OFF uses the prebuilt CPU binary instead)');
    buildFromSource(env);
  } else {
    const p = usablePrebuilt();
    if (p.path) {
      say(`using the prebuilt addon ${p.path} (no compile)`);
    } else {
      say(`no usable prebuilt addon (${p.why}): building from source`);
      buildFromSource(env);
    }
  }
}
