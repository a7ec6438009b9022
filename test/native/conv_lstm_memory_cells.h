// What the harness cases of the two memory cells share (SELF_ATTENTION_MEMORY in
// test_conv_lstm.cpp, SEED_SELF_ATTENTION_MEMORY in test_conv_lstm_seed.cpp): a layer's buffers
// built from the cell's param shapes, its forward, the f64 gradient check of every input (or that
// a perturbed gradient fails it), and the check that attention rows are distributions.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "harness.h"
#include "loss_grad.h"

namespace conv_lstm_memory_test {

using harness::Buf;

struct MemoryShape {
  int64_t B, T, Cin, H, W, F, A, K;  // A: SELF_ATTENTION_MEMORY's query/key channels, else 0
  int64_t mask_groups;               // 0, 1 or 4
  bool init, hard, bias;
};

inline std::string memory_label(const MemoryShape& s) {
  return "B" + std::to_string(s.B) + " T" + std::to_string(s.T) + " Cin" + std::to_string(s.Cin) +
         " " + std::to_string(s.H) + "x" + std::to_string(s.W) + " F" + std::to_string(s.F) +
         (s.A ? " A" + std::to_string(s.A) : "") + " K" + std::to_string(s.K) + " mask" +
         std::to_string(s.mask_groups) + (s.init ? " h0c0" : "") +
         (s.hard ? " hard" : " sigmoid") + (s.bias ? " bias" : "");
}

// A memory cell: its ops.h value, param names and shapes in op order, which params are biases
// (left out when a shape has no bias), and the uniform range of each param's test values.
struct MemoryCellKind {
  int cell;
  std::vector<const char*> names;
  std::function<std::vector<std::vector<int64_t>>(const MemoryShape&)> shapes;
  std::vector<bool> is_bias;
  std::function<std::vector<double>(const MemoryShape&)> scales;
};

// One layer's inputs (c0, c_n [B,2F,H,W]: c then M) and outputs, drawn from `seed`.
template <typename T>
struct MemoryLayer {
  const MemoryCellKind kind;  // a copy: callers may pass a temporary
  MemoryShape s;
  vigil_conv_lstm_options opt;
  std::vector<Buf<T>> p;
  Buf<T> x, mask, h0, c0, y, c_n, saved;
  MemoryLayer(const MemoryCellKind& k, const MemoryShape& s_, uint64_t seed)
      : kind(k), s(s_), opt{k.cell, s_.hard ? 1 : 0}, x({s.B, s.T, s.Cin, s.H, s.W}),
        mask({std::max<int64_t>(s.mask_groups, 1), s.B, s.Cin, s.H, s.W}),
        h0({s.B, s.F, s.H, s.W}), c0({s.B, 2 * s.F, s.H, s.W}), y({s.B, s.T, s.F, s.H, s.W}),
        c_n({s.B, 2 * s.F, s.H, s.W}),
        saved({vigil_conv_lstm_saved_size(&opt, s.B, s.T, s.F, s.H, s.W)}) {
    const auto shapes = k.shapes(s);
    const auto scale = k.scales(s);
    for (size_t j = 0; j < shapes.size(); ++j) {
      p.emplace_back(shapes[j]);
      harness::fill_uniform(p[j].v, seed + 10 + j, -scale[j], scale[j]);
    }
    harness::fill_uniform(x.v, seed + 1, -1, 1);
    harness::fill_uniform(h0.v, seed + 5, -0.8, 0.8);
    harness::fill_uniform(c0.v, seed + 6, -1, 1);
    harness::fill_uniform(mask.v, seed + 7, 0, 1);
    for (T& m : mask.v) m = m < T(0.3) ? T(0) : T(1 / 0.7);
  }
  int count() const { return static_cast<int>(p.size()); }
  bool present(int j) const { return s.bias || !kind.is_bias[j]; }
  const vigil_tensor* maybe(bool on, Buf<T>& b) { return on ? b.d() : nullptr; }
  std::vector<const vigil_tensor*> params() {
    std::vector<const vigil_tensor*> out;
    for (int j = 0; j < count(); ++j) out.push_back(present(j) ? p[j].d() : nullptr);
    return out;
  }
  std::vector<const T*> host_params() {
    std::vector<const T*> out;
    for (int j = 0; j < count(); ++j) out.push_back(present(j) ? p[j].p() : nullptr);
    return out;
  }
  vigil_status forward(bool save = true) {
    const auto ps = params();
    return vigil_conv_lstm_forward(&opt, x.d(), ps.data(), count(), maybe(s.mask_groups, mask),
                                   maybe(s.init, h0), maybe(s.init, c0), y.d(), c_n.d(),
                                   save ? saved.d() : nullptr);
  }
};

// Gradients of L = <y, gy> for every input; with wrong_param >= 0, that param's gradient is
// perturbed after the call, and the check must catch it.
inline void memory_gradcheck(const MemoryCellKind& kind, const MemoryShape& s, uint64_t seed,
                             int wrong_param = -1) {
  MemoryLayer<double> m(kind, s, seed);
  Buf<double> gy({s.B, s.T, s.F, s.H, s.W}), dx({s.B, s.T, s.Cin, s.H, s.W}),
      dh0({s.B, s.F, s.H, s.W}), dc0({s.B, 2 * s.F, s.H, s.W});
  std::vector<Buf<double>> dp;
  for (const auto& shape : kind.shapes(s)) dp.emplace_back(shape);
  harness::fill_uniform(gy.v, seed + 20);
  HCHECK_OK(m.forward());
  const auto ps = m.params();
  std::vector<const vigil_tensor*> dps;
  for (int j = 0; j < m.count(); ++j) dps.push_back(ps[j] ? dp[j].d() : nullptr);
  HCHECK_OK(vigil_conv_lstm_backward(&m.opt, m.x.d(), ps.data(), m.count(),
                                     m.maybe(s.mask_groups, m.mask), m.maybe(s.init, m.h0),
                                     m.maybe(s.init, m.c0), m.y.d(), m.saved.d(), gy.d(), dx.d(),
                                     dps.data(), m.maybe(s.init, dh0), m.maybe(s.init, dc0)));
  auto loss = [&] {
    m.forward(false);
    return harness::dot(m.y.v, gy.v);
  };
  if (wrong_param >= 0) {
    auto& g = dp[wrong_param].v;
    g[g.size() / 2] += 1e-3;
    HCHECK(harness::loss_grad_excess(m.p[wrong_param].v, g, loss) > 0,
           (std::string("a perturbed d") + kind.names[wrong_param] + " must fail the check")
               .c_str());
    return;
  }
  const std::string tag = " (" + memory_label(s) + ")";
  harness::check_grad("x" + tag, m.x.v, dx.v, loss);
  for (int j = 0; j < m.count(); ++j)
    if (ps[j]) harness::check_grad(kind.names[j] + tag, m.p[j].v, dp[j].v, loss);
  if (s.init) {
    harness::check_grad("h0" + tag, m.h0.v, dh0.v, loss);
    harness::check_grad("c0 (c and M)" + tag, m.c0.v, dc0.v, loss);
  }
}

// `rows` attention rows of length n at attn: each a distribution (>= 0, summing to 1 within
// tol), and somewhere far from uniform (the check would be void on constant logits).
template <typename T>
void check_attention_rows(const T* attn, int64_t rows, int64_t n, double tol,
                          const std::string& tag) {
  double worst = 0, widest = 0;
  bool nonneg = true;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double a = attn[r * n + j];
      nonneg = nonneg && a >= 0;
      sum += a;
      widest = std::max(widest, a);
    }
    worst = std::max(worst, std::fabs(sum - 1));
  }
  HCHECK(nonneg, ("attention weights >= 0: " + tag).c_str());
  HCHECK(worst <= tol,
         ("attention rows sum to 1 +- " + std::to_string(worst) + ": " + tag).c_str());
  HCHECK(widest > 1.5 / n, ("the attention is not near uniform: " + tag + ", widest " +
                            std::to_string(widest)).c_str());
}

// The saved memory block's last step (m_last [B,S]) is c_n's second half.
template <typename T>
void check_memory_is_c_n(const T* m_last, const std::vector<T>& c_n, int64_t B, int64_t S,
                         const std::string& tag) {
  bool same = true;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t q = 0; q < S; ++q) same = same && m_last[b * S + q] == c_n[(2 * b + 1) * S + q];
  HCHECK(same, ("c_n's second half is M_T: " + tag).c_str());
}

}  // namespace conv_lstm_memory_test
