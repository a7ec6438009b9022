// Which addon file the loader and the install script pick (lib/addon_location.ts).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import { addonCandidates, cpuFlags, packageRoot, prebuiltCpuTarget, prebuiltPath, sourceBuildPath } from '../../lib/addon_location';
import { addonPath, native } from '../../lib/binding';

const ZEN2 = 'processor\t: 0\nflags\t\t: fpu sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c abm bmi1 avx2 bmi2\n';
const NEHALEM = 'processor\t: 0\nflags\t\t: fpu sse2 ssse3 cx16 sse4_1 sse4_2 popcnt\n';

describe('addon location', () => {
  it('reads the flags line of /proc/cpuinfo', () => {
    const f = cpuFlags(ZEN2);
    assert.ok(f.has('avx2') && f.has('fma') && f.has('abm'));
    assert.equal(cpuFlags('processor : 0\n').size, 0);
  });

  it('picks x86-64-v3 only when every AVX2-level feature is there', () => {
    assert.equal(prebuiltCpuTarget(cpuFlags(ZEN2), undefined), 'x86-64-v3');
    assert.equal(prebuiltCpuTarget(cpuFlags(NEHALEM), undefined), 'x86-64');
    // AVX2 without BMI2 (some virtual CPUs hide it): -march=x86-64-v3 code may use BMI2.
    assert.equal(prebuiltCpuTarget(cpuFlags(ZEN2.replace(' bmi2', '')), undefined), 'x86-64');
  });

  it('VIGIL_CPU_TARGET forces a target and refuses one the CPU cannot run', () => {
    assert.equal(prebuiltCpuTarget(cpuFlags(ZEN2), 'x86-64'), 'x86-64');
    assert.throws(() => prebuiltCpuTarget(cpuFlags(NEHALEM), 'x86-64-v3'), /lacks avx, avx2/);
    assert.throws(() => prebuiltCpuTarget(cpuFlags(ZEN2), 'native'), /must be one of x86-64-v3, x86-64/);
  });

  it('looks for VIGIL_ADDON, then the source build, then the prebuilt binary', () => {
    const root = packageRoot();
    assert.ok(root.length > 0 && sourceBuildPath(root) === join(root, 'build', 'Release', 'vigil.node'));
    const saved = process.env.VIGIL_ADDON;
    try {
      process.env.VIGIL_ADDON = '/somewhere/vigil.node';
      const c = addonCandidates(root);
      assert.equal(c[0], '/somewhere/vigil.node');
      assert.equal(c[1], sourceBuildPath(root));
      if (process.arch === 'x64') assert.equal(c[2], prebuiltPath(root, prebuiltCpuTarget()));
    } finally {
      if (saved === undefined) delete process.env.VIGIL_ADDON;
      else process.env.VIGIL_ADDON = saved;
    }
  });

  it('the loaded addon says which CPU target it was compiled for', () => {
    assert.ok(addonPath.endsWith('.node'));
    assert.match(native.buildInfo().cpuTarget, /^(native|x86-64-v3|x86-64|generic)$/);
  });
});
