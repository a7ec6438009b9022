/* Every op of the core: one forward and one backward per op, the math above each.
 *
 * Adding an op <op> (one name through every layer: <op> in C and file names, <opCamel> in TS):
 *  1. native/include/vigil/ops.def: its row (name, JS name, ONE or PAIR, CUDA kernel or not).
 *     vigil_supports and the addon's exports follow from it.
 *  2. Here: the prototype(s) vigil_<op>[_forward|_backward] with the math above them.
 *  3. native/api/<op>.cpp: validate every argument, then VIGIL_DISPATCH by device.
 *  4. native/cpu/ref/<op>.h: the readable reference, plain loops templated on the dtype.
 *  5. native/cpu/<op>.cpp: the fast CPU kernel (AVX2+FMA at run time, the thread pool).
 *  6. native/cuda/<op>.cu: the CUDA kernel, same contract (or cuda 0 in ops.def).
 *  7. native/addon/ops_*.cpp: the wrapper op::<op>[_forward|_backward] (it must exist to link).
 *  8. lib/binding.ts: type the export(s); lib/ops/<op>.ts: the autograd Function and wrapper.
 *  9. Tests: test/native/test_<op>.cpp (fast vs ref, f64 gradcheck shown to fail on a wrong
 *     backward, errors), a case in test/native/test_cuda_parity.cpp naming <op>, and
 *     test/ops/<op>.test.ts against PyTorch.
 * 10. Fixtures: tools/fixtures/<op>.py writing test/fixtures/<op>_*.safetensors (a stream in
 *     gen_fixtures.py), then `npm run fixtures`.
 * New sources go in native/sources.txt (CPU) and native/sources_cuda.txt (CUDA).
 * test/native_ops_table.test.ts and the harness's ops_table and cuda_parity_covers_every_op
 * fail until 1, 2, 7, 8 and the parity case agree.
 *
 * Conventions (all ops):
 * - Tensors are contiguous row-major descriptors (tensor.h); outputs are allocated by the caller
 *   with the shapes stated here, and every op checks them and fails with VIGIL_ERR_SHAPE and a
 *   message naming the op and the shapes it got.
 * - All tensors of one call share one dtype (f32 or f64) and one device.
 * - Backward ops ACCUMULATE into the gradients they are given (dx += ...). A NULL gradient
 *   pointer means "not wanted" and is skipped.
 * - Optional inputs are NULL when absent.
 * - Random ops take (seed, offset): the Philox4x32-10 stream of vigil_random_fill below.
 */
#ifndef VIGIL_OPS_H
#define VIGIL_OPS_H

#include "vigil/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef const vigil_tensor* vt; /* shorthand for descriptors in these prototypes */

/* ---------------------------------------------------------------- fill, copy, cast */

/* y[i] = value */
vigil_status vigil_fill(vt y, double value);
/* y = x (same shape, dtype and device) */
vigil_status vigil_copy(vt x, vt y);
/* y = (dtype of y) x, same shape; f32 <-> f64 */
vigil_status vigil_cast(vt x, vt y);

/* ---------------------------------------------------------------- random (Philox4x32-10)
 * Key = (seed low 32, seed high 32). Block j uses counter (lo32(offset+j), hi32(offset+j), 0, 0)
 * and yields four uint32 lanes u0..u3.
 *   VIGIL_RNG_UNIFORM: element i = a + (b-a) * ((lane (i%4) of block i/4) >> 8) * 2^-24, in [a, b)
 *   VIGIL_RNG_NORMAL : element i from block i (one block per element), lanes u0, u1:
 *                      r = ((u0 >> 8) + 1) * 2^-24 in (0,1], s = (u1 >> 8) * 2^-24 in [0,1),
 *                      y = a + b * sqrt(-2 ln r) * cos(2 pi s)
 * vigil_random_blocks(dist, n) = blocks consumed, so the caller advances its offset by it.     */
typedef enum vigil_rng_dist { VIGIL_RNG_UNIFORM = 0, VIGIL_RNG_NORMAL = 1 } vigil_rng_dist;
vigil_status vigil_random_fill(vt y, vigil_rng_dist dist, double a, double b, uint64_t seed,
                               uint64_t offset);
uint64_t vigil_random_blocks(vigil_rng_dist dist, int64_t n);

/* ---------------------------------------------------------------- matmul / linear
 * matmul: y[..., M, N] = op(a)[..., M, K] @ op(b)[..., K, N], op = transpose of the last two
 * dims when trans_* is set. a and b have the same batch dims, or b is 2-D and shared by every
 * batch (then db sums over the batch).                                                        */
vigil_status vigil_matmul_forward(vt a, vt b, vt y, int trans_a, int trans_b);
vigil_status vigil_matmul_backward(vt a, vt b, vt dy, vt da, vt db, int trans_a, int trans_b);

/* linear: y[..., out] = x[..., in] @ w[out, in]^T + bias[out]                              */
vigil_status vigil_linear_forward(vt x, vt w, vt bias, vt y);
vigil_status vigil_linear_backward(vt x, vt w, vt dy, vt dx, vt dw, vt dbias);

/* ---------------------------------------------------------------- elementwise
 * Binary ops broadcast numpy-style: shapes are right-aligned and a dim of 1 stretches.
 * y has the broadcast shape; da/db have a's and b's shapes (sums over stretched dims).
 *   ADD a+b, SUB a-b, MUL a*b, DIV a/b, POW a^b (da = b a^(b-1), db = a^b ln a)           */
typedef enum vigil_binary_op {
  VIGIL_ADD = 0, VIGIL_SUB = 1, VIGIL_MUL = 2, VIGIL_DIV = 3, VIGIL_POW = 4
} vigil_binary_op;
vigil_status vigil_binary_forward(vigil_binary_op op, vt a, vt b, vt y);
vigil_status vigil_binary_backward(vigil_binary_op op, vt a, vt b, vt dy, vt da, vt db);

/* Unary ops, y same shape as x; p0, p1 are the op's parameters:
 *   NEG -x | EXP e^x | LOG ln x | SQRT | TANH | SIGMOID 1/(1+e^-x) | RELU max(x,0)
 *   LEAKY_RELU x>0 ? x : p0*x | ELU x>0 ? x : p0*(e^x-1) | SELU 1.0507009873554805 *
 *   (x>0 ? x : 1.6732632423543772*(e^x-1)) | SOFTPLUS ln(1+e^x) (stable)
 *   AFFINE p0*x + p1 | POWS x^p0 (scalar exponent) | ABS |x| (grad 0 at 0) | SQUARE x^2
 *   HARD_SIGMOID clip(p0*x + p1, 0, 1) (ONNX HardSigmoid; Keras: p0 0.2, p1 0.5; grad p0 where
 *   0 < p0*x + p1 < 1, else 0)
 * Backward gets both x and y (the op uses whichever is cheaper).                           */
typedef enum vigil_unary_op {
  VIGIL_NEG = 0, VIGIL_EXP, VIGIL_LOG, VIGIL_SQRT, VIGIL_TANH, VIGIL_SIGMOID, VIGIL_RELU,
  VIGIL_LEAKY_RELU, VIGIL_ELU, VIGIL_SELU, VIGIL_SOFTPLUS, VIGIL_AFFINE, VIGIL_POWS, VIGIL_ABS,
  VIGIL_SQUARE, VIGIL_HARD_SIGMOID
} vigil_unary_op;
vigil_status vigil_unary_forward(vigil_unary_op op, vt x, vt y, double p0, double p1);
vigil_status vigil_unary_backward(vigil_unary_op op, vt x, vt y, vt dy, vt dx, double p0,
                                  double p1);

/* ---------------------------------------------------------------- reductions
 * y keeps x's rank with the reduced axes set to 1 (axes_mask bit k = reduce axis k).
 * MAX backward sends dy to the first maximal element of each reduced group.               */
typedef enum vigil_reduce_op { VIGIL_SUM = 0, VIGIL_MEAN = 1, VIGIL_MAX = 2 } vigil_reduce_op;
vigil_status vigil_reduce_forward(vigil_reduce_op op, vt x, uint32_t axes_mask, vt y);
vigil_status vigil_reduce_backward(vigil_reduce_op op, vt x, vt y, vt dy, uint32_t axes_mask,
                                   vt dx);

/* softmax over `axis`: y = e^(x - max) / sum; log_softmax when log != 0.
 * Backward from y: softmax dx += y*(dy - sum(dy*y)); log dx += dy - e^y * sum(dy).          */
vigil_status vigil_softmax_forward(vt x, int axis, int log, vt y);
vigil_status vigil_softmax_backward(vt y, vt dy, int axis, int log, vt dx);

/* ---------------------------------------------------------------- shape
 * permute: y.shape[k] = x.shape[perm[k]]; backward permutes dy by the inverse and adds.     */
vigil_status vigil_permute_forward(vt x, const int32_t* perm, vt y);
vigil_status vigil_permute_backward(vt dy, const int32_t* perm, vt dx);

/* axis_copy: along `axis`, dst[.., dst_start + j, ..] (+)= src[.., src_start + j, ..] for
 * j < len; every other dim equal. accumulate != 0 adds instead of overwriting.
 * concat forward/backward and slice forward/backward are all this one op.                   */
vigil_status vigil_axis_copy(vt src, int64_t src_start, vt dst, int64_t dst_start, int axis,
                             int64_t len, int accumulate);

/* repeat (tile): y.shape[k] = x.shape[k] * repeats[k]; backward sums the tiles into dx.   */
vigil_status vigil_repeat_forward(vt x, const int64_t* repeats, vt y);
vigil_status vigil_repeat_backward(vt dy, const int64_t* repeats, vt dx);

/* ---------------------------------------------------------------- lstm
 * One LSTM layer over a whole sequence, PyTorch gate order (i, f, g, o):
 *   z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh           z_t: [B, 4H]
 *   i = sig(z_i)  f = sig(z_f)  g = tanh(z_g)  o = sig(z_o)
 *   c_t = f*c_{t-1} + i*g     h_t = o*tanh(c_t)
 * x [B,T,I], w_ih [4H,I], w_hh [4H,H], b_ih/b_hh [4H] or NULL, h0/c0 [B,H] or NULL (zeros).
 * Outputs y [B,T,H] (all h_t), h_n/c_n [B,H] (last state).
 * gates [T,B,4H] (activated i,f,g,o) and cells [T,B,H] (c_t) are saved for backward; pass
 * NULL for both at inference.
 * Backward is full BPTT from the saved activations; dy may be NULL (only dh_n/dc_n flow) and
 * dh_n/dc_n may be NULL. dh0/dc0 receive the gradient of the initial state.                */
vigil_status vigil_lstm_forward(vt x, vt w_ih, vt w_hh, vt b_ih, vt b_hh, vt h0, vt c0, vt y,
                                vt h_n, vt c_n, vt gates, vt cells);
vigil_status vigil_lstm_backward(vt x, vt w_ih, vt w_hh, vt h0, vt c0, vt y, vt gates, vt cells,
                                 vt dy, vt dh_n, vt dc_n, vt dx, vt dw_ih, vt dw_hh, vt db_ih,
                                 vt db_hh, vt dh0, vt dc0);

/* ---------------------------------------------------------------- causal_conv1d
 * Dilated causal 1-D convolution, stride 1, left padding (K-1)*d:
 *   y[b,o,t] = bias[o] + sum_{c,k} w[o,c,k] * x[b, c, t - (K-1-k)*d]   (x = 0 before t = 0)
 * x [B,Cin,T], w [Cout,Cin,K], bias [Cout] or NULL, y [B,Cout,T]; dilation >= 1.           */
vigil_status vigil_causal_conv1d_forward(vt x, vt w, vt bias, int64_t dilation, vt y);
vigil_status vigil_causal_conv1d_backward(vt x, vt w, vt dy, int64_t dilation, vt dx, vt dw,
                                          vt dbias);

/* ---------------------------------------------------------------- conv2d, conv_transpose2d
 * 2-D cross-correlation over NCHW maps in G groups: Cin = G*Cg, Cout = G*Cog (G = Cin is
 * depthwise). The geometry: stride (sh, sw) >= 1, dilation (dh, dw) >= 1, zero padding
 * top, bottom, left, right >= 0 (unequal pads give TF/Keras 'same' at stride 2), G >= 1.
 *
 * conv2d: x [B,Cin,H,W], w [Cout,Cg,KH,KW], bias [Cout] or NULL, y [B,Cout,Ho,Wo] with
 *   Ho = (H + top + bottom - dh*(KH-1) - 1) / sh + 1 (floor; must be >= 1), Wo likewise, and
 *   y[b,o,i,j] = bias[o] + sum_{c<Cg, ki<KH, kj<KW} w[o,c,ki,kj] *
 *                x[b, g*Cg + c, i*sh - top + ki*dh, j*sw - left + kj*dw]   (g = o / Cog;
 *                x is 0 outside [0,H) x [0,W))
 * conv_transpose2d is the adjoint of that map in x (the gradient of conv2d with respect to its
 * input), the weight read in the same layout: x [B,Cin,H,W], w [Cin,Cog,KH,KW], bias [Cout] or
 * NULL, y [B,Cout,Ho,Wo] with Cout = G*Cog,
 *   Ho = (H-1)*sh - top - bottom + dh*(KH-1) + 1 + oph,  0 <= oph < sh (the output padding,
 *   read from y's shape: extra rows at the bottom, as PyTorch's output_padding), Wo likewise;
 *   y[b, g*Cog + o, i*sh - top + ki*dh, j*sw - left + kj*dw] += w[c,o,ki,kj] * x[b,c,i,j]
 *   for c in group g (c / Cg = g, Cg = Cin/G), positions outside y dropped, plus bias[o].
 * Backward of both: dx, dw, dbias accumulate; x is read only for dw.                        */
typedef struct vigil_conv2d_geometry {
  int64_t stride_h, stride_w, dilation_h, dilation_w;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t groups;
} vigil_conv2d_geometry;
vigil_status vigil_conv2d_forward(vt x, vt w, vt bias, const vigil_conv2d_geometry* geo, vt y);
vigil_status vigil_conv2d_backward(vt x, vt w, vt dy, const vigil_conv2d_geometry* geo, vt dx,
                                   vt dw, vt dbias);
vigil_status vigil_conv_transpose2d_forward(vt x, vt w, vt bias, const vigil_conv2d_geometry* geo,
                                            vt y);
vigil_status vigil_conv_transpose2d_backward(vt x, vt w, vt dy, const vigil_conv2d_geometry* geo,
                                             vt dx, vt dw, vt dbias);

/* ---------------------------------------------------------------- conv_lstm
 * One ConvLSTM layer over a whole sequence, one call forward and one backward (full BPTT).
 * x [B,T,Cin,H,W]; the states h, c are [B,F,H,W]; y [B,T,F,H,W] holds every h_t. Every
 * convolution is stride 1 with TF/Keras 'same' pads (cpu/conv2d.h same_pads: the odd pad after)
 * and the kernel size K of the cell's weights (KH x KW). act = tanh; sigma is the recurrent
 * activation: hard sigmoid clip(0.2 z + 0.5, 0, 1) (Keras) or the logistic sigmoid. * is conv.
 * x_mask, optional, [G,B,Cin,H,W] with G = 1 or 4: dropout masks on x, already scaled (0 or
 * 1/(1-p)), fixed over time (Keras); m_k below is x_mask[G == 4 ? k : 0].
 *
 * cell PLAIN (Keras ConvLSTM2D), params: w_x [4F,Cin,KH,KW], w_h [4F,F,KH,KW], bias [4F] or NULL,
 * gates k = i, f, g, o in that order (rows k*F .. k*F+F-1):
 *   z_k = w_x[k] * (x_t . m_k) + w_h[k] * h_{t-1} + bias[k]
 *   i, f, o = sigma(z),  g = tanh(z),  c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)
 * cell INPUT_ATTENTION (STAEAD's AttenInputConvLSTM2D), params:
 *   dw_x [2Cin,1,KH,KW] (depthwise: channels 0..Cin-1 for the i branch, Cin.. for the g branch),
 *   pw_x [2F,Cin,1,1], dw_h [3F,1,KH,KW] (i, g, attention), pw_h [3F,F,1,1], bias [2F] (i, g)
 *   or NULL, gw_x [2F,Cin] (f, o), gw_h [2F,F], gate_bias [2F] or NULL; sep(v; dw, pw) is the
 *   depthwise conv then the 1x1 conv pw, no bias:
 *   s   = tanh(sep(x_t . m_0; dw_x_i, pw_x_i) + bias_i + sep(h_{t-1}; dw_h_i, pw_h_i))
 *   z   = sep(s; dw_h_a, pw_h_a);   i = softmax_{H,W}(z) / max_{H,W} softmax_{H,W}(z)
 *         (per sample and channel; equal to exp(z - max_{H,W} z))
 *   f,o = sigma(gw_x . mean_{H,W}(x_t) + gw_h . mean_{H,W}(h_{t-1}) + gate_bias)   [B,F] each,
 *         constant over the map (x_t unmasked, as the seed)
 *   g   = tanh(sep(x_t . m_2; dw_x_g, pw_x_g) + bias_g + sep(h_{t-1}; dw_h_g, pw_h_g))
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)
 * cell SELF_ATTENTION_MEMORY (SA-ConvLSTM, Lin et al. AAAI-20, as in the widely copied PyTorch
 *   SAC code: every SAM projection a 1x1 conv with bias; reference/seed-models.md section 5.1).
 *   N = H*W positions, A query/key channels. Params: w_x, w_h, bias as PLAIN, then
 *   w_qkv [2A+F,F,1,1] (rows q, k, v), b_qkv [2A+F] or NULL, w_kv_m [A+F,F,1,1] (rows k, v of
 *   the memory), b_kv_m [A+F] or NULL, w_z [2F,2F,1,1], b_z [2F] or NULL, w_mem [3F,3F,1,1] (rows
 *   i', g', o'; input channels Z then h), b_mem [3F] or NULL. The state is (H^, c, M): the
 *   PLAIN step runs on H^_{t-1} and c_{t-1}, its h goes through the memory module:
 *   h, c_t = PLAIN step (above) on x_t, H^_{t-1}, c_{t-1}
 *   [Q;K;V] = w_qkv h + b_qkv,  [K_m;V_m] = w_kv_m M_{t-1} + b_kv_m      (each [., N])
 *   A_h = softmax_row(Q^T K),  A_m = softmax_row(Q^T K_m)               [N,N], rows sum to 1
 *   Z_h = V A_h^T,  Z_m = V_m A_m^T  (Z_h[:, i] = sum_j A_h[i,j] V[:, j]; no 1/sqrt(A) scale)
 *   Z   = w_z [Z_h; Z_m] + b_z;   [g_i; g_g; g_o] = w_mem [Z; h] + b_mem
 *   i' = sigmoid(g_i), g' = tanh(g_g), o' = sigmoid(g_o)   (always the logistic sigmoid)
 *   M_t = (1 - i') M_{t-1} + i' g',   H^_t = o' M_t = y[:, t]
 *   The memory rides with c: for this cell c0, c_n and dc0 are [B,2F,H,W], channels [0,F) c
 *   and [F,2F) M, so a stateful carry of c_n into c0 keeps M (the signatures are unchanged).
 *   Macas' departures from the paper are the next cell.
 * cell SEED_SELF_ATTENTION_MEMORY (Macas' SaConvLSTM2DCell, Sa-DVCRAE, seed 000; reference/
 *   seed-models.md section 0.3), needs H == W (the HxW maps are multiplied as matrices). Params:
 *   w_x, w_h, bias as PLAIN, then w_sa [5,F,1,1] (five 1x1 projections F -> 1, rows v_h, k_h,
 *   q_h, k_m, v_m: the seed's order), w_z [F,2,KH,KW] (no bias; input channels z_h, z_m),
 *   w_mem [6F,1,KH,KW] (six depthwise kernels, blocks of F in the seed's order zi, hi, zg, hg,
 *   zo, ho), b_mem [3F] (i', g', o') or NULL. dw_k(v) is the depthwise conv of v by block k.
 *   The state is (H^, c, M) as SELF_ATTENTION_MEMORY's, c0/c_n/dc0 [B,2F,H,W]:
 *   h, c_t = PLAIN step on x_t, H^_{t-1}, c_{t-1}
 *   [v_h; k_h; q_h; k_m; v_m] = w_sa h, each an HxW matrix (all five from h, none from M)
 *   A_h = softmax_row(q_h k_h),  A_m = softmax_row(q_h k_m)     (HxW matrix products, [H,W])
 *   z_h = A_h v_h,  z_m = A_m v_m,  Z = w_z * [z_h; z_m]           ([F,H,W])
 *   i' = sigmoid(dw_zi(Z) + dw_hi(h) + b_i'), g' = tanh(dw_zg(Z) + dw_hg(h) + b_g'),
 *   o' = sigmoid(dw_zo(Z) + dw_ho(h) + b_o')
 *   M_t = (1 - i') M_{t-1} + i' g',   H^_t = o' M_t = y[:, t]
 *   Not reproduced: the seed's swapped h/c states (its cell reads states[0] as h while its state
 *   list puts c first, so from step 2 its recurrent convs see c_{t-1} and its forget gate scales
 *   H^_{t-1}; a bug). Here h_{t-1} = H^_{t-1} and c_{t-1} = c_{t-1}.
 *
 * h0 [B,F,H,W], c0 [B,F,H,W] ([B,2F,H,W] for both memory cells) or NULL (zeros). c_n, shaped
 * like c0, or NULL receives c_T (and M_T) (h_T is y[:, T-1]).
 * saved, NULL at inference, else 1-D of vigil_conv_lstm_saved_size elements: what backward
 * reads (the cell's activations for every step; the per-step count is documented there).
 * Backward from saved: dy [B,T,F,H,W]; dx, dparams[k] (same order and shapes as params), dh0 and
 * dc0 accumulate and each may be NULL. No gradient flows from c_n (a stateful carry is cut).  */
typedef enum vigil_conv_lstm_cell {
  VIGIL_CONV_LSTM_PLAIN = 0, VIGIL_CONV_LSTM_INPUT_ATTENTION = 1,
  VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY = 2, VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY = 3
} vigil_conv_lstm_cell;
typedef struct vigil_conv_lstm_options {
  int32_t cell;          /* vigil_conv_lstm_cell */
  int32_t hard_sigmoid;  /* 1: sigma is the hard sigmoid, 0: the logistic sigmoid */
} vigil_conv_lstm_options;
/* The saved length for these sizes: steps * B * H * W * (5F for PLAIN, 4F for INPUT_ATTENTION,
 * 13F for SELF_ATTENTION_MEMORY, 10F + 4 for SEED_SELF_ATTENTION_MEMORY) plus steps * B * 2F
 * for INPUT_ATTENTION's f and o and steps * B * 2 (H*W)^2 for SELF_ATTENTION_MEMORY's A_h and
 * A_m (independent of A: Q, K, V, K_m, V_m are recomputed by the backward). -1 for an unknown
 * cell. */
int64_t vigil_conv_lstm_saved_size(const vigil_conv_lstm_options* opt, int64_t B, int64_t T,
                                   int64_t F, int64_t H, int64_t W);
vigil_status vigil_conv_lstm_forward(const vigil_conv_lstm_options* opt, vt x, const vt* params,
                                     int32_t n_params, vt x_mask, vt h0, vt c0, vt y, vt c_n,
                                     vt saved);
vigil_status vigil_conv_lstm_backward(const vigil_conv_lstm_options* opt, vt x, const vt* params,
                                      int32_t n_params, vt x_mask, vt h0, vt c0, vt y, vt saved,
                                      vt dy, vt dx, const vt* dparams, vt dh0, vt dc0);

/* ---------------------------------------------------------------- batch_norm
 * Normalises over every axis but `axis` (the channel axis, size C):
 *   y = (x - mean_c) * invstd_c * gamma_c + beta_c,  invstd = 1/sqrt(var + eps)
 * training: mean/var from the batch (biased var); running_* <- (1-m)*running + m*batch with the
 * unbiased var (PyTorch's rule). eval: mean/var are the running stats.
 * save_mean/save_invstd [C] receive the statistics used (either mode) for backward.
 * gamma/beta may be NULL (affine off); running_* may be NULL (no tracking; training only).  */
vigil_status vigil_batch_norm_forward(vt x, int axis, vt gamma, vt beta, vt running_mean,
                                      vt running_var, int training, double momentum,
                                      double eps, vt y, vt save_mean, vt save_invstd);
vigil_status vigil_batch_norm_backward(vt x, int axis, vt gamma, vt save_mean, vt save_invstd,
                                       vt dy, int training, vt dx, vt dgamma, vt dbeta);

/* ---------------------------------------------------------------- dropout
 * Inverted dropout: mask[i] = (uniform_i >= p) ? 1/(1-p) : 0 with uniform_i the i-th draw of
 * vigil_random_fill(UNIFORM, 0, 1, seed, offset); y = x * mask.  0 <= p < 1.
 * Backward: dx += dy * mask.                                                               */
vigil_status vigil_dropout_forward(vt x, double p, uint64_t seed, uint64_t offset, vt y,
                                   vt mask);
vigil_status vigil_dropout_backward(vt dy, vt mask, vt dx);

/* ---------------------------------------------------------------- reparam_sample
 * z = mu + exp(0.5*logvar) * eps, eps the draws of vigil_random_fill(NORMAL, 0, 1, seed,
 * offset); eps is returned for backward:
 *   dmu += dz,  dlogvar += dz * eps * 0.5 * exp(0.5*logvar)                                 */
vigil_status vigil_reparam_sample_forward(vt mu, vt logvar, uint64_t seed, uint64_t offset, vt z,
                                          vt eps);
vigil_status vigil_reparam_sample_backward(vt logvar, vt eps, vt dz, vt dmu, vt dlogvar);

/* ---------------------------------------------------------------- losses
 * Each returns y of one element (any shape with numel 1). reduction MEAN divides the sum of
 * the per-element terms by their count; SUM does not. dy is that one-element gradient.
 *   mse:           (pred - target)^2
 *   gaussian_nll:  0.5 * (logvar + (x - mu)^2 * exp(-logvar) + ln(2 pi))   x, mu, logvar same shape
 *   kl_normal:     -0.5 * (1 + logvar - mu^2 - exp(logvar))               KL(N(mu, e^logvar) || N(0,1))
 *   bce_with_logits: max(l,0) - l*t + ln(1 + e^-|l|)                       logits l, targets t   */
typedef enum vigil_reduction { VIGIL_REDUCE_MEAN = 0, VIGIL_REDUCE_SUM = 1 } vigil_reduction;
vigil_status vigil_mse_forward(vt pred, vt target, vigil_reduction r, vt y);
vigil_status vigil_mse_backward(vt pred, vt target, vt dy, vigil_reduction r, vt dpred,
                                vt dtarget);
vigil_status vigil_gaussian_nll_forward(vt x, vt mu, vt logvar, vigil_reduction r, vt y);
vigil_status vigil_gaussian_nll_backward(vt x, vt mu, vt logvar, vt dy, vigil_reduction r, vt dx,
                                         vt dmu, vt dlogvar);
vigil_status vigil_kl_normal_forward(vt mu, vt logvar, vigil_reduction r, vt y);
vigil_status vigil_kl_normal_backward(vt mu, vt logvar, vt dy, vigil_reduction r, vt dmu,
                                      vt dlogvar);
vigil_status vigil_bce_with_logits_forward(vt logits, vt target, vigil_reduction r, vt y);
vigil_status vigil_bce_with_logits_backward(vt logits, vt target, vt dy, vigil_reduction r,
                                            vt dlogits, vt dtarget);

/* ---------------------------------------------------------------- optimisers (in place)
 * adam_step, t = step (1-based), g' = grad + wd*param unless decoupled:
 *   m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2
 *   AMSGrad when vmax is given (torch.optim.Adam(amsgrad=True)): vmax = max(vmax, v), and
 *   vmax stands for v below (the running maximum of the raw v, corrected like v);
 *   vmax NULL: plain Adam
 *   mhat = m/(1-b1^t); vhat = v/(1-b2^t)
 *   decoupled (AdamW): param -= lr*wd*param first
 *   param -= lr * mhat / (sqrt(vhat) + eps)
 * sgd_step: g' = grad + wd*param; buf = momentum*buf + g' (buf = g' on step 1, i.e. when
 *   first_step != 0); nesterov: g' += momentum*buf else g' = buf (momentum > 0);
 *   param -= lr*g'.  momentum_buf may be NULL when momentum == 0.                          */
vigil_status vigil_adam_step(vt param, vt grad, vt m, vt v, vt vmax, double lr, double beta1,
                             double beta2, double eps, double weight_decay, int64_t step,
                             int decoupled);
vigil_status vigil_sgd_step(vt param, vt grad, vt momentum_buf, double lr, double momentum,
                            double weight_decay, int nesterov, int first_step);
/* *out = sum(x^2) in double; x *= alpha (in place). Together: global-norm clipping.          */
vigil_status vigil_sum_squares(vt x, double* out);
vigil_status vigil_scale_inplace(vt x, double alpha);
/* average += (1 - decay) (param - average), in place: one step of a weight average (EMA).  */
vigil_status vigil_ema_update(vt average, vt param, double decay);

/* ---------------------------------------------------------------- dispatch
 * 1 when this build has a kernel for the op family on that device, else 0. op is a family
 * name of this file without the vigil_ prefix ("matmul", "lstm", "adam_step"; a _forward or
 * _backward suffix is ignored). Whether a CUDA device is present is vigil_cuda_device_count's
 * question, not this one's.                                                                  */
int vigil_supports(const char* op, vigil_device device);

#ifdef __cplusplus
}
#endif
#endif
