// LSTM layer on the CPU. Batch rows never interact, so the recurrence runs per batch chunk, each
// chunk on one thread for all its steps: no synchronisation per step. The input projection
// x_t W_ih^T of a block of steps is one GEMM per batch row ahead of those steps (M = steps, an
// efficient shape; the block's result stays in cache), then each step adds h_{t-1} W_hh^T with
// W_hh packed once per call (gemm_packed: no packing per step; one batch row runs the
// vector-matrix kernel over the packed panels). Backward: per step one GEMM with the packed
// [W_ih | W_hh] gives [dx_t | dh_{t-1}]; the weight gradients are one GEMM over all steps after.
// Every GEMM's rows are independent of how many share the call (gemm.h), so a batch row's
// results do not depend on the batch size or the thread count.
#include "cpu/lstm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/batch_chunks.h"
#include "cpu/gemm.h"
#include "cpu/vec_act.h"

namespace vigil::cpu {
namespace {

constexpr int64_t kMinRowsPerChunk = 8;  // smaller chunks make the per-step GEMMs inefficient

// Uninitialised scratch (std::vector would zero it: a wasted pass over megabytes).
template <typename T>
std::unique_ptr<T[]> scratch(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(n > 0 ? n : 1)]);
}

// One batch row at one step. z [4H] holds the preactivations (without bias) and receives the
// activated gates (i, f, g, o) in place; then
//   c = f * cp + i * g,   h = o * tanh(c).
// cp may alias c (inference keeps one cell buffer). tmp: [H] scratch.
template <typename T>
void cell_forward(int64_t H, T* z, const T* bias, const T* cp, T* c, T* h, T* tmp) {
  if (bias)
    for (int64_t j = 0; j < 4 * H; ++j) z[j] += bias[j];
  sigmoid_n(z, z, 2 * H);
  tanh_n(z + 2 * H, z + 2 * H, H);
  sigmoid_n(z + 3 * H, z + 3 * H, H);
  const T *i = z, *f = z + H, *g = z + 2 * H, *o = z + 3 * H;
  for (int64_t j = 0; j < H; ++j) c[j] = f[j] * cp[j] + i[j] * g[j];
  tanh_n(c, tmp, H);
  for (int64_t j = 0; j < H; ++j) h[j] = o[j] * tmp[j];
}

#ifdef VIGIL_VEC_ACT_AVX2
// f32: eight units at a time with everything in registers (the generic form passes over the
// gates five times; in batch scoring it was 18% of the time against 52% for the GEMMs). A tail
// of fewer than eight units runs the same vector arithmetic on zero-padded copies, so a unit's
// result does not depend on where it sits.
template <>
void cell_forward<float>(int64_t H, float* z, const float* bias, const float* cp, float* c,
                         float* h, float*) {
  using namespace act_detail;
  auto units = [](float* zi, float* zf, float* zg, float* zo, const float* b, int64_t H,
                  const float* cpj, float* cj, float* hj) {
    __m256 vi = _mm256_loadu_ps(zi), vf = _mm256_loadu_ps(zf), vg = _mm256_loadu_ps(zg),
           vo = _mm256_loadu_ps(zo);
    if (b) {
      vi = _mm256_add_ps(vi, _mm256_loadu_ps(b));
      vf = _mm256_add_ps(vf, _mm256_loadu_ps(b + H));
      vg = _mm256_add_ps(vg, _mm256_loadu_ps(b + 2 * H));
      vo = _mm256_add_ps(vo, _mm256_loadu_ps(b + 3 * H));
    }
    vi = sigmoid8(vi);
    vf = sigmoid8(vf);
    vg = tanh8(vg);
    vo = sigmoid8(vo);
    const __m256 vc = _mm256_fmadd_ps(vf, _mm256_loadu_ps(cpj), _mm256_mul_ps(vi, vg));
    _mm256_storeu_ps(zi, vi);
    _mm256_storeu_ps(zf, vf);
    _mm256_storeu_ps(zg, vg);
    _mm256_storeu_ps(zo, vo);
    _mm256_storeu_ps(cj, vc);
    _mm256_storeu_ps(hj, _mm256_mul_ps(vo, tanh8(vc)));
  };
  int64_t j = 0;
  for (; j + 8 <= H; j += 8)
    units(z + j, z + H + j, z + 2 * H + j, z + 3 * H + j, bias ? bias + j : nullptr, H, cp + j,
          c + j, h + j);
  if (j == H) return;
  // [4 gates | bias of 4 gates | cp | c | h], 8 lanes each, zero-padded
  alignas(32) float pad[11 * 8] = {};
  const int64_t n = H - j;
  for (int g = 0; g < 4; ++g)
    for (int64_t k = 0; k < n; ++k) {
      pad[g * 8 + k] = z[g * H + j + k];
      if (bias) pad[32 + g * 8 + k] = bias[g * H + j + k];
    }
  for (int64_t k = 0; k < n; ++k) pad[64 + k] = cp[j + k];
  units(pad, pad + 8, pad + 16, pad + 24, bias ? pad + 32 : nullptr, 8, pad + 64, pad + 72,
        pad + 80);
  for (int g = 0; g < 4; ++g)
    for (int64_t k = 0; k < n; ++k) z[g * H + j + k] = pad[g * 8 + k];
  for (int64_t k = 0; k < n; ++k) {
    c[j + k] = pad[72 + k];
    h[j + k] = pad[80 + k];
  }
}
#endif

// The same row backwards. dh = dL/dh_t (all paths), dc = dL/dc_t from step t+1 on entry and
// dL/dc_{t-1} on exit. With tc = tanh(c), a = activated gates:
//   dc_t = dc + dh * o * (1 - tc^2)
//   dz_i = dc_t g i (1-i)   dz_f = dc_t cp f (1-f)   dz_g = dc_t i (1-g^2)   dz_o = dh tc o (1-o)
//   dc_{t-1} = dc_t f
// The buffers never overlap; saying so (restrict) lets the compiler vectorise the loop.
template <typename T>
void cell_backward(int64_t H, const T* __restrict a, const T* c, const T* __restrict cp,
                   const T* __restrict dh, T* __restrict dc, T* __restrict dz,
                   T* __restrict tmp) {
  tanh_n(c, tmp, H);
  const T *__restrict i = a, *__restrict f = a + H, *__restrict g = a + 2 * H,
          *__restrict o = a + 3 * H;
  for (int64_t j = 0; j < H; ++j) {
    T tc = tmp[j];
    T dct = dc[j] + dh[j] * o[j] * (T(1) - tc * tc);
    dz[j] = dct * g[j] * i[j] * (T(1) - i[j]);
    dz[H + j] = dct * cp[j] * f[j] * (T(1) - f[j]);
    dz[2 * H + j] = dct * i[j] * (T(1) - g[j] * g[j]);
    dz[3 * H + j] = dh[j] * tc * o[j] * (T(1) - o[j]);
    dc[j] = dct * f[j];
  }
}

// Storage kept per thread across calls (a call of one batch row, the streaming case, would
// otherwise spend ~10% of its time on fresh pages): the packed weights (repacked every call, as
// they change between training steps) and the forward's pre-activation block. A thread runs one
// call's (or one chunk's) work at a time, so nothing is shared.
template <typename T>
LstmPacked<T>& kept_packed() {
  thread_local LstmPacked<T> kept;
  return kept;
}
template <typename T>
T* kept_buffer(int64_t n) {
  thread_local std::vector<T> kept;
  if (static_cast<int64_t>(kept.size()) < n) kept.resize(n);
  return kept.data();
}

// [W_ih | W_hh] as one [4H, I+H] matrix, so that a backward step is one product giving
// [dx_t | dh_{t-1}].
template <typename T>
std::unique_ptr<T[]> concat_weights(const LstmDims& d, const T* w_ih, const T* w_hh) {
  const int64_t K = d.I + d.H;
  auto w = scratch<T>(4 * d.H * K);
  for (int64_t r = 0; r < 4 * d.H; ++r) {
    std::memcpy(w.get() + r * K, w_ih + r * d.I, sizeof(T) * d.I);
    std::memcpy(w.get() + r * K + d.I, w_hh + r * d.H, sizeof(T) * d.H);
  }
  return w;
}

// Steps per input-projection block at inference: the block's pre-activations for the chunk's
// rows (about kProjectionBytes) stay in cache until its steps read them, and the GEMMs keep
// M >= kProjectionMinSteps rows (measured: 24 rows run within 25% of 100 rows' speed per row,
// 6 rows at half of it). All T steps when they fit (one batch row: streaming).
constexpr int64_t kProjectionBytes = 4 << 20, kProjectionMinSteps = 24;
int64_t projection_steps(int64_t T, int64_t rows, int64_t G, size_t elem) {
  const int64_t per_step = std::max<int64_t>(1, rows * G * static_cast<int64_t>(elem));
  const int64_t steps = std::max(kProjectionMinSteps, kProjectionBytes / per_step);
  return std::max<int64_t>(1, std::min(T, steps));
}

// z[t * G] = x_t W_ih^T for `steps` steps of one row, x_t = x + t * x_step (x_step = 0: one
// input for every step, projected once and copied); G = the packed matrix's columns.
template <typename T>
void project_steps(const PackedB<T>& w_ih, int64_t I, const T* x, int64_t x_step, int64_t steps,
                   T* z) {
  const int64_t G = w_ih.N();
  if (x_step) {
    gemm_packed<T>(false, steps, T(1), x, x_step, w_ih, T(0), z, G);
    return;
  }
  gemm_packed<T>(false, 1, T(1), x, I, w_ih, T(0), z, G);
  for (int64_t t = 1; t < steps; ++t) std::memcpy(z + t * G, z, sizeof(T) * G);
}

}  // namespace

template <typename T>
void LstmPacked<T>::pack(int64_t I_, int64_t H_, const T* w_ih, const T* w_hh, const T* b_ih,
                         const T* b_hh) {
  I = I_;
  H = H_;
  const int64_t G = 4 * H;
  this->w_ih.pack(true, I, G, w_ih, I);
  this->w_hh.pack(true, H, G, w_hh, H);
  bias.clear();
  if (b_ih || b_hh) {
    bias.assign(G, T(0));
    for (int64_t j = 0; j < G; ++j) bias[j] = (b_ih ? b_ih[j] : T(0)) + (b_hh ? b_hh[j] : T(0));
  }
}

// Per block of steps: Z = x W_ih^T for the block's steps (one GEMM per row into a block buffer
// [nb, steps, 4H]; with x_step = 0 one row's product copied to every step), then per step
// z_t += h_{t-1} W_hh^T (h_{t-1} read from y, or h0) and the fused cell update, which activates
// the gates in place and writes h_t into y.
template <typename T>
void lstm_infer(const LstmPacked<T>& w, int64_t nb, int64_t Tn, const T* x, int64_t x_row,
                int64_t x_step, const T* h0, const T* c0, T* y, T* h_n, T* c_n, bool projected) {
  const int64_t H = w.H, G = 4 * H;
  const T* bp = w.bias.empty() ? nullptr : w.bias.data();
  const int64_t steps = projection_steps(Tn, nb, G, sizeof(T));
  T* const zbuf = kept_buffer<T>(nb * steps * G);
  std::vector<T> tmp(H), cbuf(nb * H, T(0));
  if (c0) std::memcpy(cbuf.data(), c0, sizeof(T) * nb * H);
  const int64_t z_row = steps * G;  // row r's pre-activations at step t: zbuf + r*z_row + (t-t0)*G
  for (int64_t t0 = 0; t0 < Tn; t0 += steps) {
    const int64_t t1 = std::min(Tn, t0 + steps);
    for (int64_t r = 0; r < nb; ++r) {
      T* z = zbuf + r * z_row;
      if (projected) {
        for (int64_t t = t0; t < t1; ++t)
          std::memcpy(z + (t - t0) * G, x + r * x_row + t * x_step, sizeof(T) * G);
      } else {
        project_steps(w.w_ih, w.I, x + r * x_row + t0 * x_step, x_step, t1 - t0, z);
      }
    }
    for (int64_t t = t0; t < t1; ++t) {
      T* z = zbuf + (t - t0) * G;
      const T* hp = t ? y + (t - 1) * H : h0;
      if (hp) gemm_packed<T>(false, nb, T(1), hp, t ? Tn * H : H, w.w_hh, T(1), z, z_row);
      for (int64_t r = 0; r < nb; ++r) {
        T* c = cbuf.data() + r * H;
        cell_forward(H, z + r * z_row, bp, c, c, y + (r * Tn + t) * H, tmp.data());
      }
    }
  }
  for (int64_t r = 0; r < nb; ++r) {
    const T* h_last = Tn ? y + (r * Tn + Tn - 1) * H : h0 ? h0 + r * H : nullptr;
    if (h_n) {
      if (h_last)
        std::memcpy(h_n + r * H, h_last, sizeof(T) * H);
      else
        std::fill(h_n + r * H, h_n + (r + 1) * H, T(0));
    }
    if (c_n) std::memcpy(c_n + r * H, cbuf.data() + r * H, sizeof(T) * H);
  }
}

template <typename T>
std::vector<LstmPart<T>> lstm_parts(const LstmPacked<T>& w, const T* w_ih, const T* w_hh,
                                    int parts) {
  const int64_t I = w.I, H = w.H, n = parts > 0 ? H / parts : 0;
  std::vector<LstmPart<T>> out;
  if (parts < 1 || n * parts != H || n % 8) return out;
  std::vector<T> wi(4 * n * I), wh(4 * n * H);  // the part's rows of W_ih and W_hh
  for (int p = 0; p < parts; ++p) {
    LstmPart<T> part;
    part.u0 = p * n;
    part.u1 = part.u0 + n;
    for (int64_t g = 0; g < 4; ++g)
      for (int64_t j = 0; j < n; ++j) {
        const int64_t row = g * H + part.u0 + j, at = g * n + j;
        std::memcpy(wi.data() + at * I, w_ih + row * I, sizeof(T) * I);
        std::memcpy(wh.data() + at * H, w_hh + row * H, sizeof(T) * H);
        if (!w.bias.empty()) part.bias.push_back(w.bias[row]);
      }
    part.w_ih.pack(true, I, 4 * n, wi.data(), I);
    part.w_hh.pack(true, H, 4 * n, wh.data(), H);
    out.push_back(std::move(part));
  }
  return out;
}

// lstm_infer's arithmetic on a subset of the gate columns: the projection of all steps at
// once ([nb, T, 4n] per member), then per step the member's columns of h_{t-1} W_hh^T and the
// cell update of its units.
template <typename T>
void lstm_infer_part(const LstmPart<T>& p, int64_t I, int64_t H, int64_t nb, int64_t Tn,
                     const T* x, int64_t x_row, int64_t x_step, T* y,
                     const std::function<void()>& step_done) {
  const int64_t n = p.u1 - p.u0, G = 4 * n, z_row = Tn * G;
  const T* bp = p.bias.empty() ? nullptr : p.bias.data();
  T* const zbuf = kept_buffer<T>(nb * z_row);
  std::vector<T> tmp(n), cbuf(nb * n, T(0));
  for (int64_t r = 0; r < nb; ++r) project_steps(p.w_ih, I, x + r * x_row, x_step, Tn, zbuf + r * z_row);
  for (int64_t t = 0; t < Tn; ++t) {
    T* z = zbuf + t * G;
    if (t) gemm_packed<T>(false, nb, T(1), y + (t - 1) * H, Tn * H, p.w_hh, T(1), z, z_row);
    for (int64_t r = 0; r < nb; ++r) {
      T* c = cbuf.data() + r * n;
      cell_forward(n, z + r * z_row, bp, c, c, y + (r * Tn + t) * H + p.u0, tmp.data());
    }
    step_done();
  }
}

// Training: per chunk of batch rows, Z = x W_ih^T for all steps into the saved gates [T, B, 4H]
// (one GEMM per row), then per step z_t += h_{t-1} W_hh^T and the cell update, which keeps c_t
// in cells. Inference (no gates): lstm_infer per chunk with the weights packed for this call.
template <typename T>
void lstm_forward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih,
                  const T* b_hh, const T* h0, const T* c0, T* y, T* h_n, T* c_n, T* gates,
                  T* cells) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H;
  LstmPacked<T>& w = kept_packed<T>();
  w.pack(I, H, w_ih, w_hh, b_ih, b_hh);
  const int64_t chunks = batch_chunk_count(B, kMinRowsPerChunk);
  if (!gates) {
    for_batch_chunks(B, chunks, [&](int64_t, int64_t b0, int64_t b1) {
      lstm_infer(w, b1 - b0, Tn, x + b0 * Tn * I, Tn * I, I, h0 ? h0 + b0 * H : nullptr,
                 c0 ? c0 + b0 * H : nullptr, y + b0 * Tn * H, h_n + b0 * H, c_n + b0 * H);
    });
    return;
  }
  const T* bp = w.bias.empty() ? nullptr : w.bias.data();
  for_batch_chunks(B, chunks, [&](int64_t, int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    std::vector<T> tmp(H), zeros(H, T(0));
    for (int64_t r = 0; r < nb; ++r)
      gemm_packed<T>(false, Tn, T(1), x + (b0 + r) * Tn * I, I, w.w_ih, T(0),
                     gates + (b0 + r) * G, B * G);
    for (int64_t t = 0; t < Tn; ++t) {
      T* z = gates + (t * B + b0) * G;
      const T* hp = t ? y + (b0 * Tn + t - 1) * H : h0 ? h0 + b0 * H : nullptr;
      if (hp) gemm_packed<T>(false, nb, T(1), hp, t ? Tn * H : H, w.w_hh, T(1), z, G);
      for (int64_t r = 0; r < nb; ++r) {
        const int64_t b = b0 + r;
        T* c = cells + (t * B + b) * H;
        const T* cp = t ? c - B * H : (c0 ? c0 + b * H : zeros.data());
        cell_forward(H, z + r * G, bp, cp, c, y + (b * Tn + t) * H, tmp.data());
      }
    }
    for (int64_t r = 0; r < nb; ++r) {
      const int64_t b = b0 + r;
      const T* h_last = Tn ? y + (b * Tn + Tn - 1) * H : h0 ? h0 + b * H : zeros.data();
      std::memcpy(h_n + b * H, h_last, sizeof(T) * H);
      const T* c_last = Tn ? cells + ((Tn - 1) * B + b) * H : c0 ? c0 + b * H : zeros.data();
      std::memcpy(c_n + b * H, c_last, sizeof(T) * H);
    }
  });
}

// The recurrence runs backwards per chunk: dz_t from the saved gates, then one GEMM
// [dx_t | dh_{t-1}] = dz_t [W_ih | W_hh] (packed once per call; only W_hh when dx is not
// wanted). Meanwhile the rows [x_t | h_{t-1}] are gathered time-major so that, after the loop,
// [dW_ih | dW_hh] += dZ^T [X | H_prev] is one GEMM over all steps; db is the column sum of dZ,
// kept per chunk. (Computing dx after the loop instead, as one GEMM, measured slower: the
// GEMMs over dZ would then pack it four times instead of twice.)
template <typename T>
void lstm_backward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* h0,
                   const T* c0, const T* y, const T* gates, const T* cells, const T* dy,
                   const T* dh_n, const T* dc_n, T* dx, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh,
                   T* dh0, T* dc0) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H, K = I + H;
  if (!(dx || dw_ih || dw_hh || db_ih || db_hh || dh0 || dc0)) return;
  const auto w = concat_weights(d, w_ih, w_hh);
  // op(B) of the step GEMM: [W_ih | W_hh] [4H, I+H], or W_hh alone (columns I.. of it)
  const PackedB<T> wpk(false, G, dx ? K : H, dx ? w.get() : w.get() + I, K);
  auto dZ = scratch<T>(Tn * B * G);  // [T, B, 4H]
  const bool want_dw = dw_ih || dw_hh, want_db = db_ih || db_hh;
  std::unique_ptr<T[]> xh_all;  // [T, B, I+H]: rows [x_t | h_{t-1}] for the weight gradient
  if (want_dw) xh_all = scratch<T>(Tn * B * K);
  const int64_t chunks = batch_chunk_count(B, kMinRowsPerChunk);
  std::vector<T> db_part(want_db ? chunks * G : 0, T(0));  // one column sum of dZ per chunk

  for_batch_chunks(B, chunks, [&](int64_t chunk, int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    // dxh[r] = [dx_t | dh] for row r; dh (= dL/dh_t on entry to step t) lives in its tail
    std::vector<T> dxh(nb * K, T(0)), dc(nb * H, T(0)), tmp(H), zeros(H, T(0));
    for (int64_t r = 0; r < nb; ++r) {
      if (dh_n) std::memcpy(dxh.data() + r * K + I, dh_n + (b0 + r) * H, sizeof(T) * H);
      if (dc_n) std::memcpy(dc.data() + r * H, dc_n + (b0 + r) * H, sizeof(T) * H);
    }
    T* db = want_db ? db_part.data() + chunk * G : nullptr;
    for (int64_t t = Tn - 1; t >= 0; --t) {
      for (int64_t r = 0; r < nb; ++r) {
        const int64_t b = b0 + r, row = t * B + b;
        T* dh = dxh.data() + r * K + I;
        if (dy) {
          const T* dyr = dy + (b * Tn + t) * H;
          for (int64_t j = 0; j < H; ++j) dh[j] += dyr[j];
        }
        const T* hp = t ? y + (b * Tn + t - 1) * H : (h0 ? h0 + b * H : zeros.data());
        const T* cp = t ? cells + (row - B) * H : (c0 ? c0 + b * H : zeros.data());
        T* dz = dZ.get() + row * G;
        cell_backward(H, gates + row * G, cells + row * H, cp, dh, dc.data() + r * H, dz,
                      tmp.data());
        if (db)
          for (int64_t j = 0; j < G; ++j) db[j] += dz[j];
        if (want_dw) {
          std::memcpy(xh_all.get() + row * K, x + (b * Tn + t) * I, sizeof(T) * I);
          std::memcpy(xh_all.get() + row * K + I, hp, sizeof(T) * H);
        }
      }
      const T* dzt = dZ.get() + (t * B + b0) * G;
      if (dx) {  // [dx_t | dh_{t-1}] = dz_t [W_ih | W_hh]
        gemm_packed<T>(false, nb, T(1), dzt, G, wpk, T(0), dxh.data(), K);
        for (int64_t r = 0; r < nb; ++r) {
          T* o = dx + ((b0 + r) * Tn + t) * I;
          const T* s = dxh.data() + r * K;
          for (int64_t j = 0; j < I; ++j) o[j] += s[j];
        }
      } else if (t || dh0) {  // dh_{t-1} = dz_t W_hh
        gemm_packed<T>(false, nb, T(1), dzt, G, wpk, T(0), dxh.data() + I, K);
      }
    }
    for (int64_t r = 0; r < nb; ++r)
      for (int64_t j = 0; j < H; ++j) {
        if (dh0) dh0[(b0 + r) * H + j] += dxh[r * K + I + j];
        if (dc0) dc0[(b0 + r) * H + j] += dc[r * H + j];
      }
  });

  if (want_dw && Tn * B > 0) {  // [dW_ih | dW_hh] = dZ^T [X | H_prev]
    auto dw = scratch<T>(G * K);
    gemm<T>(true, false, G, K, Tn * B, T(1), dZ.get(), G, xh_all.get(), K, T(0), dw.get(), K);
    for (int64_t r = 0; r < G; ++r) {
      const T* s = dw.get() + r * K;
      if (dw_ih)
        for (int64_t j = 0; j < I; ++j) dw_ih[r * I + j] += s[j];
      if (dw_hh)
        for (int64_t j = 0; j < H; ++j) dw_hh[r * H + j] += s[I + j];
    }
  }
  if (want_db)
    for (int64_t c = 0; c < chunks; ++c)
      for (int64_t j = 0; j < G; ++j) {
        const T s = db_part[c * G + j];
        if (db_ih) db_ih[j] += s;
        if (db_hh) db_hh[j] += s;
      }
}

#define VIGIL_LSTM_INSTANTIATE(T)                                                                \
  template struct LstmPacked<T>;                                                                 \
  template std::vector<LstmPart<T>> lstm_parts<T>(const LstmPacked<T>&, const T*, const T*, int); \
  template void lstm_infer_part<T>(const LstmPart<T>&, int64_t, int64_t, int64_t, int64_t,        \
                                   const T*, int64_t, int64_t, T*, const std::function<void()>&); \
  template void lstm_infer<T>(const LstmPacked<T>&, int64_t, int64_t, const T*, int64_t,         \
                              int64_t, const T*, const T*, T*, T*, T*, bool);                    \
  template void lstm_forward<T>(const LstmDims&, const T*, const T*, const T*, const T*,         \
                                const T*, const T*, const T*, T*, T*, T*, T*, T*);               \
  template void lstm_backward<T>(const LstmDims&, const T*, const T*, const T*, const T*,        \
                                 const T*, const T*, const T*, const T*, const T*, const T*,     \
                                 const T*, T*, T*, T*, T*, T*, T*, T*);
VIGIL_LSTM_INSTANTIATE(float)
VIGIL_LSTM_INSTANTIATE(double)

}  // namespace vigil::cpu
