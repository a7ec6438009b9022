#!/usr/bin/env bash
# The end-to-end runs on real data reported in docs/results.md: LSTM-AE on SMD machines 1-6,
# 2-1, 3-4 (train on train, threshold by POT on the last 10% of train, evaluate on test) and on
# BATADAL (train on dataset03, evaluate on dataset04 with its full labels).
# Usage: tools/experiments/real_data.sh [OUT_DIR]   (needs ../shared/data beside the repo)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data
OUT=${1:-experiments-out}
mkdir -p "$OUT"
[ -d "$DATA" ] || { echo "no $DATA: the real-data runs need the shared data folder" >&2; exit 1; }
V="node bin/vigil.js"
COMMON="--stride 5 --epochs 12 --patience 4 --seed 0"

for m in machine-1-6 machine-2-1 machine-3-4; do
  $V train --preset smd --data $DATA/smd --machine $m $COMMON --out "$OUT/smd-$m.vigil" --log "$OUT/smd-$m.jsonl"
  $V detect --model "$OUT/smd-$m.vigil" --preset smd --data $DATA/smd --machine $m --out "$OUT/smd-$m-scores.csv"
  for ext in txt json; do
    $V evaluate --scores "$OUT/smd-$m-scores.csv" --model "$OUT/smd-$m.vigil" --preset smd --data $DATA/smd --machine $m \
      --interpretation $DATA/smd/interpretation_label/$m.txt --step-seconds 60 $([ $ext = json ] && echo --json) > "$OUT/smd-$m-report.$ext"
  done
done

$V train --preset batadal --data $DATA/batadal $COMMON --out "$OUT/batadal.vigil" --log "$OUT/batadal.jsonl"
$V detect --model "$OUT/batadal.vigil" --preset batadal --data $DATA/batadal --out "$OUT/batadal-scores.csv"
for ext in txt json; do
  $V evaluate --scores "$OUT/batadal-scores.csv" --model "$OUT/batadal.vigil" --preset batadal --data $DATA/batadal \
    $([ $ext = json ] && echo --json) > "$OUT/batadal-report.$ext"
done
echo "reports in $OUT"
