// An inference plan: a frozen chain of sequence layers (LSTM, batch norm in eval mode, linear,
// repeat over time) run as ONE native call per batch, with every weight packed once when the
// plan is built. It serves scoring, where the per-op path would cross into native code ~20
// times per window, repack the LSTM weights on every call and thrash the L2 cache with two
// copies of them. Each step reuses its op's kernel (lstm_infer, gemm_packed with the linear
// op's bias-then-accumulate, the batch-norm formula), so a plan gives the op path's numbers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "cpu/lstm.h"

namespace vigil::cpu {

template <typename T>
class InferencePlan {
 public:
  // Windows x [B, window, inputs] enter the plan.
  InferencePlan(int64_t inputs, int64_t window);

  // Each add checks the chain and returns an empty string, or says what does not fit.
  // lstm: w_ih [4H, I], w_hh [4H, H], biases [4H] or null; last_only keeps only the final step.
  std::string add_lstm(int64_t I, int64_t H, const T* w_ih, const T* w_hh, const T* b_ih,
                       const T* b_hh, bool last_only);
  // Batch norm over the last axis with fixed statistics: y = (x - mean) * scale + shift.
  std::string add_batch_norm(int64_t C, const T* mean, const T* var, const T* gamma,
                             const T* beta, double eps);
  // y = x w^T + bias; w [out, in].
  std::string add_linear(int64_t in, int64_t out, const T* w, const T* bias);
  // [B, C] -> [B, window, C]: the same vector at every step (kept unexpanded where it can be).
  std::string add_repeat();

  int64_t inputs() const { return inputs_; }
  int64_t window() const { return window_; }
  // Values per window of run's output: errors ? inputs : the final activation's size.
  int64_t output_size(bool errors) const;
  // Whether the chain ends in a sequence of the input's shape (what `errors` needs).
  bool reconstructs() const;
  // Whether the first step is an LSTM (what run_series needs: it reads overlapping windows).
  bool starts_with_lstm() const;

  // x [B, window, inputs] -> out [B, output_size(errors)]: the final activation, or with
  // errors the mean over steps of (output - x)^2 per channel (as mean(square(sub(y, x)), 1)).
  // Batch rows are split over the thread pool; each thread runs the whole chain on its rows.
  void run(const T* x, int64_t B, bool errors, T* out) const { run(x, window_ * inputs_, B, errors, out); }
  // The same for the B windows of consecutive rows of one series, rows [B + window - 1, inputs]:
  // window b is rows b .. b + window - 1 (stride 1), with no copy. The first LSTM's input
  // projection is computed once per row instead of once per window and step: bit-identical,
  // as a GEMM row does not depend on the rows beside it.
  void run_series(const T* rows, int64_t B, bool errors, T* out) const { run(rows, inputs_, B, errors, out); }

 private:
  enum class Kind { Lstm, BatchNorm, Linear, Repeat };
  struct Step {
    Kind kind = Kind::Repeat;
    bool last_only = false;
    int64_t in = 0, out = 0;
    std::unique_ptr<LstmPacked<T>> lstm;
    std::vector<LstmPart<T>> parts;  // the units cut for a team (empty: this layer cannot be cut)
    PackedB<T> w;                    // linear: w^T [in, out]
    std::vector<T> bias, mean, scale, shift;
  };
  // The activation's form after the steps so far.
  struct Form {
    bool seq;       // has a time axis
    bool repeated;  // a sequence whose steps are all equal, kept as one vector per row
    int64_t width;
  };
  // Runs the chain for nb windows into out. Solo (team == nullptr): this thread does all of it
  // with its own buffers. In a team: every member runs its units of each LSTM; member 0 runs
  // the other steps; buf is the team's shared pair of activation buffers.
  // x_row: floats from one window's first row to the next one's (window * inputs for separate
  // windows, inputs for a series).
  void run(const T* x, int64_t x_row, int64_t B, bool errors, T* out) const;
  void run_rows(const T* x, int64_t x_row, int64_t nb, bool errors, T* out, T* const buf[2],
                int member, TeamBarrier* team) const;

  int64_t inputs_, window_;
  mutable TeamBackoff team_backoff_;  // runs alone while teams find their members off-core
  std::vector<Step> steps_;
  Form form_;
  int64_t max_width_;
};

}  // namespace vigil::cpu
