// gemm (the blocked AVX2 kernel) against gemm_ref over odd shapes, every transpose, padded
// leading dims, alpha and beta (NaN in C with beta = 0), nested in a pool task and on several
// thread counts; matmul / linear entry points: values, accumulation, shape errors and f64
// central-difference gradient checks.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "harness.h"

using harness::Buf;

namespace {

// ---------------------------------------------------------------- gemm vs gemm_ref

template <typename T>
struct Tol;
template <>
struct Tol<float> {  // different summation orders of K float products in [-1, 1]
  static double rtol() { return 1e-4; }
  static double atol(int64_t K) { return 2e-6 * static_cast<double>(K); }
};
template <>
struct Tol<double> {
  static double rtol() { return 1e-12; }
  static double atol(int64_t K) { return 1e-14 * static_cast<double>(K); }
};

struct GemmCase {
  bool ta, tb;
  int64_t M, N, K;
  double alpha, beta;
  int64_t pad;  // extra elements per row of A, B and C beyond the stored row length
};

std::string describe(const GemmCase& c) {
  return std::string(c.ta ? "T" : "N") + (c.tb ? "T" : "N") + " M=" + std::to_string(c.M) +
         " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) +
         " alpha=" + std::to_string(c.alpha) + " beta=" + std::to_string(c.beta) +
         " pad=" + std::to_string(c.pad);
}

// Runs gemm and gemm_ref on the same inputs and compares every element of C, including the
// padding columns that neither may touch. With beta == 0, C starts as NaN.
template <typename T>
void check_gemm(const GemmCase& c, uint64_t seed) {
  const int64_t a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  const int64_t b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = c.N + c.pad;
  std::vector<T> A(a_rows * lda), B(b_rows * ldb), C(c.M * ldc);
  harness::fill_uniform(A, seed);
  harness::fill_uniform(B, seed + 1);
  harness::fill_uniform(C, seed + 2);
  if (c.beta == 0)
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) C[i * ldc + j] = NAN;
  std::vector<T> R = C;
  vigil::cpu::gemm<T>(c.ta, c.tb, c.M, c.N, c.K, T(c.alpha), A.data(), lda, B.data(), ldb,
                      T(c.beta), C.data(), ldc);
  vigil::cpu::gemm_ref<T>(c.ta, c.tb, c.M, c.N, c.K, T(c.alpha), A.data(), lda, B.data(), ldb,
                          T(c.beta), R.data(), ldc);
  const std::string what = std::string(sizeof(T) == 4 ? "f32 " : "f64 ") + describe(c);
  const double scale = std::fabs(c.alpha) + std::fabs(c.beta);
  HCHECK_CLOSE(what.c_str(), C.data(), R.data(), static_cast<int64_t>(C.size()), Tol<T>::rtol(),
               scale * Tol<T>::atol(c.K));
}

// (M, N, K) triples: odd sizes around the 6x16 tile, K around the 256 slice, M past the 192-row
// block, one N past the 4080-column block, packed B blocks below and above the 256 KiB that
// switch the tile order, the LSTM step shape, and the unpacked vector paths
// (M <= 4 rows, or one column) with and without their 8- and 64-wide vector loops.
const int64_t kShapes[][3] = {
    {1, 1, 1},     {1, 17, 5},     {5, 1, 17},    {17, 5, 1},    {5, 17, 63},
    {6, 16, 256},  {7, 17, 257},   {63, 65, 17},  {65, 63, 129}, {127, 129, 65},
    {129, 127, 5}, {300, 33, 129}, {33, 300, 63}, {12, 48, 600}, {64, 512, 128},
    {300, 17, 38}, {7, 4100, 9},   {2, 300, 300}, {300, 2, 300}, {31, 31, 31},
    {3, 70, 40},   {4, 129, 300},  {300, 1, 129}, {1, 300, 65},  {8, 8, 8},
    {20, 600, 300}};

template <typename T>
void gemm_sweep(uint64_t seed) {
  const double alphas[] = {1.0, -1.5};
  const double betas[] = {0.0, 1.0, 0.5};
  int n = 0;
  for (const auto& s : kShapes)
    for (int t = 0; t < 4; ++t)
      for (double beta : betas) {
        const double alpha = alphas[n % 2];
        const int64_t pad = n % 3 == 0 ? 0 : 1 + n % 5;
        check_gemm<T>({(t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], alpha, beta, pad},
                      seed + 7 * n);
        ++n;
      }
}

HTEST(gemm_f32_matches_reference) { gemm_sweep<float>(100); }
HTEST(gemm_f64_matches_reference) { gemm_sweep<double>(200); }

// Products big enough to split over the pool (>= 2^23 multiply-adds), on 1, 2 and 3 threads.
HTEST(gemm_threaded_matches_reference) {
  const int before = vigil::num_threads();
  int n = 0;
  for (int threads : {1, 2, 3}) {
    vigil::set_num_threads(threads);
    check_gemm<float>({false, true, 258, 259, 130, 1.0, 0.0, 3}, 300 + n++);
    check_gemm<float>({true, false, 131, 515, 127, 0.5, 1.0, 0}, 300 + n++);
    check_gemm<double>({false, false, 257, 129, 260, 1.0, 0.5, 1}, 300 + n++);
  }
  vigil::set_num_threads(before);
}

HTEST(gemm_k_zero_scales_c) {
  for (double beta : {0.0, 0.5}) {
    std::vector<float> C(6, NAN), R(6, beta == 0 ? 0.0f : NAN);
    if (beta != 0) {
      harness::fill_uniform(C, 9);
      for (int i = 0; i < 6; ++i) R[i] = static_cast<float>(beta) * C[i];
    }
    vigil::cpu::gemm<float>(false, false, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3,
                            static_cast<float>(beta), C.data(), 3);
    HCHECK_CLOSE("K = 0", C.data(), R.data(), 6, 0, 0);
  }
}

// Inside a pool task the gemm runs on the calling thread; two concurrent products must not
// share packing buffers.
HTEST(gemm_nested_in_parallel_for) {
  const int64_t M = 300, N = 200, K = 150;
  std::vector<float> A(2 * M * K), B(K * N), C(2 * M * N, NAN), R(2 * M * N);
  harness::fill_uniform(A, 41);
  harness::fill_uniform(B, 42);
  vigil::parallel_for(0, 2, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      vigil::cpu::gemm<float>(false, false, M, N, K, 1.0f, A.data() + i * M * K, K, B.data(), N,
                              0.0f, C.data() + i * M * N, N);
  });
  vigil::cpu::gemm_ref<float>(false, false, 2 * M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f,
                              R.data(), N);
  HCHECK_CLOSE("nested gemm", C.data(), R.data(), 2 * M * N, Tol<float>::rtol(),
               Tol<float>::atol(K));
}

// ---------------------------------------------------------------- matmul / linear helpers

// y = op(a) op(b) by plain loops over the batch (b shared when 2-D and a is not).
template <typename T>
void matmul_loops(const Buf<T>& a, const Buf<T>& b, Buf<T>& y, bool ta, bool tb) {
  const int ra = a.t.ndim, rb = b.t.ndim;
  const int64_t a0 = a.t.shape[ra - 2], a1 = a.t.shape[ra - 1];
  const int64_t b0 = b.t.shape[rb - 2], b1 = b.t.shape[rb - 1];
  const int64_t M = ta ? a1 : a0, K = ta ? a0 : a1, N = tb ? b0 : b1;
  const int64_t batch = static_cast<int64_t>(a.v.size()) / (M * K);
  const bool shared = rb == 2 && ra > 2;
  for (int64_t i = 0; i < batch; ++i)
    vigil::cpu::gemm_ref<T>(ta, tb, M, N, K, T(1), a.v.data() + i * M * K, a1,
                            b.v.data() + (shared ? 0 : i * K * N), b1, T(0),
                            y.v.data() + i * M * N, N);
}

template <typename T>
Buf<T> random_buf(std::vector<int64_t> shape, uint64_t seed) {
  Buf<T> b(std::move(shape));
  harness::fill_uniform(b.v, seed);
  return b;
}

double weighted_sum(const std::vector<double>& y, const std::vector<double>& g) {
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += y[i] * g[i];
  return s;
}

// Largest |analytic - numeric| - (atol + rtol |numeric|) over p's elements, numeric being the
// central difference of loss() with step 1e-6 (f64). <= 0 passes.
double grad_excess(std::vector<double>& p, const std::vector<double>& analytic,
                   const std::function<double()>& loss, std::string* worst) {
  return harness::grad_excess(analytic, harness::numeric_grad(p, loss), 1e-6, 1e-8, worst);
}

void check_grad(const std::string& what, std::vector<double>& p,
                const std::vector<double>& analytic, const std::function<double()>& loss) {
  std::string worst;
  if (grad_excess(p, analytic, loss, &worst) > 0)
    harness::record_failure(__FILE__, __LINE__, "gradient of " + what + ": " + worst);
}

bool error_names(vigil_status s, const char* op) {
  return s == VIGIL_ERR_SHAPE && std::strstr(vigil_last_error(), op) != nullptr;
}

// (a shape, b shape) pairs, given for op(a), op(b): 2-D, batched, shared 2-D b.
struct MatmulShapes {
  std::vector<int64_t> batch;  // a's batch dims (b's too unless shared)
  int64_t M, K, N;
  bool shared;
};
const MatmulShapes kMatmulShapes[] = {
    {{}, 3, 4, 5, false},
    {{2}, 3, 4, 5, false},
    {{2, 3}, 5, 3, 2, false},
    {{3}, 4, 5, 3, true},
    {{2, 2}, 3, 2, 4, true},
};

std::vector<int64_t> with(std::vector<int64_t> dims, int64_t r, int64_t c) {
  dims.push_back(r);
  dims.push_back(c);
  return dims;
}

// ---------------------------------------------------------------- matmul

HTEST(matmul_forward_matches_loops) {
  uint64_t seed = 500;
  for (const auto& s : kMatmulShapes)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      auto a = random_buf<float>(with(s.batch, ta ? s.K : s.M, ta ? s.M : s.K), seed++);
      auto b = random_buf<float>(with(s.shared ? std::vector<int64_t>{} : s.batch,
                                      tb ? s.N : s.K, tb ? s.K : s.N),
                                 seed++);
      Buf<float> y(with(s.batch, s.M, s.N), NAN), r(with(s.batch, s.M, s.N));
      HCHECK_OK(vigil_matmul_forward(a.d(), b.d(), y.d(), ta, tb));
      matmul_loops(a, b, r, ta, tb);
      HCHECK_CLOSE("matmul forward", y.p(), r.p(), y.n(), 1e-5, 1e-6);
    }
}

// Big batched products take the threaded paths (batch over threads; folded shared b).
HTEST(matmul_forward_large_batched) {
  for (bool shared : {false, true}) {
    auto a = random_buf<float>({64, 40, 50}, 600);
    auto b = shared ? random_buf<float>({60, 50}, 601) : random_buf<float>({64, 60, 50}, 601);
    Buf<float> y({64, 40, 60}), r({64, 40, 60});
    HCHECK_OK(vigil_matmul_forward(a.d(), b.d(), y.d(), 0, 1));
    matmul_loops(a, b, r, false, true);
    HCHECK_CLOSE(shared ? "shared b" : "batched b", y.p(), r.p(), y.n(), 1e-5, 1e-4);
  }
}

// f64 gradient check of every transpose combination and batch layout; gradients accumulate
// onto what da / db already hold.
HTEST(matmul_backward_gradcheck) {
  uint64_t seed = 700;
  for (const auto& s : kMatmulShapes)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      auto a = random_buf<double>(with(s.batch, ta ? s.K : s.M, ta ? s.M : s.K), seed++);
      auto b = random_buf<double>(with(s.shared ? std::vector<int64_t>{} : s.batch,
                                       tb ? s.N : s.K, tb ? s.K : s.N),
                                  seed++);
      auto g = random_buf<double>(with(s.batch, s.M, s.N), seed++);
      Buf<double> y(with(s.batch, s.M, s.N));
      auto da = random_buf<double>(with(s.batch, ta ? s.K : s.M, ta ? s.M : s.K), seed++);
      auto db = random_buf<double>(with(s.shared ? std::vector<int64_t>{} : s.batch,
                                        tb ? s.N : s.K, tb ? s.K : s.N),
                                   seed++);
      const std::vector<double> da0 = da.v, db0 = db.v;
      HCHECK_OK(vigil_matmul_backward(a.d(), b.d(), g.d(), da.d(), db.d(), ta, tb));
      std::vector<double> ga(da.v.size()), gb(db.v.size());
      for (size_t i = 0; i < ga.size(); ++i) ga[i] = da.v[i] - da0[i];
      for (size_t i = 0; i < gb.size(); ++i) gb[i] = db.v[i] - db0[i];
      auto loss = [&] {
        vigil_matmul_forward(a.d(), b.d(), y.d(), ta, tb);
        return weighted_sum(y.v, g.v);
      };
      const std::string what = std::string("matmul ") + (ta ? "T" : "N") + (tb ? "T" : "N") +
                               (s.shared ? " shared" : "") + " rank " +
                               std::to_string(a.t.ndim);
      check_grad(what + " a", a.v, ga, loss);
      check_grad(what + " b", b.v, gb, loss);
    }
}

// The check above can fail: a backward that forgets a transpose is caught.
HTEST(matmul_gradcheck_catches_wrong_backward) {
  auto a = random_buf<double>({3, 4}, 800), b = random_buf<double>({4, 5}, 801);
  auto g = random_buf<double>({3, 5}, 802);
  Buf<double> y({3, 5}), da({3, 4});
  // da computed as if b were transposed: reads b [4,5] as [5,4].
  vigil::cpu::gemm<double>(false, false, 3, 4, 5, 1.0, g.p(), 5, b.p(), 4, 0.0, da.p(), 4);
  std::string worst;
  auto loss = [&] {
    vigil_matmul_forward(a.d(), b.d(), y.d(), 0, 0);
    return weighted_sum(y.v, g.v);
  };
  HCHECK(grad_excess(a.v, da.v, loss, &worst) > 0, "a wrong matmul gradient passed the check");
}

HTEST(matmul_null_grads_skipped) {
  auto a = random_buf<float>({2, 3, 4}, 900), b = random_buf<float>({4, 5}, 901);
  auto g = random_buf<float>({2, 3, 5}, 902);
  Buf<float> db({4, 5}), db_ref({4, 5});
  HCHECK_OK(vigil_matmul_backward(a.d(), b.d(), g.d(), nullptr, db.d(), 0, 0));
  // db = sum over the batch of a_i^T g_i
  vigil::cpu::gemm_ref<float>(true, false, 4, 5, 6, 1.0f, a.p(), 4, g.p(), 5, 0.0f, db_ref.p(), 5);
  HCHECK_CLOSE("shared db", db.p(), db_ref.p(), db.n(), 1e-5, 1e-6);
  HCHECK_OK(vigil_matmul_backward(a.d(), b.d(), g.d(), nullptr, nullptr, 0, 0));
}

HTEST(matmul_shape_errors) {
  Buf<float> a({2, 3, 4}), b({2, 4, 5}), y({2, 3, 5}), b2({4, 5}), v({4});
  Buf<float> bad_inner({2, 5, 5}), bad_batch({3, 4, 5}), bad_y({2, 3, 4}), a2({3, 4});
  Buf<float> b3({2, 4, 5});
  HCHECK(error_names(vigil_matmul_forward(a.d(), bad_inner.d(), y.d(), 0, 0), "matmul"),
         "inner dims");
  HCHECK(error_names(vigil_matmul_forward(a.d(), bad_batch.d(), y.d(), 0, 0), "matmul"),
         "batch dims");
  HCHECK(error_names(vigil_matmul_forward(a.d(), b.d(), bad_y.d(), 0, 0), "matmul"), "y shape");
  HCHECK(error_names(vigil_matmul_forward(a.d(), v.d(), y.d(), 0, 0), "matmul"), "1-D b");
  HCHECK(error_names(vigil_matmul_forward(a2.d(), b3.d(), y.d(), 0, 0), "matmul"),
         "2-D a, batched b");
  HCHECK(error_names(vigil_matmul_forward(a.d(), b.d(), y.d(), 1, 0), "matmul"), "trans_a");
  HCHECK(std::strstr(vigil_last_error(), "a [2,3,4]") != nullptr, vigil_last_error());
  Buf<float> da_bad({2, 4, 3}), db_bad({4, 5}), dy_bad({2, 3, 6});
  HCHECK(error_names(vigil_matmul_backward(a.d(), b.d(), y.d(), da_bad.d(), nullptr, 0, 0),
                     "matmul_backward"),
         "da shape");
  HCHECK(error_names(vigil_matmul_backward(a.d(), b.d(), y.d(), nullptr, db_bad.d(), 0, 0),
                     "matmul_backward"),
         "db shape");
  HCHECK(error_names(vigil_matmul_backward(a.d(), b.d(), dy_bad.d(), nullptr, nullptr, 0, 0),
                     "matmul_backward"),
         "dy shape");
  Buf<double> bd({2, 4, 5});
  HCHECK(vigil_matmul_forward(a.d(), bd.d(), y.d(), 0, 0) == VIGIL_ERR_DTYPE, "mixed dtypes");
}

// ---------------------------------------------------------------- linear

HTEST(linear_forward_matches_loops) {
  uint64_t seed = 1000;
  const std::vector<int64_t> lead_dims[] = {{}, {7}, {2, 3}, {130}};
  for (const auto& lead : lead_dims)
    for (bool with_bias : {true, false}) {
      const int64_t in = 5, out = 19;
      std::vector<int64_t> xs = lead, ys = lead;
      xs.push_back(in);
      ys.push_back(out);
      auto x = random_buf<float>(xs, seed++), w = random_buf<float>({out, in}, seed++);
      auto bias = random_buf<float>({out}, seed++);
      Buf<float> y(ys, NAN), r(ys);
      HCHECK_OK(vigil_linear_forward(x.d(), w.d(), with_bias ? bias.d() : nullptr, y.d()));
      const int64_t rows = x.n() / in;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t o = 0; o < out; ++o) {
          double s = with_bias ? bias.v[o] : 0.0;
          for (int64_t k = 0; k < in; ++k) s += double(x.v[i * in + k]) * w.v[o * in + k];
          r.v[i * out + o] = static_cast<float>(s);
        }
      HCHECK_CLOSE("linear forward", y.p(), r.p(), y.n(), 1e-5, 1e-6);
    }
}

HTEST(linear_backward_gradcheck) {
  uint64_t seed = 1100;
  for (bool with_bias : {true, false})
    for (const auto& xs : {std::vector<int64_t>{2, 3, 4}, std::vector<int64_t>{5, 4}}) {
      const int64_t in = 4, out = 3;
      std::vector<int64_t> ys(xs.begin(), xs.end() - 1);
      ys.push_back(out);
      auto x = random_buf<double>(xs, seed++), w = random_buf<double>({out, in}, seed++);
      auto bias = random_buf<double>({out}, seed++), g = random_buf<double>(ys, seed++);
      auto dx = random_buf<double>(xs, seed++), dw = random_buf<double>({out, in}, seed++);
      auto dbias = random_buf<double>({out}, seed++);
      const std::vector<double> dx0 = dx.v, dw0 = dw.v, dbias0 = dbias.v;
      Buf<double> y(ys);
      HCHECK_OK(vigil_linear_backward(x.d(), w.d(), g.d(), dx.d(), dw.d(),
                                      with_bias ? dbias.d() : nullptr));
      auto diff = [](const std::vector<double>& now, const std::vector<double>& before) {
        std::vector<double> d(now.size());
        for (size_t i = 0; i < d.size(); ++i) d[i] = now[i] - before[i];
        return d;
      };
      auto loss = [&] {
        vigil_linear_forward(x.d(), w.d(), with_bias ? bias.d() : nullptr, y.d());
        return weighted_sum(y.v, g.v);
      };
      const std::string what = "linear rank " + std::to_string(xs.size());
      check_grad(what + " x", x.v, diff(dx.v, dx0), loss);
      check_grad(what + " w", w.v, diff(dw.v, dw0), loss);
      if (with_bias) {
        check_grad(what + " bias", bias.v, diff(dbias.v, dbias0), loss);
      } else {
        HCHECK(dbias.v == dbias0, "dbias touched though not passed");
      }
    }
}

// The shapes of the LSTM input projection: threaded gemm, column-sum of dbias over threads.
HTEST(linear_large_f32) {
  const int64_t rows = 1600, in = 38, out = 128;
  auto x = random_buf<float>({rows, in}, 1200), w = random_buf<float>({out, in}, 1201);
  auto bias = random_buf<float>({out}, 1202), g = random_buf<float>({rows, out}, 1203);
  Buf<float> y({rows, out}), r({rows, out}), dbias({out});
  HCHECK_OK(vigil_linear_forward(x.d(), w.d(), bias.d(), y.d()));
  for (int64_t i = 0; i < rows; ++i) std::memcpy(r.p() + i * out, bias.p(), out * sizeof(float));
  vigil::cpu::gemm_ref<float>(false, true, rows, out, in, 1.0f, x.p(), in, w.p(), in, 1.0f, r.p(),
                              out);
  HCHECK_CLOSE("linear forward large", y.p(), r.p(), y.n(), 1e-5, 1e-5);
  HCHECK_OK(vigil_linear_backward(x.d(), w.d(), g.d(), nullptr, nullptr, dbias.d()));
  std::vector<double> want(out, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t o = 0; o < out; ++o) want[o] += g.v[i * out + o];
  std::vector<float> wantf(want.begin(), want.end());
  HCHECK_CLOSE("dbias", dbias.p(), wantf.data(), out, 1e-4, 1e-4);
}

HTEST(linear_shape_errors) {
  Buf<float> x({2, 3, 4}), w({5, 4}), bias({5}), y({2, 3, 5});
  Buf<float> w_bad({5, 3}), bias_bad({4}), y_bad({2, 5}), dx_bad({2, 3, 5}), dw_bad({4, 5});
  Buf<float> scalar(std::vector<int64_t>{});
  HCHECK(error_names(vigil_linear_forward(x.d(), w_bad.d(), bias.d(), y.d()), "linear"), "w");
  HCHECK(error_names(vigil_linear_forward(x.d(), w.d(), bias_bad.d(), y.d()), "linear"), "bias");
  HCHECK(error_names(vigil_linear_forward(x.d(), w.d(), bias.d(), y_bad.d()), "linear"), "y");
  HCHECK(error_names(vigil_linear_forward(scalar.d(), w.d(), nullptr, y.d()), "linear"), "x 0-D");
  HCHECK(std::strstr(vigil_last_error(), "x []") != nullptr, vigil_last_error());
  HCHECK(error_names(vigil_linear_backward(x.d(), w.d(), y.d(), dx_bad.d(), nullptr, nullptr),
                     "linear_backward"),
         "dx");
  HCHECK(error_names(vigil_linear_backward(x.d(), w.d(), y.d(), nullptr, dw_bad.d(), nullptr),
                     "linear_backward"),
         "dw");
  HCHECK(error_names(vigil_linear_backward(x.d(), w.d(), y.d(), nullptr, nullptr, bias_bad.d()),
                     "linear_backward"),
         "dbias");
  HCHECK(error_names(vigil_linear_backward(x.d(), w.d(), y_bad.d(), nullptr, nullptr, nullptr),
                     "linear_backward"),
         "dy");
}

}  // namespace
