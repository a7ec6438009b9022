// lstm: C ABI entry points (validation, then the CPU kernels of cpu/lstm.cpp).
#include <string>

#include "api/expect.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/lstm.h"
#include "cuda/lstm.h"

using namespace vigil;

namespace {

std::string sizes(const cpu::LstmDims& d) {
  return "B=" + std::to_string(d.B) + " T=" + std::to_string(d.T) + " I=" + std::to_string(d.I) +
         " H=" + std::to_string(d.H);
}

// Reads B, T, I, H from x [B,T,I] and w_hh [4H,H].
vigil_status read_dims(const char* op, vt x, vt w_ih, vt w_hh, cpu::LstmDims* d) {
  if (!x || !w_ih || !w_hh) return fail(VIGIL_ERR_ARG, op, "x, w_ih and w_hh are required");
  if (!has_shape(x, {-1, -1, -1}) || !has_shape(w_hh, {-1, -1}) ||
      w_hh->shape[0] != 4 * w_hh->shape[1] || w_hh->shape[1] < 1)
    return fail(VIGIL_ERR_SHAPE, op, "x must be [B,T,I] and w_hh [4H,H]",
                {{"x", x}, {"w_ih", w_ih}, {"w_hh", w_hh}});
  *d = {x->shape[0], x->shape[1], x->shape[2], w_hh->shape[1]};
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_lstm_forward(vt x, vt w_ih, vt w_hh, vt b_ih, vt b_hh, vt h0, vt c0,
                                           vt y, vt h_n, vt c_n, vt gates, vt cells) {
  const char* op = "lstm";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"x", x},       {"w_ih", w_ih}, {"w_hh", w_hh},
                                        {"b_ih", b_ih}, {"b_hh", b_hh}, {"h0", h0},
                                        {"c0", c0},     {"y", y},       {"h_n", h_n},
                                        {"c_n", c_n},   {"gates", gates}, {"cells", cells}};
    VIGIL_CHECK(check_same(op, all));
    cpu::LstmDims d;
    VIGIL_CHECK(read_dims(op, x, w_ih, w_hh, &d));
    if (!y || !h_n || !c_n) return fail(VIGIL_ERR_ARG, op, "y, h_n and c_n are required", all);
    if (!gates != !cells)
      return fail(VIGIL_ERR_ARG, op, "gates and cells are saved together: pass both or neither",
                  all);
    const int64_t B = d.B, T = d.T, I = d.I, H = d.H;
    VIGIL_CHECK(check_expected(op, sizes(d),
                             {{"w_ih", w_ih, {4 * H, I}}, {"b_ih", b_ih, {4 * H}},
                              {"b_hh", b_hh, {4 * H}}, {"h0", h0, {B, H}}, {"c0", c0, {B, H}},
                              {"y", y, {B, T, H}}, {"h_n", h_n, {B, H}}, {"c_n", c_n, {B, H}},
                              {"gates", gates, {T, B, 4 * H}}, {"cells", cells, {T, B, H}}},
                             all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, lstm_forward<S>, d, data<S>(x), data<S>(w_ih),
                         data<S>(w_hh), data<S>(b_ih), data<S>(b_hh), data<S>(h0), data<S>(c0),
                         data<S>(y), data<S>(h_n), data<S>(c_n), data<S>(gates),
                         data<S>(cells));
    });
    return s;
  });
}

extern "C" vigil_status vigil_lstm_backward(vt x, vt w_ih, vt w_hh, vt h0, vt c0, vt y, vt gates,
                                            vt cells, vt dy, vt dh_n, vt dc_n, vt dx, vt dw_ih,
                                            vt dw_hh, vt db_ih, vt db_hh, vt dh0, vt dc0) {
  const char* op = "lstm_backward";
  return guarded(op, [&]() -> vigil_status {
    std::initializer_list<Named> all = {
        {"x", x},         {"w_ih", w_ih},   {"w_hh", w_hh},   {"h0", h0},       {"c0", c0},
        {"y", y},         {"gates", gates}, {"cells", cells}, {"dy", dy},       {"dh_n", dh_n},
        {"dc_n", dc_n},   {"dx", dx},       {"dw_ih", dw_ih}, {"dw_hh", dw_hh}, {"db_ih", db_ih},
        {"db_hh", db_hh}, {"dh0", dh0},     {"dc0", dc0}};
    VIGIL_CHECK(check_same(op, all));
    cpu::LstmDims d;
    VIGIL_CHECK(read_dims(op, x, w_ih, w_hh, &d));
    if (!y || !gates || !cells)
      return fail(VIGIL_ERR_ARG, op, "y, gates and cells (saved by the forward) are required",
                  all);
    const int64_t B = d.B, T = d.T, I = d.I, H = d.H;
    VIGIL_CHECK(check_expected(
        op, sizes(d),
        {{"w_ih", w_ih, {4 * H, I}}, {"h0", h0, {B, H}}, {"c0", c0, {B, H}}, {"y", y, {B, T, H}},
         {"gates", gates, {T, B, 4 * H}}, {"cells", cells, {T, B, H}}, {"dy", dy, {B, T, H}},
         {"dh_n", dh_n, {B, H}}, {"dc_n", dc_n, {B, H}}, {"dx", dx, {B, T, I}},
         {"dw_ih", dw_ih, {4 * H, I}}, {"dw_hh", dw_hh, {4 * H, H}}, {"db_ih", db_ih, {4 * H}},
         {"db_hh", db_hh, {4 * H}}, {"dh0", dh0, {B, H}}, {"dc0", dc0, {B, H}}},
        all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      s = VIGIL_DISPATCH(op, x->device, lstm_backward<S>, d, data<S>(x), data<S>(w_ih),
                         data<S>(w_hh), data<S>(h0), data<S>(c0), data<S>(y), data<S>(gates),
                         data<S>(cells), data<S>(dy), data<S>(dh_n), data<S>(dc_n), data<S>(dx),
                         data<S>(dw_ih), data<S>(dw_hh), data<S>(db_ih), data<S>(db_hh),
                         data<S>(dh0), data<S>(dc0));
    });
    return s;
  });
}
