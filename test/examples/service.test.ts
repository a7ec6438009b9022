// The example service (examples/service) on a loopback port chosen by the OS: /score answers the
// Detector's batch decisions, /stream pushes row by row (its states survive a restart), /metrics
// counts what was scored, /healthz answers; bad JSON, wrong columns, oversized bodies, unknown
// routes and wrong methods get clear 4xx answers; the load test runs bounded and reports.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Detector } from '../../lib/detect/detector';
import { runLoad } from '../../examples/service/load_test';
import { createService, type Service } from '../../examples/service/server';
import { makeBundle, rowOf, series } from '../detect/detector_fixture';

describe('example service', function () {
  this.timeout(120000);
  let dir: string;
  let det: Detector;
  let svc: Service;
  let base: string;
  const s = series(60);
  const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));

  async function start(opts = {}): Promise<[Service, string]> {
    const service = createService(det, { maxBodyBytes: 64 * 1024, ...opts });
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    return [service, `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`];
  }

  const call = async (path: string, body?: unknown, raw?: string, url = base) => {
    const r = await fetch(url + path, body === undefined && raw === undefined ? {} : { method: 'POST', body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await r.text();
    return { status: r.status, text, json: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-service-'));
    det = await Detector.load(makeBundle(dir, 'lstm-ae'));
    [svc, base] = await start();
  });
  after(async () => {
    await new Promise((resolve) => svc?.server.close(resolve));
    await det?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /score answers the Detector decisions for the rows (arrays, objects, with timestamps)', async () => {
    const want = await det.scoreBatch(rows, { timestamps: s.timestamps });
    let r = await call('/score', { rows, timestamps: Array.from(s.timestamps!) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.results, JSON.parse(JSON.stringify(want)));
    assert.equal(r.json.results[0].ready, false);
    assert.equal(r.json.results[0].remaining, det.window - 1);
    const objects = rows.map((a) => Object.fromEntries(det.columns.map((c, i) => [c, a[i]])));
    r = await call('/score', objects);
    assert.deepEqual(r.json.results.map((x: { score?: number }) => x.score), want.map((x) => (x.ready ? x.score : undefined)));
    r = await call('/score', rows[0]);
    assert.deepEqual(r.json.results, [{ index: 0, ready: false, remaining: det.window - 1 }]);
  });

  it('POST /stream pushes row by row; decisions equal the batch ones; states survive a restart', async () => {
    const want = await det.scoreBatch(rows);
    const got = [];
    for (let i = 0; i < 30; i++) got.push(...(await call('/stream?id=pump-1', { row: rows[i] })).json.results);
    const r = await call('/stream?id=pump-1', { rows: rows.slice(30) });
    assert.equal(r.json.seen, rows.length);
    got.push(...r.json.results);
    got.forEach((g, i) => {
      assert.equal(g.index, i);
      assert.equal(g.ready, want[i].ready);
      if (g.ready && want[i].ready) assert.ok(Math.abs(g.score - want[i].score) <= 1e-6 * Math.abs(want[i].score), `row ${i}`);
    });
    // Another service started from the saved states continues the same stream.
    const [again, url] = await start({ states: JSON.parse(JSON.stringify(svc.saveStates())) });
    try {
      const next = [1, 2, 3, 4];
      const a = await call('/stream?id=pump-1', { row: next }, undefined, url);
      const b = await call('/stream?id=pump-1', { row: next });
      assert.deepEqual(a.json, b.json);
      assert.equal(a.json.results[0].index, rows.length);
    } finally {
      await new Promise((resolve) => again.server.close(resolve));
    }
    // A refused row mid-request: 400, and the rows before it are reported as accepted.
    const bad = await call('/stream?id=pump-2', { rows: [rows[0], rows[1], [1, 2]] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /row 2: expected 4 values/);
    assert.equal(bad.json.accepted, 2);
    assert.equal(bad.json.results.length, 2);
  });

  it('GET /metrics: Prometheus text with rows scored, flags raised, latency and the model', async () => {
    const r = await call('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /^# HELP vigil_model_info /m);
    assert.match(r.text, /^vigil_model_info\{kind="lstm-ae",backend="native",rule="threshold",window="12"\} 1$/m);
    const rowsScored = /^vigil_rows_scored_total\{endpoint="score"\} (\d+)$/m.exec(r.text);
    assert.ok(rowsScored && +rowsScored[1] >= 2 * rows.length + 1, r.text);
    assert.match(r.text, /^vigil_flags_raised_total\{endpoint="score"\} \d+$/m);
    assert.match(r.text, /^vigil_rows_scored_total\{endpoint="stream"\} \d+$/m);
    assert.match(r.text, /^vigil_request_duration_seconds\{endpoint="score",quantile="0.99"\} [\d.e-]+$/m);
    assert.match(r.text, /^vigil_request_duration_seconds_count\{endpoint="score"\} \d+$/m);
    assert.match(r.text, /^vigil_requests_total\{endpoint="score",code="200"\} \d+$/m);
    const h = await call('/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.json.status, 'ok');
    assert.equal(h.json.window, det.window);
  });

  it('clear client errors: bad JSON 400, wrong columns 400, NaN 400, too large 413, unknown route 404, wrong method 405', async () => {
    let r = await call('/score', undefined, '{"rows": [1, 2');
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^the body is not JSON: /);
    r = await call('/score', { rows: [[1, 2, 3]] });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /row 0: expected 4 values in schema order \(a, b, c, d\)/);
    r = await call('/score', { rows: [{ a: 1, b: 2, c: 3, z: 4 }] });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /missing "d"; unexpected "z"/);
    r = await call('/score', { rows: [[1, null, 3, 4]] });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /row 0, column "b": missing value \(null\)/);
    r = await call('/score', { rows: [[1, 2, 3, 4]], timestamps: [1, 2] });
    assert.equal(r.status, 400);
    r = await call('/score', 42);
    assert.equal(r.status, 400);
    r = await call('/score', undefined, JSON.stringify({ rows: Array.from({ length: 10000 }, () => [1, 2, 3, 4]) }));
    assert.equal(r.status, 413);
    assert.match(r.json.error, /over 65536 bytes/);
    r = await call('/nope');
    assert.equal(r.status, 404);
    r = await call('/metrics', {});
    assert.equal(r.status, 405);
    r = await call('/stream?id=bad%20id', { row: rows[0] });
    assert.equal(r.status, 400);
    const m = await call('/metrics');
    assert.match(m.text, /^vigil_requests_total\{endpoint="score",code="400"\} [1-9]\d*$/m);
    assert.match(m.text, /^vigil_requests_total\{endpoint="score",code="413"\} 1$/m);
  });

  it('edges: a non-JSON content-type gets 415, a 20 MiB body a 413 answer (not a reset), a client gone mid-body is not a 500', async () => {
    let r = await fetch(base + '/score', { method: 'POST', body: JSON.stringify({ rows }), headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415);
    assert.match((await r.json()).error, /takes a JSON body \(content-type: application\/json\), not "text\/plain"/);
    r = await fetch(base + '/score', { method: 'POST', body: JSON.stringify({ rows }), headers: { 'content-type': 'application/vnd.api+json; charset=utf-8' } });
    assert.equal(r.status, 200);
    // Declared length over the limit, and a chunked body that grows past it.
    const big = 'x'.repeat(20 << 20);
    r = await fetch(base + '/score', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.match((await r.json()).error, /over 65536 bytes/);
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('y'.repeat(1 << 20)));
        c.close();
      },
    });
    r = await fetch(base + '/score', { method: 'POST', body: chunked, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 413);
    // A client that announces 1,000 bytes, sends 10 and hangs up.
    const port = new URL(base).port;
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write('POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[[1, 2, 3,');
        setTimeout(() => sock.destroy(), 50);
      });
      sock.on('close', () => resolve());
      sock.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const m = await call('/metrics');
    assert.match(m.text, /^vigil_requests_total\{endpoint="score",code="aborted"\} 1$/m);
    assert.doesNotMatch(m.text, /code="500"/);
    assert.match(m.text, /^vigil_requests_total\{endpoint="score",code="415"\} 1$/m);
    assert.match(m.text, /^vigil_requests_total\{endpoint="score",code="413"\} [3-9]$/m);
  });

  it('the load test runs bounded over loopback and reports rows/s and p50/p99', async () => {
    const r = await runLoad({ url: base, mode: 'stream', seconds: 0.5, concurrency: 2 });
    assert.equal(r.errors, 0);
    assert.ok(r.requests > 0 && r.rowsPerSecond > 0 && r.decisionsPerSecond > 0 && r.p99Ms >= r.p50Ms, JSON.stringify(r));
    await assert.rejects(runLoad({ url: 'http://example.com:80' }), /loopback only/);
    await assert.rejects(runLoad({ url: base, seconds: 3600 }), /--seconds must be in \(0, 60\]/);
    await assert.rejects(runLoad({ url: base, concurrency: 1000 }), /--concurrency must be an integer in 1\.\.64/);
  });
});
