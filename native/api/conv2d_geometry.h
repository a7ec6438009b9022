// Validation shared by the conv2d and conv_transpose2d entry points: the geometry argument, the
// kernel and the groups, and the sizes string their shape errors end with.
#pragma once
#include <initializer_list>
#include <string>

#include "core/check.h"
#include "cpu/conv2d.h"
#include "vigil/ops.h"

namespace vigil {

// Bound on strides, dilations, pads and kernel sizes: far past any real map, and small enough
// that dilation * (kernel - 1) and the output lengths cannot overflow int64.
constexpr int64_t kConv2dGeometryMax = int64_t(1) << 24;

// geo present with strides and dilations >= 1, pads >= 0, groups >= 1, all within bounds, and
// w 4-D with KH, KW >= 1. Fills the geometry and kernel fields of *d; the caller checks the
// channels against the groups.
inline vigil_status check_conv2d_geometry(const char* op, const vigil_conv2d_geometry* geo,
                                          const vigil_tensor* w,
                                          std::initializer_list<Named> all, cpu::Conv2dDims* d) {
  if (!geo) return fail(VIGIL_ERR_ARG, op, "the geometry argument is required");
  const vigil_conv2d_geometry& g = *geo;
  const auto in = [](int64_t v, int64_t lo) { return v >= lo && v <= kConv2dGeometryMax; };
  if (!in(g.stride_h, 1) || !in(g.stride_w, 1) || !in(g.dilation_h, 1) || !in(g.dilation_w, 1) ||
      !in(g.pad_top, 0) || !in(g.pad_bottom, 0) || !in(g.pad_left, 0) || !in(g.pad_right, 0) ||
      !in(g.groups, 1))
    return fail(VIGIL_ERR_ARG, op,
                "strides and dilations must be >= 1, pads >= 0 and groups >= 1 (each <= 2^24); "
                "got stride " + std::to_string(g.stride_h) + "x" + std::to_string(g.stride_w) +
                    ", dilation " + std::to_string(g.dilation_h) + "x" +
                    std::to_string(g.dilation_w) + ", pads " + std::to_string(g.pad_top) + "," +
                    std::to_string(g.pad_bottom) + "," + std::to_string(g.pad_left) + "," +
                    std::to_string(g.pad_right) + ", groups " + std::to_string(g.groups));
  if (!has_shape(w, {-1, -1, -1, -1}) || w->shape[2] < 1 || w->shape[3] < 1 ||
      w->shape[2] > kConv2dGeometryMax || w->shape[3] > kConv2dGeometryMax)
    return fail(VIGIL_ERR_SHAPE, op, "w must be 4-D with kernel sizes >= 1", all);
  d->KH = w->shape[2];
  d->KW = w->shape[3];
  d->groups = g.groups;
  d->sh = g.stride_h;
  d->sw = g.stride_w;
  d->dil_h = g.dilation_h;
  d->dil_w = g.dilation_w;
  d->pad_t = g.pad_top;
  d->pad_l = g.pad_left;
  return VIGIL_OK;
}

// "B=2 x 3 ch 13x13, y 8 ch 7x7, kernel 3x3, groups 1" for shape errors; transposed: d is the
// conv2d a conv_transpose2d transposes, whose input is the transposed op's y.
inline std::string conv2d_sizes(const cpu::Conv2dDims& d, bool transposed = false) {
  const auto map = [](int64_t c, int64_t h, int64_t w) {
    return std::to_string(c) + " ch " + std::to_string(h) + "x" + std::to_string(w);
  };
  const std::string in = map(d.Cin, d.H, d.W), out = map(d.Cout, d.Ho, d.Wo);
  return "B=" + std::to_string(d.B) + " x " + (transposed ? out : in) + ", y " +
         (transposed ? in : out) + ", kernel " + std::to_string(d.KH) + "x" +
         std::to_string(d.KW) + ", groups " + std::to_string(d.groups);
}

}  // namespace vigil
