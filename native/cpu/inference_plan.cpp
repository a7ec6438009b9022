// The inference plan's chain (see inference_plan.h). A thread runs every step for its batch
// rows in sub-batches of kSubRows windows, so that a sub-batch's activations stay in cache
// from one step to the next; between steps nothing is synchronised.
#include "cpu/inference_plan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/batch_chunks.h"

namespace vigil::cpu {
namespace {

// Windows per sub-batch: enough rows for the LSTM's per-step GEMM to run at the blocked
// kernels' speed, few enough that a sub-batch's activations ([rows, window, width] twice)
// stay near the L2 cache. The GEMM's micro-kernel takes 6 rows at a time, so chunks and
// sub-batches are cut at multiples of 6 rows (measured, 128 -> 512 per step: 24 rows 55
// GMAC/s, 16 rows 48, 8 rows 32).
constexpr int64_t kRowAlign = 6, kSubRows = 24, kMinRowsPerChunk = 8;

// A batch too small to split by rows (one chunk) is split by hidden units instead: a team of
// kTeam threads runs each LSTM step together, each member streaming its part of W_hh from its
// own core's cache. One batch row's step is bound by reading W_hh (128 x 512 floats: 256 KB from
// L2 per step, ~2.4 us), so halving the bytes per core halves the step, less a barrier.
constexpr int kTeam = 2;

// Per thread, reused across calls (no fresh pages); 64-byte aligned, so that team members
// writing neighbouring unit ranges of a row share no cache line at the cut. Slots 0 and 1: the
// activations (ping-pong); slot 2: a series' rows projected into the first LSTM.
template <typename T>
T* kept_buffer(int slot, int64_t n) {
  constexpr int64_t pad = 64 / sizeof(T);
  thread_local std::vector<T> kept[3];
  if (static_cast<int64_t>(kept[slot].size()) < n + pad) kept[slot].resize(n + pad);
  const auto at = reinterpret_cast<uintptr_t>(kept[slot].data());
  return kept[slot].data() + ((64 - at % 64) % 64) / sizeof(T);
}

std::string mismatch(const char* step, const char* what, int64_t want, int64_t got) {
  return std::string(step) + ": " + what + " " + std::to_string(got) + " does not match the " +
         std::to_string(want) + " the chain carries here";
}

}  // namespace

template <typename T>
InferencePlan<T>::InferencePlan(int64_t inputs, int64_t window)
    : inputs_(inputs), window_(window), form_{true, false, inputs}, max_width_(inputs) {}

template <typename T>
std::string InferencePlan<T>::add_lstm(int64_t I, int64_t H, const T* w_ih, const T* w_hh,
                                       const T* b_ih, const T* b_hh, bool last_only) {
  if (!form_.seq) return "lstm: needs a sequence; the chain carries one vector per window here";
  if (I != form_.width) return mismatch("lstm", "input size", form_.width, I);
  if (H < 1) return "lstm: hidden size must be >= 1";
  Step s;
  s.kind = Kind::Lstm;
  s.in = I;
  s.out = H;
  s.last_only = last_only;
  s.lstm = std::make_unique<LstmPacked<T>>();
  s.lstm->pack(I, H, w_ih, w_hh, b_ih, b_hh);
  s.parts = lstm_parts(*s.lstm, w_ih, w_hh, kTeam);
  steps_.push_back(std::move(s));
  form_ = {!last_only, false, H};
  max_width_ = std::max(max_width_, H);
  return {};
}

template <typename T>
std::string InferencePlan<T>::add_batch_norm(int64_t C, const T* mean, const T* var,
                                             const T* gamma, const T* beta, double eps) {
  if (C != form_.width) return mismatch("batch_norm", "channel count", form_.width, C);
  Step s;
  s.kind = Kind::BatchNorm;
  s.in = s.out = C;
  s.mean.resize(C);
  s.scale.resize(C);
  s.shift.resize(C);
  for (int64_t c = 0; c < C; ++c) {  // as batch_norm_forward in eval mode
    const double invstd = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    s.mean[c] = mean[c];
    s.scale[c] = static_cast<T>(invstd * (gamma ? static_cast<double>(gamma[c]) : 1.0));
    s.shift[c] = beta ? beta[c] : T(0);
  }
  steps_.push_back(std::move(s));
  return {};
}

template <typename T>
std::string InferencePlan<T>::add_linear(int64_t in, int64_t out, const T* w, const T* bias) {
  if (in != form_.width) return mismatch("linear", "input size", form_.width, in);
  Step s;
  s.kind = Kind::Linear;
  s.in = in;
  s.out = out;
  s.w.pack(true, in, out, w, in);
  if (bias) s.bias.assign(bias, bias + out);
  steps_.push_back(std::move(s));
  form_.width = out;
  max_width_ = std::max(max_width_, out);
  return {};
}

template <typename T>
std::string InferencePlan<T>::add_repeat() {
  if (form_.seq) return "repeat: needs one vector per window; the chain carries a sequence here";
  Step s;
  s.kind = Kind::Repeat;
  steps_.push_back(std::move(s));
  form_ = {true, true, form_.width};
  return {};
}

template <typename T>
bool InferencePlan<T>::starts_with_lstm() const {
  return !steps_.empty() && steps_.front().kind == Kind::Lstm;
}

template <typename T>
bool InferencePlan<T>::reconstructs() const {
  return form_.seq && form_.width == inputs_;
}

template <typename T>
int64_t InferencePlan<T>::output_size(bool errors) const {
  if (errors) return inputs_;
  return form_.seq ? window_ * form_.width : form_.width;
}

template <typename T>
void InferencePlan<T>::run(const T* x, int64_t x_row, int64_t B, bool errors, T* out) const {
  const int64_t out_per = output_size(errors);
  const int64_t groups = (B + kRowAlign - 1) / kRowAlign;
  const int64_t chunks = std::min(groups, batch_chunk_count(B, kMinRowsPerChunk));
  const bool cut = std::all_of(steps_.begin(), steps_.end(),
                               [](const Step& s) { return s.kind != Kind::Lstm || !s.parts.empty(); });
  if (chunks == 1 && B > 0 && B <= kSubRows && cut && num_threads() >= kTeam && team_backoff_.use_team()) {
    const int64_t cap = B * window_ * max_width_;
    T* const buf[2] = {kept_buffer<T>(0, cap), kept_buffer<T>(1, cap)};
    TeamBarrier team(kTeam);
    const bool ran = run_team(kTeam, [&](int member) {
      try {
        run_rows(x, x_row, B, errors, out, buf, member, &team);
      } catch (...) {
        team.abort();
        throw;
      }
    });
    if (ran) {
      team_backoff_.record(team.slow_waits());
      return;
    }  // else the pool is busy: run alone
  }
  for_batch_chunks(groups, chunks, [&](int64_t, int64_t g0, int64_t g1) {
    const int64_t b0 = g0 * kRowAlign, b1 = std::min(B, g1 * kRowAlign);
    for (int64_t r = b0; r < b1; r += kSubRows) {
      const int64_t nb = std::min(kSubRows, b1 - r), cap = nb * window_ * max_width_;
      T* const buf[2] = {kept_buffer<T>(0, cap), kept_buffer<T>(1, cap)};
      run_rows(x + r * x_row, x_row, nb, errors, out + r * out_per, buf, 0, nullptr);
    }
  });
}

template <typename T>
void InferencePlan<T>::run_rows(const T* x, int64_t x_row, int64_t nb, bool errors, T* out,
                                T* const buf[2], int member, TeamBarrier* team) const {
  const int64_t Tn = window_;
  const bool lead = member == 0;  // writes every step but its own units of the LSTMs
  const std::function<void()> step_done = [team] { team->wait(); };
  int next = 0;
  const T* cur = x;
  Form f{true, false, inputs_};
  // Rows of the current activation: one per step of each window, or one per window.
  auto rows = [&](const Form& g) { return g.seq && !g.repeated ? nb * Tn : nb; };
  for (const Step& s : steps_) {
    T* dst = buf[next];
    const bool input = cur == x;  // windows may overlap (a series): x_row apart, not T rows
    const int64_t row = input ? x_row : f.repeated ? f.width : Tn * f.width,
                  step = f.repeated ? 0 : f.width;
    switch (s.kind) {
      case Kind::Lstm:
        if (team) {
          team->wait();  // the lead's previous steps wrote cur
          lstm_infer_part<T>(s.parts[member], s.in, s.out, nb, Tn, cur, row, step, dst, step_done);
        } else if (input && row < Tn * step) {  // overlapping windows: project each row once
          const int64_t n_rows = (nb - 1) * row / step + Tn, G = 4 * s.out;
          T* z = kept_buffer<T>(2, n_rows * G);
          gemm_packed<T>(false, n_rows, T(1), cur, step, s.lstm->w_ih, T(0), z, G);
          lstm_infer<T>(*s.lstm, nb, Tn, z, row / step * G, G, nullptr, nullptr, dst, nullptr,
                        nullptr, true);
        } else {
          lstm_infer<T>(*s.lstm, nb, Tn, cur, row, step, nullptr, nullptr, dst, nullptr, nullptr);
        }
        if (s.last_only && lead)  // row r's final step moves to row r of a [nb, H] matrix
          for (int64_t r = 0; r < nb; ++r)
            std::memmove(dst + r * s.out, dst + (r * Tn + Tn - 1) * s.out, sizeof(T) * s.out);
        f = {!s.last_only, false, s.out};
        break;
      case Kind::BatchNorm: {
        const int64_t n = rows(f), C = s.in;
        for (int64_t i = 0; lead && i < n; ++i) {
          const T* xr = cur + i * C;
          T* yr = dst + i * C;
          for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - s.mean[c]) * s.scale[c] + s.shift[c];
        }
        break;
      }
      case Kind::Linear: {
        const int64_t n = rows(f);
        if (lead) {
          if (!s.bias.empty())
            for (int64_t i = 0; i < n; ++i) std::copy(s.bias.begin(), s.bias.end(), dst + i * s.out);
          gemm_packed<T>(false, n, T(1), cur, s.in, s.w, s.bias.empty() ? T(0) : T(1), dst, s.out);
        }
        f.width = s.out;
        break;
      }
      case Kind::Repeat:
        f = {true, true, f.width};
        continue;  // nothing moves
    }
    cur = dst;
    next ^= 1;
  }
  if (!lead) return;
  const int64_t F = inputs_;
  if (errors) {  // mean over steps of (y - x)^2, each square rounded as the square op rounds it
    const double scale = 1.0 / static_cast<double>(Tn);
    std::vector<double> acc(F);
    for (int64_t r = 0; r < nb; ++r) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t t = 0; t < Tn; ++t) {
        const T* y = cur + (f.repeated ? r : r * Tn + t) * F;
        const T* xr = x + r * x_row + t * F;
        for (int64_t c = 0; c < F; ++c) {
          const T d = y[c] - xr[c];
          const T sq = d * d;
          acc[c] += sq;
        }
      }
      for (int64_t c = 0; c < F; ++c) out[r * F + c] = static_cast<T>(scale * acc[c]);
    }
    return;
  }
  const int64_t per = output_size(false);
  for (int64_t r = 0; r < nb; ++r) {
    if (f.repeated)
      for (int64_t t = 0; t < Tn; ++t) std::memcpy(out + r * per + t * f.width, cur + r * f.width, sizeof(T) * f.width);
    else
      std::memcpy(out + r * per, cur == x ? x + r * x_row : cur + r * per, sizeof(T) * per);
  }
}

template class InferencePlan<float>;
template class InferencePlan<double>;

}  // namespace vigil::cpu
