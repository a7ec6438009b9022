#!/usr/bin/env bash
# The whole GPU verification of issue 6 in ONE device call of at most 10 minutes. First, on the
# development machine: tools/gpu/pack.sh (fills build-gpu-carry/). Then the device tool:
#   run(command="bash tools/gpu/run-parity.sh", carry=["build-gpu-carry"], timeout_s=600)
# Steps, in order of importance, each with a timeout cut to the time left (VIGIL_GPU_BUDGET,
# default 540 s, so the call ends inside its limit and $OUT still comes back):
#   1 build      cmake + ninja there: vigil_harness and the addon (VIGIL_CUDA=ON, sm_80 and sm_90);
#                the portable build from pack.sh stands in for a part that fails to build
#   2 parity     vigil_harness cuda: cuda_parity (every op, forward and backward, CPU vs CUDA),
#                cuda_large_grids (sizes past the launch limits), cuda_dispatch_errors; on a
#                failure again with VIGIL_CUDA_SYNC=1 so a fault names its kernel
#   3 mocha      test/cuda/*.test.ts (bundled with mocha by pack.sh): TS API parity, training on
#                the device (Module.to, fit({ device: 'cuda' }), LSTM-AE, DC-VAE)
#   4 bench      `npm run bench -- gpu` (bundled): GEMM TFLOP/s against the measured peaks and
#                cuBLAS, LSTM-AE and DC-VAE steps against PyTorch (cuDNN) on the same GPU
#   5 memcheck   compute-sanitizer memcheck over cuda_parity
#   6 racecheck  compute-sanitizer racecheck over cuda_parity (shared-memory hazards), if time is left
#   7 harness    the whole harness (the CPU op tests too), if time is left
# Logs go to $OUT (at most 8 files come back): summary.txt (also printed last), build.txt,
# parity.txt, mocha.txt, bench.txt, bench-gpu.json, sanitizer.txt, harness-all.txt (without $OUT:
# build-gpu-out/).
# Exit status 0 when every step that ran passed and the GPU steps did run.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-$ROOT/build-gpu-out}  # build-*: ignored by git
mkdir -p "$OUT"
C=$ROOT/build-gpu-carry
B=$ROOT/build-gpu
BUDGET=${VIGIL_GPU_BUDGET:-540}
START=$SECONDS
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
STATUS=0
ROWS=()

left() { echo $((BUDGET - (SECONDS - START))); }
note() { echo "$*" | tee -a "$SUMMARY"; }

# run_step NAME LOG MAX_SECONDS CMD...: CMD with a timeout of min(MAX, time left), output to LOG
# (appended) and to the console; records "NAME  passed|FAILED (exit n)|TIMED OUT|skipped  seconds".
run_step() {
  local name=$1 log=$2 max=$3
  shift 3
  local t
  t=$(left)
  [ "$t" -gt "$max" ] && t=$max
  if [ "$t" -lt 20 ]; then
    ROWS+=("$(printf '%-10s skipped (no time left)' "$name")")
    return 99
  fi
  echo "=== $name (timeout ${t}s): $*" | tee -a "$log"
  local t0=$SECONDS rc
  set -o pipefail
  timeout --kill-after=10 "$t" "$@" 2>&1 | tee -a "$log"
  rc=$?
  set +o pipefail
  local verdict="passed"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then verdict="TIMED OUT after ${t}s"; STATUS=1
  elif [ "$rc" -ne 0 ]; then verdict="FAILED (exit $rc)"; STATUS=1; fi
  ROWS+=("$(printf '%-10s %-28s %4ds' "$name" "$verdict" $((SECONDS - t0)))")
  return "$rc"
}

# ------------------------------------------------------------------ the machine
note "vigil GPU verification, $(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
note "$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -2)"
note "$(nvcc --version 2>&1 | tail -1); $(cmake --version 2>&1 | head -1); $(python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1 | tail -1)"
[ -f "$C/built-from.txt" ] || note "warning: $C/built-from.txt missing: was tools/gpu/pack.sh run and build-gpu-carry carried?"

# xz -dc, or Python's lzma where the image has no xz
unxz() { xz -dc "$1" 2>/dev/null || python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$1"; }

# Node 18 or later: the machine's, else the one pack.sh carried.
node_ok() { command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; }
if ! node_ok && [ -f "$C/node.xz" ]; then
  mkdir -p /tmp/vigil-node
  unxz "$C/node.xz" > /tmp/vigil-node/node
  chmod +x /tmp/vigil-node/node
  export PATH=/tmp/vigil-node:$PATH
fi
note "node: $(node --version 2>&1 || echo 'none: the mocha and bench steps cannot run')"

# ------------------------------------------------------------------ 1 build
# The configuration cmake-js makes (CMAKE_JS_INC from node_modules), without cmake-js or npm;
# -k 0: the harness still builds when the addon does not.
NM=$C/node_modules
export NODE_PATH=$NM  # CMakeLists asks node for node-addon-api's folder
run_step build "$OUT/build.txt" 300 bash -c "cmake -S . -B '$B' -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DVIGIL_CUDA=ON -DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION \
  -DCMAKE_JS_INC='$NM/node-api-headers/include;$NM/node-addon-api' \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY='$B/Release' && cmake --build '$B' -j \$(nproc) -- -k 0"
H=$B/vigil_harness
ADDON=$B/Release/vigil.node
unpack() {  # the portable build of pack.sh for a part that did not build here
  [ -f "$C/$1.xz" ] || return 1
  mkdir -p /tmp/vigil-prebuilt && unxz "$C/$1.xz" > "/tmp/vigil-prebuilt/$1" && chmod +x "/tmp/vigil-prebuilt/$1" &&
    note "using the portable $1 built by pack.sh (the build here failed; see build.txt)"
}
[ -x "$H" ] || { unpack vigil_harness && H=/tmp/vigil-prebuilt/vigil_harness; }
[ -f "$ADDON" ] || { unpack vigil.node && ADDON=/tmp/vigil-prebuilt/vigil.node; }
if [ -f "$ADDON" ] && node_ok; then
  note "addon: $(node -e 'const i = require(process.argv[1]).buildInfo(); console.log(i.cudaDevices, "device(s):", i.cudaInfo)' "$ADDON" 2>&1)"
fi

# ------------------------------------------------------------------ 2 parity
if [ -x "$H" ]; then
  run_step parity "$OUT/parity.txt" 240 "$H" cuda
  prc=$?
  if grep -q "skip cuda_parity" "$OUT/parity.txt"; then
    note "parity: NO USABLE CUDA DEVICE: the parity cases did not run"
    STATUS=1
  elif [ "$prc" -ne 0 ] && [ "$prc" -ne 99 ]; then
    run_step parity-sync "$OUT/parity.txt" 120 env VIGIL_CUDA_SYNC=1 "$H" cuda_parity
  fi
else
  ROWS+=("parity     not run: no harness binary"); STATUS=1
fi

# ------------------------------------------------------------------ 3 mocha, 4 bench
if node_ok && [ -f "$ADDON" ]; then
  export VIGIL_ADDON=$ADDON
  run_step mocha "$OUT/mocha.txt" 180 node "$C/js/cuda-tests.js"
  run_step bench "$OUT/bench.txt" 300 env VIGIL_BENCH_PYTHON=python3 VIGIL_BENCH_DIR="$ROOT/tools/bench" \
    VIGIL_BENCH_JSON="$OUT/bench-gpu.json" PYTHONUNBUFFERED=1 node "$C/js/bench.js" gpu
else
  ROWS+=("mocha      not run: needs node and the addon"); ROWS+=("bench      not run: needs node and the addon"); STATUS=1
fi

# ------------------------------------------------------------------ 5 memcheck, 6 racecheck
# No leak check: the caching allocator keeps its blocks until the process ends, by design.
if command -v compute-sanitizer >/dev/null && [ -x "$H" ]; then
  run_step memcheck "$OUT/sanitizer.txt" 240 \
    compute-sanitizer --tool memcheck --error-exitcode 9 "$H" cuda_parity
  run_step racecheck "$OUT/sanitizer.txt" 180 \
    compute-sanitizer --tool racecheck --error-exitcode 9 "$H" cuda_parity
else
  ROWS+=("memcheck   not run: no compute-sanitizer or harness"); STATUS=1
fi

# ------------------------------------------------------------------ 7 the whole harness
[ -x "$H" ] && run_step harness "$OUT/harness-all.txt" 150 "$H"

# ------------------------------------------------------------------ summary
note ""
note "step       result                       time   (budget ${BUDGET}s, used $((SECONDS - START))s)"
for r in "${ROWS[@]}"; do note "$r"; done
for f in parity.txt harness-all.txt; do
  [ -f "$OUT/$f" ] && note "$f: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/$f" | tail -1)"
done
[ -f "$OUT/mocha.txt" ] && note "mocha: $(grep -E '^\s+[0-9]+ (passing|failing|pending)' "$OUT/mocha.txt" | tr -s ' ' | tr '\n' ' ')"
[ -f "$OUT/sanitizer.txt" ] && note "sanitizer: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer.txt" | tr '\n' ' ')"
[ -f "$OUT/parity.txt" ] && grep -E '^\s+(FAIL|/.*: )' "$OUT/parity.txt" | head -20 | tee -a "$SUMMARY"
[ -f "$OUT/bench.txt" ] && grep -E '^\||^peak|^PyTorch|^device' "$OUT/bench.txt" | tee -a "$SUMMARY"
note "verdict: $([ $STATUS -eq 0 ] && echo 'every step ran and passed' || echo 'SOMETHING FAILED OR DID NOT RUN (see above and the logs)')"
exit $STATUS
