// inference_plan: C ABI entry points (validation, then cpu/inference_plan.h). Plans are
// float32 and CPU-only: their weights are packed for the CPU GEMM kernels.
#include "vigil/inference_plan.h"

#include <string>

#include "core/check.h"
#include "cpu/inference_plan.h"

using namespace vigil;

struct vigil_inference_plan {
  cpu::InferencePlan<float> impl;
};

namespace {

const char* const kOp = "inference_plan";

// The tensors of one step: float32, on the CPU, with data.
vigil_status check_weights(std::initializer_list<Named> ts) {
  VIGIL_CHECK(check_same(kOp, ts));
  VIGIL_CHECK(require_cpu(kOp, ts));
  for (const Named& n : ts)
    if (n.t && n.t->dtype != VIGIL_F32)
      return fail(VIGIL_ERR_DTYPE, kOp, std::string(n.name) + " must be float32", ts);
  return VIGIL_OK;
}

vigil_status added(const std::string& err, std::initializer_list<Named> ts) {
  return err.empty() ? VIGIL_OK : fail(VIGIL_ERR_SHAPE, kOp, err, ts);
}

bool is_vector(const vigil_tensor* t, int64_t n) { return !t || has_shape(t, {n}); }

}  // namespace

extern "C" vigil_status vigil_inference_plan_create(int64_t inputs, int64_t window,
                                                    vigil_inference_plan** out) {
  return guarded(kOp, [&]() -> vigil_status {
    if (!out) return fail(VIGIL_ERR_ARG, kOp, "out is required");
    if (inputs < 1 || window < 1)
      return fail(VIGIL_ERR_ARG, kOp,
                  "inputs and window must be >= 1, got " + std::to_string(inputs) + " and " +
                      std::to_string(window));
    *out = new vigil_inference_plan{cpu::InferencePlan<float>(inputs, window)};
    return VIGIL_OK;
  });
}

extern "C" void vigil_inference_plan_free(vigil_inference_plan* plan) { delete plan; }

extern "C" vigil_status vigil_inference_plan_add_lstm(vigil_inference_plan* plan, vt w_ih,
                                                      vt w_hh, vt b_ih, vt b_hh, int last_only) {
  return guarded(kOp, [&]() -> vigil_status {
    std::initializer_list<Named> all = {
        {"w_ih", w_ih}, {"w_hh", w_hh}, {"b_ih", b_ih}, {"b_hh", b_hh}};
    if (!plan || !w_ih || !w_hh) return fail(VIGIL_ERR_ARG, kOp, "lstm: plan, w_ih and w_hh are required", all);
    VIGIL_CHECK(check_weights(all));
    const int64_t H = has_shape(w_hh, {-1, -1}) ? w_hh->shape[1] : 0;
    if (H < 1 || !has_shape(w_hh, {4 * H, H}) || !has_shape(w_ih, {4 * H, -1}) ||
        !is_vector(b_ih, 4 * H) || !is_vector(b_hh, 4 * H))
      return fail(VIGIL_ERR_SHAPE, kOp, "lstm: expected w_ih [4H,I], w_hh [4H,H], biases [4H]", all);
    return added(plan->impl.add_lstm(w_ih->shape[1], H, data<float>(w_ih), data<float>(w_hh),
                                     data<float>(b_ih), data<float>(b_hh), last_only != 0),
                 all);
  });
}

extern "C" vigil_status vigil_inference_plan_add_batch_norm(vigil_inference_plan* plan, vt mean,
                                                            vt var, vt gamma, vt beta,
                                                            double eps) {
  return guarded(kOp, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"mean", mean}, {"var", var}, {"gamma", gamma}, {"beta", beta}};
    if (!plan || !mean || !var) return fail(VIGIL_ERR_ARG, kOp, "batch_norm: plan, mean and var are required", all);
    VIGIL_CHECK(check_weights(all));
    const int64_t C = numel(mean);
    if (!has_shape(mean, {C}) || !is_vector(var, C) || !is_vector(gamma, C) || !is_vector(beta, C))
      return fail(VIGIL_ERR_SHAPE, kOp, "batch_norm: mean, var, gamma and beta must all be [C]", all);
    if (!(eps >= 0)) return fail(VIGIL_ERR_ARG, kOp, "batch_norm: eps must be >= 0", all);
    return added(plan->impl.add_batch_norm(C, data<float>(mean), data<float>(var),
                                           data<float>(gamma), data<float>(beta), eps),
                 all);
  });
}

extern "C" vigil_status vigil_inference_plan_add_linear(vigil_inference_plan* plan, vt w,
                                                        vt bias) {
  return guarded(kOp, [&]() -> vigil_status {
    std::initializer_list<Named> all = {{"w", w}, {"bias", bias}};
    if (!plan || !w) return fail(VIGIL_ERR_ARG, kOp, "linear: plan and w are required", all);
    VIGIL_CHECK(check_weights(all));
    if (!has_shape(w, {-1, -1}) || w->shape[0] < 1 || !is_vector(bias, w->shape[0]))
      return fail(VIGIL_ERR_SHAPE, kOp, "linear: expected w [out,in] and bias [out]", all);
    return added(plan->impl.add_linear(w->shape[1], w->shape[0], data<float>(w), data<float>(bias)), all);
  });
}

extern "C" vigil_status vigil_inference_plan_add_repeat(vigil_inference_plan* plan) {
  return guarded(kOp, [&]() -> vigil_status {
    if (!plan) return fail(VIGIL_ERR_ARG, kOp, "repeat: plan is required");
    return added(plan->impl.add_repeat(), {});
  });
}

extern "C" int64_t vigil_inference_plan_output_size(const vigil_inference_plan* plan, int errors) {
  return plan ? plan->impl.output_size(errors != 0) : 0;
}

namespace {

// Checks a run's buffers (want_x: the floats x must hold).
vigil_status check_run(const vigil_inference_plan* plan, const float* x, int64_t x_len,
                       int64_t want_x, int64_t batch, int errors, const float* out,
                       int64_t out_len, const char* what) {
  if (!plan || (!x && x_len) || (!out && out_len))
    return fail(VIGIL_ERR_ARG, kOp, std::string(what) + ": plan, x and out are required");
  const auto& p = plan->impl;
  if (batch < 0) return fail(VIGIL_ERR_ARG, kOp, std::string(what) + ": batch must be >= 0");
  if (errors && !p.reconstructs())
    return fail(VIGIL_ERR_ARG, kOp,
                std::string(what) + ": errors need a chain that ends in a sequence of the input's shape [window, " +
                    std::to_string(p.inputs()) + "]");
  const int64_t want_out = batch * p.output_size(errors != 0);
  if (x_len != want_x || out_len != want_out)
    return fail(VIGIL_ERR_SHAPE, kOp,
                std::string(what) + ": " + std::to_string(batch) + " windows need x of " + std::to_string(want_x) +
                    " and out of " + std::to_string(want_out) + " floats, got " +
                    std::to_string(x_len) + " and " + std::to_string(out_len));
  return VIGIL_OK;
}

}  // namespace

extern "C" vigil_status vigil_inference_plan_run(const vigil_inference_plan* plan, const float* x,
                                                 int64_t x_len, int64_t batch, int errors,
                                                 float* out, int64_t out_len) {
  return guarded(kOp, [&]() -> vigil_status {
    const int64_t want_x = plan ? batch * plan->impl.window() * plan->impl.inputs() : 0;
    VIGIL_CHECK(check_run(plan, x, x_len, want_x, batch, errors, out, out_len, "run"));
    plan->impl.run(x, batch, errors != 0, out);
    return VIGIL_OK;
  });
}

extern "C" vigil_status vigil_inference_plan_run_series(const vigil_inference_plan* plan,
                                                        const float* rows, int64_t rows_len,
                                                        int64_t batch, int errors, float* out,
                                                        int64_t out_len) {
  return guarded(kOp, [&]() -> vigil_status {
    const int64_t want_x = plan && batch > 0 ? (batch + plan->impl.window() - 1) * plan->impl.inputs() : 0;
    VIGIL_CHECK(check_run(plan, rows, rows_len, want_x, batch, errors, out, out_len, "run_series"));
    if (!plan->impl.starts_with_lstm())
      return fail(VIGIL_ERR_ARG, kOp, "run_series: needs a chain whose first step is an LSTM");
    if (batch) plan->impl.run_series(rows, batch, errors != 0, out);
    return VIGIL_OK;
  });
}
