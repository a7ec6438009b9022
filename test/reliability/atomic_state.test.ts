// Files that survive a restart are written atomically and read back with named errors: the
// service's --state file under kill -9 (old or new content, never torn), what an unreadable one
// does (refuse naming the path, or reset when allowed), temporary files of dead writers removed
// on the next write, and `train --resume` before the first checkpoint starting from scratch.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readStates, parseStateOnError } from '../../examples/service/state';
import { removeStaleTemps, writeFileAtomic } from '../../lib/io/atomic';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

describe('reliability: atomic state files', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-atomic-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a state file written in a loop and killed with SIGKILL 8 times always reads back whole', async () => {
    const path = join(dir, 'streams.json');
    for (let k = 0; k < 8; k++) {
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'state_writer_child.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', () => resolve());
        child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before writing`)));
      });
      await new Promise((r) => setTimeout(r, 20 + 37 * k)); // kill at varied points of the loop
      const exited = new Promise((r) => child.on('exit', (_c, signal) => r(signal)));
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const states = readStates(path, 'refuse')!;
      assert.equal(Object.keys(states).length, 50, `kill ${k}: a whole file`);
      const seen = new Set(Object.values(states).map((s) => (s as unknown as { seen: number }).seen));
      assert.equal(seen.size, 1, `kill ${k}: one write's content, not a mix`);
    }
    // Whatever temporary files the kills left are removed by the next write.
    writeFileAtomic(path, '{}');
    assert.deepEqual(readdirSync(dir), ['streams.json']);
  });

  it('temporary files of dead writers are removed; a live writer\'s are kept', () => {
    const path = join(dir, 'model.vigil');
    const dead = `.model.vigil.${2 ** 22 + 12345}.kq1.tmp`; // above Linux's largest pid
    const live = `.model.vigil.${process.ppid}.kq2.tmp`;
    const other = `.other.vigil.${2 ** 22 + 12345}.kq3.tmp`;
    for (const n of [dead, live, other]) writeFileSync(join(dir, n), 'partial');
    assert.deepEqual(removeStaleTemps(path), [dead]);
    writeFileAtomic(path, 'whole');
    assert.deepEqual(readdirSync(dir).sort(), [live, other, 'model.vigil'].sort());
    assert.equal(readFileSync(path, 'utf8'), 'whole');
  });

  it('an unreadable state file: refused naming the path, or a warning and no streams with reset', () => {
    const path = join(dir, 'streams.json');
    assert.equal(readStates(path, 'refuse'), undefined, 'no file yet: no states');
    for (const [content, why] of [['', /not JSON/], ['{"a": {"seen": 1', /not JSON/], ['[1, 2]', /not an object of stream states/], ['{"a": 3}', /not an object of stream states/]] as const) {
      writeFileSync(path, content);
      assert.throws(() => readStates(path, 'refuse'), (e: Error) => e.message.startsWith(`--state ${path}: `) && why.test(e.message) && /--state-on-error=reset/.test(e.message));
      const warnings: string[] = [];
      assert.equal(readStates(path, 'reset', (m) => warnings.push(m)), undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /starting with no streams/);
    }
    assert.equal(parseStateOnError(undefined), 'refuse');
    assert.throws(() => parseStateOnError('ignore'), /--state-on-error must be refuse or reset, not "ignore"/);
  });

  describe('train --resume before the first checkpoint', () => {
    const work = useCliDir('vigil-resume-');
    before(() => {
      writeTrainTest(work.path, 400, 100);
      writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 16, encoder: [8], latent: 4, decoderDense: 8, decoder: [8], bnMomentum: 0.1 }));
    });

    it('starts from scratch and says so', () => {
      const ck = join(work.path, 'ck.vigil');
      assert.ok(!existsSync(ck));
      const r = work.run(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '2', '--checkpoint', 'ck.vigil', '--resume', '--out', 'm.vigil']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out + r.err, /no checkpoint at \S*ck\.vigil yet \(the run ended before its first one\): starting from scratch/);
      assert.ok(existsSync(ck) && existsSync(join(work.path, 'm.vigil')));
    });
  });
});
