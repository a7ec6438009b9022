// LSTM layer on the CPU. Batch rows never interact, so the recurrence runs per batch chunk, each
// chunk on one thread for all its steps: no synchronisation per step. Each step is one GEMM of
// [x_t | h_{t-1}] with [W_ih | W_hh] (K = I+H), which measured faster than a separate input
// projection over all steps up front (that one has K = I, tiny, and its [T,B,4H] result must be
// read back from memory at every step). Backward mirrors it, and the weight gradients are one
// GEMM over all steps afterwards.
#include "cpu/lstm.h"

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

// [W_ih | W_hh] as one [4H, I+H] matrix, so each step is one product with [x_t | h_{t-1}].
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

}  // namespace

// Per chunk of batch rows and per step: xh = [x_t | h_{t-1}] ([nb, I+H]), z = xh W^T with
// W = [W_ih | W_hh] (one GEMM, written straight into the step's slice of gates), then the
// fused cell update, which also writes h_t back into xh for the next step.
template <typename T>
void lstm_forward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih,
                  const T* b_hh, const T* h0, const T* c0, T* y, T* h_n, T* c_n, T* gates,
                  T* cells) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H, K = I + H;
  const auto w = concat_weights(d, w_ih, w_hh);
  std::vector<T> bias;
  if (b_ih || b_hh) {
    bias.assign(G, T(0));
    for (int64_t j = 0; j < G; ++j) bias[j] = (b_ih ? b_ih[j] : T(0)) + (b_hh ? b_hh[j] : T(0));
  }
  const T* bp = bias.empty() ? nullptr : bias.data();

  for_batch_chunks(B, batch_chunk_count(B, kMinRowsPerChunk), [&](int64_t, int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    std::vector<T> xh(nb * K, T(0)), tmp(H), zeros(H, T(0));
    std::vector<T> zbuf(gates ? 0 : nb * G), cbuf(cells ? 0 : nb * H, T(0));  // inference
    for (int64_t r = 0; r < nb; ++r) {
      if (h0) std::memcpy(xh.data() + r * K + I, h0 + (b0 + r) * H, sizeof(T) * H);
      if (c0 && !cells) std::memcpy(cbuf.data() + r * H, c0 + (b0 + r) * H, sizeof(T) * H);
    }
    for (int64_t t = 0; t < Tn; ++t) {
      for (int64_t r = 0; r < nb; ++r)
        std::memcpy(xh.data() + r * K, x + ((b0 + r) * Tn + t) * I, sizeof(T) * I);
      T* z = gates ? gates + (t * B + b0) * G : zbuf.data();
      gemm<T>(false, true, nb, G, K, T(1), xh.data(), K, w.get(), K, T(0), z, G);
      for (int64_t r = 0; r < nb; ++r) {
        const int64_t b = b0 + r;
        const T* cp;
        T* c;
        if (cells) {
          c = cells + (t * B + b) * H;
          cp = t ? c - B * H : (c0 ? c0 + b * H : zeros.data());
        } else {
          c = cbuf.data() + r * H;
          cp = c;
        }
        T* h = y + (b * Tn + t) * H;
        cell_forward(H, z + r * G, bp, cp, c, h, tmp.data());
        std::memcpy(xh.data() + r * K + I, h, sizeof(T) * H);
      }
    }
    for (int64_t r = 0; r < nb; ++r) {
      const int64_t b = b0 + r;
      std::memcpy(h_n + b * H, xh.data() + r * K + I, sizeof(T) * H);
      const T* c_last = !cells ? cbuf.data() + r * H
                        : Tn   ? cells + ((Tn - 1) * B + b) * H
                        : c0   ? c0 + b * H
                               : zeros.data();
      std::memcpy(c_n + b * H, c_last, sizeof(T) * H);
    }
  });
}

// The recurrence runs backwards per chunk: dz_t from the saved gates, then one GEMM
// [dx_t | dh_{t-1}] = dz_t [W_ih | W_hh]. Meanwhile the rows [x_t | h_{t-1}] are gathered
// time-major so that, after the loop, [dW_ih | dW_hh] += dZ^T [X | H_prev] is one GEMM over all
// steps; db is the column sum of dZ, kept per chunk.
template <typename T>
void lstm_backward(const LstmDims& d, const T* x, const T* w_ih, const T* w_hh, const T* h0,
                   const T* c0, const T* y, const T* gates, const T* cells, const T* dy,
                   const T* dh_n, const T* dc_n, T* dx, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh,
                   T* dh0, T* dc0) {
  const int64_t B = d.B, Tn = d.T, I = d.I, H = d.H, G = 4 * H, K = I + H;
  if (!(dx || dw_ih || dw_hh || db_ih || db_hh || dh0 || dc0)) return;
  const auto w = concat_weights(d, w_ih, w_hh);
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
        gemm<T>(false, false, nb, K, G, T(1), dzt, G, w.get(), K, T(0), dxh.data(), K);
        for (int64_t r = 0; r < nb; ++r) {
          T* o = dx + ((b0 + r) * Tn + t) * I;
          const T* s = dxh.data() + r * K;
          for (int64_t j = 0; j < I; ++j) o[j] += s[j];
        }
      } else if (t || dh0) {  // dh_{t-1} = dz_t W_hh
        gemm<T>(false, false, nb, H, G, T(1), dzt, G, w.get() + I, K, T(0), dxh.data() + I, K);
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
  template void lstm_forward<T>(const LstmDims&, const T*, const T*, const T*, const T*,         \
                                const T*, const T*, const T*, T*, T*, T*, T*, T*);               \
  template void lstm_backward<T>(const LstmDims&, const T*, const T*, const T*, const T*,        \
                                 const T*, const T*, const T*, const T*, const T*, const T*,     \
                                 const T*, T*, T*, T*, T*, T*, T*, T*);
VIGIL_LSTM_INSTANTIATE(float)
VIGIL_LSTM_INSTANTIATE(double)

}  // namespace vigil::cpu
