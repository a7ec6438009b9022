#!/usr/bin/env bash
# STAEAD / Sa-DVCRAE on BATADAL with the LSTM-AE protocol of docs/results.md: train on dataset03
# (10% validation tail: early stopping and the POT threshold), detect and evaluate on dataset04
# with its full labels. One model, one seed per call; the default config.
# Usage: MODEL=staead SEED=0 EPOCHS=15 PATIENCE=4 tools/experiments/matrix_models_batadal.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data
OUT=${1:?OUT_DIR}
MODEL=${MODEL:?staead or sa-dvcrae}; SEED=${SEED:-0}; EPOCHS=${EPOCHS:-15}; PATIENCE=${PATIENCE:-4}; STRIDE=${STRIDE:-4}
[ -d "$DATA" ] || { echo "no $DATA: the real-data runs need the shared data folder" >&2; exit 1; }
mkdir -p "$OUT"
V="node bin/vigil.js"
B="$OUT/batadal-$MODEL-s$SEED"
t0=$(date +%s)
$V train --model "$MODEL" --preset batadal --data $DATA/batadal --stride "$STRIDE" --epochs "$EPOCHS" --patience "$PATIENCE" \
  --seed "$SEED" --out "$B.vigil" --log "$B.jsonl"
t1=$(date +%s)
$V detect --model "$B.vigil" --preset batadal --data $DATA/batadal --out "$B-scores.csv"
t2=$(date +%s)
for ext in txt json; do
  $V evaluate --scores "$B-scores.csv" --model "$B.vigil" --preset batadal --data $DATA/batadal \
    $([ $ext = json ] && echo --json) > "$B-report.$ext"
done
t3=$(date +%s)
echo "times: train $((t1-t0)) s, detect $((t2-t1)) s, evaluate $((t3-t2)) s" | tee "$B-times.txt"
