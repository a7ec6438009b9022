// A small detection service on node:http (no framework): loads a detector bundle and answers
//   POST /score    rows of one series -> one decision per row (batch semantics)
//   POST /stream   rows pushed to a named stream (?id=..., default "default") -> their decisions
//   GET  /metrics  Prometheus text: rows scored, flags raised, request latency, model kind
//   GET  /healthz  {"status":"ok", ...}
// Run: npx tsx examples/service/server.ts --model model.vigil [--port 8080] [--host 127.0.0.1]
//      [--backend native|onnxruntime] [--state streams.json]   (or VIGIL_MODEL, PORT, ...)
// With --state, open streams are saved there (atomically) every --state-every seconds and on
// SIGINT/SIGTERM, and restored at start, so a restart keeps every stream's window. See README.md
// for the request and answer formats.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import '../../models'; // registers the model kinds a bundle may name
import '../../lib/onnx/export/export'; // registers the onnxruntime backend
import type { RowResult } from '../../lib/detect/decide';
import { Detector, type DetectorOptions } from '../../lib/detect/detector';
import { RowError, type RowInput, type RowPolicy, type TimestampInput } from '../../lib/detect/rows';
import type { DetectorStream, StreamState } from '../../lib/detect/stream';
import { Metrics } from './metrics';
import { parseStateOnError, readStates, refused, writeStates, type SavedStates } from './state';

export interface ServiceOptions extends RowPolicy {
  /** Largest request body in bytes (default 1 MiB): larger ones get 413. */
  maxBodyBytes?: number;
  /** Largest number of rows in one request (default 100,000). */
  maxRows?: number;
  /** Most open streams (default 256). */
  maxStreams?: number;
  /** Channels named per decision (default 3). */
  top?: number;
  /** Stream states to resume (as saved by saveStates). */
  states?: SavedStates;
}

export interface Service {
  server: Server;
  metrics: Metrics;
  streams: Map<string, DetectorStream>;
  /** Every open stream's state, by id. */
  saveStates(): Record<string, StreamState>;
}

/** A client error: answered with `status` and {"error": message}. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

/** A request body as rows (+ timestamps): see README.md for the accepted shapes. */
function rowsOf(body: unknown, maxRows: number): { rows: RowInput[]; timestamps?: TimestampInput[] } {
  const isRow = (v: unknown) => Array.isArray(v) || (v !== null && typeof v === 'object');
  let rows: unknown[];
  let timestamps: unknown;
  if (Array.isArray(body)) rows = body.length && isRow(body[0]) ? body : [body];
  else if (body !== null && typeof body === 'object' && 'rows' in body) {
    const b = body as { rows: unknown; timestamps?: unknown };
    if (!Array.isArray(b.rows)) throw new HttpError(400, '"rows" must be an array of rows');
    rows = b.rows;
    timestamps = b.timestamps;
  } else if (body !== null && typeof body === 'object' && 'row' in body) {
    const b = body as { row: unknown; timestamp?: unknown };
    rows = [b.row];
    timestamps = b.timestamp === undefined ? undefined : [b.timestamp];
  } else if (body !== null && typeof body === 'object') rows = [body];
  else throw new HttpError(400, 'the body must be a row, an array of rows, {"rows": [...], "timestamps"?: [...]} or {"row": ..., "timestamp"?: ...}');
  if (rows.length > maxRows) throw new HttpError(413, `${rows.length} rows in one request; at most ${maxRows}`);
  if (timestamps !== undefined && (!Array.isArray(timestamps) || timestamps.length !== rows.length))
    throw new HttpError(400, `"timestamps" must be an array with one timestamp per row (${rows.length})`);
  return { rows: rows as RowInput[], timestamps: timestamps as TimestampInput[] | undefined };
}

/** Bytes of an oversized body read and dropped before the connection is closed instead. */
const DRAIN_LIMIT = 64 << 20;

/**
 * The body as text. Over `max` bytes: rejected with 413 as soon as that is known, the rest read and
 * dropped (so the client reads the answer instead of a reset), up to DRAIN_LIMIT. A client that
 * goes away mid-body rejects with ClientGone (nobody to answer).
 */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooBig = () => new HttpError(413, `request body over ${max} bytes`);
    if (Number(req.headers['content-length']) > max) {
      reject(tooBig());
      drain(req);
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= max) return void chunks.push(c);
      req.off('data', onData);
      reject(tooBig());
      drain(req, size);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('aborted', () => reject(new ClientGone()));
    req.on('error', (e) => reject(req.destroyed && !req.complete ? new ClientGone() : e));
  });
}

/** Reads and drops the rest of a body, closing the connection past DRAIN_LIMIT bytes. */
function drain(req: IncomingMessage, seen = 0): void {
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > DRAIN_LIMIT) req.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

/** The client closed the connection before its request was read: no answer is possible. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before the body was read');
  }
}

/** JSON media types: application/json and any application/*+json, parameters ignored. */
function isJson(contentType: string | undefined): boolean {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return t === 'application/json' || /^application\/[\w.-]+\+json$/.test(t);
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) + '\n' : String(body);
  res.writeHead(status, { 'content-type': type === 'application/json' ? 'application/json; charset=utf-8' : type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The status recorded for a request whose client went away before it could be answered. */
const ABORTED = -1;

export function createService(det: Detector, opts: ServiceOptions = {}): Service {
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const maxRows = opts.maxRows ?? 100_000;
  const maxStreams = opts.maxStreams ?? 256;
  const top = opts.top ?? 3;
  const policy: RowPolicy = { onBadValue: opts.onBadValue, timestampOrder: opts.timestampOrder };
  const metrics = new Metrics();
  metrics.info.set({ kind: det.kind, backend: det.backendName, rule: det.rule, window: String(det.window) }, 1);
  const streams = new Map<string, DetectorStream>();
  for (const [id, state] of Object.entries(opts.states ?? {})) {
    try {
      streams.set(id, det.stream({ restore: state }));
    } catch (e) {
      throw new Error(`stream "${id}": ${(e as Error).message}`);
    }
  }
  metrics.streams.set({}, streams.size);

  const count = (endpoint: string, results: RowResult[]) => {
    let decided = 0, flagged = 0;
    for (const r of results) if (r.ready) {
      decided++;
      if (r.flag) flagged++;
    }
    metrics.rows.add({ endpoint }, results.length);
    metrics.decisions.add({ endpoint }, decided);
    metrics.flags.add({ endpoint }, flagged);
  };

  async function score(body: unknown): Promise<unknown> {
    const { rows, timestamps } = rowsOf(body, maxRows);
    const results = await det.scoreBatch(rows, { ...policy, top, timestamps });
    count('score', results);
    return { results };
  }

  async function stream(body: unknown, id: string): Promise<unknown> {
    if (!/^[\w.:-]{1,64}$/.test(id)) throw new HttpError(400, 'stream id must be 1-64 characters of letters, digits, _ . : -');
    const { rows, timestamps } = rowsOf(body, maxRows);
    let st = streams.get(id);
    if (!st) {
      if (streams.size >= maxStreams) throw new HttpError(429, `${maxStreams} streams are open; no room for "${id}"`);
      streams.set(id, (st = det.stream({ ...policy, top })));
      metrics.streams.set({}, streams.size);
    }
    const results: RowResult[] = [];
    try {
      for (let i = 0; i < rows.length; i++) results.push(await st.push(rows[i], timestamps?.[i]));
    } catch (e) {
      // The rows before the refused one were pushed: say so, with their decisions.
      if (e instanceof RowError) throw new HttpError(400, e.message, { stream: id, accepted: results.length, results });
      throw e;
    } finally {
      count('stream', results);
    }
    return { stream: id, seen: st.seen, results };
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<[string, number]> {
    const path = url.pathname;
    const endpoint = ['/score', '/stream', '/metrics', '/healthz'].includes(path) ? path.slice(1) : 'other';
    const method = path === '/score' || path === '/stream' ? 'POST' : path === '/metrics' || path === '/healthz' ? 'GET' : null;
    if (!method) throw new HttpError(404, `no route ${path} (POST /score, POST /stream, GET /metrics, GET /healthz)`);
    if (req.method !== method) {
      res.setHeader('allow', method);
      throw new HttpError(405, `${path} takes ${method}, not ${req.method}`);
    }
    if (path === '/healthz') {
      send(res, 200, { status: 'ok', kind: det.kind, backend: det.backendName, rule: det.rule, window: det.window, columns: det.columns.length, streams: streams.size });
      return [endpoint, 200];
    }
    if (path === '/metrics') {
      send(res, 200, metrics.text(), 'text/plain; version=0.0.4; charset=utf-8');
      return [endpoint, 200];
    }
    if (!isJson(req.headers['content-type'])) {
      drain(req);
      throw new HttpError(415, `${path} takes a JSON body (content-type: application/json), not ${req.headers['content-type'] ? `"${req.headers['content-type']}"` : 'a body without a content-type'}`);
    }
    const text = await readBody(req, maxBody);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new HttpError(400, `the body is not JSON: ${(e as Error).message}`);
    }
    const answer = path === '/score' ? await score(body) : await stream(body, url.searchParams.get('id') ?? 'default');
    send(res, 200, answer);
    return [endpoint, 200];
  }

  const server = createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    route(req, res, url)
      .catch((e: Error): [string, number] => {
        // A client gone mid-body is neither an answer nor our failure: counted as code "aborted".
        if (e instanceof ClientGone) return [url.pathname.slice(1) || 'other', ABORTED];
        // Bad rows (RowError and the schema's DataError family) are the client's; anything else is ours.
        const status = e instanceof HttpError ? e.status : e instanceof RowError || e.name === 'SchemaError' || e.name === 'DataError' ? 400 : 500;
        if (!res.headersSent) send(res, status, { error: status === 500 ? `internal error: ${e.message}` : e.message, ...(e instanceof HttpError ? e.extra : {}) });
        return [url.pathname.slice(1) || 'other', status];
      })
      .then(([endpoint, status]) => {
        const known = ['score', 'stream', 'metrics', 'healthz'].includes(endpoint) ? endpoint : 'other';
        metrics.requests.add({ endpoint: known, code: status === ABORTED ? 'aborted' : String(status) });
        if (status !== ABORTED && (known === 'score' || known === 'stream')) metrics.latency.observe({ endpoint: known }, Number(process.hrtime.bigint() - t0) / 1e9);
      });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;

  return {
    server,
    metrics,
    streams,
    saveStates: () => Object.fromEntries([...streams].map(([id, s]) => [id, s.state()])),
  };
}

/** --name value flags, falling back to environment variables. */
function flag(argv: string[], name: string, env: string, dflt?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : process.env[env] ?? dflt;
}

const USAGE = 'usage: server.ts --model model.vigil [--port 8080] [--host 127.0.0.1] [--backend native|onnxruntime] [--threads N] [--state file.json [--state-every 30] [--state-on-error refuse|reset]]';

export async function main(argv: string[]): Promise<void> {
  const model = flag(argv, 'model', 'VIGIL_MODEL');
  if (!model) throw new Error(USAGE);
  const port = Number(flag(argv, 'port', 'PORT', '8080'));
  const host = flag(argv, 'host', 'HOST', '127.0.0.1')!;
  const backend = flag(argv, 'backend', 'VIGIL_BACKEND', 'native') as DetectorOptions['backend'];
  const threads = flag(argv, 'threads', 'VIGIL_THREADS');
  const statePath = flag(argv, 'state', 'VIGIL_STATE');
  const stateEvery = Number(flag(argv, 'state-every', 'VIGIL_STATE_EVERY', '30'));
  if (!(stateEvery >= 0)) throw new Error(`--state-every must be a number of seconds >= 0 (0: only at exit), not "${flag(argv, 'state-every', 'VIGIL_STATE_EVERY')}"`);
  const onError = parseStateOnError(flag(argv, 'state-on-error', 'VIGIL_STATE_ON_ERROR'));
  const det = await Detector.load(model, { backend, threads: threads ? Number(threads) : undefined });
  const states: SavedStates | undefined = statePath ? readStates(statePath, onError) : undefined;
  let svc: Service;
  try {
    svc = createService(det, { states });
  } catch (e) {
    // A state file that parses but does not fit this model (another bundle's, edited by hand).
    if (!statePath || !states) throw e;
    refused(statePath, (e as Error).message, onError);
    svc = createService(det);
  }
  svc.server.listen(port, host, () => {
    const a = svc.server.address();
    const where = typeof a === 'object' && a ? `http://${a.address}:${a.port}` : String(a);
    console.log(`vigil service: ${det.kind} (${det.backendName}, ${det.rule} rule, window ${det.window}) listening on ${where}`);
  });
  // Periodic saves bound what a crash (kill -9, power loss) loses to the last interval.
  const save = () => statePath && writeStates(statePath, svc.saveStates());
  const timer = statePath && stateEvery > 0 ? setInterval(save, stateEvery * 1000) : undefined;
  timer?.unref();
  const stop = () => {
    if (timer) clearInterval(timer);
    save();
    svc.server.close(() => void det.dispose().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`vigil service: ${e.message}`);
    process.exit(1);
  });
}
