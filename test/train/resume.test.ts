// Crash and resume: a training process killed with SIGKILL in the middle of an epoch, restarted
// with resume, ends bit for bit where a run that was never interrupted ends (losses of every
// epoch, final weights, BatchNorm buffers), with the same JSONL log; also with STAE-AD's training
// setup, whose cyclic learning rate must pick up at the checkpoint's step count.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadCheckpoint } from '../../lib/train/checkpoint';

const CHILD = join(__dirname, 'fit_child.ts');

function child(dir: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD, dir, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the exit code and signal; rejects on a non-zero exit. */
function finished(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    p.on('exit', (code, signal) => (code ? reject(new Error(`child exited ${code}: ${err}`)) : resolve({ code, signal }))));
}

const result = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
const logLines = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const withoutSeconds = (rows: { seconds: number }[]) => rows.map(({ seconds: _s, ...r }) => r);

/** Starts a child that pauses at `pauseAt` (epoch:batch), kills it there with SIGKILL. */
async function crash(dir: string, pauseAt: string, env: Record<string, string> = {}): Promise<void> {
  const victim = child(dir, [], { ...env, PAUSE_AT: pauseAt });
  const killed = finished(victim);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    victim.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('paused')) resolve();
    });
    victim.on('exit', () => reject(new Error('the child ended before pausing')));
  });
  victim.kill('SIGKILL');
  assert.equal((await killed).signal, 'SIGKILL');
  assert.deepEqual(readdirSync(dir).sort(), ['ck.vigil', 'log.jsonl'], 'no result, no temporary file left');
}

/** The resumed run equals the uninterrupted one: history, weights, log. */
function assertSameRun(whole: string, crashed: string, from: number): void {
  const a = result(whole), b = result(crashed);
  assert.equal(a.resumedFrom, null);
  assert.equal(b.resumedFrom, from);
  assert.equal(a.history.length, 20);
  assert.deepEqual(b.history, a.history, 'every epoch\'s losses, lr and improved flag');
  assert.deepEqual(b.weights, a.weights, 'final weights and buffers, byte for byte');
  assert.deepEqual(withoutSeconds(logLines(crashed)), withoutSeconds(logLines(whole)), 'the log lists each epoch once');
  assert.deepEqual(withoutSeconds(logLines(whole)), a.history);
}

describe('fit: resume after a crash', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-fit-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a run killed (SIGKILL) mid-epoch and resumed equals an uninterrupted run bit for bit', async function () {
    this.timeout(60000);
    const whole = tmp(), crashed = tmp();
    const uninterrupted = finished(child(whole, []));

    // Kill in the middle of epoch 14, batch 3: the last improving epoch before it is 11, so the
    // checkpoint is at 11 while the log already lists 13 epochs.
    await crash(crashed, '14:3');
    const ck = loadCheckpoint(join(crashed, 'ck.vigil'));
    const logged = logLines(crashed);
    assert.equal(logged.length, 13, 'epochs 1-13 were logged before the kill');
    assert.equal(ck.training.epoch, 11, 'the checkpoint is the last improving epoch');
    assert.ok(logged.slice(11).every((r) => !r.improved), 'epochs 12-13 did not improve');

    await finished(child(crashed, ['resume']));
    await uninterrupted;
    assertSameRun(whole, crashed, 11);
  });

  it('with AMSGrad, per-tensor clipping and a cyclic learning rate (STAE-AD\'s setup) too', async function () {
    this.timeout(90000);
    const env = { TRAINING: 'staead' };
    const whole = tmp(), crashed = tmp();
    await finished(child(whole, [], env));
    const h = result(whole).history as { epoch: number; lr: number; improved: boolean }[];
    assert.ok(new Set(h.map((e) => e.lr)).size > 5, 'the rate moves');
    // Kill in epoch E after a non-improving epoch, so the checkpoint lies behind the log and the
    // resumed run repeats epochs whose rates depend on the restored step count.
    const E = h.findIndex((e, i) => i >= 2 && !h[i - 1].improved) + 1 || 14;
    const last = Math.max(...h.slice(0, E - 1).filter((e) => e.improved).map((e) => e.epoch));
    await crash(crashed, `${E}:3`, env);
    const ck = loadCheckpoint(join(crashed, 'ck.vigil'));
    assert.equal(logLines(crashed).length, E - 1);
    assert.equal(ck.training.epoch, last, 'the checkpoint is the last improving epoch');
    assert.equal(ck.training.iteration, last * 9, 'and holds the schedule position (9 steps per epoch)');
    await finished(child(crashed, ['resume'], env));
    assertSameRun(whole, crashed, last);
  });
});
