#!/usr/bin/env bash
# Prepares build-gpu-carry/ (ignored by git: build-*/) for tools/gpu/run-parity.sh on the device
# machine, which has nvcc, cmake, ninja, compute-sanitizer and CUDA PyTorch but no Node, no npm
# registry and no node_modules (382 MB here, over the 64 MiB a call may carry). Run it here, on
# the development machine, right before the device call (docs/gpu.md):
#   tools/gpu/pack.sh            # ~5 min on 2 cores (the portable fallback build dominates)
# It writes:
#   js/cuda-tests.js   test/cuda/*.test.ts with mocha, one CommonJS file (tools/gpu/mocha_entry.ts)
#   js/bench.js        tools/bench/index.ts (`npm run bench -- gpu` without tsx)
#   node_modules/      node-api-headers and node-addon-api: the addon builds there with plain cmake
#   node.xz            this machine's Node binary (NodeSource build: needs only glibc/libstdc++)
#   vigil.node.xz, vigil_harness.xz
#                      a VIGIL_CPU_TARGET=x86-64 CUDA build from here (sm_80, sm_90), used only when the
#                      build on the device machine fails
# and prints what the call will carry against the 64 MiB limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
C=build-gpu-carry
ESBUILD=node_modules/.bin/esbuild
[ -x "$ESBUILD" ] || { echo "pack: $ESBUILD missing (npm install first)"; exit 1; }
mkdir -p "$C/js" "$C/node_modules"
rm -rf "$C/js/"* "$C/node_modules/"*

echo "== bundles"
bundle() {  # entry, output: one CommonJS file for Node 18+; the addon is loaded from VIGIL_ADDON
  "$ESBUILD" "$1" --bundle --platform=node --target=node18 --format=cjs --outfile="$2" \
    --external:onnxruntime-node --log-level=error
}
bundle tools/gpu/mocha_entry.ts "$C/js/cuda-tests.js"
bundle tools/bench/index.ts "$C/js/bench.js"
ls -la "$C/js"

echo "== headers for the addon build"
cp -r node_modules/node-api-headers node_modules/node-addon-api "$C/node_modules/"

echo "== node"
NODE_BIN=$(readlink -f "$(command -v node)")
if [ ! -f "$C/node.xz" ] || [ "$(cat "$C/node.version" 2>/dev/null)" != "$(node --version)" ]; then
  xz -T0 -6 -c "$NODE_BIN" > "$C/node.xz"
  node --version > "$C/node.version"
fi
ls -la "$C/node.xz"

echo "== portable CUDA build (fallback for a failed build on the device machine)"
P=build-gpu-portable
cmake -S . -B "$P" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_CUDA=ON -DVIGIL_CPU_TARGET=x86-64 \
  -DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION \
  -DCMAKE_JS_INC="$ROOT/node_modules/node-api-headers/include;$ROOT/node_modules/node-addon-api" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$ROOT/$P/Release" > "$C/portable-configure.log" 2>&1 \
  || { cat "$C/portable-configure.log"; exit 1; }
cmake --build "$P" -j "$(nproc)"
xz -T0 -6 -c "$P/Release/vigil.node" > "$C/vigil.node.xz"
xz -T0 -6 -c "$P/vigil_harness" > "$C/vigil_harness.xz"
git rev-parse --short HEAD > "$C/built-from.txt" 2>/dev/null || true
git status --short >> "$C/built-from.txt" 2>/dev/null || true

echo "== what the device call carries (limit 64 MiB)"
tree=$( (git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null || true) | tail -1 | cut -f1)
carry=$(du -sb "$C" | cut -f1)
awk -v t="$tree" -v c="$carry" -v n="$C" \
  'BEGIN { printf "working tree %.1f MiB + %s %.1f MiB = %.1f MiB\n", t/1048576, n, c/1048576, (t+c)/1048576 }'
[ $((tree + carry)) -lt $((60 * 1048576)) ] || { echo "pack: too large for one device call"; exit 1; }
echo "ready: run tools/gpu/run-parity.sh on the device machine with carry [\"$C\"] (docs/gpu.md)"
