// ops.def against the rest of the core: every op has its C entry points (a missing prototype does
// not compile) and vigil_supports answers for each op and device exactly as the table says.
#include <set>
#include <string>

#include "harness.h"

namespace {

struct Row {
  const char* name;
  int pair;  // vigil_<name>_forward/_backward, else vigil_<name>
  int cuda;
  // taking the entry points' addresses is the check: a missing prototype fails to compile
  const void* entry[2];
};
#define VIGIL_OPS_TABLE_ENTRY_ONE(name) {reinterpret_cast<const void*>(&vigil_##name), nullptr}
#define VIGIL_OPS_TABLE_ENTRY_PAIR(name)                      \
  {reinterpret_cast<const void*>(&vigil_##name##_forward), \
   reinterpret_cast<const void*>(&vigil_##name##_backward)}
#define VIGIL_OPS_TABLE_IS_PAIR_ONE 0
#define VIGIL_OPS_TABLE_IS_PAIR_PAIR 1
const Row kRows[] = {
#define VIGIL_OP(name, js, entry, cuda) \
  {#name, VIGIL_OPS_TABLE_IS_PAIR_##entry, cuda, VIGIL_OPS_TABLE_ENTRY_##entry(name)},
#include "vigil/ops.def"
#undef VIGIL_OP
};

}  // namespace

HTEST(ops_table_names_are_unique_and_supported) {
  std::set<std::string> seen;
  for (const Row& r : kRows) {
    const std::string name = r.name;
    HCHECK(seen.insert(name).second, "ops.def lists " + name + " twice");
    HCHECK(vigil_supports(r.name, VIGIL_CPU) == 1, name + " on the CPU");
    if (r.pair) {
      HCHECK(vigil_supports((name + "_forward").c_str(), VIGIL_CPU) == 1, name + "_forward");
      HCHECK(vigil_supports((name + "_backward").c_str(), VIGIL_CPU) == 1, name + "_backward");
    }
    HCHECK(vigil_supports(r.name, VIGIL_CUDA) == (vigil_cuda_compiled() && r.cuda ? 1 : 0),
           name + " on CUDA: the table's column and the build");
  }
  // names outside the table are refused, also when they end like an entry point
  for (const char* op :
       {"no_such_op", "_forward", "matmu", "matmul_sideways", "lstm_forward_x", ""})
    HCHECK(vigil_supports(op, VIGIL_CPU) == 0, std::string("supports(\"") + op + "\")");
}
