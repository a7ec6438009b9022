// Rows of many streams of one detector scored together (det.pushMany): each stream accepts its
// rows as push() would, every full window among them is copied into one batch, the model runs
// once over the batch, and each stream decides its rows from its windows' outputs, in the order
// given. A worker holding many entities (lib/scale) thus makes one inference call per read
// instead of one per row.
//
// Exactness: on the native CPU backend a window's outputs do not depend on the batch around it
// (detector.ts), and each stream's decisions (dynamic threshold, adaptive threshold, episodes)
// are taken in its own row order, so every result equals what the stream's own push() gives, bit
// for bit, and so does every stream's state() afterwards. A stream may appear several times: its
// rows go in in the order given (each window is copied out of its ring when accepted, since the
// stream's next row overwrites it there).
import type { Backend } from './backend';
import type { DecisionRule, WindowOut } from './decide';
import type { DetectorResult } from './detector_result';
import type { RowInput, TimestampInput } from './rows';
import { DetectorStream, type StagedRow } from './stream';

/** One row for one stream. */
export interface StreamPush {
  stream: DetectorStream;
  row: RowInput;
  timestamp?: TimestampInput;
}

/**
 * What pushMany answers per push: the stream's result, or the error its push() would have thrown
 * for that row (a RowError: the row was refused and the stream left as it was).
 */
export type PushOutcome = DetectorResult | Error;

/** The outputs of window p of a batch's outputs (views: no copies). */
function windowOut(out: WindowOut, p: number, F: number): WindowOut {
  const w: WindowOut = {};
  if (out.errors) w.errors = out.errors.subarray(p * F, (p + 1) * F);
  if (out.scores) w.scores = out.scores.subarray(p, p + 1);
  if (out.mu) w.mu = out.mu.subarray(p * F, (p + 1) * F);
  if (out.sigma) w.sigma = out.sigma.subarray(p * F, (p + 1) * F);
  return w;
}

function checkPushes(backend: Backend, pushes: readonly StreamPush[]): void {
  if (!Array.isArray(pushes)) throw new Error('pushMany: pushes must be an array of { stream, row, timestamp? }');
  pushes.forEach((p, i) => {
    if (!p || typeof p !== 'object' || !(p.stream instanceof DetectorStream)) throw new Error(`pushMany: pushes[${i}] must be { stream, row, timestamp? } with a stream made by det.stream()`);
    if (!p.stream.runsOn(backend)) throw new Error(`pushMany: pushes[${i}].stream belongs to another detector (one call scores the streams of one detector)`);
  });
}

/** A batch's accepted rows and their windows, before the model has run. */
interface Staged {
  rows: (StagedRow | Error)[];
  /** Windows in x, in the order their rows were staged. */
  P: number;
  x: Float32Array;
}

function stage(rule: DecisionRule, pushes: readonly StreamPush[]): Staged {
  const size = rule.T * rule.F;
  const x = new Float32Array(pushes.length * size);
  let P = 0;
  const rows = pushes.map(({ stream, row, timestamp }) => {
    try {
      const s = stream.stage(row, timestamp, x.subarray(P * size, (P + 1) * size));
      if (s.x) P++;
      return s;
    } catch (e) {
      return e as Error;
    }
  });
  return { rows, P, x: x.subarray(0, P * size) };
}

function finish(rule: DecisionRule, pushes: readonly StreamPush[], staged: Staged, out: WindowOut): PushOutcome[] {
  let p = 0;
  return staged.rows.map((s, i) => {
    if (s instanceof Error) return s;
    const w = s.x ? windowOut(out, p++, rule.F) : out;
    try {
      return pushes[i].stream.finish(s, w);
    } catch (e) {
      return e as Error; // what push() throws after accepting the row (a non-finite score)
    }
  });
}

/** pushMany on the native backend, synchronously. */
export function pushManySync(backend: Backend, rule: DecisionRule, pushes: readonly StreamPush[]): PushOutcome[] {
  if (!backend.sync) throw new Error("pushManySync needs backend 'native' (onnxruntime runs asynchronously): use await det.pushMany()");
  checkPushes(backend, pushes);
  const staged = stage(rule, pushes);
  const out = rule.outputs(staged.P);
  if (staged.P) backend.runSync(staged.x, staged.P, out);
  return finish(rule, pushes, staged, out);
}

/** pushMany on either backend; it runs after the streams' queued push() calls, and later ones after it. */
export async function pushMany(backend: Backend, rule: DecisionRule, pushes: readonly StreamPush[]): Promise<PushOutcome[]> {
  if (backend.sync) return pushManySync(backend, rule, pushes);
  checkPushes(backend, pushes);
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  const before = [...new Set(pushes.map((p) => p.stream))].map((s) => s.handQueue(done));
  try {
    await Promise.all(before);
    const staged = stage(rule, pushes);
    const out = rule.outputs(staged.P);
    if (staged.P) await backend.run(staged.x, staged.P, out);
    return finish(rule, pushes, staged, out);
  } finally {
    release();
  }
}
