// conv_lstm: C ABI entry points (validation, then dispatch by device: the CPU kernels of
// cpu/conv_lstm*.cpp or the CUDA kernels of cuda/conv_lstm*.cu, every cell on both).
#include <string>

#include "api/expect.h"
#include "core/check.h"
#include "core/dispatch.h"
#include "cpu/conv_lstm.h"
#include "cuda/conv_lstm.h"

using namespace vigil;

namespace {

constexpr int kMaxParams = 11;

// Each cell's parameters in ops.h order; which may be NULL.
struct CellParams {
  int count;
  const char* names[kMaxParams];
  bool optional[kMaxParams];
};

const CellParams* cell_params(int cell) {
  static const CellParams plain{3, {"w_x", "w_h", "bias"}, {false, false, true}};
  static const CellParams attention{
      8,
      {"dw_x", "pw_x", "dw_h", "pw_h", "bias", "gw_x", "gw_h", "gate_bias"},
      {false, false, false, false, true, false, false, true}};
  static const CellParams memory{
      11,
      {"w_x", "w_h", "bias", "w_qkv", "b_qkv", "w_kv_m", "b_kv_m", "w_z", "b_z", "w_mem",
       "b_mem"},
      {false, false, true, false, true, false, true, false, true, false, true}};
  if (cell == VIGIL_CONV_LSTM_PLAIN) return &plain;
  if (cell == VIGIL_CONV_LSTM_INPUT_ATTENTION) return &attention;
  static const CellParams seed{
      7, {"w_x", "w_h", "bias", "w_sa", "w_z", "w_mem", "b_mem"},
      {false, false, true, false, false, false, true}};
  if (cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY) return &memory;
  if (cell == VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY) return &seed;
  return nullptr;
}

std::string sizes(const cpu::ConvLstmDims& d) {
  return "B=" + std::to_string(d.B) + " T=" + std::to_string(d.T) + " Cin=" +
         std::to_string(d.Cin) + " F=" + std::to_string(d.F) + " " + std::to_string(d.H) + "x" +
         std::to_string(d.W) + " kernel " + std::to_string(d.KH) + "x" + std::to_string(d.KW) +
         (d.cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY ? " A=" + std::to_string(d.A) : "");
}

// The channels of c0, c_n and dc0: F, or 2F (c then M) for the two memory cells.
int64_t cell_state_channels(const cpu::ConvLstmDims& d) {
  return d.cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY ||
                 d.cell == VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY
             ? 2 * d.F
             : d.F;
}

// The params (and dparams, when given) of the cell, every tensor shape, the options; fills *d.
// `p` holds kMaxParams entries (absent ones null) so that error messages can list them all.
vigil_status read_dims(const char* op, const vigil_conv_lstm_options* opt, vt x,
                       const vt* params, int32_t n_params, vt x_mask,
                       std::initializer_list<Named> all, const vt* p, cpu::ConvLstmDims* d) {
  if (!opt) return fail(VIGIL_ERR_ARG, op, "the options argument is required");
  const CellParams* cp = cell_params(opt->cell);
  if (!cp)
    return fail(VIGIL_ERR_ARG, op,
                "unknown cell " + std::to_string(opt->cell) +
                    " (0 PLAIN, 1 INPUT_ATTENTION, 2 SELF_ATTENTION_MEMORY,"
                    " 3 SEED_SELF_ATTENTION_MEMORY)");
  if (!params || n_params != cp->count)
    return fail(VIGIL_ERR_ARG, op,
                "this cell takes " + std::to_string(cp->count) + " params, got " +
                    std::to_string(params ? n_params : 0));
  for (int k = 0; k < cp->count; ++k)
    if (!p[k] && !cp->optional[k])
      return fail(VIGIL_ERR_ARG, op, std::string(cp->names[k]) + " is required", all);
  if (!x || !has_shape(x, {-1, -1, -1, -1, -1}))
    return fail(VIGIL_ERR_SHAPE, op, "x must be [B,T,Cin,H,W]", all);
  // F and the kernel size come from one param per cell (INPUT_ATTENTION aside: w_h;
  // INPUT_ATTENTION: pw_h for F, dw_h for the kernel; SELF_ATTENTION_MEMORY's A from w_qkv);
  // every other param is then checked against them.
  int64_t F = 0, KH = 0, KW = 0, A = 0;
  if (opt->cell != VIGIL_CONV_LSTM_INPUT_ATTENTION) {
    const vt wh = p[1];
    if (!has_shape(wh, {-1, -1, -1, -1}) || wh->shape[1] < 1 || wh->shape[0] != 4 * wh->shape[1])
      return fail(VIGIL_ERR_SHAPE, op, "w_h must be [4F,F,KH,KW]", all);
    F = wh->shape[1], KH = wh->shape[2], KW = wh->shape[3];
    if (opt->cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY) {
      const vt wqkv = p[3];
      if (!has_shape(wqkv, {-1, F, 1, 1}) || wqkv->shape[0] < F + 2 ||
          (wqkv->shape[0] - F) % 2 != 0)
        return fail(VIGIL_ERR_SHAPE, op,
                    "w_qkv must be [2A+F,F,1,1] with A >= 1 and F=" + std::to_string(F) +
                        " (from w_h)",
                    all);
      A = (wqkv->shape[0] - F) / 2;
    }
  } else {
    const vt pwh = p[3], dwh = p[2];
    if (!has_shape(pwh, {-1, -1, 1, 1}) || pwh->shape[1] < 1 ||
        pwh->shape[0] != 3 * pwh->shape[1])
      return fail(VIGIL_ERR_SHAPE, op, "pw_h must be [3F,F,1,1]", all);
    F = pwh->shape[1];
    if (!has_shape(dwh, {3 * F, 1, -1, -1}))
      return fail(VIGIL_ERR_SHAPE, op, "dw_h must be [3F,1,KH,KW] with F=" + std::to_string(F) +
                                           " (from pw_h)", all);
    KH = dwh->shape[2], KW = dwh->shape[3];
  }
  *d = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], x->shape[4], F, KH, KW, 0,
        opt->cell, opt->hard_sigmoid != 0, A};
  if (d->B < 1 || d->T < 1 || d->Cin < 1 || d->H < 1 || d->W < 1 || d->KH < 1 || d->KW < 1)
    return fail(VIGIL_ERR_SHAPE, op, "every size must be >= 1", all);
  if (x_mask) {
    if (!has_shape(x_mask, {-1, d->B, d->Cin, d->H, d->W}) ||
        (x_mask->shape[0] != 1 && x_mask->shape[0] != 4))
      return fail(VIGIL_ERR_SHAPE, op, "x_mask must be [G,B,Cin,H,W] with G 1 or 4 for " +
                                           sizes(*d), all);
    d->mask_groups = x_mask->shape[0];
  }
  if (opt->cell == VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY && d->H != d->W)
    return fail(VIGIL_ERR_SHAPE, op,
                "the SEED_SELF_ATTENTION_MEMORY cell multiplies the HxW maps as matrices, so it "
                "needs H == W; x is [" + std::to_string(d->B) + "," + std::to_string(d->T) + "," +
                    std::to_string(d->Cin) + "," + std::to_string(d->H) + "," +
                    std::to_string(d->W) + "]",
                all);
  const int64_t Cin = d->Cin;
  F = d->F;
  if (opt->cell == VIGIL_CONV_LSTM_PLAIN)
    return check_expected(op, sizes(*d),
                          {{"w_x", p[0], {4 * F, Cin, KH, KW}}, {"bias", p[2], {4 * F}}}, all);
  if (opt->cell == VIGIL_CONV_LSTM_SELF_ATTENTION_MEMORY)
    return check_expected(op, sizes(*d),
                          {{"w_x", p[0], {4 * F, Cin, KH, KW}},
                           {"bias", p[2], {4 * F}},
                           {"b_qkv", p[4], {2 * A + F}},
                           {"w_kv_m", p[5], {A + F, F, 1, 1}},
                           {"b_kv_m", p[6], {A + F}},
                           {"w_z", p[7], {2 * F, 2 * F, 1, 1}},
                           {"b_z", p[8], {2 * F}},
                           {"w_mem", p[9], {3 * F, 3 * F, 1, 1}},
                           {"b_mem", p[10], {3 * F}}},
                          all);
  if (opt->cell == VIGIL_CONV_LSTM_SEED_SELF_ATTENTION_MEMORY)
    return check_expected(op, sizes(*d),
                          {{"w_x", p[0], {4 * F, Cin, KH, KW}},
                           {"bias", p[2], {4 * F}},
                           {"w_sa", p[3], {5, F, 1, 1}},
                           {"w_z", p[4], {F, 2, KH, KW}},
                           {"w_mem", p[5], {6 * F, 1, KH, KW}},
                           {"b_mem", p[6], {3 * F}}},
                          all);
  return check_expected(op, sizes(*d),
                        {{"dw_x", p[0], {2 * Cin, 1, KH, KW}},
                         {"pw_x", p[1], {2 * F, Cin, 1, 1}},
                         {"bias", p[4], {2 * F}},
                         {"gw_x", p[5], {2 * F, Cin}},
                         {"gw_h", p[6], {2 * F, F}},
                         {"gate_bias", p[7], {2 * F}}},
                        all);
}

vigil_status check_saved(const char* op, const cpu::ConvLstmDims& d, vt saved,
                         std::initializer_list<Named> all) {
  const int64_t want = d.T * d.B * cpu::conv_lstm_saved_per_sample_step(d.cell, d.F, d.H, d.W);
  if (saved && (saved->ndim != 1 || saved->shape[0] != want))
    return fail(VIGIL_ERR_SHAPE, op,
                "saved must be 1-D of " + std::to_string(want) + " elements for " + sizes(d),
                all);
  return VIGIL_OK;
}

// params copied into kMaxParams slots, absent ones null.
void slots(const vt* params, int32_t n, vt* out) {
  for (int k = 0; k < kMaxParams; ++k) out[k] = params && k < n ? params[k] : nullptr;
}

}  // namespace

extern "C" int64_t vigil_conv_lstm_saved_size(const vigil_conv_lstm_options* opt, int64_t B,
                                              int64_t T, int64_t F, int64_t H, int64_t W) {
  if (!opt) return 0;
  const int64_t per = cpu::conv_lstm_saved_per_sample_step(opt->cell, F, H, W);
  return per < 0 ? -1 : T * B * per;
}

extern "C" vigil_status vigil_conv_lstm_forward(const vigil_conv_lstm_options* opt, vt x,
                                                const vt* params, int32_t n_params, vt x_mask,
                                                vt h0, vt c0, vt y, vt c_n, vt saved) {
  const char* op = "conv_lstm";
  return guarded(op, [&]() -> vigil_status {
    vt p[kMaxParams];
    slots(params, n_params, p);
    std::initializer_list<Named> all = {
        {"x", x},   {"x_mask", x_mask}, {"h0", h0},       {"c0", c0},   {"y", y},
        {"c_n", c_n}, {"saved", saved}, {"params[0]", p[0]}, {"params[1]", p[1]},
        {"params[2]", p[2]}, {"params[3]", p[3]}, {"params[4]", p[4]}, {"params[5]", p[5]},
        {"params[6]", p[6]}, {"params[7]", p[7]}, {"params[8]", p[8]}, {"params[9]", p[9]},
        {"params[10]", p[10]}};
    VIGIL_CHECK(check_same(op, all));
    cpu::ConvLstmDims d;
    VIGIL_CHECK(read_dims(op, opt, x, params, n_params, x_mask, all, p, &d));
    if (!y) return fail(VIGIL_ERR_ARG, op, "y is required", all);
    const int64_t B = d.B, F = d.F, H = d.H, W = d.W, CF = cell_state_channels(d);
    VIGIL_CHECK(check_expected(op, sizes(d),
                               {{"h0", h0, {B, F, H, W}}, {"c0", c0, {B, CF, H, W}},
                                {"y", y, {B, d.T, F, H, W}}, {"c_n", c_n, {B, CF, H, W}}},
                               all));
    VIGIL_CHECK(check_saved(op, d, saved, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      const S* ps[kMaxParams];
      for (int k = 0; k < kMaxParams; ++k) ps[k] = data<S>(p[k]);
      s = VIGIL_DISPATCH(op, x->device, conv_lstm_forward<S>, d, data<S>(x), ps, data<S>(x_mask),
                         data<S>(h0), data<S>(c0), data<S>(y), data<S>(c_n), data<S>(saved));
    });
    return s;
  });
}

extern "C" vigil_status vigil_conv_lstm_backward(const vigil_conv_lstm_options* opt, vt x,
                                                 const vt* params, int32_t n_params, vt x_mask,
                                                 vt h0, vt c0, vt y, vt saved, vt dy, vt dx,
                                                 const vt* dparams, vt dh0, vt dc0) {
  const char* op = "conv_lstm_backward";
  return guarded(op, [&]() -> vigil_status {
    vt p[kMaxParams], dp[kMaxParams];
    slots(params, n_params, p);
    slots(dparams, n_params, dp);
    std::initializer_list<Named> all = {
        {"x", x},     {"x_mask", x_mask}, {"h0", h0},   {"c0", c0},   {"y", y},
        {"saved", saved}, {"dy", dy},     {"dx", dx},   {"dh0", dh0}, {"dc0", dc0},
        {"params[0]", p[0]}, {"params[1]", p[1]}, {"params[2]", p[2]}, {"params[3]", p[3]},
        {"params[4]", p[4]}, {"params[5]", p[5]}, {"params[6]", p[6]}, {"params[7]", p[7]},
        {"dparams[0]", dp[0]}, {"dparams[1]", dp[1]}, {"dparams[2]", dp[2]},
        {"dparams[3]", dp[3]}, {"dparams[4]", dp[4]}, {"dparams[5]", dp[5]},
        {"dparams[6]", dp[6]}, {"dparams[7]", dp[7]}, {"params[8]", p[8]}, {"params[9]", p[9]},
        {"params[10]", p[10]}, {"dparams[8]", dp[8]}, {"dparams[9]", dp[9]},
        {"dparams[10]", dp[10]}};
    VIGIL_CHECK(check_same(op, all));
    cpu::ConvLstmDims d;
    VIGIL_CHECK(read_dims(op, opt, x, params, n_params, x_mask, all, p, &d));
    if (!y || !saved || !dy)
      return fail(VIGIL_ERR_ARG, op, "y, saved (from a training forward) and dy are required",
                  all);
    if ((dh0 && !h0) || (dc0 && !c0))
      return fail(VIGIL_ERR_ARG, op, "dh0 and dc0 need the h0 and c0 they are gradients of",
                  all);
    const int64_t B = d.B, F = d.F, H = d.H, W = d.W, CF = cell_state_channels(d);
    VIGIL_CHECK(check_expected(op, sizes(d),
                               {{"h0", h0, {B, F, H, W}}, {"c0", c0, {B, CF, H, W}},
                                {"y", y, {B, d.T, F, H, W}}, {"dy", dy, {B, d.T, F, H, W}},
                                {"dx", dx, {B, d.T, d.Cin, H, W}}, {"dh0", dh0, {B, F, H, W}},
                                {"dc0", dc0, {B, CF, H, W}}},
                               all));
    for (int k = 0; k < n_params; ++k)
      if (dp[k] && (!p[k] || !same_shape(dp[k], p[k])))
        return fail(VIGIL_ERR_SHAPE, op,
                    "dparams[" + std::to_string(k) + "] must have the shape of params[" +
                        std::to_string(k) + "] (and that param be given)",
                    all);
    VIGIL_CHECK(check_saved(op, d, saved, all));
    vigil_status s = VIGIL_OK;
    VIGIL_FLOAT_SWITCH(x->dtype, S, {
      const S* ps[kMaxParams];
      S* dps[kMaxParams];
      for (int k = 0; k < kMaxParams; ++k) {
        ps[k] = data<S>(p[k]);
        dps[k] = data<S>(dp[k]);
      }
      s = VIGIL_DISPATCH(op, x->device, conv_lstm_backward<S>, d, data<S>(x), ps,
                         data<S>(x_mask), data<S>(h0), data<S>(c0), data<S>(y), data<S>(saved),
                         data<S>(dy), data<S>(dx), dps, data<S>(dh0), data<S>(dc0));
    });
    return s;
  });
}
