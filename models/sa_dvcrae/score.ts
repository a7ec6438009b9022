// Sa-DVCRAE's score and attribution from the residual R = X - X^ of a sample's matrices
// [B, T, S, P, P] (the same rule as STAEAD's, written over a residual so that both the native
// path and the ONNX graph read it):
//   score        per matrix, the Frobenius norm ||R_t||_F (padding included); a sample's score is
//                its last matrix's ('last') or the mean over its T matrices ('mean')
//   attribution  per sensor c, the row norm sqrt(sum_{s,j} R_t[s, c, j]^2) over the real columns
//                j (padding left out), of the same matrices (mean over them for 'mean')
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import { mean, slice, sqrt, square, sum } from '../../lib/ops';
import type { Tensor } from '../../lib/tensor';

export type MatrixScore = 'last' | 'mean';

/** The matrices a score reads: the last one [B, 1, S, P, P] or all [B, T, S, P, P]. */
export function scoredSteps(r: Tensor, score: MatrixScore): Tensor {
  const T = r.shape[1];
  return score === 'last' ? slice(r, 1, T - 1, T) : r;
}

/** Per sample: the (mean) Frobenius norm of the scored matrices' residual. [B] */
export function residualScores(r: Tensor, score: MatrixScore): Tensor {
  return mean(sqrt(sum(square(scoredSteps(r, score)), [2, 3, 4])), 1);
}

/** The real cells (the bottom-right inputs x inputs block, no padding) of the scored matrices: [B, T', S, C, C]. */
export function realCells(r: Tensor, score: MatrixScore, inputs: number): Tensor {
  const P = r.shape[4];
  return slice(slice(scoredSteps(r, score), 3, P - inputs, P), 4, P - inputs, P);
}

/** Per sample and sensor: the residual's (mean) row norm over the real columns. [B, inputs] */
export function residualRowNorms(r: Tensor, score: MatrixScore, inputs: number): Tensor {
  return mean(sqrt(sum(square(realCells(r, score, inputs)), [2, 4])), 1);
}

/** The same in an ONNX graph from residual `r` [batch, T, S, P, P]: [scores [batch], channel errors [batch, inputs]]. */
export function residualScoresOnnx(g: GraphBuilder, r: string, steps: number, P: number, inputs: number, score: MatrixScore): [string, string] {
  const picked = score === 'last' ? g.op('Slice', [r, g.int64Const([steps - 1]), g.int64Const([steps]), g.int64Const([1])], {}, 'residual/last') : r;
  const sq = g.op('Mul', [picked, picked], {}, 'residual/Square');
  const norms = g.op('Sqrt', [g.op('ReduceSum', [sq, g.int64Const([2, 3, 4])], { keepdims: 0 }, 'score/ReduceSum')], {}, 'score/Sqrt');
  const scores = g.op('ReduceMean', [norms], { axes: [1], keepdims: 0 }, 'score/ReduceMean');
  const o = P - inputs;
  const real = g.op('Slice', [sq, g.int64Const([o, o]), g.int64Const([P, P]), g.int64Const([3, 4])], {}, 'attribution/Slice');
  const rows = g.op('Sqrt', [g.op('ReduceSum', [real, g.int64Const([2, 4])], { keepdims: 0 }, 'attribution/ReduceSum')], {}, 'attribution/Sqrt');
  return [scores, g.op('ReduceMean', [rows], { axes: [1], keepdims: 0 }, 'attribution/ReduceMean')];
}
