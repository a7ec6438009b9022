// axis_copy (concat and slice, forward and backward): values, accumulation, f32 on large
// sizes, and errors.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "grad_check.h"
#include "harness.h"
#include "shape_index.h"

using harness::Buf;

namespace {

using namespace harness;

// ---------------------------------------------------------------- axis_copy

// concat of a [2,3,4] and b [2,5,4] along 1, then slicing both back out (forward and backward
// of concat and slice), with accumulation.
HTEST(axis_copy_concat_and_slice) {
  DBuf a({2, 3, 4}), b({2, 5, 4}), y({2, 8, 4});
  harness::fill_uniform(a.v, 90);
  harness::fill_uniform(b.v, 91);
  HCHECK_OK(vigil_axis_copy(a.d(), 0, y.d(), 0, 1, 3, 0));
  HCHECK_OK(vigil_axis_copy(b.d(), 0, y.d(), 3, -2, 5, 0));
  std::vector<double> want(y.v.size());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 8; ++j)
      for (int k = 0; k < 4; ++k)
        want[(i * 8 + j) * 4 + k] = j < 3 ? a.v[(i * 3 + j) * 4 + k] : b.v[(i * 5 + j - 3) * 4 + k];
  HCHECK_CLOSE("concat", y.p(), want.data(), y.n(), 0, 0);
  // slice y[:, 2:6] (overwrite), then its backward adds into a gradient of y's shape
  DBuf s({2, 4, 4}, 7.0), gy({2, 8, 4}, 1.0);
  HCHECK_OK(vigil_axis_copy(y.d(), 2, s.d(), 0, 1, 4, 0));
  HCHECK_OK(vigil_axis_copy(s.d(), 0, gy.d(), 2, 1, 4, 1));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 8; ++j)
      for (int k = 0; k < 4; ++k) {
        const double v = want[(i * 8 + j) * 4 + k];
        if (j >= 2 && j < 6) {
          HCHECK(s.v[(i * 4 + j - 2) * 4 + k] == v, "slice value");
          HCHECK(gy.v[(i * 8 + j) * 4 + k] == 1.0 + v, "slice backward accumulates");
        } else {
          HCHECK(gy.v[(i * 8 + j) * 4 + k] == 1.0, "slice backward leaves the rest");
        }
      }
  // along the last axis and the first (outer = 1)
  DBuf c({3, 5}), d({3, 2}), e({6, 5});
  harness::fill_uniform(c.v, 92);
  HCHECK_OK(vigil_axis_copy(c.d(), 3, d.d(), 0, 1, 2, 0));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) HCHECK(d.v[i * 2 + j] == c.v[i * 5 + 3 + j], "last-axis slice");
  HCHECK_OK(vigil_axis_copy(c.d(), 0, e.d(), 3, 0, 3, 0));
  HCHECK_CLOSE("first-axis copy", e.p() + 15, c.p(), 15, 0, 0);
}

// Pieces one element wide along the last axis: after coalescing drops the size-1 dim, the
// destination is strided along the remaining one (concat of [B,1] columns; the gradient of a
// one-column slice), for writing and accumulating, on both sides of the copy.
HTEST(axis_copy_one_element_pieces) {
  DBuf a({4, 1}), b({4, 1}), y({4, 2});
  harness::fill_uniform(a.v, 93);
  harness::fill_uniform(b.v, 94);
  HCHECK_OK(vigil_axis_copy(a.d(), 0, y.d(), 0, 1, 1, 0));
  HCHECK_OK(vigil_axis_copy(b.d(), 0, y.d(), 1, 1, 1, 0));
  for (int i = 0; i < 4; ++i) {
    HCHECK(y.v[i * 2] == a.v[i], "concat column 0, row " + std::to_string(i));
    HCHECK(y.v[i * 2 + 1] == b.v[i], "concat column 1, row " + std::to_string(i));
  }
  // slice x[:, 1:2] of [4, 3] and its backward into a gradient of ones
  DBuf x({4, 3}), s({4, 1}), gx({4, 3}, 1.0);
  harness::fill_uniform(x.v, 95);
  HCHECK_OK(vigil_axis_copy(x.d(), 1, s.d(), 0, 1, 1, 0));
  HCHECK_OK(vigil_axis_copy(s.d(), 0, gx.d(), 1, 1, 1, 1));
  for (int i = 0; i < 4; ++i) {
    HCHECK(s.v[i] == x.v[i * 3 + 1], "one-column slice, row " + std::to_string(i));
    for (int j = 0; j < 3; ++j)
      HCHECK(gx.v[i * 3 + j] == (j == 1 ? 1.0 + x.v[i * 3 + 1] : 1.0), "one-column slice backward, row " + std::to_string(i) + " col " + std::to_string(j));
  }
}

// Long runs (the engine accumulates whole gradients as one flat axis_copy) are split over the pool.
HTEST(axis_copy_large_f32) {
  Buf<float> src({3, 50000}), dst({3, 70000}, 1.f), flat({200000}), acc({200000}, 2.f);
  harness::fill_uniform(src.v, 93);
  harness::fill_uniform(flat.v, 94);
  HCHECK_OK(vigil_axis_copy(src.d(), 5000, dst.d(), 20000, 1, 40000, 1));
  std::vector<float> want(dst.v.size(), 1.f);
  for (int o = 0; o < 3; ++o)
    for (int j = 0; j < 40000; ++j) want[o * 70000 + 20000 + j] += src.v[o * 50000 + 5000 + j];
  HCHECK_CLOSE("axis_copy rows", dst.p(), want.data(), dst.n(), 0, 0);
  HCHECK_OK(vigil_axis_copy(flat.d(), 0, acc.d(), 0, 0, 200000, 1));
  std::vector<float> wflat(flat.v);
  for (float& v : wflat) v += 2.f;
  HCHECK_CLOSE("axis_copy flat", acc.p(), wflat.data(), acc.n(), 0, 0);
}

HTEST(axis_copy_errors) {
  DBuf a({2, 3}), b({3, 3}), c({2, 5});
  HCHECK(error_names(vigil_axis_copy(a.d(), 0, b.d(), 0, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "other dims differ");
  HCHECK(error_names(vigil_axis_copy(a.d(), 1, c.d(), 0, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "src range");
  HCHECK(error_names(vigil_axis_copy(a.d(), 0, c.d(), 3, 1, 3, 0), VIGIL_ERR_SHAPE, "axis_copy"),
         "dst range");
}

}  // namespace
