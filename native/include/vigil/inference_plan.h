/* Inference plans: a frozen chain of sequence layers (LSTM, batch norm with fixed statistics,
 * linear, repeat over time) that scores a batch of windows in one call. float32 on the CPU.
 * Each add_* copies (packs) the weights it is given: later changes to those tensors do not
 * reach the plan. The chain is checked as it grows (each step's input size must be what the
 * chain carries); a failed add leaves the plan as it was.                                      */
#ifndef VIGIL_INFERENCE_PLAN_H
#define VIGIL_INFERENCE_PLAN_H
#include "vigil/ops.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_inference_plan vigil_inference_plan;

/* Windows [batch, window, inputs] enter the plan.                                              */
vigil_status vigil_inference_plan_create(int64_t inputs, int64_t window,
                                         vigil_inference_plan** out);
void vigil_inference_plan_free(vigil_inference_plan* plan);

/* w_ih [4H,I], w_hh [4H,H], biases [4H] or NULL (the lstm op's layout); last_only != 0 keeps
 * only the final step's h ([batch, H]), as a sequence-to-vector encoder does.                  */
vigil_status vigil_inference_plan_add_lstm(vigil_inference_plan* plan, vt w_ih, vt w_hh,
                                           vt b_ih, vt b_hh, int last_only);
/* Over the last axis: y = (x - mean) / sqrt(var + eps) * gamma + beta; gamma/beta may be NULL.  */
vigil_status vigil_inference_plan_add_batch_norm(vigil_inference_plan* plan, vt mean, vt var,
                                                 vt gamma, vt beta, double eps);
/* y = x w^T + bias; w [out, in], bias [out] or NULL.                                           */
vigil_status vigil_inference_plan_add_linear(vigil_inference_plan* plan, vt w, vt bias);
/* [batch, C] -> [batch, window, C], the same vector at every step.                             */
vigil_status vigil_inference_plan_add_repeat(vigil_inference_plan* plan);

/* Values per window of run's output: errors != 0 -> inputs; else the final activation's size. */
int64_t vigil_inference_plan_output_size(const vigil_inference_plan* plan, int errors);

/* x: batch * window * inputs floats; out: batch * output_size(errors) floats. errors != 0
 * gives each window's mean over steps of (output - x)^2 per channel, which needs a chain that
 * ends in a sequence of the input's shape.                                                     */
vigil_status vigil_inference_plan_run(const vigil_inference_plan* plan, const float* x,
                                      int64_t x_len, int64_t batch, int errors, float* out,
                                      int64_t out_len);

/* The `batch` windows of consecutive rows of one series: rows holds (batch + window - 1) *
 * inputs floats and window b is rows b .. b + window - 1. Gives run's results for those windows
 * bit for bit without copying them, projecting each row into the first LSTM once (which must
 * be the chain's first step).                                                                 */
vigil_status vigil_inference_plan_run_series(const vigil_inference_plan* plan, const float* rows,
                                             int64_t rows_len, int64_t batch, int errors,
                                             float* out, int64_t out_len);

#ifdef __cplusplus
}
#endif
#endif
