// conv_transpose2d: the fast kernel (built from conv2d's) against the scatter loops of
// cpu/ref/conv_transpose2d.h on varied geometry (stride 1/2, Keras 'same', PyTorch padding with
// output padding, dilation, groups, depthwise, asymmetric pads), f64 gradient checks of the fast
// and reference backward (and that the check can fail), the adjoint identity with conv2d,
// 'same' at stride 2 doubling the size, and argument errors.
#include <string>
#include <vector>

#include "cpu/ref/conv_transpose2d.h"
#include "harness.h"
#include "test_conv2d_case.h"

namespace {

using conv_test::ConvCall;
using harness::Buf;
using vigil::cpu::Conv2dDims;

CONV_TEST_OP(ConvTranspose2dOp, conv_transpose2d);

struct Maps {
  int64_t B, Cin, H, W, Cout, KH, KW;
  int64_t out_pad_h = 0, out_pad_w = 0;
};

// Ho = (H-1)*sh - top - bottom + dh*(KH-1) + 1 + output padding (ops.h); the sizes the kernels
// take are those of the conv2d from y's shape to x's (cpu/conv_transpose2d.h).
ConvCall call(const std::string& label, Maps m, vigil_conv2d_geometry g) {
  const int64_t Ho = (m.H - 1) * g.stride_h - g.pad_top - g.pad_bottom +
                     g.dilation_h * (m.KH - 1) + 1 + m.out_pad_h;
  const int64_t Wo = (m.W - 1) * g.stride_w - g.pad_left - g.pad_right +
                     g.dilation_w * (m.KW - 1) + 1 + m.out_pad_w;
  const Conv2dDims t{m.B,  m.Cout, Ho,       Wo,         m.Cin,      m.H,          m.W,
                     m.KH, m.KW,   g.groups, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w,
                     g.pad_top, g.pad_left};
  return {label, g, {m.B, m.Cin, m.H, m.W}, {m.Cin, m.Cout / g.groups, m.KH, m.KW},
          {m.B, m.Cout, Ho, Wo}, t};
}

std::vector<ConvCall> varied() {
  return {
      call("3x3 s1 'same'", {2, 3, 5, 5, 4, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}),
      call("3x3 s2 Keras 'same' (pads 0,1) 5x6 -> 10x12", {2, 3, 5, 6, 4, 3, 3},
           {2, 2, 1, 1, 0, 1, 0, 1, 1}),
      call("3x3 s2 pad 1 output padding 1 (PyTorch) 5x5 -> 10x10", {2, 3, 5, 5, 2, 3, 3, 1, 1},
           {2, 2, 1, 1, 1, 1, 1, 1, 1}),
      call("4x4 s2 pad 1", {2, 2, 4, 3, 3, 4, 4}, {2, 2, 1, 1, 1, 1, 1, 1, 1}),
      call("3x3 dilation 2 no pad", {2, 3, 4, 4, 2, 3, 3}, {1, 1, 2, 2, 0, 0, 0, 0, 1}),
      call("groups 2, s2 'same'", {2, 4, 4, 4, 6, 3, 3}, {2, 2, 1, 1, 0, 1, 0, 1, 2}),
      call("depthwise s1", {3, 5, 5, 5, 5, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 5}),
      call("2x3, stride 2x1, pads 1,0,0,2, output padding 1x0", {2, 3, 4, 5, 2, 2, 3, 1, 0},
           {2, 1, 1, 1, 1, 0, 0, 2, 1}),
      call("1x1", {2, 5, 4, 4, 3, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0, 1}),
      call("16 -> 8 channels 13x13 s1 'same'", {3, 16, 13, 13, 8, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}),
  };
}

HTEST(conv_transpose2d_matches_reference) {
  for (const ConvCall& c : varied()) conv_test::matches_reference<ConvTranspose2dOp>(c);
}

HTEST(conv_transpose2d_gradcheck_every_input) {
  for (const ConvCall& c :
       {call("s2 'same', groups 2", {2, 4, 3, 4, 2, 3, 3}, {2, 2, 1, 1, 0, 1, 0, 1, 2}),
        call("s2 pad 1 output padding 1", {1, 2, 3, 3, 3, 3, 3, 1, 1}, {2, 2, 1, 1, 1, 1, 1, 1, 1}),
        call("dilation 2, depthwise", {2, 3, 3, 3, 3, 3, 3}, {1, 1, 2, 2, 1, 1, 1, 1, 3})})
    conv_test::gradients_check<ConvTranspose2dOp>(c);
}

HTEST(conv_transpose2d_gradcheck_rejects_wrong_backward) {
  conv_test::gradcheck_rejects_wrong_backward<ConvTranspose2dOp>(
      call("3x3 s2", {2, 3, 3, 3, 2, 3, 3}, {2, 2, 1, 1, 0, 1, 0, 1, 1}));
}

// conv_transpose2d is conv2d's adjoint: <conv2d(a), b> = <a, conv_transpose2d(b)> for the same
// weights and geometry (a of conv2d's input shape, b of its output shape, no bias).
HTEST(conv_transpose2d_is_the_adjoint_of_conv2d) {
  const vigil_conv2d_geometry g{2, 1, 1, 2, 0, 1, 2, 1, 2};
  const int64_t B = 2, C = 4, H = 8, W = 7, O = 6, Ho = 4, Wo = 6;  // conv2d: 8x7 -> 4x6
  Buf<double> a = harness::random_buf<double>({B, C, H, W}, 91);
  Buf<double> w = harness::random_buf<double>({O, C / 2, 3, 3}, 92);
  Buf<double> b = harness::random_buf<double>({B, O, Ho, Wo}, 93);
  Buf<double> conv_a({B, O, Ho, Wo}), convt_b({B, C, H, W});
  HCHECK_OK(vigil_conv2d_forward(a.d(), w.d(), nullptr, &g, conv_a.d()));
  HCHECK_OK(vigil_conv_transpose2d_forward(b.d(), w.d(), nullptr, &g, convt_b.d()));
  const double lhs = harness::dot(conv_a.v, b.v), rhs = harness::dot(a.v, convt_b.v);
  HCHECK_CLOSE("<conv2d(a), b> vs <a, conv_transpose2d(b)>", &lhs, &rhs, 1, 1e-12, 1e-12);
}

// Keras 'same' for a transposed conv: the output is size * stride, with the pads of a 'same'
// conv2d over that output.
HTEST(conv_transpose2d_same_multiplies_the_size_by_the_stride) {
  for (int64_t H : {5, 13})
    for (int64_t k : {2, 3, 4})
      for (int64_t s : {1, 2}) {
        vigil_conv2d_geometry g{s, s, 1, 1, 0, 0, 0, 0, 1};
        vigil::cpu::same_pads(H * s, k, s, 1, &g.pad_top, &g.pad_bottom);
        vigil::cpu::same_pads(H * s, k, s, 1, &g.pad_left, &g.pad_right);
        Buf<float> x({1, 2, H, H}), w({2, 3, k, k}), y({1, 3, H * s, H * s});
        HCHECK(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &g, y.d()) == VIGIL_OK,
               "H " + std::to_string(H) + " k " + std::to_string(k) + " s " + std::to_string(s) +
                   ": " + vigil_last_error());
      }
}

HTEST(conv_transpose2d_argument_errors) {
  const vigil_conv2d_geometry g{2, 2, 1, 1, 1, 1, 1, 1, 1};  // 5x5 -> 9x9, or 10x10 padded
  Buf<float> x({2, 3, 5, 5}), w({3, 4, 3, 3}), y9({2, 4, 9, 9}), y10({2, 4, 10, 10});
  Buf<float> y11({2, 4, 11, 11}), bad_w({4, 4, 3, 3}), bad_b({3}), dx({2, 3, 5, 5});
  Buf<float> bad_dw({3, 4, 3, 2});
  HCHECK_OK(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &g, y9.d()));
  HCHECK_OK(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &g, y10.d()));
  HCHECK(harness::shape_error(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &g, y11.d()),
                              "conv_transpose2d"),
         "output padding 2 at stride 2");
  HCHECK(harness::names_op("conv_transpose2d: y must be [2,4,Ho,Wo] with Ho in [9,11)"),
         vigil_last_error());
  HCHECK(harness::shape_error(vigil_conv_transpose2d_forward(x.d(), bad_w.d(), nullptr, &g, y9.d()),
                              "conv_transpose2d"),
         "w's first dim is not Cin");
  HCHECK(harness::names_op("conv_transpose2d: w must be [Cin,Cout/groups,KH,KW]"),
         vigil_last_error());
  vigil_conv2d_geometry g2 = g;
  g2.groups = 2;  // does not divide Cin 3
  HCHECK(harness::shape_error(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &g2, y9.d()),
                              "conv_transpose2d"),
         "groups not dividing Cin");
  HCHECK(harness::shape_error(vigil_conv_transpose2d_forward(x.d(), w.d(), bad_b.d(), &g, y9.d()),
                              "conv_transpose2d"),
         "bias");
  HCHECK(harness::names_op("conv_transpose2d: bias must be [4] for B=2 x 3 ch 5x5, y 4 ch 9x9"),
         vigil_last_error());
  vigil_conv2d_geometry zero_stride = g;
  zero_stride.stride_w = 0;
  HCHECK(harness::error_names(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &zero_stride,
                                                             y9.d()),
                              VIGIL_ERR_ARG, "conv_transpose2d"),
         "stride 0");
  vigil_conv2d_geometry huge_pads = g;
  huge_pads.pad_top = huge_pads.pad_bottom = 6;
  HCHECK(harness::shape_error(vigil_conv_transpose2d_forward(x.d(), w.d(), nullptr, &huge_pads,
                                                             y9.d()),
                              "conv_transpose2d"),
         "pads that leave no output");
  HCHECK(harness::shape_error(vigil_conv_transpose2d_backward(x.d(), w.d(), y9.d(), &g, dx.d(),
                                                              bad_dw.d(), nullptr),
                              "conv_transpose2d_backward"),
         "dw");
  HCHECK(harness::names_op("conv_transpose2d_backward: dw must be [3,4,3,3]"), vigil_last_error());
  HCHECK(harness::shape_error(vigil_conv_transpose2d_backward(x.d(), w.d(), y11.d(), &g, dx.d(),
                                                              nullptr, nullptr),
                              "conv_transpose2d_backward"),
         "dy");
}

}  // namespace
