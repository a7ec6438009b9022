#!/usr/bin/env bash
# CUDA parity run for a machine with an NVIDIA GPU (the device machine of a later session, or any
# GPU box): builds with VIGIL_CUDA=ON, runs the C++ parity harness (every op on CPU and CUDA),
# the same under compute-sanitizer memcheck, the whole harness, and, where Node and node_modules
# are present, the addon and the mocha CUDA tests. Everything goes to one log file:
#   tools/gpu/run-parity.sh [log]      (default: $OUT/gpu-parity.txt, else ./gpu-parity.txt)
# Copy the log's results into docs/gpu.md with the date and the GPU.
# Exit status: 0 when every step that ran passed; the log says which steps were skipped and why.
set -u
cd "$(dirname "$0")/../.."
log=${1:-${OUT:-.}/gpu-parity.txt}
mkdir -p "$(dirname "$log")"
exec > >(tee "$log") 2>&1
jobs=$(nproc 2>/dev/null || echo 4)
status=0
step() { echo; echo "=== $*"; }
run() {  # run a command, remember a failure, keep going
  echo "\$ $*"
  "$@"
  local rc=$?
  [ $rc -eq 0 ] || { echo "--> exit $rc"; status=1; }
  return $rc
}

step "machine"
date -u +"%Y-%m-%d %H:%M UTC"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || echo "nvidia-smi not found"
nvcc --version 2>&1 | tail -2
cmake --version | head -1
git rev-parse --short HEAD 2>/dev/null && git status --short | head -20

step "build (VIGIL_CUDA=ON, harness only; CMAKE_CUDA_ARCHITECTURES 80;90)"
run cmake -S . -B build-gpu -G Ninja -DVIGIL_CUDA=ON -DCMAKE_BUILD_TYPE=Release || exit 1
run cmake --build build-gpu --target vigil_harness -j "$jobs" || exit 1
H=build-gpu/vigil_harness

step "parity harness (cuda_parity, cuda_dispatch_errors)"
run "$H" cuda > build-gpu/parity.out 2>&1
cat build-gpu/parity.out
if grep -q "skip cuda_parity" build-gpu/parity.out; then
  echo "--> no usable CUDA device here: the parity cases did not run"
  status=1
fi

step "parity harness again with VIGIL_CUDA_SYNC=1 (a fault is reported by the kernel that made it)"
run env VIGIL_CUDA_SYNC=1 "$H" cuda_parity

step "compute-sanitizer memcheck over the parity harness"
if command -v compute-sanitizer >/dev/null; then
  run compute-sanitizer --tool memcheck --error-exitcode 9 "$H" cuda_parity
  step "compute-sanitizer racecheck over the parity harness (shared-memory hazards)"
  run compute-sanitizer --tool racecheck --error-exitcode 9 "$H" cuda_parity
else
  echo "compute-sanitizer not on PATH: skipped"; status=1
fi

step "whole harness (CPU op tests too)"
run "$H"

step "addon and mocha CUDA tests"
if command -v node >/dev/null && [ -d node_modules ]; then
  run env VIGIL_CUDA=ON npx cmake-js compile -O build-gpu-addon -p "$jobs" &&
    run env VIGIL_ADDON="$PWD/build-gpu-addon/Release/vigil.node" node bin/vigil.js info &&
    run env VIGIL_ADDON="$PWD/build-gpu-addon/Release/vigil.node" npx mocha --no-config \
      --require tsx/cjs --extension ts --timeout 120000 test/cuda/parity.test.ts
else
  echo "skipped: needs node and node_modules (not on this machine: $(command -v node || echo 'no node'))"
fi

step "done: $([ $status -eq 0 ] && echo 'every step that ran passed' || echo 'SOME STEPS FAILED')"
exit $status
