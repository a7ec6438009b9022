#!/usr/bin/env bash
# STAEAD / Sa-DVCRAE on SKAB with DC-VAE's SKAB protocol of docs/results.md: train on
# anomaly-free.csv (first 80%, 7-sigma cleaning; last 20% for early stopping and the POT
# threshold), report the 16 valve1 runs, each scored on its own, pooled (tools/experiments/pooled_eval.ts).
# Usage: MODEL=staead SEED=0 EPOCHS=15 PATIENCE=4 tools/experiments/matrix_models_skab.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data
OUT=${1:?OUT_DIR}
MODEL=${MODEL:?staead or sa-dvcrae}; SEED=${SEED:-0}; EPOCHS=${EPOCHS:-15}; PATIENCE=${PATIENCE:-4}; STRIDE=${STRIDE:-4}
[ -d "$DATA" ] || { echo "no $DATA: the real-data runs need the shared data folder" >&2; exit 1; }
mkdir -p "$OUT"
B="$OUT/skab-$MODEL-s$SEED"
t0=$(date +%s)
node bin/vigil.js train --model "$MODEL" --preset skab --data $DATA/skab/anomaly-free/anomaly-free.csv --validation 0.2 --clean 7 \
  --stride "$STRIDE" --epochs "$EPOCHS" --patience "$PATIENCE" --seed "$SEED" --out "$B.vigil" --log "$B.jsonl"
t1=$(date +%s)
node_modules/.bin/tsx tools/experiments/pooled_eval.ts --model "$B.vigil" --preset skab --data $DATA/skab --parts valve1 \
  --json "$B-report.json" > "$B-report.txt"
t2=$(date +%s)
echo "times: train $((t1-t0)) s, score+evaluate $((t2-t1)) s" | tee "$B-times.txt"
