// ConvLSTM2d's ONNX graph (eval mode, zero initial state), unrolled over a fixed sequence
// length: per step Gather x_t, the cell's gates (CELL_ONNX), the shared c and h updates, then for
// the memory cells ('self-attention-memory', 'seed-self-attention-memory') their memory module on
// h and M_{t-1}; the h_t are stacked along axis 1.
// The cells' math is in native/include/vigil/ops.h (the conv_lstm section).
import type { ConvLstmCell } from '../ops/conv_lstm';
import type { Attrs, GraphBuilder } from '../onnx/graph/builder';
import type { Tensor } from '../tensor';

/** What a cell's ONNX emitter shares with the step loop. */
interface CellEmit {
  g: GraphBuilder;
  prefix: string;
  F: number;
  /** Conv attributes of a K x K 'same' conv at stride 1 */
  conv: Attrs;
  /** the recurrent activation (HardSigmoid or Sigmoid) */
  sigma: (v: string, name: string) => string;
}

/** One step's gates i, f, g (already tanh) and o from x_t and h_{t-1} (null: the zero state). */
type StepGates = (xt: string, h: string | null, s: string) => { i: string; f: string; g: string; o: string };

/** A memory module after the step's h: from h and M_{t-1} (null: zeros) the new h and M_t. */
type StepMemory = (h: string, m: string | null, s: string) => { h: string; m: string };

/** Rows [from, to) of a param (along dim 0) as an initializer of the given shape. */
function rowsOf(g: GraphBuilder, name: string, t: Tensor, from: number, to: number, shape: number[]): string {
  const per = t.size / t.shape[0];
  return g.tensor(name, t, { shape, map: (v) => Array.prototype.slice.call(v, from * per, to * per) as number[] });
}

/**
 * The memory update both memory cells end with, from the gates' pre-activations: i' = Sigmoid,
 * g' = Tanh, o' = Sigmoid (always the logistic sigmoid); M_t = (1 - i') M_{t-1} + i' g',
 * H^_t = o' M_t.
 */
function memoryUpdate(g: GraphBuilder, gi: string, gg: string, go: string, mPrev: string, s: string): { h: string; m: string } {
  const mi = g.op('Sigmoid', [gi], {}, `${s}/mi`), mo = g.op('Sigmoid', [go], {}, `${s}/mo`);
  const keep = g.op('Mul', [g.op('Sub', [g.floatConst(1), mi], {}, `${s}/1-mi`), mPrev], {}, `${s}/keepM`);
  const mt = g.op('Add', [keep, g.op('Mul', [mi, g.op('Tanh', [gg], {}, `${s}/mg`)], {}, `${s}/writeM`)], {}, `${s}/M`);
  return { h: g.op('Mul', [mo, mt], {}, `${s}/Hhat`), m: mt };
}

/** M_{t-1}, or zeros shaped like h at the first step. */
function previousMemory(g: GraphBuilder, h: string, m: string | null, s: string): string {
  return m ?? g.op('ConstantOfShape', [g.op('Shape', [h], {}, `${s}/ShapeM0`)], {}, `${s}/M0`);
}

/** 'plain': one Conv of x_t (with the bias) plus one of h, Split into the four gates. */
function plainGates({ g, prefix, F, conv, sigma }: CellEmit, [wx, wh, bias]: (Tensor | null)[]): StepGates {
  const wxName = g.tensor(`${prefix}.w_x`, wx!), whName = g.tensor(`${prefix}.w_h`, wh!);
  const biasName = bias ? g.tensor(`${prefix}.bias`, bias) : null;
  const split = g.int64Const([F, F, F, F]);
  return (xt, h, s) => {
    let z = g.op('Conv', biasName ? [xt, wxName, biasName] : [xt, wxName], conv, `${s}/ConvX`);
    if (h) z = g.op('Add', [z, g.op('Conv', [h, whName], conv, `${s}/ConvH`)], {}, `${s}/Add`);
    const [zi, zf, zg, zo] = g.node('Split', [z, split], { axis: 1 }, 4, `${s}/Split`);
    return { i: sigma(zi, `${s}/i`), f: sigma(zf, `${s}/f`), g: g.op('Tanh', [zg], {}, `${s}/g`), o: sigma(zo, `${s}/o`) };
  };
}

/**
 * 'input-attention': the i and g branches as one separable conv of [v, v] (a depthwise Conv with
 * group 2C, then the 1x1 Conv with group 2, so each branch reads its own C channels); the
 * attention i = exp(z - ReduceMax_{H,W} z) from the separable conv z of s = tanh(i branch); f and
 * o as 1x1 Convs of ReduceMean_{H,W}(x_t) and of ReduceMean_{H,W}(h) ([B, 2F, 1, 1], broadcast
 * over the map, as the seed's context_gating).
 */
function inputAttentionGates({ g, prefix, F, conv, sigma }: CellEmit, params: (Tensor | null)[]): StepGates {
  const [dwX, pwX, dwH, pwH, bias, gwX, gwH, gateBias] = params;
  const cin = pwX!.shape[1];
  const dwx = g.tensor(`${prefix}.dw_x`, dwX!), pwx = g.tensor(`${prefix}.pw_x`, pwX!);
  const dwhIG = rowsOf(g, `${prefix}.dw_h.ig`, dwH!, 0, 2 * F, [2 * F, 1, ...dwH!.shape.slice(2)]);
  const dwhA = rowsOf(g, `${prefix}.dw_h.a`, dwH!, 2 * F, 3 * F, [F, 1, ...dwH!.shape.slice(2)]);
  const pwhIG = rowsOf(g, `${prefix}.pw_h.ig`, pwH!, 0, 2 * F, [2 * F, F, 1, 1]);
  const pwhA = rowsOf(g, `${prefix}.pw_h.a`, pwH!, 2 * F, 3 * F, [F, F, 1, 1]);
  const biasName = bias ? g.tensor(`${prefix}.bias`, bias) : null;
  const gwx = g.tensor(`${prefix}.gw_x`, gwX!, { shape: [2 * F, cin, 1, 1] });
  const gwh = g.tensor(`${prefix}.gw_h`, gwH!, { shape: [2 * F, F, 1, 1] });
  const gateBiasName = gateBias ? g.tensor(`${prefix}.gate_bias`, gateBias) : null;
  const split = g.int64Const([F, F]);
  const pointwise = { kernel_shape: [1, 1] };
  /** sep(v; dw, pw) over C input channels in `groups` branches (+ the pointwise Conv's bias) */
  const sep = (v: string, C: number, dw: string, pw: string, groups: number, b: string | null, name: string) => {
    const d = g.op('Conv', [v, dw], { ...conv, group: C }, `${name}/Depthwise`);
    return g.op('Conv', b ? [d, pw, b] : [d, pw], { ...pointwise, group: groups }, `${name}/Pointwise`);
  };
  const twice = (v: string, name: string) => g.op('Concat', [v, v], { axis: 1 }, name);
  const pooled = (v: string, name: string) => g.op('ReduceMean', [v], { axes: [2, 3], keepdims: 1 }, name);
  return (xt, h, s) => {
    let pre = sep(twice(xt, `${s}/X2`), 2 * cin, dwx, pwx, 2, biasName, `${s}/SepX`);
    let gate = g.op('Conv', gateBiasName ? [pooled(xt, `${s}/MeanX`), gwx, gateBiasName] : [pooled(xt, `${s}/MeanX`), gwx], pointwise, `${s}/GateX`);
    if (h) {
      pre = g.op('Add', [pre, sep(twice(h, `${s}/H2`), 2 * F, dwhIG, pwhIG, 2, null, `${s}/SepH`)], {}, `${s}/Add`);
      gate = g.op('Add', [gate, g.op('Conv', [pooled(h, `${s}/MeanH`), gwh], pointwise, `${s}/GateH`)], {}, `${s}/AddGate`);
    }
    const [preI, preG] = g.node('Split', [pre, split], { axis: 1 }, 2, `${s}/Split`);
    const z = sep(g.op('Tanh', [preI], {}, `${s}/s`), F, dwhA, pwhA, 1, null, `${s}/SepA`);
    const zMax = g.op('ReduceMax', [z], { axes: [2, 3], keepdims: 1 }, `${s}/MaxZ`);
    const i = g.op('Exp', [g.op('Sub', [z, zMax], {}, `${s}/SubMax`)], {}, `${s}/attention`);
    const [f, o] = g.node('Split', [sigma(gate, `${s}/fo`), split], { axis: 1 }, 2, `${s}/SplitFO`);
    return { i, f, g: g.op('Tanh', [preG], {}, `${s}/g`), o };
  };
}

/**
 * The self-attention memory module of 'self-attention-memory' (ops.h), after the plain step's h:
 * [Q;K;V] and [K_m;V_m] as 1x1 Convs of h and M_{t-1}, Reshaped to [B, ch, N]; A_h =
 * Softmax_{-1}(MatMul(Transpose(Q), K)), Z_h = MatMul(V, Transpose(A_h)) (A_m, Z_m likewise from
 * K_m, V_m), Reshaped back to h's shape; Z = 1x1 Conv of Concat[Z_h, Z_m]; the memory gates a 1x1
 * Conv of Concat[Z, h] Split into i', g', o' (Sigmoid, Tanh, Sigmoid: always the logistic
 * sigmoid); M_t = (1 - i') M_{t-1} + i' g', H^_t = o' M_t. M_0 is zeros shaped like h.
 */
function selfAttentionMemory({ g, prefix, F }: CellEmit, params: (Tensor | null)[]): StepMemory {
  const [wQkv, bQkv, wKvM, bKvM, wZ, bZ, wMem, bMem] = params;
  const A = (wQkv!.shape[0] - F) / 2;
  const init = (name: string, t: Tensor | null) => (t ? g.tensor(`${prefix}.${name}`, t) : null);
  const [wqkv, bqkv, wkvm, bkvm, wz, bz, wmem, bmem] = [
    init('w_qkv', wQkv), init('b_qkv', bQkv), init('w_kv_m', wKvM), init('b_kv_m', bKvM),
    init('w_z', wZ), init('b_z', bZ), init('w_mem', wMem), init('b_mem', bMem)];
  const conv1 = (v: string, w: string | null, b: string | null, name: string) =>
    g.op('Conv', b ? [v, w!, b] : [v, w!], { kernel_shape: [1, 1] }, name);
  const flat = (v: string, ch: number, name: string) => g.op('Reshape', [v, g.int64Const([0, ch, -1])], {}, name);
  const swap = { perm: [0, 2, 1] };
  const splitQkv = g.int64Const([A, A, F]), splitKv = g.int64Const([A, F]), split3 = g.int64Const([F, F, F]);
  /** V softmax_row(Q^T K)^T, [B, F, N], from qT [B, N, A], k [B, A, N], v [B, F, N] */
  const attend = (qT: string, k: string, v: string, s: string) => {
    const a = g.op('Softmax', [g.op('MatMul', [qT, k], {}, `${s}/QK`)], { axis: -1 }, `${s}/A`);
    return g.op('MatMul', [v, g.op('Transpose', [a], swap, `${s}/AT`)], {}, `${s}/Z`);
  };
  return (h, m, s) => {
    const shape = g.op('Shape', [h], {}, `${s}/ShapeH`);
    const mPrev = previousMemory(g, h, m, s);
    const [q, k, v] = g.node('Split', [conv1(h, wqkv, bqkv, `${s}/QKV`), splitQkv], { axis: 1 }, 3, `${s}/SplitQKV`);
    const [km, vm] = g.node('Split', [conv1(mPrev, wkvm, bkvm, `${s}/KVm`), splitKv], { axis: 1 }, 2, `${s}/SplitKVm`);
    const qT = g.op('Transpose', [flat(q, A, `${s}/Qflat`)], swap, `${s}/QT`);
    const zh = g.op('Reshape', [attend(qT, flat(k, A, `${s}/Kflat`), flat(v, F, `${s}/Vflat`), `${s}/h`), shape], {}, `${s}/Zh`);
    const zm = g.op('Reshape', [attend(qT, flat(km, A, `${s}/Kmflat`), flat(vm, F, `${s}/Vmflat`), `${s}/m`), shape], {}, `${s}/Zm`);
    const z = conv1(g.op('Concat', [zh, zm], { axis: 1 }, `${s}/ZhZm`), wz, bz, `${s}/Zconv`);
    const [gi, gg, go] = g.node('Split', [conv1(g.op('Concat', [z, h], { axis: 1 }, `${s}/Zh_h`), wmem, bmem, `${s}/MemGates`), split3], { axis: 1 }, 3, `${s}/SplitMem`);
    return memoryUpdate(g, gi, gg, go, mPrev, s);
  };
}

/**
 * The memory module of 'seed-self-attention-memory' (Macas' SaConvLSTM2DCell; ops.h), after the
 * plain step's h, on H == W maps: the five one-channel projections one 1x1 Conv of h (no bias)
 * Split into v_h, k_h, q_h, k_m, v_m [B, 1, H, W]; MatMul on the last two axes is the seed's HxW
 * matrix product: A_h = Softmax_{-1}(MatMul(q_h, k_h)), z_h = MatMul(A_h, v_h) (A_m, z_m
 * likewise from k_m, v_m); Z = the KxK Conv of Concat[z_h, z_m] (2 -> F, no bias); gate k
 * (i', g', o') = depthwise Conv (group F) of Z by w_mem block 2k + that of h by block 2k+1, plus
 * b_mem's rows k; then the memory update. M_0 is zeros shaped like h.
 */
function seedSelfAttentionMemory({ g, prefix, F, conv }: CellEmit, [wSa, wZ, wMem, bMem]: (Tensor | null)[]): StepMemory {
  const wsa = g.tensor(`${prefix}.w_sa`, wSa!), wz = g.tensor(`${prefix}.w_z`, wZ!);
  const kernel = [F, 1, ...wMem!.shape.slice(2)];
  const blocks = ['zi', 'hi', 'zg', 'hg', 'zo', 'ho'].map((b, k) => rowsOf(g, `${prefix}.w_mem.${b}`, wMem!, k * F, (k + 1) * F, kernel));
  const biases = ['i', 'g', 'o'].map((b, k) => (bMem ? rowsOf(g, `${prefix}.b_mem.${b}`, bMem, k * F, (k + 1) * F, [F]) : null));
  const split5 = g.int64Const([1, 1, 1, 1, 1]);
  const depthwise = { ...conv, group: F };
  /** MatMul(Softmax_{-1}(MatMul(q, k)), v) on the [H, W] maps; the softmax is node `${s}/A` */
  const attend = (q: string, k: string, v: string, s: string) => {
    const a = g.op('Softmax', [g.op('MatMul', [q, k], {}, `${s}/QK`)], { axis: -1 }, `${s}/A`);
    return g.op('MatMul', [a, v], {}, `${s}/Z`);
  };
  return (h, m, s) => {
    const mPrev = previousMemory(g, h, m, s);
    const [vh, kh, qh, km, vm] = g.node('Split', [g.op('Conv', [h, wsa], { kernel_shape: [1, 1] }, `${s}/SA`), split5], { axis: 1 }, 5, `${s}/SplitSA`);
    const zhm = g.op('Concat', [attend(qh, kh, vh, `${s}/h`), attend(qh, km, vm, `${s}/m`)], { axis: 1 }, `${s}/ZhZm`);
    const z = g.op('Conv', [zhm, wz], conv, `${s}/Zconv`);
    const [gi, gg, go] = [0, 1, 2].map((k) => {
      const name = `${s}/MemGate${k}`;
      const fromZ = g.op('Conv', biases[k] ? [z, blocks[2 * k], biases[k]!] : [z, blocks[2 * k]], depthwise, `${name}/Z`);
      return g.op('Add', [fromZ, g.op('Conv', [h, blocks[2 * k + 1]], depthwise, `${name}/H`)], {}, name);
    });
    return memoryUpdate(g, gi, gg, go, mPrev, s);
  };
}

/** Each cell's step: its gates and, for a cell with a memory, the module run after h. */
const CELL_ONNX: Record<ConvLstmCell, (e: CellEmit, params: (Tensor | null)[]) => { gates: StepGates; memory?: StepMemory }> = {
  plain: (e, params) => ({ gates: plainGates(e, params) }),
  'input-attention': (e, params) => ({ gates: inputAttentionGates(e, params) }),
  'self-attention-memory': (e, params) => ({ gates: plainGates(e, params.slice(0, 3)), memory: selfAttentionMemory(e, params.slice(3)) }),
  'seed-self-attention-memory': (e, params) => ({ gates: plainGates(e, params.slice(0, 3)), memory: seedSelfAttentionMemory(e, params.slice(3)) }),
};

export interface ConvLstmOnnxSpec {
  cell: ConvLstmCell;
  filters: number;
  kernelSize: number;
  /** the sequence length unrolled */
  steps: number;
  recurrentActivation?: 'hard-sigmoid' | 'sigmoid';
  returnSequences?: boolean;
  /** the cell's params in CONV_LSTM_PARAMS order, null where absent */
  params: (Tensor | null)[];
}

/** Emits the unrolled layer on x [B, T, Cin, H, W]; returns y [B, T, F, H, W] or the last h. */
export function emitConvLstm(g: GraphBuilder, x: string, prefix: string, spec: ConvLstmOnnxSpec): string {
  const K = spec.kernelSize, T = spec.steps;
  const lo = Math.floor((K - 1) / 2), hi = K - 1 - lo;  // TF 'same' at stride 1: the odd pad after
  const sigma = (v: string, name: string) => (spec.recurrentActivation === 'sigmoid'
    ? g.op('Sigmoid', [v], {}, name)
    : g.op('HardSigmoid', [v], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, name));
  const { gates, memory } = CELL_ONNX[spec.cell]({ g, prefix, F: spec.filters, conv: { kernel_shape: [K, K], pads: [lo, lo, hi, hi] }, sigma }, spec.params);
  let h: string | null = null, c: string | null = null, m: string | null = null;
  const hs: string[] = [];
  for (let t = 0; t < T; t++) {
    const s = `${prefix}/t${t}`;
    const xt = g.op('Gather', [x, g.int64Const([t], true)], { axis: 1 }, `${s}/Gather`);
    const { i, f, g: gg, o } = gates(xt, h, s);
    const ig = g.op('Mul', [i, gg], {}, `${s}/ig`);
    c = c ? g.op('Add', [g.op('Mul', [f, c], {}, `${s}/fc`), ig], {}, `${s}/c`) : ig;
    h = g.op('Mul', [o, g.op('Tanh', [c], {}, `${s}/tanh_c`)], {}, `${s}/h`);
    if (memory) ({ h, m } = memory(h, m, s));
    hs.push(h);
  }
  if (spec.returnSequences === false) return h!;
  const axes = g.int64Const([1]);
  return g.op('Concat', hs.map((v, t) => g.op('Unsqueeze', [v, axes], {}, `${prefix}/t${t}/Unsqueeze`)), { axis: 1 }, `${prefix}/Concat`);
}
