#!/usr/bin/env bash
# STAEAD / Sa-DVCRAE with the LSTM-AE protocols of docs/results.md, one model and one seed per call,
# default config:
#   DATASET=batadal  train on dataset03 (10% validation tail: early stopping and the POT
#                    threshold), detect and evaluate on dataset04 with its full labels;
#   DATASET=smd      MACHINE=machine-1-6 (2-1, 3-4): train on train (same validation tail), detect
#                    and evaluate on test, with the interpretation labels (HitRate).
# Usage: DATASET=smd MACHINE=machine-1-6 MODEL=staead SEED=0 EPOCHS=15 PATIENCE=4 tools/experiments/matrix_models.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data
OUT=${1:?OUT_DIR}
MODEL=${MODEL:?staead or sa-dvcrae}; SEED=${SEED:-0}; EPOCHS=${EPOCHS:-15}; PATIENCE=${PATIENCE:-4}; STRIDE=${STRIDE:-4}
DATASET=${DATASET:-batadal}
[ -d "$DATA" ] || { echo "no $DATA: the real-data runs need the shared data folder" >&2; exit 1; }
case "$DATASET" in
  batadal) SRC=(--preset batadal --data "$DATA/batadal"); EVAL=(); NAME=batadal ;;
  smd) MACHINE=${MACHINE:?machine-1-6, machine-2-1 or machine-3-4}
       SRC=(--preset smd --data "$DATA/smd" --machine "$MACHINE")
       EVAL=(--interpretation "$DATA/smd/interpretation_label/$MACHINE.txt" --step-seconds 60); NAME="smd-$MACHINE" ;;
  *) echo "DATASET must be batadal or smd, not '$DATASET'" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
V="node bin/vigil.js"
B="$OUT/$NAME-$MODEL-s$SEED"
t0=$(date +%s)
$V train --model "$MODEL" "${SRC[@]}" --stride "$STRIDE" --epochs "$EPOCHS" --patience "$PATIENCE" \
  --seed "$SEED" --out "$B.vigil" --log "$B.jsonl"
t1=$(date +%s)
$V detect --model "$B.vigil" "${SRC[@]}" --out "$B-scores.csv"
t2=$(date +%s)
for ext in txt json; do
  $V evaluate --scores "$B-scores.csv" --model "$B.vigil" "${SRC[@]}" "${EVAL[@]}" \
    $([ $ext = json ] && echo --json) > "$B-report.$ext"
done
t3=$(date +%s)
echo "times: train $((t1-t0)) s, detect $((t2-t1)) s, evaluate $((t3-t2)) s" | tee "$B-times.txt"
