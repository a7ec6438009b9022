// `vigil demo --quick --check` end to end: simulate, train both models, fit thresholds on normal
// data only, score the attacked period; the check asserts that every default attack except the
// stealthiest is detected by at least one model. Also: the report it writes, and its flags.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'vigil.js');

function vigil(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vigil demo', function () {
  this.timeout(240000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--quick --check detects every attack but the stealthiest, prints the tables and writes the report', () => {
    const r = vigil(['demo', '--quick', '--check', '--out', 'report'], dir);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.err}\n${r.out}`);
    assert.match(r.out, /check passed/);
    // The evaluation table: both models, random and PCA; threshold-free rows before the thresholded ones.
    assert.match(r.out, /lstm-ae\s+dc-vae\s+PCA\s+random/);
    assert.match(r.out, /threshold-free \(VUS window L=\d+\)[\s\S]*VUS-PR[\s\S]*AUC-PR[\s\S]*AUC-ROC[\s\S]*at the threshold fitted without test labels[\s\S]*DIAGNOSTIC ONLY[\s\S]*point-adjusted F1/);
    assert.match(r.out, /threshold method\s+pot\s+pot\s+pot\s+fixed/);
    // One line per default attack.
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']) assert.match(r.out, new RegExp(`^${id}-\\S+`, 'm'), id);
    const path = join(dir, 'report', 'index.html');
    assert.match(r.out, new RegExp(`report: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(existsSync(path));
    assert.ok(statSync(path).size < 2 * 1024 * 1024, `${statSync(path).size} bytes`);
    const html = readFileSync(path, 'utf8');
    for (const id of ['evaluation', 'attacks', 'scores', 'series']) assert.match(html, new RegExp(`<section id="${id}">`));
    const scorePlots = (html.match(/<svg [^>]*aria-label="[^"]*anomaly score/g) ?? []).length;
    assert.equal(scorePlots, 3, 'a score plot per model and PCA');
    assert.ok((html.match(/<svg /g) ?? []).length >= scorePlots + 3, 'plots of the attacked channels');
  });

  it('an opt-in model over matrix series (STAEAD, one epoch) runs through the same report', () => {
    const r = vigil(['demo', '--quick', '--models', 'staead', '--epochs', '1', '--out', 'report-staead'], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /staead: \d+ parameters, 1 epochs on \d+ windows .* its own score \(no error scale\), threshold [\d.]+ \(pot/);
    assert.match(r.out, /\d\/7 attacks detected by staead/);
  });

  it('--help, and one-line usage errors for bad flags', () => {
    const h = vigil(['demo', '--help'], dir);
    assert.equal(h.code, 0);
    for (const flag of ['--seed', '--hours-normal', '--hours-attack', '--epochs', '--quick', '--models', '--check', '--out']) assert.match(h.out, new RegExp(flag));
    assert.match(h.out, /\(default lstm-ae,dc-vae\)/, 'the default run is the fast models');
    assert.match(h.out, /staead \(only when named: slower than the default run\)/);
    for (const [args, msg] of [
      [['demo', '--models', 'lstm-ae,gpt'], /unknown model "gpt"/],
      [['demo', '--hours-attack', '2'], /--hours-attack must be at least/],
      [['demo', '--epochs', '0'], /--epochs must be a positive integer/],
    ] as [string[], RegExp][]) {
      const r = vigil(args, dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1);
    }
  });
});
