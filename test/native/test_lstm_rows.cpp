// Bit-identity of the LSTM across batch sizes and threads (cpu/lstm.cpp on gemm.h's row
// independence): a batch of sequences gives, bit for bit, the outputs (y, h_n, c_n, and when
// training the saved gates and cells) of each sequence run alone (B = 1, the streaming case),
// at the LSTM-AE's first-layer sizes (38 inputs, 128 hidden) with biases and initial states, on
// 1 and 2 threads (B = 17 splits the recurrence into batch chunks), f32 and f64; inference and
// training forwards agree bit for bit.
#include <cstring>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "cpu/lstm.h"
#include "harness.h"

namespace {

template <typename T>
struct LstmRun {
  vigil::cpu::LstmDims d;
  std::vector<T> x, w_ih, w_hh, b_ih, b_hh, h0, c0;
  LstmRun(int64_t B, int64_t Tn, int64_t I, int64_t H, uint64_t seed) : d{B, Tn, I, H} {
    auto fill = [&](std::vector<T>& v, int64_t n, double scale) {
      v.resize(n);
      harness::fill_uniform(v, seed++, -scale, scale);
    };
    fill(x, B * Tn * I, 1.0);
    fill(w_ih, 4 * H * I, 0.3);
    fill(w_hh, 4 * H * H, 0.3);
    fill(b_ih, 4 * H, 0.2);
    fill(b_hh, 4 * H, 0.2);
    fill(h0, B * H, 0.5);
    fill(c0, B * H, 0.5);
  }
  // Outputs of rows [b0, b0 + n) run as one batch: y, h_n, c_n, then gates and cells (time-major
  // [T, n, ...]) when training.
  std::vector<std::vector<T>> run(int64_t b0, int64_t n, bool training) const {
    const int64_t Tn = d.T, I = d.I, H = d.H, G = 4 * H;
    std::vector<T> y(n * Tn * H), hn(n * H), cn(n * H), gates(training ? Tn * n * G : 0),
        cells(training ? Tn * n * H : 0);
    vigil::cpu::lstm_forward<T>({n, Tn, I, H}, x.data() + b0 * Tn * I, w_ih.data(), w_hh.data(),
                                b_ih.data(), b_hh.data(), h0.data() + b0 * H, c0.data() + b0 * H,
                                y.data(), hn.data(), cn.data(), training ? gates.data() : nullptr,
                                training ? cells.data() : nullptr);
    return {y, hn, cn, gates, cells};
  }
};

template <typename T>
bool same(const T* a, const T* b, int64_t n) {
  return std::memcmp(a, b, sizeof(T) * n) == 0;
}

template <typename T>
void check_rows(int64_t B, int64_t Tn, uint64_t seed) {
  const int64_t I = 38, H = 128, G = 4 * H;
  const LstmRun<T> m(B, Tn, I, H, seed);
  const std::string dt = sizeof(T) == 4 ? "f32" : "f64";
  for (bool training : {false, true}) {
    const auto all = m.run(0, B, training);
    const std::string what =
        dt + (training ? " training" : " inference") + " B=" + std::to_string(B) + ", row ";
    for (int64_t b = 0; b < B; ++b) {
      const auto one = m.run(b, 1, training);
      const std::string row = what + std::to_string(b);
      HCHECK(same(all[0].data() + b * Tn * H, one[0].data(), Tn * H), row + ": y");
      HCHECK(same(all[1].data() + b * H, one[1].data(), H), row + ": h_n");
      HCHECK(same(all[2].data() + b * H, one[2].data(), H), row + ": c_n");
      if (!training) continue;
      for (int64_t t = 0; t < Tn; ++t) {
        HCHECK(same(all[3].data() + (t * B + b) * G, one[3].data() + t * G, G), row + ": gates");
        HCHECK(same(all[4].data() + (t * B + b) * H, one[4].data() + t * H, H), row + ": cells");
      }
    }
    if (training) {  // the inference forward gives the training forward's bits
      const auto inf = m.run(0, B, false);
      for (int k = 0; k < 3; ++k)
        HCHECK(same(inf[k].data(), all[k].data(), static_cast<int64_t>(all[k].size())),
               dt + ": inference vs training output " + std::to_string(k));
    }
  }
}

}  // namespace

HTEST(lstm_rows_independent_of_batch_and_threads) {
  const int before = vigil::num_threads();
  for (int threads : {1, 2}) {
    vigil::set_num_threads(threads);
    check_rows<float>(5, 30, 100);
    check_rows<float>(17, 7, 200);
    check_rows<double>(3, 9, 300);
  }
  vigil::set_num_threads(before);
}
