// CPU vs CUDA parity for every op of ops.h, and the dispatch errors that need no GPU.
//
// cuda_parity runs each op on both devices from the same fresh random inputs (seed printed;
// VIGIL_PARITY_SEED=<n> repeats a run), on several shapes including sizes that do not divide
// the GEMM tile (64) or a warp, and compares every output with the op's stated tolerance:
// |cuda - cpu| <= atol + rtol * |cpu|, NaN never passes. Outputs that an op overwrites are
// poisoned with NaN on both devices before the run, so an element a kernel fails to write
// fails; gradients an op accumulates into start from the same random values on both devices,
// so "+=" is checked too. The forwards of matmul, linear, reduce, softmax, lstm and
// causal_conv1d, conv2d and conv_transpose2d are also held to the readable references of native/cpu/ref/ (CUDA against the
// reference's double result, the same tolerance). Without a usable CUDA device the test prints
// why and skips.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cpu/ref/causal_conv1d.h"
#include "cpu/ref/conv2d.h"
#include "cpu/ref/conv_lstm.h"
#include "cpu/ref/conv_lstm_seed.h"
#include "cpu/ref/conv_transpose2d.h"
#include "cpu/ref/lstm.h"
#include "cpu/ref/matmul.h"
#include "cpu/ref/reduce.h"
#include "cpu/ref/softmax.h"
#include "harness.h"

namespace {

bool gpu() { return vigil_cuda_device_count() > 0; }

std::string describe() {
  char buf[512];
  vigil_cuda_describe(buf, sizeof buf);
  return buf;
}

uint64_t g_seed = 0;
uint64_t next_seed() { return ++g_seed * 0x9E3779B97F4A7C15ULL; }

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// ---------------------------------------------------------------- a tensor on both devices

enum Init { kPoison, kRandom };

template <typename T>
struct Tens {
  std::vector<int64_t> shape;
  std::vector<T> h;  // the CPU tensor's storage
  vigil_tensor c{}, d{};
  void* dp = nullptr;
  size_t bytes = 0;

  Tens(std::vector<int64_t> s, Init init, double lo = -1, double hi = 1) : shape(std::move(s)) {
    int64_t n = 1;
    for (int64_t x : shape) n *= x;
    h.assign(static_cast<size_t>(n), std::numeric_limits<T>::quiet_NaN());
    if (init == kRandom) harness::fill_uniform(h, next_seed(), lo, hi);
    bytes = h.size() * sizeof(T);
    for (vigil_tensor* t : {&c, &d}) {
      t->dtype = sizeof(T) == 8 ? VIGIL_F64 : VIGIL_F32;
      t->ndim = static_cast<int32_t>(shape.size());
      for (size_t i = 0; i < shape.size(); ++i) t->shape[i] = shape[i];
    }
    c.device = VIGIL_CPU;
    c.data = h.data();
    d.device = VIGIL_CUDA;
    HCHECK_OK(vigil_alloc(VIGIL_CUDA, bytes, &dp));
    d.data = dp;
    HCHECK_OK(vigil_copy_from_host(&d, h.data(), bytes));
  }
  Tens(const Tens&) = delete;
  ~Tens() { vigil_free(VIGIL_CUDA, dp, bytes); }
  int64_t n() const { return static_cast<int64_t>(h.size()); }
  std::vector<T> fetch() {
    std::vector<T> out(h.size());
    HCHECK_OK(vigil_copy_to_host(&d, out.data(), bytes));
    return out;
  }
};

// Picks the CPU or the CUDA descriptor of a Tens (null stays null).
struct Sel {
  bool dev;
  template <typename T>
  const vigil_tensor* operator()(Tens<T>& t) const { return dev ? &t.d : &t.c; }
  template <typename T>
  const vigil_tensor* operator()(Tens<T>* t) const { return t ? (*this)(*t) : nullptr; }
};

// Runs op(P) with P selecting CPU tensors, then CUDA tensors; both must succeed.
template <class F>
void both(const std::string& what, F op) {
  vigil_status s = op(Sel{false});
  if (s != VIGIL_OK) harness::record_failure(__FILE__, __LINE__, what + " (cpu): " + vigil_last_error());
  s = op(Sel{true});
  if (s != VIGIL_OK) harness::record_failure(__FILE__, __LINE__, what + " (cuda): " + vigil_last_error());
}

struct Tol {
  double rtol, atol;
};
// The stated tolerance of an op: f32 as given; f64 1e-10 relative / 1e-12 absolute (only
// summation order and libm last-ulp differences remain).
template <typename T>
Tol tol(double rtol32, double atol32) {
  return sizeof(T) == 8 ? Tol{1e-10, 1e-12} : Tol{rtol32, atol32};
}

template <typename T>
void agree(const std::string& what, Tens<T>& t, Tol tl) {
  const std::vector<T> got = t.fetch();
  const std::string w = what + " " + shape_str(t.shape) + (sizeof(T) == 8 ? " f64" : " f32");
  harness::check_close(w.c_str(), got.data(), t.h.data(), t.n(), tl.rtol, tl.atol, __FILE__,
                       __LINE__);
}

// The CUDA tensor against the reference loop's answer (cpu/ref/), same tolerance as agree().
template <typename T>
void agree_ref(const std::string& what, Tens<T>& t, const std::vector<double>& ref, Tol tl) {
  const std::vector<T> got = t.fetch();
  const std::vector<double> gotd(got.begin(), got.end());
  const std::string w = what + " " + shape_str(t.shape) + (sizeof(T) == 8 ? " f64" : " f32");
  harness::check_close(w.c_str(), gotd.data(), ref.data(), t.n(), tl.rtol, tl.atol, __FILE__,
                       __LINE__);
}

template <typename T>
const char* tname() {
  return sizeof(T) == 8 ? "f64" : "f32";
}

// ---------------------------------------------------------------- cases

template <typename T>
void fill_copy_cast() {
  Tens<T> y({1000}, kPoison);
  both("fill", [&](Sel P) { return vigil_fill(P(y), 0.3); });
  agree("fill", y, {0, 0});
  Tens<T> x({7, 33}, kRandom), z({7, 33}, kPoison);
  both("copy", [&](Sel P) { return vigil_copy(P(x), P(z)); });
  agree("copy", z, {0, 0});
  using U = std::conditional_t<sizeof(T) == 8, float, double>;
  Tens<U> u({7, 33}, kPoison);
  both("cast", [&](Sel P) { return vigil_cast(P(x), P(u)); });
  agree("cast", u, {0, 0});
}

// Uniforms are bit-identical; normals agree to the last ulp of the device's double log/cos.
template <typename T>
void random_streams() {
  for (int64_t n : {1, 7, 1001}) {
    Tens<T> u({n}, kPoison), z({n}, kPoison);
    const uint64_t seed = next_seed(), offset = 0xfffffffdULL;  // the counter carries
    both("random_fill uniform", [&](Sel P) {
      return vigil_random_fill(P(u), VIGIL_RNG_UNIFORM, -2, 3, seed, offset);
    });
    agree("random_fill uniform", u, {0, 0});
    both("random_fill normal", [&](Sel P) {
      return vigil_random_fill(P(z), VIGIL_RNG_NORMAL, 0.5, 2, seed, offset);
    });
    agree("random_fill normal", z, tol<T>(1e-6, 1e-6));
  }
}

template <typename T>
void dropout() {
  Tens<T> x({13, 77}, kRandom), y({13, 77}, kPoison), mask({13, 77}, kPoison);
  const uint64_t seed = next_seed();
  both("dropout_forward", [&](Sel P) { return vigil_dropout_forward(P(x), 0.3, seed, 5, P(y), P(mask)); });
  agree("dropout_forward mask", mask, {0, 0});
  agree("dropout_forward y", y, {0, 0});
  Tens<T> dy({13, 77}, kRandom), dx({13, 77}, kRandom);
  both("dropout_backward", [&](Sel P) { return vigil_dropout_backward(P(dy), P(mask), P(dx)); });
  agree("dropout_backward", dx, tol<T>(1e-6, 1e-7));
}

template <typename T>
void reparam_sample() {
  Tens<T> mu({9, 31}, kRandom), lv({9, 31}, kRandom), z({9, 31}, kPoison), eps({9, 31}, kPoison);
  const uint64_t seed = next_seed();
  both("reparam_sample_forward", [&](Sel P) {
    return vigil_reparam_sample_forward(P(mu), P(lv), seed, 3, P(z), P(eps));
  });
  agree("reparam_sample eps", eps, tol<T>(1e-6, 1e-6));
  agree("reparam_sample z", z, tol<T>(1e-5, 1e-6));
  Tens<T> dz({9, 31}, kRandom), dmu({9, 31}, kRandom), dlv({9, 31}, kRandom);
  both("reparam_sample_backward", [&](Sel P) {
    return vigil_reparam_sample_backward(P(lv), P(eps), P(dz), P(dmu), P(dlv));
  });
  agree("reparam_sample dmu", dmu, tol<T>(1e-6, 1e-7));
  agree("reparam_sample dlogvar", dlv, tol<T>(1e-5, 1e-6));
}

template <typename T>
void binary_ops() {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{37, 19}, {37, 19}}, {{4, 1, 5}, {3, 1}}, {{}, {6, 7}}, {{2, 3, 70}, {70}}, {{5, 1}, {1, 1}}};
  for (int op = VIGIL_ADD; op <= VIGIL_POW; ++op) {
    const auto o = static_cast<vigil_binary_op>(op);
    for (const auto& [as, bs] : shapes) {
      std::vector<int64_t> ys(std::max(as.size(), bs.size()));
      for (size_t k = 0; k < ys.size(); ++k) {
        const int64_t ia = k + as.size() - ys.size(), ib = k + bs.size() - ys.size();
        const int64_t da = ia < 0 ? 1 : as[ia], db = ib < 0 ? 1 : bs[ib];
        ys[k] = da == 1 ? db : da;
      }
      const bool pos = o == VIGIL_POW || o == VIGIL_DIV;  // keep a^b real and b away from 0
      Tens<T> a(as, kRandom, pos ? 0.5 : -1, pos ? 2 : 1), b(bs, kRandom, pos ? 0.5 : -1.5, 1.5);
      Tens<T> y(ys, kPoison), dy(ys, kRandom), da(as, kRandom), db(bs, kRandom);
      const std::string w = std::string("binary op ") + std::to_string(op);
      both(w, [&](Sel P) { return vigil_binary_forward(o, P(a), P(b), P(y)); });
      agree(w + " forward", y, tol<T>(2e-6, 1e-7));
      both(w, [&](Sel P) { return vigil_binary_backward(o, P(a), P(b), P(dy), P(da), P(db)); });
      agree(w + " da", da, tol<T>(1e-5, 1e-5));
      agree(w + " db", db, tol<T>(1e-5, 1e-5));
      // one gradient wanted (the other NULL): the kernels must skip it, not write through NULL
      Tens<T>* none = nullptr;
      both(w, [&](Sel P) { return vigil_binary_backward(o, P(a), P(b), P(dy), P(none), P(db)); });
      agree(w + " db only", db, tol<T>(1e-5, 1e-5));
    }
  }
}

template <typename T>
void unary_ops() {
  for (int op = VIGIL_NEG; op <= VIGIL_SQUARE; ++op) {
    const auto o = static_cast<vigil_unary_op>(op);
    const bool pos = o == VIGIL_LOG || o == VIGIL_SQRT || o == VIGIL_POWS;
    for (int64_t n : {1, 33, 4099}) {
      Tens<T> x({n}, kRandom, pos ? 0.1 : -3, 3), y({n}, kPoison), dy({n}, kRandom), dx({n}, kRandom);
      const double p0 = o == VIGIL_POWS ? 1.7 : 0.3, p1 = -0.2;
      const std::string w = std::string("unary op ") + std::to_string(op);
      both(w, [&](Sel P) { return vigil_unary_forward(o, P(x), P(y), p0, p1); });
      agree(w + " forward", y, tol<T>(1e-5, 1e-6));
      // backward from the CPU's y on both devices, so only the derivative is compared
      Tens<T> yc({n}, kPoison);
      yc.h = y.h;
      HCHECK_OK(vigil_copy_from_host(&yc.d, yc.h.data(), yc.bytes));
      both(w, [&](Sel P) { return vigil_unary_backward(o, P(x), P(yc), P(dy), P(dx), p0, p1); });
      agree(w + " backward", dx, tol<T>(1e-5, 1e-6));
    }
  }
}

template <typename T>
void reductions() {
  const std::vector<std::pair<std::vector<int64_t>, uint32_t>> cases = {
      {{5, 300}, 2u}, {{5, 300}, 1u}, {{5, 300}, 3u}, {{3, 4, 70}, 5u},
      {{1000}, 1u},   {{2, 3}, 0u},   {{130, 3, 2}, 1u}, {{2, 2049}, 2u}};
  for (const auto& [xs, mask] : cases) {
    std::vector<int64_t> ys = xs;
    for (size_t k = 0; k < xs.size(); ++k)
      if (mask >> k & 1u) ys[k] = 1;
    for (int op = VIGIL_SUM; op <= VIGIL_MAX; ++op) {
      const auto o = static_cast<vigil_reduce_op>(op);
      Tens<T> x(xs, kRandom), y(ys, kPoison), dy(ys, kRandom), dx(xs, kRandom);
      const std::string w = std::string("reduce op ") + std::to_string(op) + " mask " + std::to_string(mask);
      both(w, [&](Sel P) { return vigil_reduce_forward(o, P(x), mask, P(y)); });
      agree(w + " forward", y, tol<T>(1e-6, 1e-6));
      std::vector<double> ry;
      vigil::ref::reduce_forward(o, x.h.data(), xs, mask, ry, nullptr);
      agree_ref(w + " forward (cuda vs ref)", y, ry, tol<T>(1e-6, 1e-6));
      both(w, [&](Sel P) { return vigil_reduce_backward(o, P(x), P(y), P(dy), mask, P(dx)); });
      agree(w + " backward", dx, tol<T>(1e-6, 1e-7));
    }
  }
}

template <typename T>
void softmax() {
  const std::vector<std::pair<std::vector<int64_t>, int>> cases = {
      {{7, 129}, 1}, {{5, 6, 11}, 1}, {{3, 300}, 0}, {{1, 1}, -1}, {{4, 2, 1000}, -1}};
  for (const auto& [xs, axis] : cases)
    for (int log = 0; log <= 1; ++log) {
      Tens<T> x(xs, kRandom, -4, 4), y(xs, kPoison), dy(xs, kRandom), dx(xs, kRandom);
      const std::string w = std::string(log ? "log_softmax" : "softmax") + " axis " + std::to_string(axis);
      both(w, [&](Sel P) { return vigil_softmax_forward(P(x), axis, log, P(y)); });
      agree(w + " forward", y, tol<T>(1e-5, 1e-6));
      std::vector<double> ry(y.h.size());
      const int rank = static_cast<int>(xs.size());
      vigil::ref::softmax_forward(x.h.data(), vigil::ref::AxisView(xs, axis < 0 ? axis + rank : axis),
                                  log, ry.data());
      agree_ref(w + " forward (cuda vs ref)", y, ry, tol<T>(1e-5, 1e-6));
      Tens<T> yc(xs, kPoison);  // backward from the CPU's y on both devices
      yc.h = y.h;
      HCHECK_OK(vigil_copy_from_host(&yc.d, yc.h.data(), yc.bytes));
      both(w, [&](Sel P) { return vigil_softmax_backward(P(yc), P(dy), axis, log, P(dx)); });
      agree(w + " backward", dx, tol<T>(1e-5, 1e-6));
    }
}

template <typename T>
void shape_ops() {
  {
    Tens<T> x({3, 4, 65}, kRandom), y({65, 3, 4}, kPoison), dx({3, 4, 65}, kRandom);
    const int32_t perm[] = {2, 0, 1};
    both("permute", [&](Sel P) { return vigil_permute_forward(P(x), perm, P(y)); });
    agree("permute forward", y, {0, 0});
    both("permute", [&](Sel P) { return vigil_permute_backward(P(y), perm, P(dx)); });
    agree("permute backward", dx, tol<T>(1e-6, 1e-7));
  }
  {
    Tens<T> src({3, 10, 7}, kRandom), dst({3, 12, 7}, kRandom);
    both("axis_copy", [&](Sel P) { return vigil_axis_copy(P(src), 2, P(dst), 5, 1, 6, 0); });
    agree("axis_copy", dst, {0, 0});
    both("axis_copy", [&](Sel P) { return vigil_axis_copy(P(src), 0, P(dst), 1, 1, 10, 1); });
    agree("axis_copy accumulate", dst, tol<T>(1e-6, 1e-7));
  }
  {
    const int64_t reps[] = {2, 1, 3};
    Tens<T> x({3, 5, 7}, kRandom), y({6, 5, 21}, kPoison), dx({3, 5, 7}, kRandom);
    both("repeat", [&](Sel P) { return vigil_repeat_forward(P(x), reps, P(y)); });
    agree("repeat forward", y, {0, 0});
    Tens<T> dy({6, 5, 21}, kRandom);
    both("repeat", [&](Sel P) { return vigil_repeat_backward(P(dy), reps, P(dx)); });
    agree("repeat backward", dx, tol<T>(1e-6, 1e-6));
  }
}

// GEMM tolerance: both devices accumulate f32 products in f32 in different orders.
template <typename T>
Tol gemm_tol(int64_t K) {
  return tol<T>(1e-5, 1e-6 + 4e-7 * static_cast<double>(K));
}

template <typename T>
void matmul() {
  struct Dims {
    std::vector<int64_t> a, b;
    int ta, tb;
  };
  const std::vector<Dims> cases = {
      {{1, 1}, {1, 1}, 0, 0},          {{67, 33}, {33, 45}, 0, 0},   {{33, 67}, {33, 45}, 1, 0},
      {{67, 33}, {45, 33}, 0, 1},      {{33, 67}, {45, 33}, 1, 1},   {{130, 257}, {257, 70}, 0, 0},
      {{3, 17, 29}, {3, 29, 11}, 0, 0}, {{4, 9, 13}, {13, 6}, 0, 0}, {{4, 13, 9}, {6, 13}, 1, 1},
      {{2, 3, 65, 64}, {2, 3, 64, 1}, 0, 0}};
  for (const Dims& c : cases) {
    const int64_t a0 = c.a[c.a.size() - 2], a1 = c.a.back(), b0 = c.b[c.b.size() - 2], b1 = c.b.back();
    const int64_t M = c.ta ? a1 : a0, K = c.ta ? a0 : a1, N = c.tb ? b0 : b1;
    std::vector<int64_t> ys(c.a.begin(), c.a.end() - 2);
    ys.push_back(M);
    ys.push_back(N);
    Tens<T> a(c.a, kRandom), b(c.b, kRandom), y(ys, kPoison), dy(ys, kRandom);
    Tens<T> da(c.a, kRandom), db(c.b, kRandom);
    const std::string w = "matmul " + shape_str(c.a) + "x" + shape_str(c.b) + " t" +
                          std::to_string(c.ta) + std::to_string(c.tb);
    both(w, [&](Sel P) { return vigil_matmul_forward(P(a), P(b), P(y), c.ta, c.tb); });
    agree(w + " forward", y, gemm_tol<T>(K));
    std::vector<double> ry(y.h.size());
    vigil::ref::matmul_forward(a.h.data(), b.h.data(), y.n() / (M * N), M, N, K, c.ta, c.tb,
                               c.b.size() == 2 && c.a.size() > 2, ry.data());
    agree_ref(w + " forward (cuda vs ref)", y, ry, gemm_tol<T>(K));
    both(w, [&](Sel P) { return vigil_matmul_backward(P(a), P(b), P(dy), P(da), P(db), c.ta, c.tb); });
    agree(w + " da", da, gemm_tol<T>(N));
    agree(w + " db", db, gemm_tol<T>(M * (static_cast<int64_t>(dy.n()) / (M * N))));
    Tens<T>* none = nullptr;
    both(w, [&](Sel P) { return vigil_matmul_backward(P(a), P(b), P(dy), P(da), P(none), c.ta, c.tb); });
    agree(w + " da only", da, gemm_tol<T>(2 * N));
  }
}

// The TF32 path (f32 only): inputs rounded to a 10-bit mantissa, so each product is off by up
// to ~2^-10 relative; over K terms in [-1, 1]: 2e-3 relative + 2e-3 sqrt(K) absolute.
void matmul_tf32() {
  const int previous = vigil_cuda_set_tf32(1);
  for (const auto& [M, N, K] : std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {67, 45, 33}, {130, 70, 257}}) {
    for (int ta : {0, 1})
      for (int tb : {0, 1}) {
        const std::vector<int64_t> as = ta ? std::vector<int64_t>{K, M} : std::vector<int64_t>{M, K};
        const std::vector<int64_t> bs = tb ? std::vector<int64_t>{N, K} : std::vector<int64_t>{K, N};
        Tens<float> a(as, kRandom), b(bs, kRandom), y({M, N}, kPoison);
        const std::string w = "matmul tf32 " + shape_str(as) + "x" + shape_str(bs);
        both(w, [&](Sel P) { return vigil_matmul_forward(P(a), P(b), P(y), ta, tb); });
        agree(w, y, {2e-3, 2e-3 * std::sqrt(static_cast<double>(K))});
      }
  }
  {  // strided batch, and linear forward/backward (dw sums over the 35 rows)
    Tens<float> a({3, 67, 33}, kRandom), b({3, 33, 45}, kRandom), y({3, 67, 45}, kPoison);
    both("matmul tf32 batched", [&](Sel P) { return vigil_matmul_forward(P(a), P(b), P(y), 0, 0); });
    agree("matmul tf32 batched", y, {2e-3, 2e-3 * std::sqrt(33.0)});
    Tens<float> x({5, 7, 33}, kRandom), wt({19, 33}, kRandom), bias({19}, kRandom), yl({5, 7, 19}, kPoison);
    Tens<float> dy({5, 7, 19}, kRandom), dx({5, 7, 33}, kRandom), dw({19, 33}, kRandom);
    Tens<float>* none = nullptr;
    both("linear tf32", [&](Sel P) { return vigil_linear_forward(P(x), P(wt), P(bias), P(yl)); });
    agree("linear tf32 forward", yl, {2e-3, 2e-3 * std::sqrt(33.0)});
    both("linear tf32", [&](Sel P) { return vigil_linear_backward(P(x), P(wt), P(dy), P(dx), P(dw), P(none)); });
    agree("linear tf32 dx", dx, {2e-3, 2e-3 * std::sqrt(19.0)});
    agree("linear tf32 dw", dw, {2e-3, 2e-3 * std::sqrt(35.0)});
  }
  vigil_cuda_set_tf32(previous);
}

template <typename T>
void linear() {
  for (bool with_bias : {true, false}) {
    Tens<T> x({5, 7, 33}, kRandom), w({19, 33}, kRandom), bias({19}, kRandom), y({5, 7, 19}, kPoison);
    Tens<T> dy({5, 7, 19}, kRandom), dx({5, 7, 33}, kRandom), dw({19, 33}, kRandom), db({19}, kRandom);
    Tens<T>* bp = with_bias ? &bias : nullptr;
    both("linear", [&](Sel P) { return vigil_linear_forward(P(x), P(w), P(bp), P(y)); });
    agree("linear forward", y, gemm_tol<T>(33));
    std::vector<double> ry(y.h.size());
    vigil::ref::linear_forward(x.h.data(), w.h.data(), with_bias ? bias.h.data() : nullptr, 35, 33,
                               19, ry.data());
    agree_ref("linear forward (cuda vs ref)", y, ry, gemm_tol<T>(33));
    both("linear", [&](Sel P) { return vigil_linear_backward(P(x), P(w), P(dy), P(dx), P(dw), P(db)); });
    agree("linear dx", dx, gemm_tol<T>(19));
    agree("linear dw", dw, gemm_tol<T>(35));
    agree("linear dbias", db, tol<T>(1e-5, 1e-5));
  }
}

// The CPU's f32 sigmoid/tanh are vectorised approximations (~2 ulp) and the recurrence
// compounds differences over T steps: f32 rtol 1e-4, atol 2e-5.
template <typename T>
void lstm() {
  struct Dims {
    int64_t B, steps, I, H;
    bool state, bias, train;
  };
  for (const Dims& c : {Dims{3, 5, 4, 7, true, true, true}, Dims{1, 1, 1, 1, false, false, true},
                        Dims{5, 9, 3, 33, false, true, true}, Dims{4, 6, 5, 8, true, true, false},
                        Dims{2, 0, 3, 4, true, true, true}}) {
    const int64_t B = c.B, Tn = c.steps, I = c.I, H = c.H, G = 4 * H;
    Tens<T> x({B, Tn, I}, kRandom), wih({G, I}, kRandom, -0.5, 0.5), whh({G, H}, kRandom, -0.5, 0.5);
    Tens<T> bih({G}, kRandom), bhh({G}, kRandom), h0({B, H}, kRandom), c0({B, H}, kRandom);
    Tens<T> y({B, Tn, H}, kPoison), hn({B, H}, kPoison), cn({B, H}, kPoison);
    Tens<T> gates({Tn, B, G}, kPoison), cells({Tn, B, H}, kPoison);
    Tens<T>* st0 = c.state ? &h0 : nullptr;
    Tens<T>* sc0 = c.state ? &c0 : nullptr;
    Tens<T>* b1 = c.bias ? &bih : nullptr;
    Tens<T>* b2 = c.bias ? &bhh : nullptr;
    Tens<T>* gp = c.train ? &gates : nullptr;
    Tens<T>* cp = c.train ? &cells : nullptr;
    const std::string w = "lstm B" + std::to_string(B) + " T" + std::to_string(Tn) + " I" +
                          std::to_string(I) + " H" + std::to_string(H);
    both(w, [&](Sel P) {
      return vigil_lstm_forward(P(x), P(wih), P(whh), P(b1), P(b2), P(st0), P(sc0), P(y), P(hn),
                                P(cn), P(gp), P(cp));
    });
    const Tol tl = tol<T>(1e-4, 2e-5);
    agree(w + " y", y, tl);
    agree(w + " h_n", hn, tl);
    agree(w + " c_n", cn, tl);
    std::vector<double> ry(y.h.size()), rh(hn.h.size()), rc(cn.h.size());
    auto host = [](Tens<T>* t) { return t ? t->h.data() : nullptr; };
    vigil::ref::lstm_forward(x.h.data(), wih.h.data(), whh.h.data(), host(b1), host(b2), host(st0),
                             host(sc0), B, Tn, I, H, ry.data(), rh.data(), rc.data());
    agree_ref(w + " y (cuda vs ref)", y, ry, tl);
    agree_ref(w + " h_n (cuda vs ref)", hn, rh, tl);
    agree_ref(w + " c_n (cuda vs ref)", cn, rc, tl);
    if (!c.train) continue;
    agree(w + " gates", gates, tl);
    agree(w + " cells", cells, tl);
    // backward from the CPU's saved activations on both devices
    for (Tens<T>* t : {&y, &gates, &cells}) HCHECK_OK(vigil_copy_from_host(&t->d, t->h.data(), t->bytes));
    Tens<T> dy({B, Tn, H}, kRandom), dhn({B, H}, kRandom), dcn({B, H}, kRandom);
    Tens<T> dx({B, Tn, I}, kRandom), dwih({G, I}, kRandom), dwhh({G, H}, kRandom);
    Tens<T> dbih({G}, kRandom), dbhh({G}, kRandom), dh0({B, H}, kRandom), dc0({B, H}, kRandom);
    both(w + " backward", [&](Sel P) {
      return vigil_lstm_backward(P(x), P(wih), P(whh), P(st0), P(sc0), P(y), P(gates), P(cells),
                                 P(dy), P(dhn), P(dcn), P(dx), P(dwih), P(dwhh), P(dbih), P(dbhh),
                                 P(dh0), P(dc0));
    });
    for (auto [name, t] : {std::pair<const char*, Tens<T>*>{"dx", &dx}, {"dw_ih", &dwih},
                           {"dw_hh", &dwhh}, {"db_ih", &dbih}, {"db_hh", &dbhh}, {"dh0", &dh0},
                           {"dc0", &dc0}})
      agree(w + " " + name, *t, tl);
    Tens<T>* none = nullptr;
    both(w + " backward (dw_hh, dh0 only)", [&](Sel P) {
      return vigil_lstm_backward(P(x), P(wih), P(whh), P(st0), P(sc0), P(y), P(gates), P(cells),
                                 P(dy), P(none), P(none), P(none), P(none), P(dwhh), P(none),
                                 P(none), P(dh0), P(none));
    });
    agree(w + " dw_hh (alone)", dwhh, tl);
    agree(w + " dh0 (alone)", dh0, tl);
  }
}

template <typename T>
void causal_conv1d() {
  struct Dims {
    int64_t B, Cin, Cout, L, K, dil;
  };
  for (const Dims& c : {Dims{2, 3, 5, 37, 3, 2}, Dims{3, 4, 2, 37, 4, 13}, Dims{1, 1, 1, 1, 1, 1},
                        Dims{2, 70, 65, 100, 2, 1}}) {
    Tens<T> x({c.B, c.Cin, c.L}, kRandom), w({c.Cout, c.Cin, c.K}, kRandom), bias({c.Cout}, kRandom);
    Tens<T> y({c.B, c.Cout, c.L}, kPoison), dy({c.B, c.Cout, c.L}, kRandom);
    Tens<T> dx({c.B, c.Cin, c.L}, kRandom), dw({c.Cout, c.Cin, c.K}, kRandom), db({c.Cout}, kRandom);
    const std::string s = "causal_conv1d K" + std::to_string(c.K) + " d" + std::to_string(c.dil);
    both(s, [&](Sel P) { return vigil_causal_conv1d_forward(P(x), P(w), P(bias), c.dil, P(y)); });
    agree(s + " forward", y, gemm_tol<T>(c.Cin * c.K));
    std::vector<double> ry(y.h.size());
    vigil::ref::causal_conv1d_forward(x.h.data(), w.h.data(), bias.h.data(), c.B, c.Cin, c.Cout,
                                      c.L, c.K, c.dil, ry.data());
    agree_ref(s + " forward (cuda vs ref)", y, ry, gemm_tol<T>(c.Cin * c.K));
    both(s, [&](Sel P) {
      return vigil_causal_conv1d_backward(P(x), P(w), P(dy), c.dil, P(dx), P(dw), P(db));
    });
    agree(s + " dx", dx, gemm_tol<T>(c.Cout * c.K));
    agree(s + " dw", dw, gemm_tol<T>(c.B * c.L));
    agree(s + " dbias", db, tol<T>(1e-5, 1e-5));
    Tens<T>* none = nullptr;
    both(s, [&](Sel P) {
      return vigil_causal_conv1d_backward(P(x), P(w), P(dy), c.dil, P(none), P(dw), P(none));
    });
    agree(s + " dw only", dw, gemm_tol<T>(2 * c.B * c.L));
  }
}

// conv2d on each geometry, and conv_transpose2d on the same one read the other way (x of
// conv2d's output shape, y of its input shape: the output padding that takes is always below
// the stride).
template <typename T>
void conv2d_family() {
  struct Dims {
    int64_t B, Cin, H, W, Cout, K;
    vigil_conv2d_geometry g;  // stride h,w; dilation h,w; pads t,b,l,r; groups
  };
  for (const Dims& c : {Dims{2, 4, 13, 13, 6, 3, {2, 2, 1, 1, 0, 1, 0, 1, 1}},
                        Dims{3, 6, 5, 5, 6, 3, {1, 1, 1, 1, 1, 1, 1, 1, 6}},
                        Dims{2, 4, 9, 8, 6, 3, {1, 2, 2, 1, 2, 0, 1, 3, 2}},
                        Dims{2, 70, 13, 13, 65, 1, {1, 1, 1, 1, 0, 0, 0, 0, 1}}}) {
    const vigil_conv2d_geometry& g = c.g;
    const int64_t Cg = c.Cin / g.groups;
    const int64_t Ho = vigil::cpu::conv_out_len(c.H, c.K, g.stride_h, g.dilation_h, g.pad_top + g.pad_bottom);
    const int64_t Wo = vigil::cpu::conv_out_len(c.W, c.K, g.stride_w, g.dilation_w, g.pad_left + g.pad_right);
    const vigil::cpu::Conv2dDims d{c.B, c.Cin, c.H, c.W, c.Cout, Ho, Wo, c.K, c.K, g.groups,
                                   g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left};
    const std::string s = "conv2d Cin" + std::to_string(c.Cin) + " Cout" + std::to_string(c.Cout) +
                          " k" + std::to_string(c.K) + " groups " + std::to_string(g.groups);
    Tens<T> big({c.B, c.Cin, c.H, c.W}, kRandom), w({c.Cout, Cg, c.K, c.K}, kRandom);
    Tens<T> small({c.B, c.Cout, Ho, Wo}, kRandom), bias_o({c.Cout}, kRandom), bias_i({c.Cin}, kRandom);
    Tens<T> y({c.B, c.Cout, Ho, Wo}, kPoison), yt({c.B, c.Cin, c.H, c.W}, kPoison);
    Tens<T> dbig({c.B, c.Cin, c.H, c.W}, kRandom), dsmall({c.B, c.Cout, Ho, Wo}, kRandom);
    Tens<T> dw({c.Cout, Cg, c.K, c.K}, kRandom), dbo({c.Cout}, kRandom), dbi({c.Cin}, kRandom);
    Tens<T>* none = nullptr;
    const int64_t taps = Cg * c.K * c.K, reach = (c.Cout / g.groups) * c.K * c.K;
    both(s, [&](Sel P) { return vigil_conv2d_forward(P(big), P(w), P(bias_o), &g, P(y)); });
    agree(s + " forward", y, gemm_tol<T>(taps));
    std::vector<double> ry(y.h.size()), ryt(yt.h.size());
    vigil::ref::conv2d_forward(d, big.h.data(), w.h.data(), bias_o.h.data(), ry.data());
    agree_ref(s + " forward (cuda vs ref)", y, ry, gemm_tol<T>(taps));
    both(s, [&](Sel P) { return vigil_conv2d_backward(P(big), P(w), P(small), &g, P(dbig), P(dw), P(dbo)); });
    agree(s + " dx", dbig, gemm_tol<T>(reach));
    agree(s + " dw", dw, gemm_tol<T>(c.B * Ho * Wo));
    agree(s + " dbias", dbo, gemm_tol<T>(c.B * Ho * Wo));
    both(s, [&](Sel P) { return vigil_conv2d_backward(P(big), P(w), P(small), &g, P(none), P(dw), P(none)); });
    agree(s + " dw only", dw, gemm_tol<T>(2 * c.B * Ho * Wo));
    // conv_transpose2d: x [B, Cout, Ho, Wo] -> y [B, Cin, H, W], weight w as stored
    const std::string t = "conv_transpose2d of " + s;
    both(t, [&](Sel P) { return vigil_conv_transpose2d_forward(P(small), P(w), P(bias_i), &g, P(yt)); });
    agree(t + " forward", yt, gemm_tol<T>(reach));
    vigil::ref::conv_transpose2d_forward(d, small.h.data(), w.h.data(), bias_i.h.data(), ryt.data());
    agree_ref(t + " forward (cuda vs ref)", yt, ryt, gemm_tol<T>(reach));
    both(t, [&](Sel P) {
      return vigil_conv_transpose2d_backward(P(small), P(w), P(big), &g, P(dsmall), P(dw), P(dbi));
    });
    agree(t + " dx", dsmall, gemm_tol<T>(taps));
    agree(t + " dw", dw, gemm_tol<T>(2 * c.B * Ho * Wo));
    agree(t + " dbias", dbi, gemm_tol<T>(c.B * c.H * c.W));
  }
}

template <typename T>
void batch_norm() {
  for (const auto& [xs, axis] : std::vector<std::pair<std::vector<int64_t>, int>>{
           {{6, 5, 9}, 1}, {{4, 7, 3}, -1}, {{300, 70}, 1}, {{2, 3, 4, 5}, 1}}) {
    const int64_t C = xs[axis < 0 ? xs.size() + axis : axis];
    for (int training : {1, 0}) {
      Tens<T> x(xs, kRandom, -2, 3), gamma({C}, kRandom), beta({C}, kRandom);
      Tens<T> rm({C}, kRandom), rv({C}, kRandom, 0.5, 2), y(xs, kPoison), sm({C}, kPoison), si({C}, kPoison);
      const std::string w = std::string("batch_norm ") + (training ? "train" : "eval");
      both(w, [&](Sel P) {
        return vigil_batch_norm_forward(P(x), axis, P(gamma), P(beta), P(rm), P(rv), training,
                                        0.1, 1e-5, P(y), P(sm), P(si));
      });
      const Tol tl = tol<T>(1e-5, 1e-5);
      agree(w + " y", y, tl);
      agree(w + " running_mean", rm, tl);
      agree(w + " running_var", rv, tl);
      agree(w + " save_mean", sm, tl);
      agree(w + " save_invstd", si, tl);
      for (Tens<T>* t : {&sm, &si}) HCHECK_OK(vigil_copy_from_host(&t->d, t->h.data(), t->bytes));
      Tens<T> dy(xs, kRandom), dx(xs, kRandom), dg({C}, kRandom), dbeta({C}, kRandom);
      both(w + " backward", [&](Sel P) {
        return vigil_batch_norm_backward(P(x), axis, P(gamma), P(sm), P(si), P(dy), training,
                                         P(dx), P(dg), P(dbeta));
      });
      agree(w + " dx", dx, tol<T>(1e-4, 1e-5));
      agree(w + " dgamma", dg, tl);
      agree(w + " dbeta", dbeta, tl);
      Tens<T>* none = nullptr;
      both(w + " backward (dx only)", [&](Sel P) {
        return vigil_batch_norm_backward(P(x), axis, P(gamma), P(sm), P(si), P(dy), training,
                                         P(dx), P(none), P(none));
      });
      agree(w + " dx (alone)", dx, tol<T>(1e-4, 1e-5));
    }
  }
}

template <typename T>
void losses() {
  for (int64_t n : {1, 37, 5000})
    for (int r : {VIGIL_REDUCE_MEAN, VIGIL_REDUCE_SUM}) {
      const auto red = static_cast<vigil_reduction>(r);
      const std::string sfx = std::string(r == VIGIL_REDUCE_MEAN ? " mean" : " sum") + " n" + std::to_string(n);
      Tens<T> a({n}, kRandom), b({n}, kRandom), c({n}, kRandom), y({1}, kPoison), dy({1}, kRandom);
      Tens<T> ga({n}, kRandom), gb({n}, kRandom), gc({n}, kRandom);
      const Tol lt = tol<T>(1e-6, 1e-6), gt = tol<T>(1e-5, 1e-6);
      both("mse" + sfx, [&](Sel P) { return vigil_mse_forward(P(a), P(b), red, P(y)); });
      agree("mse" + sfx, y, lt);
      both("mse" + sfx, [&](Sel P) { return vigil_mse_backward(P(a), P(b), P(dy), red, P(ga), P(gb)); });
      agree("mse dpred" + sfx, ga, gt);
      agree("mse dtarget" + sfx, gb, gt);
      both("gaussian_nll" + sfx, [&](Sel P) { return vigil_gaussian_nll_forward(P(a), P(b), P(c), red, P(y)); });
      agree("gaussian_nll" + sfx, y, lt);
      both("gaussian_nll" + sfx, [&](Sel P) {
        return vigil_gaussian_nll_backward(P(a), P(b), P(c), P(dy), red, P(ga), P(gb), P(gc));
      });
      agree("gaussian_nll dx" + sfx, ga, gt);
      agree("gaussian_nll dmu" + sfx, gb, gt);
      agree("gaussian_nll dlogvar" + sfx, gc, gt);
      both("kl_normal" + sfx, [&](Sel P) { return vigil_kl_normal_forward(P(a), P(c), red, P(y)); });
      agree("kl_normal" + sfx, y, lt);
      both("kl_normal" + sfx, [&](Sel P) { return vigil_kl_normal_backward(P(a), P(c), P(dy), red, P(ga), P(gc)); });
      agree("kl_normal dmu" + sfx, ga, gt);
      agree("kl_normal dlogvar" + sfx, gc, gt);
      both("bce_with_logits" + sfx, [&](Sel P) { return vigil_bce_with_logits_forward(P(a), P(b), red, P(y)); });
      agree("bce_with_logits" + sfx, y, lt);
      both("bce_with_logits" + sfx, [&](Sel P) {
        return vigil_bce_with_logits_backward(P(a), P(b), P(dy), red, P(ga), P(gb));
      });
      agree("bce dlogits" + sfx, ga, gt);
      agree("bce dtarget" + sfx, gb, gt);
    }
}

template <typename T>
void optimisers() {
  for (int64_t n : {1, 1000, 4097}) {
    for (int decoupled : {0, 1})
      for (int amsgrad : {0, 1}) {
        Tens<T> p({n}, kRandom), g({n}, kRandom), m({n}, kRandom), v({n}, kRandom, 0, 1);
        Tens<T> vmax({n}, kRandom, 0, 1);  // random: the maximum takes either side
        for (int64_t step : {1, 7})
          both("adam_step", [&](Sel P) {
            return vigil_adam_step(P(p), P(g), P(m), P(v), P(amsgrad ? &vmax : nullptr), 1e-2, 0.9,
                                   0.999, 1e-8, 0.01, step, decoupled);
          });
        const Tol tl = tol<T>(1e-5, 1e-6);
        agree("adam param", p, tl);
        agree("adam m", m, tl);
        agree("adam v", v, tl);
        if (amsgrad) agree("adam vmax", vmax, tl);
      }
    for (int nesterov : {0, 1}) {
      Tens<T> p({n}, kRandom), g({n}, kRandom), buf({n}, kPoison);
      for (int first : {1, 0})
        both("sgd_step", [&](Sel P) {
          return vigil_sgd_step(P(p), P(g), P(buf), 0.1, 0.9, 0.01, nesterov, first);
        });
      agree("sgd param", p, tol<T>(1e-6, 1e-7));
      agree("sgd momentum_buf", buf, tol<T>(1e-6, 1e-7));
    }
    Tens<T> x({n}, kRandom);
    double sc = 0, sd = 0;
    HCHECK_OK(vigil_sum_squares(&x.c, &sc));
    HCHECK_OK(vigil_sum_squares(&x.d, &sd));
    HCHECK_CLOSE("sum_squares", &sd, &sc, 1, 1e-12, 0.0);
    both("scale_inplace", [&](Sel P) { return vigil_scale_inplace(P(x), -0.37); });
    agree("scale_inplace", x, {0, 0});
    Tens<T> avg({n}, kRandom), q({n}, kRandom);
    both("ema_update", [&](Sel P) { return vigil_ema_update(P(avg), P(q), 0.999); });
    agree("ema_update", avg, tol<T>(1e-6, 1e-7));
  }
}

// conv_lstm, every cell: forward (training and inference) on both devices, y, c_n and the saved
// buffer compared (the layout is shared: either device's backward reads the other's), all but
// INPUT_ATTENTION also against the reference loops; then the backward on both devices from the
// CPU's y and saved (so the hard sigmoid's clip points and the attention's argmax are the same
// on both), every gradient accumulating into random values, and once with only the recurrent
// weights' gradient and dh0. Masks: none, 1 and 4 groups; even and non-square kernels; with and
// without h0/c0 and biases. f32: the CPU's vectorised tanh/sigmoid/exp (~2 ulp) and f32 conv
// sums against the device's double sums, compounded over the steps (tolerances by analogy with
// lstm, not measured on a GPU yet).
template <typename T>
void conv_lstm() {
  struct Dims {
    int cell;
    int64_t B, steps, Cin, F, H, W, KH, KW, masks;
    int hard;
    bool bias, state;
    int64_t A = 0;  // SELF_ATTENTION_MEMORY's query/key channels
  };
  const int kPlain = VIGIL_CONV_LSTM_PLAIN, kAttn = VIGIL_CONV_LSTM_INPUT_ATTENTION;
  const int kSam = VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY;
  const int kSeed = VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY;  // square maps
  for (const Dims& c : {Dims{kPlain, 2, 3, 3, 4, 5, 6, 3, 3, 1, 1, true, true},
                        Dims{kPlain, 3, 2, 2, 3, 4, 4, 2, 2, 4, 0, false, false},
                        Dims{kPlain, 2, 3, 2, 5, 6, 5, 3, 2, 4, 1, true, true},
                        Dims{kPlain, 1, 1, 1, 1, 1, 1, 3, 3, 0, 1, true, true},
                        Dims{kAttn, 2, 3, 3, 4, 5, 6, 3, 3, 1, 1, true, true},
                        Dims{kAttn, 3, 2, 2, 3, 4, 4, 2, 2, 4, 0, false, false},
                        Dims{kAttn, 2, 4, 5, 6, 7, 7, 3, 3, 0, 1, true, true},
                        Dims{kAttn, 1, 2, 1, 1, 1, 1, 3, 3, 4, 0, true, true},
                        Dims{kSam, 2, 3, 3, 4, 4, 5, 3, 3, 1, 1, true, true, 2},
                        Dims{kSam, 3, 2, 2, 3, 3, 3, 2, 2, 4, 0, false, false, 1},
                        Dims{kSam, 2, 2, 2, 5, 7, 6, 3, 3, 0, 1, true, true, 3},
                        Dims{kSeed, 2, 3, 3, 4, 5, 5, 3, 3, 1, 1, true, true},
                        Dims{kSeed, 3, 2, 2, 3, 4, 4, 2, 2, 4, 0, false, false},
                        Dims{kSeed, 2, 2, 4, 16, 5, 5, 3, 3, 4, 1, true, true}}) {
    const int64_t B = c.B, Tn = c.steps, Cin = c.Cin, F = c.F, H = c.H, W = c.W;
    const int64_t KH = c.KH, KW = c.KW, A = c.A;
    // c0, c_n, dc0 channels ([c; M] for the memory cells)
    const int64_t CF = c.cell == kSam || c.cell == kSeed ? 2 * F : F;
    const vigil_conv_lstm_options opt{c.cell, c.hard};
    std::vector<std::vector<int64_t>> shapes;  // params in ops.h order; optional = biases
    std::vector<bool> optional;
    if (c.cell == kPlain) {
      shapes = {{4 * F, Cin, KH, KW}, {4 * F, F, KH, KW}, {4 * F}};
      optional = {false, false, true};
    } else if (c.cell == kSam) {
      shapes = {{4 * F, Cin, KH, KW}, {4 * F, F, KH, KW}, {4 * F}, {2 * A + F, F, 1, 1},
                {2 * A + F}, {A + F, F, 1, 1}, {A + F}, {2 * F, 2 * F, 1, 1}, {2 * F},
                {3 * F, 3 * F, 1, 1}, {3 * F}};
      optional = {false, false, true, false, true, false, true, false, true, false, true};
    } else if (c.cell == kSeed) {
      shapes = {{4 * F, Cin, KH, KW}, {4 * F, F, KH, KW}, {4 * F},         {5, F, 1, 1},
                {F, 2, KH, KW},       {6 * F, 1, KH, KW}, {3 * F}};
      optional = {false, false, true, false, false, false, true};
    } else {
      shapes = {{2 * Cin, 1, KH, KW}, {2 * F, Cin, 1, 1}, {3 * F, 1, KH, KW}, {3 * F, F, 1, 1},
                {2 * F},          {2 * F, Cin},       {2 * F, F},          {2 * F}};
      optional = {false, false, false, false, true, false, false, true};
    }
    const int np = static_cast<int>(shapes.size());
    std::vector<std::unique_ptr<Tens<T>>> ps, dps;
    for (int k = 0; k < np; ++k) {
      const bool present = !optional[k] || c.bias;
      ps.push_back(present ? std::make_unique<Tens<T>>(shapes[k], kRandom, -0.5, 0.5) : nullptr);
      dps.push_back(present ? std::make_unique<Tens<T>>(shapes[k], kRandom) : nullptr);
    }
    auto pv = [&](Sel P, const std::vector<std::unique_ptr<Tens<T>>>& v) {
      std::vector<vt> r;
      for (const auto& t : v) r.push_back(P(t.get()));
      return r;
    };
    Tens<T> x({B, Tn, Cin, H, W}, kRandom), h0({B, F, H, W}, kRandom), c0({B, CF, H, W}, kRandom);
    Tens<T> mask({c.masks ? c.masks : 1, B, Cin, H, W}, kRandom, 0, 1);
    for (T& v : mask.h) v = v >= T(0.3) ? T(1 / 0.7) : T(0);  // dropout p = 0.3, scaled
    HCHECK_OK(vigil_copy_from_host(&mask.d, mask.h.data(), mask.bytes));
    const int64_t ns = vigil_conv_lstm_saved_size(&opt, B, Tn, F, H, W);
    Tens<T> y({B, Tn, F, H, W}, kPoison), cn({B, CF, H, W}, kPoison), saved({ns}, kPoison);
    Tens<T> yi({B, Tn, F, H, W}, kPoison), cni({B, CF, H, W}, kPoison);
    Tens<T>* mk = c.masks ? &mask : nullptr;
    Tens<T>* st0 = c.state ? &h0 : nullptr;
    Tens<T>* sc0 = c.state ? &c0 : nullptr;
    Tens<T>* none = nullptr;
    const std::string w = std::string("conv_lstm ") +
                          (c.cell == kPlain  ? "plain"
                           : c.cell == kAttn ? "input-attention"
                           : c.cell == kSeed ? "seed-self-attention-memory"
                                             : "self-attention-memory A" + std::to_string(A)) +
                          " B" + std::to_string(B) + " T" + std::to_string(Tn) + " Cin" +
                          std::to_string(Cin) + " F" + std::to_string(F) + " " + std::to_string(H) +
                          "x" + std::to_string(W) + " k" + std::to_string(KH) + "x" +
                          std::to_string(KW) + " masks " + std::to_string(c.masks) +
                          (c.hard ? " hard" : " sigmoid") + (c.bias ? "" : " no bias") +
                          (c.state ? " h0 c0" : "");
    both(w + " forward", [&](Sel P) {
      const std::vector<vt> p = pv(P, ps);
      return vigil_conv_lstm_forward(&opt, P(x), p.data(), np, P(mk), P(st0), P(sc0), P(y),
                                     P(cn), P(saved));
    });
    const Tol tl = tol<T>(1e-4, 2e-5);
    agree(w + " y", y, tl);
    agree(w + " c_n", cn, tl);
    agree(w + " saved", saved, tl);
    both(w + " forward (inference)", [&](Sel P) {
      const std::vector<vt> p = pv(P, ps);
      return vigil_conv_lstm_forward(&opt, P(x), p.data(), np, P(mk), P(st0), P(sc0), P(yi),
                                     P(cni), P(none));
    });
    agree(w + " y (inference)", yi, tl);
    agree(w + " c_n (inference)", cni, tl);
    if (c.cell != kAttn) {
      const vigil::cpu::ConvLstmDims d{B, Tn, Cin, H, W, F, KH, KW, c.masks, c.cell, c.hard != 0, A};
      std::vector<double> ry(y.h.size()), rc(cn.h.size());
      auto host = [](Tens<T>* t) { return t ? t->h.data() : nullptr; };
      if (c.cell == kPlain) {
        vigil::ref::conv_lstm_plain_forward(d, x.h.data(), ps[0]->h.data(), ps[1]->h.data(),
                                            host(ps[2].get()), host(mk), host(st0), host(sc0),
                                            ry.data(), rc.data());
      } else {
        std::vector<const T*> hp;
        for (const auto& t : ps) hp.push_back(t ? t->h.data() : nullptr);
        if (c.cell == kSeed)
          vigil::ref::conv_lstm_seed_sam_forward(d, x.h.data(), hp.data(), host(mk), host(st0),
                                                 host(sc0), ry.data(), rc.data());
        else
          vigil::ref::conv_lstm_sam_forward(d, x.h.data(), hp.data(), host(mk), host(st0),
                                            host(sc0), ry.data(), rc.data());
      }
      agree_ref(w + " y (cuda vs ref)", y, ry, tl);
      agree_ref(w + " c_n (cuda vs ref)", cn, rc, tl);
    }
    // backward from the CPU's y and saved on both devices
    for (Tens<T>* t : {&y, &saved}) HCHECK_OK(vigil_copy_from_host(&t->d, t->h.data(), t->bytes));
    Tens<T> dy({B, Tn, F, H, W}, kRandom), dx({B, Tn, Cin, H, W}, kRandom);
    Tens<T> dh0({B, F, H, W}, kRandom), dc0({B, CF, H, W}, kRandom);
    Tens<T>* gh0 = c.state ? &dh0 : nullptr;
    Tens<T>* gc0 = c.state ? &dc0 : nullptr;
    both(w + " backward", [&](Sel P) {
      const std::vector<vt> p = pv(P, ps), dp = pv(P, dps);
      return vigil_conv_lstm_backward(&opt, P(x), p.data(), np, P(mk), P(st0), P(sc0), P(y),
                                      P(saved), P(dy), P(dx), dp.data(), P(gh0), P(gc0));
    });
    const Tol gl = tol<T>(1e-3, 1e-4);
    agree(w + " dx", dx, gl);
    for (int k = 0; k < np; ++k)
      if (dps[k]) agree(w + " dparams[" + std::to_string(k) + "]", *dps[k], gl);
    if (c.state) {
      agree(w + " dh0", dh0, gl);
      agree(w + " dc0", dc0, gl);
    }
    // one gradient of the recurrent weights (w_h / dw_h) and dh0 alone: the rest NULL
    const int rec = c.cell == kAttn ? 2 : 1;
    both(w + " backward (recurrent weights, dh0 only)", [&](Sel P) {
      const std::vector<vt> p = pv(P, ps);
      std::vector<vt> dp(np, nullptr);
      dp[rec] = P(dps[rec].get());
      return vigil_conv_lstm_backward(&opt, P(x), p.data(), np, P(mk), P(st0), P(sc0), P(y),
                                      P(saved), P(dy), P(none), dp.data(), P(gh0), P(none));
    });
    agree(w + " dparams[" + std::to_string(rec) + "] (alone)", *dps[rec], gl);
    if (c.state) agree(w + " dh0 (alone)", dh0, gl);
  }
}

// Each case names the ops of ops.def it runs; cuda_parity_covers_every_op holds the list to the table.
struct Case {
  const char* name;
  std::vector<std::string> ops;
  std::function<void()> run;
};
#define BOTH_TYPES(fn, ...) \
  Case{#fn " f32", {__VA_ARGS__}, fn<float>}, Case { #fn " f64", {__VA_ARGS__}, fn<double> }
const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      BOTH_TYPES(fill_copy_cast, "fill", "copy", "cast"),
      BOTH_TYPES(random_streams, "random_fill"),
      BOTH_TYPES(dropout, "dropout"),
      BOTH_TYPES(reparam_sample, "reparam_sample"),
      BOTH_TYPES(binary_ops, "binary"),
      BOTH_TYPES(unary_ops, "unary"),
      BOTH_TYPES(reductions, "reduce"),
      BOTH_TYPES(softmax, "softmax"),
      BOTH_TYPES(shape_ops, "permute", "axis_copy", "repeat"),
      BOTH_TYPES(matmul, "matmul"),
      BOTH_TYPES(linear, "linear"),
      BOTH_TYPES(lstm, "lstm"),
      BOTH_TYPES(causal_conv1d, "causal_conv1d"),
      BOTH_TYPES(conv2d_family, "conv2d", "conv_transpose2d"),
      BOTH_TYPES(conv_lstm, "conv_lstm"),
      BOTH_TYPES(batch_norm, "batch_norm"),
      BOTH_TYPES(losses, "mse", "gaussian_nll", "kl_normal", "bce_with_logits"),
      BOTH_TYPES(optimisers, "adam_step", "sgd_step", "sum_squares", "scale_inplace", "ema_update"),
      Case{"matmul_tf32 f32", {"matmul"}, matmul_tf32}};
  return c;
}

}  // namespace

HTEST(cuda_parity) {
  if (!gpu()) {
    harness::skip("no usable CUDA device, " + std::to_string(cases().size()) + " op cases not run (" + describe() + ")");
    return;
  }
  const char* env = std::getenv("VIGIL_PARITY_SEED");
  g_seed = env ? std::strtoull(env, nullptr, 10) : static_cast<uint64_t>(std::time(nullptr));
  std::printf("  cuda_parity on %s\n  seed %llu (VIGIL_PARITY_SEED=%llu repeats this run)\n",
              describe().c_str(), static_cast<unsigned long long>(g_seed),
              static_cast<unsigned long long>(g_seed));
  const uint64_t base = g_seed;
  for (const Case& c : cases()) {
    std::printf("    %s\n", c.name);
    std::fflush(stdout);
    c.run();
  }
  g_seed = base;
}

// Sizes past the launch limits the kernels work around: more outputs than a capped grid has
// threads (group_max_threads, softmax_columns: grid-stride loops), more than 65535 GEMM tiles
// along N and more than 65535 batches (launched in chunks), and reductions long enough to be cut
// into slices. f32 only, ~1.5 GB of host and device memory; a separate case so that the
// sanitizer runs (tools/gpu/run-parity.sh) can leave it out.
HTEST(cuda_large_grids) {
  if (!gpu()) {
    harness::skip("no usable CUDA device (" + describe() + ")");
    return;
  }
  const char* env = std::getenv("VIGIL_PARITY_SEED");
  g_seed = env ? std::strtoull(env, nullptr, 10) : static_cast<uint64_t>(std::time(nullptr));
  std::printf("  seed %llu\n", static_cast<unsigned long long>(g_seed));
  using T = float;
  const int64_t kGridThreads = int64_t(1) << 24;  // kMaxBlocks * kThreads of cuda/common.cuh
  {  // max over the last dim, one thread per output: 2^24 + 37 outputs
    const int64_t rows = kGridThreads + 37;
    Tens<T> x({rows, 2}, kRandom), y({rows, 1}, kPoison), dy({rows, 1}, kRandom), dx({rows, 2}, kRandom);
    both("max large", [&](Sel P) { return vigil_reduce_forward(VIGIL_MAX, P(x), 2u, P(y)); });
    agree("max large forward", y, {0, 0});
    both("max large", [&](Sel P) { return vigil_reduce_backward(VIGIL_MAX, P(x), P(y), P(dy), 2u, P(dx)); });
    agree("max large backward", dx, {1e-6, 1e-7});
  }
  {  // softmax over a strided axis: 2 * (2^23 + 11) columns
    const std::vector<int64_t> xs = {2, 3, kGridThreads / 2 + 11};
    Tens<T> x(xs, kRandom, -4, 4), y(xs, kPoison), dy(xs, kRandom), dx(xs, kRandom);
    both("softmax large", [&](Sel P) { return vigil_softmax_forward(P(x), 1, 0, P(y)); });
    agree("softmax large forward", y, {1e-5, 1e-6});
    Tens<T> yc(xs, kPoison);
    yc.h = y.h;
    HCHECK_OK(vigil_copy_from_host(&yc.d, yc.h.data(), yc.bytes));
    both("softmax large", [&](Sel P) { return vigil_softmax_backward(P(yc), P(dy), 1, 0, P(dx)); });
    agree("softmax large backward", dx, {1e-5, 1e-6});
  }
  {  // GEMM with 65537 tiles along N
    const int64_t N = 65536 * 64 + 5;
    Tens<T> a({2, 3}, kRandom), b({3, N}, kRandom), y({2, N}, kPoison), dy({2, N}, kRandom);
    Tens<T> da({2, 3}, kRandom), db({3, N}, kRandom);
    both("matmul wide", [&](Sel P) { return vigil_matmul_forward(P(a), P(b), P(y), 0, 0); });
    agree("matmul wide forward", y, gemm_tol<T>(3));
    both("matmul wide", [&](Sel P) { return vigil_matmul_backward(P(a), P(b), P(dy), P(da), P(db), 0, 0); });
    agree("matmul wide db", db, gemm_tol<T>(2));
    // da sums N = 4.2M products (|da| ~ 700): the tiled kernel adds them one after another in
    // f32 (rounding error ~0.03 rms), the CPU in blocks: rtol 1e-3
    agree("matmul wide da", da, {1e-3, 1e-2});
  }
  {  // 70001 products in one strided batch
    const int64_t B = 70001;
    Tens<T> a({B, 2, 3}, kRandom), b({B, 3, 2}, kRandom), y({B, 2, 2}, kPoison), dy({B, 2, 2}, kRandom);
    Tens<T> da({B, 2, 3}, kRandom), db({B, 3, 2}, kRandom);
    both("matmul many", [&](Sel P) { return vigil_matmul_forward(P(a), P(b), P(y), 0, 0); });
    agree("matmul many forward", y, gemm_tol<T>(3));
    both("matmul many", [&](Sel P) { return vigil_matmul_backward(P(a), P(b), P(dy), P(da), P(db), 0, 0); });
    agree("matmul many da", da, gemm_tol<T>(2));
    agree("matmul many db", db, gemm_tol<T>(2));
  }
  for (const auto& [xs, mask] : std::vector<std::pair<std::vector<int64_t>, uint32_t>>{
           {{3, 5000001}, 2u}, {{5000001, 3}, 1u}}) {  // sliced sums, block and thread paths
    std::vector<int64_t> ys = xs;
    for (size_t k = 0; k < xs.size(); ++k)
      if (mask >> k & 1u) ys[k] = 1;
    Tens<T> x(xs, kRandom), y(ys, kPoison);
    const std::string w = "sum large " + shape_str(xs);
    both(w, [&](Sel P) { return vigil_reduce_forward(VIGIL_SUM, P(x), mask, P(y)); });
    agree(w, y, {1e-6, 1e-6});
  }
}

// Needs no GPU: every op of ops.def with a CUDA kernel has a parity case above, and every op a
// case names is in the table, so a new op cannot skip the parity run.
HTEST(cuda_parity_covers_every_op) {
  std::set<std::string> table, cuda, covered;
#define VIGIL_OP(name, js, entry, has_cuda) \
  table.insert(#name);                      \
  if (has_cuda) cuda.insert(#name);
#include "vigil/ops.def"
#undef VIGIL_OP
  for (const Case& c : cases())
    for (const std::string& op : c.ops) {
      HCHECK(table.count(op), std::string(c.name) + " names " + op + ", which is not in ops.def");
      covered.insert(op);
    }
  for (const std::string& op : cuda)
    HCHECK(covered.count(op), op + " has a CUDA kernel (ops.def) but no case in cuda_parity");
}

// Needs no GPU: mixed devices are refused, CUDA tensors without a usable device (or without
// CUDA support) are a device error, never a crash, and vigil_supports answers for the build.
HTEST(cuda_dispatch_errors) {
  float host[4] = {1, 2, 3, 4};
  vigil_tensor cpu_t{host, VIGIL_F32, VIGIL_CPU, 1, {4}};
  vigil_tensor fake{host, VIGIL_F32, VIGIL_CUDA, 1, {4}};  // never dereferenced by the checks
  vigil_status s = vigil_binary_forward(VIGIL_ADD, &cpu_t, &fake, &cpu_t);
  HCHECK(s == VIGIL_ERR_DEVICE, "mixed devices must be VIGIL_ERR_DEVICE");
  HCHECK(std::strstr(vigil_last_error(), "different devices"), std::string("message: ") + vigil_last_error());

  HCHECK(vigil_supports("matmul", VIGIL_CPU) == 1, "matmul on cpu");
  HCHECK(vigil_supports("lstm_backward", VIGIL_CPU) == 1, "lstm_backward on cpu");
  HCHECK(vigil_supports("no_such_op", VIGIL_CPU) == 0, "unknown op");
  HCHECK(vigil_supports("adam_step", VIGIL_CUDA) == vigil_cuda_compiled(), "adam_step on cuda");

  char buf[512];
  const int len = vigil_cuda_describe(buf, sizeof buf);
  HCHECK(len > 0 && std::strlen(buf) > 0, "vigil_cuda_describe says something");

  if (gpu()) return;
  // No usable device: every entry point reports a device error naming CUDA.
  s = vigil_fill(&fake, 1.0);
  HCHECK(s == VIGIL_ERR_DEVICE, "fill of a CUDA tensor without a device");
  HCHECK(std::strstr(vigil_last_error(), "CUDA"), std::string("message: ") + vigil_last_error());
  s = vigil_unary_forward(VIGIL_EXP, &fake, &fake, 0, 0);
  HCHECK(s == VIGIL_ERR_DEVICE, "unary of CUDA tensors without a device");
  HCHECK(std::strstr(vigil_last_error(), "exp:") == vigil_last_error(),
         std::string("message names the op: ") + vigil_last_error());
  void* p = nullptr;
  s = vigil_alloc(VIGIL_CUDA, 64, &p);
  HCHECK(s == VIGIL_ERR_DEVICE && p == nullptr, "alloc on CUDA without a device");
  HCHECK(vigil_copy_to_host(&fake, host, sizeof host) == VIGIL_ERR_DEVICE, "copy_to_host");
}
