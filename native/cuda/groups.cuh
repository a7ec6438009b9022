// Keep-dim reductions on the device: x of shape xs folded into outputs of shape os (os right-
// aligned to xs, 1 on every reduced dim). A group is the set of x elements of one output.
//
// Two launch shapes, chosen by the layout:
//  - groups that are long contiguous runs (x's unit-stride dim is reduced): one block per output,
//    its threads striding over the group (coalesced), a block reduction at the end;
//  - otherwise (column sums, channel statistics of channel-last data, short groups): one thread
//    per output, neighbouring threads on neighbouring outputs (coalesced); when the outputs are
//    too few to fill the device, each group is cut into slices whose partial sums a second
//    kernel adds in order.
// Sums run in double; the partition depends only on the shapes, so results are reproducible.
#pragma once
#include "cuda/common.cuh"

namespace vigil::cuda {

struct Groups {
  Walk<2> kept;  // over outputs: 0 = x offset where the group starts, 1 = output offset
  Walk<1> red;   // over one group: x offset from the group's start
  int64_t n_kept = 0, n_red = 0;
  bool contiguous = false;  // x's unit-stride dim is reduced: groups are contiguous runs
};

inline Groups make_groups(const cpu::Shape& xs, const cpu::Shape& os) {
  int64_t xst[kMaxRank], ost[kMaxRank];
  xs.broadcast_strides(xs, xst);
  os.broadcast_strides(xs, ost);
  cpu::Nest<2> nest;
  for (int k = 0; k < xs.ndim; ++k) nest.push(xs.d[k], {xst[k], ost[k]});
  nest.coalesce();
  cpu::Nest<2> kept;
  cpu::Nest<1> red;
  for (int d = 0; d < nest.rank; ++d) {
    if (nest.stride[1][d]) kept.push(nest.size[d], {nest.stride[0][d], nest.stride[1][d]});
    else red.push(nest.size[d], {nest.stride[0][d]});
  }
  Groups g;
  g.kept = Walk<2>(kept);
  g.red = Walk<1>(red);
  g.n_kept = kept.numel();
  g.n_red = red.numel();
  g.contiguous = nest.rank > 0 && nest.stride[1][nest.rank - 1] == 0;
  return g;
}

constexpr int64_t kBlockGroupMin = 64;  // shorter groups go one thread per output

// ------------------------------------------------------------------ sums
// Each kernel sums slice blockIdx.y (elements [y*slice, (y+1)*slice) of every group) and either
// finishes (part == null: one slice) or leaves part[y * n_kept + j] for group_sum_finish.

template <class Term, class Fin>
__global__ void group_sum_blocks(Groups g, int64_t slice, Term term, Fin fin, double* part) {
  const int64_t r0 = blockIdx.y * slice;
  const int64_t r1 = r0 + slice < g.n_red ? r0 + slice : g.n_red;
  for (int64_t j = blockIdx.x; j < g.n_kept; j += gridDim.x) {  // uniform over the block
    int64_t ko[2];
    g.kept.offsets(j, ko);
    double s = 0;
    for (int64_t r = r0 + threadIdx.x; r < r1; r += blockDim.x) {
      int64_t ro[1];
      g.red.offsets(r, ro);
      s += term(ko[0] + ro[0], ko[1]);
    }
    s = block_sum(s);
    if (threadIdx.x == 0) {
      if (part) part[blockIdx.y * g.n_kept + j] = s;
      else fin(ko[1], s);
    }
  }
}

template <class Term, class Fin>
__global__ void group_sum_threads(Groups g, int64_t slice, Term term, Fin fin, double* part) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= g.n_kept) return;
  int64_t ko[2];
  g.kept.offsets(j, ko);
  const int64_t r0 = blockIdx.y * slice;
  const int64_t r1 = r0 + slice < g.n_red ? r0 + slice : g.n_red;
  double s = 0;
  for (int64_t r = r0; r < r1; ++r) {
    int64_t ro[1];
    g.red.offsets(r, ro);
    s += term(ko[0] + ro[0], ko[1]);
  }
  if (part) part[blockIdx.y * g.n_kept + j] = s;
  else fin(ko[1], s);
}

template <class Fin>
__global__ void group_sum_finish(Groups g, int64_t slices, const double* part, Fin fin) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= g.n_kept) return;
  int64_t ko[2];
  g.kept.offsets(j, ko);
  double s = 0;
  for (int64_t k = 0; k < slices; ++k) s += part[k * g.n_kept + j];
  fin(ko[1], s);
}

// For every output: fin(out offset, sum over its group of term(x offset, out offset)).
template <class Term, class Fin>
vigil_status group_sum(const Groups& g, const char* kernel, Term term, Fin fin) {
  if (g.n_kept <= 0) return VIGIL_OK;
  const bool blocks = g.contiguous && g.n_red >= kBlockGroupMin;
  // Slices only when the outputs alone leave the device idle: aim at ~2^16 threads (blocks:
  // ~1024 blocks), each thread (blocks: each block) summing at least 64 (blocks: 1024) elements.
  int64_t slices = blocks ? 1024 / g.n_kept : (int64_t(1) << 16) / g.n_kept;
  const int64_t per = blocks ? 1024 : 64, most = (g.n_red + per - 1) / per;
  slices = slices > most ? most : slices;
  slices = slices < 1 ? 1 : slices > 65535 ? 65535 : slices;
  const int64_t slice = (g.n_red + slices - 1) / slices;
  Scratch<double> part;
  if (slices > 1) VIGIL_CHECK(part.alloc(slices * g.n_kept));
  const unsigned thread_blocks = static_cast<unsigned>((g.n_kept + kThreads - 1) / kThreads);
  if (blocks)
    group_sum_blocks<<<dim3(blocks_for(g.n_kept, 1), static_cast<unsigned>(slices)), kThreads, 0,
                       stream()>>>(g, slice, term, fin, part.p);
  else
    group_sum_threads<<<dim3(thread_blocks, static_cast<unsigned>(slices)), kThreads, 0,
                        stream()>>>(g, slice, term, fin, part.p);
  VIGIL_CHECK(launched(kernel));
  if (slices == 1) return VIGIL_OK;
  group_sum_finish<<<thread_blocks, kThreads, 0, stream()>>>(g, slices, part.p, fin);
  return launched(kernel);
}

}  // namespace vigil::cuda
