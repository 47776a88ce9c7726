#!/usr/bin/env bash
# tokenlearn for the built-in model: builds the training corpus (default-model/corpus/), runs the
# teacher over it (bin/model2vec featurize: resumable, re-run this script after an interruption)
# and trains the token table starting from the built-in distilled model (bin/model2vec train).
# Writes WORK/corpus.jsonl, WORK/features/ and WORK/trained/ (F16). The featurize step takes an
# hour or more on 2 cores. Usage: default-model/learn.sh [WORK]   (default /work/learn-data)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/work/learn-data}"
"$ROOT/default-model/corpus/build-corpus.sh" "$WORK"
"$ROOT/bin/model2vec" featurize --teacher bge-small-en-v1.5 --input "$WORK/corpus.jsonl" \
  --output "$WORK/features" --max-tokens 256 --batch-size 32 --chunk-size 2048 --log-progress
"$ROOT/bin/model2vec" train --features "$WORK/features" --output "$WORK/trained" \
  --model default --loss cosine --epochs 20 --seed 42 --dtype f16
