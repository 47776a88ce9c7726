#!/usr/bin/env bash
# Builds the task files of `bin/model2vec evaluate` (see docs/evaluation.md): fetches the pinned
# Debian packages by name (apt-get download, dpkg-deb -x; no root needed), unpacks them under
# WORK/src and writes WORK/eval/*.jsonl, one file per task, and WORK/eval/texts.txt, every text
# any task scores, one a line (the training corpus is checked against it).
# Deterministic for the pinned package versions. Usage: build-eval.sh [WORK]  (default
# /work/learn-data/eval or $MODEL2VEC_EVAL_DIR). Needs Java 17+, apt-get and dpkg-deb.
set -euo pipefail

# apt-get download, or a message that says what to do when a pinned version is not in the
# package lists: lists older than the pin (apt-get update, as root, refreshes them), or a
# security update that replaced the pin in the archive (snapshot.debian.org keeps old versions).
fetch_deb() {
  if ! apt-get download "$@"; then
    echo "build-eval: apt-get could not download $*. If a version is newer than this machine's" \
      "package lists, run 'apt-get update' (as root) and try again; if the Debian archive has" \
      "replaced it with a newer security update, fetch the pinned .deb from snapshot.debian.org" \
      "into $(pwd) (see default-model/corpus/README.md)." >&2
    exit 1
  fi
}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-${MODEL2VEC_EVAL_DIR:-/work/learn-data/eval}}"
SRC="$WORK/src"
mkdir -p "$SRC/deb"

# name=version; each unpacked into a folder of its name (bible-kjv is the KJV's reader program).
DEB_PACKAGES=(wordnet-base=1:3.0-37 sword-text-web=426.0-1 bible-kjv-text=4.38 bible-kjv=4.38
  fortunes=1:1.99.1-7.3)

cd "$SRC/deb"
for p in "${DEB_PACKAGES[@]}"; do
  name="${p%%=*}"
  if [[ ! -d "$name" ]]; then
    rm -f "${name}"_*.deb
    fetch_deb "$p"
    dpkg-deb -x "${name}"_*.deb "$name.tmp" && mv "$name.tmp" "$name"
  fi
done

# The KJV ships compressed in the bible program's own format: its reader prints it, one
# "Book1:1 text" verse a line (as default-model/corpus/build-corpus.sh reads it).
if [[ ! -s "$SRC/kjv.txt" ]]; then
  "$SRC/deb/bible-kjv/usr/bin/bible" -f -p "$SRC/deb/bible-kjv-text/usr/lib" gen1:1-rev22:21 \
    </dev/null > "$SRC/kjv.txt.tmp"
  mv "$SRC/kjv.txt.tmp" "$SRC/kjv.txt"
fi

java "$HERE/BuildEval.java" "$SRC" "$WORK/eval"
