// `vigil serve` and `vigil replay` at their edges, without a Redis: --help, the clear error when
// Redis cannot be reached (exit 1, naming the address and how to start one), the load generator's
// refusal to write anywhere but this machine and a wrong flag (usage errors, exit 2).
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';

import { makeBundle } from '../detect/detector_fixture';
import { TINY_LSTM_AE } from './fleet';
import { useCliDir } from '../helpers/cli';

/** A local port nobody listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('vigil serve and vigil replay: help and errors', function () {
  this.timeout(60000);
  const dir = useCliDir('vigil-scale-cli-');

  it('--help lists their options', () => {
    const serve = dir.run(['serve', '--help']);
    assert.equal(serve.code, 0, serve.err);
    for (const flag of ['--model', '--bundles', '--bundle-cache', '--redis', '--shards', '--lease-ms', '--checkpoint-rows', '--metrics-port']) assert.ok(serve.out.includes(flag), flag);
    const replay = dir.run(['replay', '--help']);
    assert.equal(replay.code, 0, replay.err);
    for (const flag of ['--data', '--entities', '--rate', '--rows-per-entity', '--seconds']) assert.ok(replay.out.includes(flag), flag);
  });

  it('an unreachable Redis is an error naming it and the command that starts one', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const r = dir.run(['serve', '--model', makeBundle(dir.path, 'lstm-ae', { config: TINY_LSTM_AE }), '--redis', url]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`cannot reach Redis at ${url}: .*ECONNREFUSED.*Start one with: redis-server`));
  });

  it('replay writes only to a Redis on this machine; wrong flags are usage errors', () => {
    const r = dir.run(['replay', '--data', 'x.csv', '--redis', 'redis://10.1.2.3:6379']);
    assert.equal(r.code, 2);
    assert.match(r.err, /is not on this machine/);
    const s = dir.run(['serve', '--model', 'm.vigil', '--on-bad-value', 'skip']);
    assert.equal(s.code, 2);
    assert.match(s.err, /--on-bad-value must be error or ffill/);
    const shards = dir.run(['serve', '--shards', '0']);
    assert.equal(shards.code, 2);
    assert.match(shards.err, /--shards must be a whole number >= 1/);
    const both = dir.run(['serve', '--model', 'm.vigil', '--bundles', '.']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--model and --bundles exclude each other/);
    const cache = dir.run(['serve', '--bundles', '.', '--bundle-cache', '0']);
    assert.equal(cache.code, 2);
    assert.match(cache.err, /--bundle-cache must be a whole number >= 1/);
    const none = dir.run(['serve', '--bundles', 'no-such-dir']);
    assert.equal(none.code, 1);
    assert.match(none.err, /the bundle directory no-such-dir cannot be read/);
  });
});
