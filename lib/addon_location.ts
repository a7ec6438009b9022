// Where the native addon is: a source build of this package (build/Release, tuned for the machine
// that built it), else the prebuilt binary the package ships for this platform and CPU. Shared by
// the loader (lib/binding.ts) and the install script (scripts/install.js), so both pick the same file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The CPU targets prebuilt binaries are compiled for, best first (CMake's VIGIL_CPU_TARGET). */
export const PREBUILT_CPU_TARGETS = ['x86-64-v3', 'x86-64'] as const;
export type PrebuiltCpuTarget = (typeof PREBUILT_CPU_TARGETS)[number];

// What -march=x86-64-v3 lets the compiler emit, by its /proc/cpuinfo names (abm = LZCNT). Linux
// lists avx/avx2 only when the kernel saves the AVX registers, so the flags also cover OS support.
const X86_64_V3_FLAGS = ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'];

/** The folder holding package.json of vigil-ad (the checkout, or the installed package). */
export function packageRoot(from: string = __dirname): string {
  for (let d = from; ; d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === 'vigil-ad') return d;
    if (dirname(d) === d) throw new Error(`vigil: no package.json of vigil-ad above ${from}`);
  }
}

/** The CPU's feature flags as Linux lists them (empty elsewhere: no prebuilt binary needs them). */
export function cpuFlags(cpuinfo?: string): Set<string> {
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return new Set();
    try { text = readFileSync('/proc/cpuinfo', 'utf8'); } catch { return new Set(); }
  }
  const line = /^flags\s*:(.*)$/m.exec(text);
  return new Set(line ? line[1].trim().split(/\s+/) : []);
}

/**
 * The prebuilt target this CPU runs best: x86-64-v3 when it has every AVX2-level feature, else the
 * portable x86-64. VIGIL_CPU_TARGET in the environment forces one (e.g. to test the portable path).
 */
export function prebuiltCpuTarget(flags: Set<string> = cpuFlags(), env = process.env.VIGIL_CPU_TARGET): PrebuiltCpuTarget {
  if (env) {
    if (!(PREBUILT_CPU_TARGETS as readonly string[]).includes(env))
      throw new Error(`vigil: VIGIL_CPU_TARGET must be one of ${PREBUILT_CPU_TARGETS.join(', ')} (got "${env}")`);
    if (env === 'x86-64-v3' && !X86_64_V3_FLAGS.every((f) => flags.has(f)))
      throw new Error('vigil: VIGIL_CPU_TARGET=x86-64-v3 but this CPU lacks ' +
        X86_64_V3_FLAGS.filter((f) => !flags.has(f)).join(', '));
    return env as PrebuiltCpuTarget;
  }
  return X86_64_V3_FLAGS.every((f) => flags.has(f)) ? 'x86-64-v3' : 'x86-64';
}

/** The folder of prebuilt binaries for this platform, as tools/prebuild.mjs writes it. */
export function prebuiltDir(root: string): string {
  return join(root, 'prebuilds', `${process.platform}-${process.arch}`);
}

export function prebuiltPath(root: string, target: PrebuiltCpuTarget): string {
  return join(prebuiltDir(root), `vigil-${target}.node`);
}

export function sourceBuildPath(root: string): string {
  return join(root, 'build', 'Release', 'vigil.node');
}

/** Where to load the addon from, in order: VIGIL_ADDON, the source build, the prebuilt binary. */
export function addonCandidates(root: string = packageRoot()): string[] {
  const out = [sourceBuildPath(root)];
  if (process.arch === 'x64') out.push(prebuiltPath(root, prebuiltCpuTarget()));
  if (process.env.VIGIL_ADDON) out.unshift(process.env.VIGIL_ADDON);
  return out;
}

export function findAddon(root: string = packageRoot()): string {
  const candidates = addonCandidates(root);
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(
    `vigil: native addon not found (looked in ${candidates.join(', ')}). Build it from source with ` +
      '`npm rebuild vigil-ad` in your project (or `npm install` in a checkout); that needs CMake 3.18+ ' +
      'and a C++17 compiler');
}
