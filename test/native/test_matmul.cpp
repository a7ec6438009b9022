// matmul: the fast kernel against cpu/ref/matmul.h on 2-D, batched and shared-b products with
// every transpose, large batched products, f64 central-difference gradient checks (shown to
// catch a wrong backward), NULL gradients, and shape errors.
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/ref/gemm.h"
#include "cpu/ref/matmul.h"
#include "harness.h"
#include "loss_grad.h"

using harness::Buf;

namespace {

using namespace harness;

// y = op(a) op(b) by cpu/ref/matmul.h over the batch (b shared when 2-D and a is not).
template <typename T>
void matmul_loops(const Buf<T>& a, const Buf<T>& b, Buf<T>& y, bool ta, bool tb) {
  const int ra = a.t.ndim, rb = b.t.ndim;
  const int64_t a0 = a.t.shape[ra - 2], a1 = a.t.shape[ra - 1];
  const int64_t b0 = b.t.shape[rb - 2], b1 = b.t.shape[rb - 1];
  const int64_t M = ta ? a1 : a0, K = ta ? a0 : a1, N = tb ? b0 : b1;
  const int64_t batch = static_cast<int64_t>(a.v.size()) / (M * K);
  std::vector<double> r(y.v.size());
  vigil::ref::matmul_forward(a.v.data(), b.v.data(), batch, M, N, K, ta, tb, rb == 2 && ra > 2,
                             r.data());
  y.v.assign(r.begin(), r.end());
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
        return dot(y.v, g.v);
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
    return dot(y.v, g.v);
  };
  HCHECK(loss_grad_excess(a.v, da.v, loss, &worst) > 0, "a wrong matmul gradient passed the check");
}

HTEST(matmul_null_grads_skipped) {
  auto a = random_buf<float>({2, 3, 4}, 900), b = random_buf<float>({4, 5}, 901);
  auto g = random_buf<float>({2, 3, 5}, 902);
  Buf<float> db({4, 5}), db_ref({4, 5});
  HCHECK_OK(vigil_matmul_backward(a.d(), b.d(), g.d(), nullptr, db.d(), 0, 0));
  // db = sum over the batch of a_i^T g_i
  vigil::ref::gemm<float>(true, false, 4, 5, 6, 1.0f, a.p(), 4, g.p(), 5, 0.0f, db_ref.p(), 5);
  HCHECK_CLOSE("shared db", db.p(), db_ref.p(), db.n(), 1e-5, 1e-6);
  HCHECK_OK(vigil_matmul_backward(a.d(), b.d(), g.d(), nullptr, nullptr, 0, 0));
}

HTEST(matmul_shape_errors) {
  Buf<float> a({2, 3, 4}), b({2, 4, 5}), y({2, 3, 5}), b2({4, 5}), v({4});
  Buf<float> bad_inner({2, 5, 5}), bad_batch({3, 4, 5}), bad_y({2, 3, 4}), a2({3, 4});
  Buf<float> b3({2, 4, 5});
  HCHECK(shape_error(vigil_matmul_forward(a.d(), bad_inner.d(), y.d(), 0, 0), "matmul"),
         "inner dims");
  HCHECK(shape_error(vigil_matmul_forward(a.d(), bad_batch.d(), y.d(), 0, 0), "matmul"),
         "batch dims");
  HCHECK(shape_error(vigil_matmul_forward(a.d(), b.d(), bad_y.d(), 0, 0), "matmul"), "y shape");
  HCHECK(shape_error(vigil_matmul_forward(a.d(), v.d(), y.d(), 0, 0), "matmul"), "1-D b");
  HCHECK(shape_error(vigil_matmul_forward(a2.d(), b3.d(), y.d(), 0, 0), "matmul"),
         "2-D a, batched b");
  HCHECK(shape_error(vigil_matmul_forward(a.d(), b.d(), y.d(), 1, 0), "matmul"), "trans_a");
  HCHECK(std::strstr(vigil_last_error(), "a [2,3,4]") != nullptr, vigil_last_error());
  Buf<float> da_bad({2, 4, 3}), db_bad({4, 5}), dy_bad({2, 3, 6});
  HCHECK(shape_error(vigil_matmul_backward(a.d(), b.d(), y.d(), da_bad.d(), nullptr, 0, 0),
                     "matmul_backward"),
         "da shape");
  HCHECK(shape_error(vigil_matmul_backward(a.d(), b.d(), y.d(), nullptr, db_bad.d(), 0, 0),
                     "matmul_backward"),
         "db shape");
  HCHECK(shape_error(vigil_matmul_backward(a.d(), b.d(), dy_bad.d(), nullptr, nullptr, 0, 0),
                     "matmul_backward"),
         "dy shape");
  Buf<double> bd({2, 4, 5});
  HCHECK(vigil_matmul_forward(a.d(), bd.d(), y.d(), 0, 0) == VIGIL_ERR_DTYPE, "mixed dtypes");
}

}  // namespace
