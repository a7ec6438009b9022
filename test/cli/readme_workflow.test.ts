// The README's workflow, verbatim: the `npx vigil ...` lines of the code block after the
// `<!-- workflow -->` marker run one after the other in a fresh folder (through the checkout's
// bin/vigil.js, which is what `npx vigil` runs here), each must exit 0, and every file a line
// names with --out must exist and not be empty afterwards.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { useCliDir } from '../helpers/cli';

const README = join(__dirname, '..', '..', 'README.md');

/** The README's workflow lines as argument lists (after `npx vigil`). */
export function workflowCommands(readme: string): string[][] {
  const at = readme.indexOf('<!-- workflow -->');
  assert.ok(at >= 0, 'README.md has no <!-- workflow --> marker');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, 'no ```sh block after the workflow marker');
  return block[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const words = l.replace(/\s+#.*$/, '').split(/\s+/);
    assert.deepEqual(words.slice(0, 2), ['npx', 'vigil'], `a workflow line that is not "npx vigil ...": ${l}`);
    assert.ok(words.every((w) => !/["'`$\\|;&<>]/.test(w)), `quoting or shell syntax the test does not run: ${l}`);
    return words.slice(2);
  });
}

describe('README workflow, as written', function () {
  this.timeout(600000);
  const dir = useCliDir('vigil-readme-');

  it('every line exits 0 and writes what it names', () => {
    const commands = workflowCommands(readFileSync(README, 'utf8'));
    assert.ok(commands.length >= 5, `only ${commands.length} workflow lines`);
    for (const args of commands) {
      const r = dir.run(args);
      assert.equal(r.code, 0, `vigil ${args.join(' ')} exited ${r.code}:\n${r.err.slice(-2000)}`);
      const out = args.indexOf('--out');
      if (out < 0) continue;
      const p = join(dir.path, args[out + 1]);
      assert.ok(existsSync(p), `vigil ${args[0]} did not write ${args[out + 1]}`);
      if (statSync(p).isFile()) assert.ok(statSync(p).size > 0, `${args[out + 1]} is empty`);
    }
  });

  it('the workflow trains on normal rows only and evaluates on the attacked file', () => {
    const commands = workflowCommands(readFileSync(README, 'utf8'));
    const sims = commands.filter((c) => c[0] === 'simulate');
    const train = commands.find((c) => c[0] === 'train')!;
    const trainData = train[train.indexOf('--data') + 1];
    const normal = sims.find((c) => c[c.indexOf('--out') + 1] === trainData);
    assert.ok(normal && normal[normal.indexOf('--attacks') + 1] === 'none', 'train must read a file simulated with --attacks none');
    const sidecar = JSON.parse(readFileSync(join(dir.path, `${trainData}.attacks.json`), 'utf8'));
    assert.equal(sidecar.attacks.length, 0, 'the training file holds attacks');
  });
});
