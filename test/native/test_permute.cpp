// permute: every rank-3 permutation against an index-by-index reference, f64 gradient checks,
// f32 on large sizes, and errors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "grad_check.h"
#include "cpu/ref/permute.h"
#include "harness.h"
#include "shape_index.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- permute

// cpu/ref/permute.h into a new vector.
template <typename T>
std::vector<T> permute_ref(const std::vector<T>& x, const Shape& xs, const std::vector<int32_t>& perm) {
  std::vector<T> y(x.size());
  vigil::ref::permute_forward(x.data(), xs, perm.data(), y.data());
  return y;
}

Shape permuted(const Shape& xs, const std::vector<int32_t>& perm) {
  Shape ys(xs.size());
  for (size_t k = 0; k < xs.size(); ++k) ys[k] = xs[perm[k]];
  return ys;
}

HTEST(permute_all_rank3_and_gradcheck) {
  const Shape xs = {2, 3, 4};
  std::vector<int32_t> perm = {0, 1, 2};
  do {
    DBuf x(xs), y(permuted(xs, perm));
    harness::fill_uniform(x.v, 80);
    HCHECK_OK(vigil_permute_forward(x.d(), perm.data(), y.d()));
    const auto want = permute_ref(x.v, xs, perm);
    const std::string what = "permute " + std::to_string(perm[0]) + std::to_string(perm[1]) + std::to_string(perm[2]);
    HCHECK_CLOSE(what.c_str(), y.p(), want.data(), y.n(), 0, 0);
    GradCheck gc;
    gc.inputs = {&x};
    gc.out = &y;
    gc.forward = [&] { vigil_permute_forward(x.d(), perm.data(), y.d()); };
    gc.backward = [&](const vigil_tensor* dy, std::vector<DBuf*>& g) {
      HCHECK_OK(vigil_permute_backward(dy, perm.data(), g[0]->d()));
    };
    HGRADCHECK(what, gc);
  } while (std::next_permutation(perm.begin(), perm.end()));
}

// Sizes that take the tiled transpose (odd tiles) and rank 5 with size-1 dims.
HTEST(permute_large_f32) {
  const std::vector<std::pair<Shape, std::vector<int32_t>>> cases = {
      {{3, 67, 45}, {0, 2, 1}}, {{130, 70}, {1, 0}}, {{5, 1, 33, 7, 40}, {3, 4, 1, 0, 2}},
      {{4, 50, 6, 60}, {0, 3, 2, 1}}, {{256, 256}, {1, 0}}};
  for (const auto& [xs, perm] : cases) {
    Buf<float> x(xs), y(permuted(xs, perm)), dx(xs, 1.f);
    harness::fill_uniform(x.v, 81);
    HCHECK_OK(vigil_permute_forward(x.d(), perm.data(), y.d()));
    const auto want = permute_ref(x.v, xs, perm);
    HCHECK_CLOSE("permute f32", y.p(), want.data(), y.n(), 0, 0);
    HCHECK_OK(vigil_permute_backward(y.d(), perm.data(), dx.d()));  // dx = 1 + x
    std::vector<float> wdx(x.v);
    for (float& v : wdx) v += 1.f;
    HCHECK_CLOSE("permute backward f32", dx.p(), wdx.data(), dx.n(), 0, 0);
  }
}

HTEST(permute_errors) {
  DBuf x({2, 3}), y({2, 3});
  const int32_t perm[] = {1, 0}, bad[] = {0, 0};
  HCHECK(error_names(vigil_permute_forward(x.d(), perm, y.d()), VIGIL_ERR_SHAPE, "permute"), "y shape");
  HCHECK(error_names(vigil_permute_forward(x.d(), bad, y.d()), VIGIL_ERR_ARG, "permute"), "not a permutation");
  HCHECK(error_names(vigil_permute_backward(x.d(), perm, y.d()), VIGIL_ERR_SHAPE, "permute"), "dx shape");
}

}  // namespace
