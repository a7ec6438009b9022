// conv2d: the fast kernel against cpu/ref/conv2d.h on varied geometry (stride 1/2, dilation,
// groups, depthwise, asymmetric and TF 'same' pads, the 1x1 path that skips im2col), f64
// gradient checks of the fast and reference backward (and that the check can fail), 'same'
// keeping the size, depthwise = one conv per channel, and argument errors.
#include <cmath>
#include <string>
#include <vector>

#include "cpu/ref/conv2d.h"
#include "harness.h"
#include "test_conv2d_case.h"

namespace {

using conv_test::ConvCall;
using harness::Buf;
using vigil::cpu::Conv2dDims;

CONV_TEST_OP(Conv2dOp, conv2d);

struct Maps {
  int64_t B, Cin, H, W, Cout, KH, KW;
};

// geo: stride h, w; dilation h, w; pads top, bottom, left, right; groups.
ConvCall call(const std::string& label, Maps m, vigil_conv2d_geometry g) {
  using vigil::cpu::conv_out_len;
  const int64_t Ho = conv_out_len(m.H, m.KH, g.stride_h, g.dilation_h, g.pad_top + g.pad_bottom);
  const int64_t Wo = conv_out_len(m.W, m.KW, g.stride_w, g.dilation_w, g.pad_left + g.pad_right);
  const Conv2dDims d{m.B,  m.Cin, m.H,      m.W,          m.Cout,       Ho,          Wo,
                     m.KH, m.KW,  g.groups, g.stride_h,   g.stride_w,   g.dilation_h, g.dilation_w,
                     g.pad_top, g.pad_left};
  return {label, g, {m.B, m.Cin, m.H, m.W}, {m.Cout, m.Cin / g.groups, m.KH, m.KW},
          {m.B, m.Cout, Ho, Wo}, d};
}

std::vector<ConvCall> varied() {
  return {
      call("3x3 s1 pad 1", {2, 3, 7, 6, 4, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}),
      call("3x3 s2 'same' 13x13 (pads 1,1)", {2, 4, 13, 13, 5, 3, 3}, {2, 2, 1, 1, 1, 1, 1, 1, 1}),
      call("3x3 s2 'same' 6x8 (pads 0,1 asymmetric)", {2, 3, 6, 8, 4, 3, 3},
           {2, 2, 1, 1, 0, 1, 0, 1, 1}),
      call("3x3 dilation 2 pad 2", {2, 3, 9, 9, 2, 3, 3}, {1, 1, 2, 2, 2, 2, 2, 2, 1}),
      call("groups 2", {2, 4, 6, 6, 6, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 2}),
      call("depthwise", {3, 5, 5, 5, 5, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 5}),
      call("depthwise x2, stride 2", {2, 3, 7, 7, 6, 3, 3}, {2, 2, 1, 1, 1, 1, 1, 1, 3}),
      // 'same' at stride 1 takes the padded-plane path: an even kernel (pads 0,1), a channel
      // multiplier, and rows of 19 (two full vectors and a tail)
      call("depthwise x2 2x2 'same' (pads 0,1)", {2, 4, 6, 7, 8, 2, 2}, {1, 1, 1, 1, 0, 1, 0, 1, 4}),
      call("depthwise 3x3 'same' on 5x19", {2, 3, 5, 19, 3, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 3}),
      // one input channel into many maps runs as GEMM, not the depthwise loops
      call("1 -> 12 channels, s2 'same' 9x8", {3, 1, 9, 8, 12, 3, 3}, {2, 2, 1, 1, 1, 1, 0, 1, 1}),
      call("1x1 (no im2col)", {2, 5, 5, 4, 3, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0, 1}),
      call("1x1 stride 2", {2, 5, 5, 4, 3, 1, 1}, {2, 2, 1, 1, 0, 0, 0, 0, 1}),
      call("2x3 kernel, stride 2x1, dilation 1x2, pads 2,0,1,3", {2, 3, 8, 7, 4, 2, 3},
           {2, 1, 1, 2, 2, 0, 1, 3, 1}),
      call("3x3 valid on 5x5", {4, 6, 5, 5, 3, 3, 3}, {1, 1, 1, 1, 0, 0, 0, 0, 1}),
      call("3x3 on a 2x2 map, pads 1", {2, 2, 2, 2, 3, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}),
      call("16 -> 20 channels 13x13", {3, 16, 13, 13, 20, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}),
  };
}

// Many small maps: cpu/conv2d.cpp puts several samples side by side in one GEMM (16 samples of
// a 5x5 map per block, so 40 samples make blocks of 16, 16 and 8 on one thread), 1x1 included.
std::vector<ConvCall> blocked() {
  return {
      call("40 samples 5x5, blocks with a partial last one", {40, 3, 5, 5, 4, 3, 3},
           {1, 1, 1, 1, 1, 1, 1, 1, 1}),
      call("21 samples 1x1 on 3x3 (blocked, cols are copies)", {21, 4, 3, 3, 5, 1, 1},
           {1, 1, 1, 1, 0, 0, 0, 0, 1}),
      call("19 samples 4x4 s2 'same', groups 2", {19, 4, 4, 4, 6, 3, 3},
           {2, 2, 1, 1, 0, 1, 0, 1, 2}),
  };
}

HTEST(conv2d_matches_reference) {
  for (const ConvCall& c : varied()) conv_test::matches_reference<Conv2dOp>(c);
  for (int threads : {1, 2}) {
    vigil_set_num_threads(threads);
    for (const ConvCall& c : blocked()) conv_test::matches_reference<Conv2dOp>(c);
  }
  vigil_set_num_threads(0);
}

HTEST(conv2d_gradcheck_every_input) {
  for (const ConvCall& c :
       {call("s2 'same' asymmetric, groups 2", {2, 4, 6, 5, 4, 3, 3}, {2, 2, 1, 1, 0, 1, 1, 1, 2}),
        call("depthwise dilation 2", {2, 3, 6, 6, 3, 3, 3}, {1, 1, 2, 2, 2, 2, 2, 2, 3}),
        call("1x1", {2, 3, 4, 3, 2, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0, 1}),
        call("2x3, stride 2x1, pads 2,0,1,3", {1, 2, 5, 4, 3, 2, 3}, {2, 1, 1, 2, 2, 0, 1, 3, 1})})
    conv_test::gradients_check<Conv2dOp>(c);
}

HTEST(conv2d_gradcheck_rejects_wrong_backward) {
  conv_test::gradcheck_rejects_wrong_backward<Conv2dOp>(
      call("3x3 s2", {2, 3, 6, 6, 2, 3, 3}, {2, 2, 1, 1, 0, 1, 0, 1, 1}));
}

// TF/Keras 'same': the output is ceil(size / stride), so stride 1 keeps the map's size, for
// odd and even kernels (the odd pad goes after) and dilations.
HTEST(conv2d_same_pads_keep_the_size) {
  for (int64_t H : {5, 13, 6})
    for (int64_t k : {1, 2, 3, 4, 5})
      for (int64_t dil : {1, 2})
        for (int64_t s : {1, 2}) {
          vigil_conv2d_geometry g{s, s, dil, dil, 0, 0, 0, 0, 1};
          vigil::cpu::same_pads(H, k, s, dil, &g.pad_top, &g.pad_bottom);
          vigil::cpu::same_pads(H + 1, k, s, dil, &g.pad_left, &g.pad_right);
          const int64_t Ho = (H + s - 1) / s, Wo = (H + 1 + s - 1) / s;
          Buf<float> x({1, 2, H, H + 1}), w({3, 2, k, k}), y({1, 3, Ho, Wo});
          const std::string what = "H " + std::to_string(H) + " k " + std::to_string(k) + " d " +
                                   std::to_string(dil) + " s " + std::to_string(s);
          HCHECK(vigil_conv2d_forward(x.d(), w.d(), nullptr, &g, y.d()) == VIGIL_OK,
                 what + ": " + vigil_last_error());
          if (s == 2 && H % 2 == 0 && k == 3 && dil == 1)
            HCHECK(g.pad_top == 0 && g.pad_bottom == 1, what + ": stride 2 pads only the end");
        }
}

// A depthwise conv with multiplier 2 equals, channel by channel, a conv of that one channel
// with its two filters.
HTEST(conv2d_depthwise_equals_per_channel_convs) {
  const int64_t B = 2, C = 4, M = 2, H = 6, W = 5;
  const vigil_conv2d_geometry dw_geo{1, 1, 1, 1, 1, 1, 1, 1, C};
  Buf<double> x = harness::random_buf<double>({B, C, H, W}, 81);
  Buf<double> w = harness::random_buf<double>({C * M, 1, 3, 3}, 82);
  Buf<double> bias = harness::random_buf<double>({C * M}, 83);
  Buf<double> y({B, C * M, H, W});
  HCHECK_OK(vigil_conv2d_forward(x.d(), w.d(), bias.d(), &dw_geo, y.d()));
  vigil_conv2d_geometry one{1, 1, 1, 1, 1, 1, 1, 1, 1};
  for (int64_t c = 0; c < C; ++c) {
    Buf<double> xc({B, 1, H, W}), wc({M, 1, 3, 3}), bc({M}), yc({B, M, H, W});
    for (int64_t b = 0; b < B; ++b)
      for (int64_t p = 0; p < H * W; ++p) xc.v[b * H * W + p] = x.v[(b * C + c) * H * W + p];
    for (int64_t i = 0; i < M * 9; ++i) wc.v[i] = w.v[c * M * 9 + i];
    for (int64_t m = 0; m < M; ++m) bc.v[m] = bias.v[c * M + m];
    HCHECK_OK(vigil_conv2d_forward(xc.d(), wc.d(), bc.d(), &one, yc.d()));
    for (int64_t b = 0; b < B; ++b) {
      const std::string what = "channel " + std::to_string(c) + " sample " + std::to_string(b);
      HCHECK_CLOSE(what.c_str(), y.p() + (b * C * M + c * M) * H * W, yc.p() + b * M * H * W,
                   M * H * W, 1e-14, 1e-15);
    }
  }
}

HTEST(conv2d_argument_errors) {
  const vigil_conv2d_geometry g{1, 1, 1, 1, 0, 0, 0, 0, 1};
  Buf<float> x({2, 4, 7, 7}), w({6, 4, 3, 3}), y({2, 6, 5, 5}), bad_y({2, 6, 7, 7});
  Buf<float> w_g({6, 2, 3, 3}), bad_b({5}), dx({2, 4, 7, 7}), bad_dw({6, 4, 2, 3});
  Buf<double> y64({2, 6, 5, 5});
  HCHECK(vigil_conv2d_forward(x.d(), w.d(), nullptr, &g, y.d()) == VIGIL_OK, vigil_last_error());
  HCHECK(harness::shape_error(vigil_conv2d_forward(x.d(), w.d(), nullptr, &g, bad_y.d()), "conv2d"),
         "y of the wrong size");
  HCHECK(harness::names_op("conv2d: y must be [2,6,5,5] for B=2 x 4 ch 7x7, y 6 ch 5x5"),
         vigil_last_error());
  HCHECK(harness::shape_error(vigil_conv2d_forward(x.d(), w_g.d(), nullptr, &g, y.d()), "conv2d"),
         "w with Cin/groups != x's channels");
  HCHECK(harness::names_op("conv2d: w must be [Cout,Cin/groups,KH,KW]"), vigil_last_error());
  vigil_conv2d_geometry g4 = g;
  g4.groups = 4;  // divides Cin 4 but not Cout 6
  Buf<float> w1({6, 1, 3, 3});
  HCHECK(harness::shape_error(vigil_conv2d_forward(x.d(), w1.d(), nullptr, &g4, y.d()), "conv2d"),
         "groups not dividing Cout");
  HCHECK(harness::shape_error(vigil_conv2d_forward(x.d(), w.d(), bad_b.d(), &g, y.d()), "conv2d"),
         "bias");
  HCHECK(harness::error_names(vigil_conv2d_forward(x.d(), w.d(), nullptr, &g, y64.d()),
                              VIGIL_ERR_DTYPE, "conv2d"),
         "mixed dtypes");
  for (vigil_conv2d_geometry bad : {vigil_conv2d_geometry{0, 1, 1, 1, 0, 0, 0, 0, 1},
                                    vigil_conv2d_geometry{1, 1, 1, 0, 0, 0, 0, 0, 1},
                                    vigil_conv2d_geometry{1, 1, 1, 1, 0, -1, 0, 0, 1},
                                    vigil_conv2d_geometry{1, 1, 1, 1, 0, 0, 0, 0, 0}}) {
    HCHECK(harness::error_names(vigil_conv2d_forward(x.d(), w.d(), nullptr, &bad, y.d()),
                                VIGIL_ERR_ARG, "conv2d"),
           "bad geometry");
    HCHECK(harness::names_op("conv2d: strides and dilations must be >= 1"), vigil_last_error());
  }
  HCHECK(harness::error_names(vigil_conv2d_forward(x.d(), w.d(), nullptr, nullptr, y.d()),
                              VIGIL_ERR_ARG, "conv2d"),
         "no geometry");
  Buf<float> big_w({6, 4, 9, 9});
  HCHECK(harness::shape_error(vigil_conv2d_forward(x.d(), big_w.d(), nullptr, &g, y.d()), "conv2d"),
         "kernel larger than the map");
  HCHECK(harness::names_op("conv2d: the dilated kernel is larger than the padded input"),
         vigil_last_error());
  HCHECK(harness::shape_error(
             vigil_conv2d_backward(x.d(), w.d(), y.d(), &g, dx.d(), bad_dw.d(), nullptr),
             "conv2d_backward"),
         "dw");
  HCHECK(harness::names_op("conv2d_backward: dw must be [6,4,3,3]"), vigil_last_error());
  HCHECK(harness::shape_error(
             vigil_conv2d_backward(x.d(), w.d(), bad_y.d(), &g, dx.d(), nullptr, nullptr),
             "conv2d_backward"),
         "dy");
}

}  // namespace
