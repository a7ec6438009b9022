// An LSTM recurrence cut by hidden units over a team of threads (cpu/lstm.h lstm_parts +
// lstm_infer_part, core/parallel.h run_team + TeamBarrier) gives lstm_infer's bits: for a
// sequence input and a repeated one (x_step = 0), one and three rows, H = 128 and 16 (the
// smallest cut: 8 units a member), f32 and f64. Cuts that would split the activations' 8-lane
// vectors are refused. A member that fails releases the others (no hang) and the error reaches
// the caller.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/lstm.h"
#include "harness.h"

namespace {

using vigil::cpu::LstmPacked;

template <typename T>
void check_team(int64_t nb, int64_t Tn, int64_t I, int64_t H, bool repeated, uint64_t seed) {
  std::vector<T> x(nb * (repeated ? 1 : Tn) * I), w_ih(4 * H * I), w_hh(4 * H * H), b_ih(4 * H),
      b_hh(4 * H);
  harness::fill_uniform(x, seed, -1, 1);
  harness::fill_uniform(w_ih, seed + 1, -0.3, 0.3);
  harness::fill_uniform(w_hh, seed + 2, -0.3, 0.3);
  harness::fill_uniform(b_ih, seed + 3, -0.2, 0.2);
  harness::fill_uniform(b_hh, seed + 4, -0.2, 0.2);
  LstmPacked<T> w;
  w.pack(I, H, w_ih.data(), w_hh.data(), b_ih.data(), b_hh.data());
  const int64_t x_row = repeated ? I : Tn * I, x_step = repeated ? 0 : I;
  std::vector<T> want(nb * Tn * H), got(nb * Tn * H, T(-7));
  vigil::cpu::lstm_infer<T>(w, nb, Tn, x.data(), x_row, x_step, nullptr, nullptr, want.data(),
                            nullptr, nullptr);
  const auto parts = vigil::cpu::lstm_parts(w, w_ih.data(), w_hh.data(), 2);
  const std::string what = std::string(sizeof(T) == 4 ? "f32" : "f64") + " nb=" +
                           std::to_string(nb) + " H=" + std::to_string(H) +
                           (repeated ? " repeated" : " sequence");
  HCHECK(parts.size() == 2, what + ": two parts");
  if (parts.size() != 2) return;
  vigil::TeamBarrier team(2);
  const bool ran = vigil::run_team(2, [&](int m) {
    vigil::cpu::lstm_infer_part<T>(parts[m], I, H, nb, Tn, x.data(), x_row, x_step, got.data(),
                                   [&] { team.wait(); });
  });
  HCHECK(ran, what + ": the team ran");
  HCHECK(std::memcmp(want.data(), got.data(), sizeof(T) * want.size()) == 0, what + ": y bits");
}

}  // namespace

HTEST(lstm_team_cut_by_units_matches_lstm_infer) {
  const int before = vigil::num_threads();
  vigil::set_num_threads(2);
  check_team<float>(1, 40, 38, 128, false, 10);
  check_team<float>(3, 25, 64, 128, true, 20);
  check_team<float>(1, 30, 5, 16, false, 30);
  check_team<double>(2, 12, 7, 16, true, 40);
  vigil::set_num_threads(before);
}

HTEST(lstm_team_refuses_cuts_inside_a_vector_and_survives_a_failing_member) {
  const int before = vigil::num_threads();
  vigil::set_num_threads(2);
  std::vector<float> w_ih(4 * 24 * 3, 0.1f), w_hh(4 * 24 * 24, 0.1f);
  LstmPacked<float> w;
  w.pack(3, 24, w_ih.data(), w_hh.data(), nullptr, nullptr);  // 12 units a member: not a multiple of 8
  HCHECK(vigil::cpu::lstm_parts(w, w_ih.data(), w_hh.data(), 2).empty(), "H=24 in two parts");
  HCHECK(vigil::cpu::lstm_parts(w, w_ih.data(), w_hh.data(), 3).size() == 3, "H=24 in three parts");
  vigil::TeamBarrier team(2);
  std::string caught;
  try {
    vigil::run_team(2, [&](int m) {
      try {
        if (m == 1) throw std::runtime_error("member 1 failed");
        for (int i = 0; i < 3; ++i) team.wait();  // would spin forever without abort()
      } catch (...) {
        team.abort();
        throw;
      }
    });
  } catch (const std::exception& e) {
    caught = e.what();
  }
  HCHECK(!caught.empty(), "the failure reached the caller, got: " + caught);
  HCHECK(!vigil::run_team(3, [](int) {}), "a team larger than the pool is refused");
  vigil::set_num_threads(before);
}
