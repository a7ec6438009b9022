// What the matrix-series model suites (staead.ts, sa_dvcrae.ts) share: seeded correlation
// matrices as both sides' input (built once here and handed to the peer, so building matrices is
// timed on neither side), the hand-over of the engine's weights and check figures to the
// PyTorch peer (read back by torch_matrix.load_inputs), and the verdict on the peer's check.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MatrixSeries, type MatrixSeriesSpec } from '../../lib/data/correlation';
import type { Module } from '../../lib/nn';
import { lcgTensor } from './common';

/** The fields of a model config that say how its matrices are built. */
export type MatrixInputConfig = Required<Pick<MatrixSeriesSpec, 'steps' | 'gap' | 'scales' | 'padTo'>> & { inputs: number };

/**
 * n samples [n, T, S, P, P] of Pearson matrices of seeded rows (LCG uniforms plus one shared
 * factor per row with per-sensor loadings, so the correlations are not all near 0), at the
 * config's steps, gap, scales and padding; end rows `seed`-dependent and 3 rows apart.
 */
export function benchMatrices(c: MatrixInputConfig, n: number, seed: number): Float32Array {
  const spec = { steps: c.steps, gap: c.gap, scales: [...c.scales], measure: 'pearson' as const, padTo: c.padTo };
  const context = (c.steps - 1) * c.gap + Math.max(...c.scales);
  const rows = context + 3 * n, C = c.inputs;
  const u = lcgTensor([rows, C + 1], seed);
  const raw = Float32Array.from(u.toArray());
  u.dispose();
  const data = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < C; j++) data[r * C + j] = raw[r * (C + 1) + j] + ((j % 5) - 2) * 0.4 * raw[r * (C + 1) + C];
  const series = new MatrixSeries({ columns: Array.from({ length: C }, (_, j) => `s${j}`), data, rows }, spec, 3);
  return series.batch(Int32Array.from({ length: n }, (_, i) => i));
}

/** A named tensor for the peer: [name, values, shape]. */
export type PeerTensor = [string, Float32Array, number[]];

/**
 * Writes the peer's inputs to a fresh temporary directory `vigil-bench-<suite>-*`: the model's
 * parameters as `p.<name>` and `tensors`, all in data.f32 (little-endian float32), and
 * manifest.json ({ config, tensors: [name, shape, offset][], ...extra }). The caller removes it.
 */
export function writePeerInputs(suite: string, model: Module, config: object, tensors: PeerTensor[], extra: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), `vigil-bench-${suite}-`));
  const all: PeerTensor[] = [
    ...model.namedParameters().map(([k, p]) => [`p.${k}`, Float32Array.from(p.toArray()), [...p.shape]] as PeerTensor),
    ...tensors,
  ];
  let offset = 0;
  const index = all.map(([name, , shape]) => {
    const entry = [name, shape, offset];
    offset += shape.reduce((a, b) => a * b, 1);
    return entry;
  });
  const data = new Float32Array(offset);
  all.forEach(([, v], i) => data.set(v, index[i][2] as number));
  writeFileSync(join(dir, 'data.f32'), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ config, tensors: index, ...extra }));
  return dir;
}

/** An extra figure of the peer's check: its key in the peer's answer and how the line names it. */
export interface ExtraCheck {
  key: string;
  label: string;
}

/**
 * The verdict on the peer's check (every run reports it; the first is read): the timed forward's
 * (float32) and the fixture port's (float64) eval-mode losses against the engine's, relative to
 * max(1, |loss|), the largest relative score differences, and any `extra` figures, all within
 * `tolerance`. Returns the check's line for the notes; throws naming the suite otherwise.
 */
export function checkMatrixPeer(suite: string, sizeKey: string, answers: Record<string, number>[], tolerance: number, extra: ExtraCheck[] = []): string {
  const a = answers[0];
  const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : 'missing');  // a figure the peer did not send fails
  const scale = Math.max(1, Math.abs(a.check_vigil_loss));
  const dLoss = Math.abs(a.check_loss - a.check_vigil_loss) / scale, dRef = Math.abs(a.check_loss_ref - a.check_vigil_loss) / scale;
  const bad = [dLoss, dRef, a.check_score_rel, a.check_score_ref_rel, ...extra.map((e) => a[e.key])].some((d) => !(d <= tolerance));
  const line = `${sizeKey}: engine loss ${a.check_vigil_loss?.toPrecision(7)}, rel diff ${fmt(dLoss)} (timed peer, f32), ` +
    `${fmt(dRef)} (fixture port, f64); scores max rel diff ${fmt(a.check_score_rel)} / ${fmt(a.check_score_ref_rel)}` +
    extra.map((e) => `; ${e.label}: ${fmt(a[e.key])}`).join('');
  if (bad) throw new Error(`${suite}: the peer does not compute the engine's model (tolerance ${tolerance}): ${line}`);
  return line;
}
