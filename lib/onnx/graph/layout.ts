// Pure re-layouts of weights for ONNX operators (no graph, no tensors: easy to test alone).

/** A row-major [rows, cols] matrix transposed to [cols, rows] (Linear's W -> MatMul's W^T). */
export function transpose2d(data: ArrayLike<number>, rows: number, cols: number): Float32Array {
  if (data.length !== rows * cols) throw new Error(`transpose2d: ${data.length} values are not [${rows}, ${cols}]`);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * ONNX's LSTM gate block j is PyTorch's block ONNX_FROM_PYTORCH[j]: PyTorch stacks the gates
 * (i, f, g, o), ONNX stacks (i, o, f, c) with c = PyTorch's g (the cell candidate).
 */
export const ONNX_FROM_PYTORCH = [0, 3, 1, 2] as const;

/** Gate blocks of [4H, cols] (or [4H] when cols = 1) reordered from PyTorch's order to ONNX's. */
export function onnxGateOrder(data: ArrayLike<number>, hidden: number, cols = 1): Float32Array {
  const block = hidden * cols;
  if (data.length !== 4 * block) throw new Error(`onnxGateOrder: ${data.length} values are not 4 gate blocks of [${hidden}, ${cols}]`);
  const out = new Float32Array(4 * block);
  ONNX_FROM_PYTORCH.forEach((src, dst) => {
    for (let k = 0; k < block; k++) out[dst * block + k] = data[src * block + k];
  });
  return out;
}
