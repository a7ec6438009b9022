// The knn model's ONNX graph: the native search's steps as tensor ops, in float64 as the native
// distances are (Cast after the input; the reference's float32 values are exact in float64):
// ||q||^2 + ||r||^2 - 2 q.r by MatMul, clamped at 0, the k smallest by TopK (ties: lower index
// first, as natively), then the score and the channel errors from the neighbours by Gather.
import type { GraphBuilder } from '../../lib/onnx/graph/builder';
import type { KnnConfig } from './config';
import type { Densities } from './neighbours';

const FLOAT = 1, DOUBLE = 11;

/** What the graph is built from: the config, the reference rows [count, dim] and LOF's densities. */
export interface KnnGraphInput {
  config: KnnConfig;
  windows: Float32Array;
  count: number;
  densities: Densities | null;
}

/** Appends the graph reading x [batch, window, inputs]; outputs channel_errors [batch, inputs] and scores [batch]. */
export function knnOnnx(g: GraphBuilder, x: string, m: KnnGraphInput): string[] {
  const { inputs, window, k, score } = m.config;
  const dim = inputs * window;
  const R = m.count;
  const double = (name: string) => g.op('Cast', [name], { to: DOUBLE }, 'knn/cast');
  const constant = (v: number) => double(g.floatConst(v));
  const axis = (a: number) => g.int64Const([a]);
  const q = double(g.op('Reshape', [x, g.int64Const([-1, dim])], {}, 'knn/flatten'));
  const ref = double(g.floats('knn/reference', m.windows.subarray(0, R * dim), [R, dim]));
  // [batch, 1] + [R] - 2 [batch, R], clamped: squared distances.
  const qNorm = g.op('ReduceSum', [g.op('Mul', [q, q]), axis(1)], { keepdims: 1 }, 'knn/query_norm');
  const rNorm = g.op('ReduceSum', [g.op('Mul', [ref, ref]), axis(1)], { keepdims: 0 }, 'knn/reference_norm');
  const dot = g.op('MatMul', [q, g.op('Transpose', [ref], { perm: [1, 0] })], {}, 'knn/dot');
  const sq = g.op('Sub', [g.op('Add', [qNorm, rNorm]), g.op('Mul', [dot, constant(2)])], {}, 'knn/squared');
  const clamped = g.op('Max', [sq, constant(0)], {}, 'knn/clamp');
  const [nearestSq, index] = g.node('TopK', [clamped, g.int64Const([k])], { axis: 1, largest: 0, sorted: 1 }, 2, 'knn/nearest');
  const distance = g.op('Sqrt', [nearestSq], {}, 'knn/distance');
  const mean = (t: string) => g.op('Div', [g.op('ReduceSum', [t, axis(1)], { keepdims: 0 }), constant(k)], {}, 'knn/mean');
  let scores: string;
  if (score === 'kth') scores = g.op('Gather', [distance, g.int64Const([k - 1], true)], { axis: 1 }, 'knn/kth');
  else if (score === 'mean') scores = mean(distance);
  else {
    const { kDistance, lrd } = m.densities!;
    const at = (name: string, v: Float64Array) => g.op('Gather', [double(g.floats(name, v, [R])), index], { axis: 0 });
    const reach = g.op('Max', [at('knn/k_distance', kDistance), distance], {}, 'knn/reach');
    scores = g.op('Mul', [mean(at('knn/lrd', lrd)), mean(reach)], {}, 'knn/lof');
  }
  // Channel errors: squared differences to the k nearest, summed over rows, averaged over k.
  const neighbours = g.op('Gather', [ref, index], { axis: 0 }, 'knn/neighbour_rows');
  const diff = g.op('Sub', [neighbours, g.op('Unsqueeze', [q, axis(1)])], {}, 'knn/diff');
  const perRow = g.op('Reshape', [g.op('Mul', [diff, diff]), g.int64Const([-1, k, window, inputs])], {}, 'knn/per_row');
  const errors = g.op('Div', [g.op('ReduceSum', [perRow, g.int64Const([1, 2])], { keepdims: 0 }), constant(k)], {}, 'knn/channel_mean');
  g.output('channel_errors', g.op('Cast', [errors], { to: FLOAT }, 'knn/errors_f32'), ['batch', inputs]);
  g.output('scores', g.op('Cast', [scores], { to: FLOAT }, 'knn/scores_f32'), ['batch']);
  return ['channel_errors', 'scores'];
}
