#!/usr/bin/env node
// The packaging test (npm run test:package; .ci/run runs it after npm test): pack the checkout as
// npm publishes it, install the tarball into a fresh project with no .npmrc and no npm_config_*
// from this checkout (only the registry and its cache reachable), then use it as a user would:
// `vigil info`, a CommonJS and an ES-module program that train and score, the onnxruntime backend
// without onnxruntime-node, a strict TypeScript compile of the public API, and the portable
// prebuilt binary. Ends with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const keep = process.argv.includes('--keep');
// --no-source-build leaves out the slowest check (minutes) while iterating; CI runs it.
const sourceBuild = !process.argv.includes('--no-source-build');
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  // A passing check shows a one-line detail (a figure); a failing one shows all it has.
  const show = detail && (!ok || !detail.includes('\n')) ? `: ${detail}` : '';
  console.log(`${ok ? '  ok  ' : '  FAIL'} ${name}${show}`);
  return ok;
}

// A user's environment: none of this checkout's npm settings (npm exports .npmrc keys to scripts
// as npm_config_*), no addon override, no onnxruntime install flag.
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^npm_/i.test(k) && !/^(ONNXRUNTIME_NODE_INSTALL|VIGIL_)/.test(k) && k !== 'INIT_CWD'));

function run(cmd, args, cwd, env = userEnv) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', seconds: (Date.now() - t0) / 1000 };
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function folderBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

const work = mkdtempSync(join(tmpdir(), 'vigil-package-'));
const app = join(work, 'app');
try {
  // 1. npm pack: prepack builds the prebuilt binaries, prepare compiles dist.
  console.log(`packing ${root} (builds the prebuilt addons; minutes on 2 cores)`);
  const pack = run('npm', ['pack', '--json', '--pack-destination', work], root, process.env);
  if (!check('npm pack', pack.status === 0, pack.status === 0 ? `${pack.seconds.toFixed(0)} s` : tail(pack.out))) process.exit(1);
  // prepack's build output shares stdout with npm's JSON, which comes last.
  const manifest = JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('[\n  {')))[0];
  const files = manifest.files.map((f) => f.path);
  const tarball = join(work, manifest.filename);
  console.log(`  tarball ${manifest.filename}: ${(manifest.size / 1e6).toFixed(2)} MB packed, ` +
    `${(manifest.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files`);
  const stray = files.filter((f) => /^(test|tools|\.ci|build[^/]*)\//.test(f) || f.startsWith('dist/tools/bench'));
  check('the tarball ships no tests, tools, CI or build folders', stray.length === 0, stray.slice(0, 5).join(', '));
  check('the tarball holds both prebuilt linux-x64 binaries',
    files.includes('prebuilds/linux-x64/vigil-x86-64-v3.node') && files.includes('prebuilds/linux-x64/vigil-x86-64.node'));

  // 2. A fresh project, no .npmrc: install the tarball as a user would.
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'vigil-user', version: '1.0.0', private: true }, null, 2));
  const install = run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], app);
  if (!check('npm install <tarball> in a fresh project', install.status === 0,
    install.status === 0 ? `${install.seconds.toFixed(1)} s` : tail(install.out))) process.exit(1);
  const pkgDir = join(app, 'node_modules', 'vigil-ad');
  check('install used the prebuilt addon', /using the prebuilt addon/.test(install.out), tail(install.out));
  check('install took no source build', !existsSync(join(pkgDir, 'build')));
  // npm 11.19+ lists every dependency with install scripts for approval (allowScripts), ours (the
  // source-build fallback) and protobufjs 6's (through onnx-proto) included; nothing else may warn.
  const lines = install.out.split('\n');
  const warnings = lines.filter((l) => /npm warn/i.test(l) && !/npm warn install-scripts/.test(l));
  check('install printed no npm warnings (beyond npm\'s install-script approval list)', warnings.length === 0, warnings.slice(0, 3).join(' | '));
  const listed = lines.filter((l) => /npm warn install-scripts\s+\S+@\d/.test(l)).map((l) => l.trim().split(/\s+/)[3]);
  check('the approval list names only vigil-ad and protobufjs',
    listed.every((p) => /^(vigil-ad|protobufjs)@/.test(p)), listed.join(', ') || 'no list (npm before 11.19)');
  check('onnxruntime-node is not installed (optional peer)', !existsSync(join(app, 'node_modules', 'onnxruntime-node')));
  console.log(`  node_modules: ${(folderBytes(join(app, 'node_modules')) / 1e6).toFixed(1)} MB`);

  // 3. The CLI and two programs.
  const info = run('npx', ['vigil', 'info'], app);
  check('npx vigil info', info.status === 0 && /vigil-ad \d/.test(info.out), tail(info.out, 6));
  check('vigil info names the prebuilt x86-64-v3 binary', /x86-64-v3/.test(info.out), tail(info.out, 6));
  for (const f of ['program.cjs', 'series.cjs', 'app_cjs.cjs', 'app_esm.mjs', 'app_ort_missing.cjs', 'app_types.ts'])
    copyFileSync(join(here, f), join(app, f));
  const results = {};
  for (const [name, script] of [['CommonJS', 'app_cjs.cjs'], ['ES module', 'app_esm.mjs']]) {
    const r = run(process.execPath, [script], app);
    let res = null;
    try { res = JSON.parse(r.stdout.trim().split('\n').pop()); } catch { /* reported below */ }
    results[name] = res;
    check(`${name} program trains and scores a stream equal to the batch`,
      r.status === 0 && res && res.scored > 100 && res.same === res.scored, res ? JSON.stringify(res) : tail(r.out));
  }
  check('ES module and CommonJS programs give the same scores',
    results.CommonJS && results['ES module'] && results.CommonJS.sum === results['ES module'].sum);

  const ort = run(process.execPath, ['app_ort_missing.cjs', 'cjs.vigil'], app);
  check("backend 'onnxruntime' without onnxruntime-node says how to add it", ort.status === 0, tail(ort.out, 3));

  // 4. Strict TypeScript over the public declarations, no skipLibCheck (the checkout's compiler and
  // Node types; the package's own declarations and dependencies come from the app).
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
      types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
    },
    files: ['app_types.ts'],
  }, null, 2));
  const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  check('tsc --strict (no skipLibCheck) on a file using the public API', tsc.status === 0, tail(tsc.out, 8));

  // 5. Install scripts blocked (pnpm 10, npm with strict allowScripts): the loader still finds the
  // prebuilt binary, since it picks one at load time rather than at install.
  const blocked = join(work, 'blocked');
  run('mkdir', ['-p', blocked], work);
  writeFileSync(join(blocked, 'package.json'), JSON.stringify({ name: 'vigil-user-blocked', version: '1.0.0', private: true }));
  const bi = run('npm', ['install', tarball, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], blocked);
  const binfo = bi.status === 0 ? run('npx', ['vigil', 'info'], blocked) : bi;
  check('with install scripts blocked, the prebuilt binary still loads', binfo.status === 0 && /prebuilds\/linux-x64\/vigil-x86-64-v3\.node/.test(binfo.out), tail(binfo.out, 6));

  // 6. The portable binary (forced): what a CPU without AVX2/FMA loads.
  const portableEnv = { ...userEnv, VIGIL_CPU_TARGET: 'x86-64' };
  const pinfo = run('npx', ['vigil', 'info'], app, portableEnv);
  check('VIGIL_CPU_TARGET=x86-64 loads the portable binary', pinfo.status === 0 && /x86-64\b(?!-v3)/.test(pinfo.out), tail(pinfo.out, 6));
  const pr = run(process.execPath, ['app_cjs.cjs'], app, portableEnv);
  let pres = null;
  try { pres = JSON.parse(pr.stdout.trim().split('\n').pop()); } catch { /* reported below */ }
  const rel = pres && results.CommonJS ? Math.abs(pres.sum - results.CommonJS.sum) / Math.abs(results.CommonJS.sum) : NaN;
  check('the portable binary trains and scores like the AVX2 one (relative difference < 1e-3)',
    pr.status === 0 && pres && pres.same === pres.scored && rel < 1e-3, pres ? `relative difference ${rel.toExponential(2)}` : tail(pr.out));

  // 7. The source-build fallback of an installed package (what a platform without a prebuilt
  // binary, or VIGIL_BUILD_FROM_SOURCE=1, gets): compiles in node_modules/vigil-ad, tuned for
  // this CPU, and the loader prefers it.
  if (sourceBuild) {
    console.log('  building from source in the installed package (minutes on 2 cores)');
    const rb = run('npm', ['rebuild', 'vigil-ad', '--foreground-scripts'], app, { ...userEnv, VIGIL_BUILD_FROM_SOURCE: '1' });
    check('VIGIL_BUILD_FROM_SOURCE=1 npm rebuild vigil-ad builds the addon', rb.status === 0 && existsSync(join(pkgDir, 'build', 'Release', 'vigil.node')),
      rb.status === 0 ? `${rb.seconds.toFixed(0)} s` : tail(rb.out, 25));
    const sinfo = run('npx', ['vigil', 'info'], app);
    check('the loader prefers the source build (CPU target native)', sinfo.status === 0 && /build\/Release\/vigil\.node \(CPU kernels compiled for native\)/.test(sinfo.out), tail(sinfo.out, 6));
    const sr = run(process.execPath, ['app_cjs.cjs'], app);
    check('the source build trains and scores', sr.status === 0 && /"same":(\d+)/.exec(sr.stdout)?.[1] === /"scored":(\d+)/.exec(sr.stdout)?.[1], tail(sr.out, 4));
  } else {
    console.log('  (source-build fallback not checked: --no-source-build)');
  }
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
