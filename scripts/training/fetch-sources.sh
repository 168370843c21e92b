#!/usr/bin/env bash
# Fetches the training sources of the code-search embedder (a subset of
# /work/shared/training-sources.md, copied into docs/model-card.md) and the
# evaluation corpora it must exclude, with the ordinary clients only:
# `apt-get download` (binary .deb), `apt-get source --download-only` through a
# private deb-src list (C sources), `npm pack`.
#
#   scripts/training/fetch-sources.sh DIR
#
# Leaves DIR/train/{deb,src,npm}/… and DIR/eval/{deb,src,npm}/… (archives only;
# scripts/training/extract-pairs.py unpacks them). Re-running skips what is there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: fetch-sources.sh DIR}"
mkdir -p "$dir"/train/{deb,src,npm} "$dir"/eval/{deb,src,npm}
dir="$(cd "$dir" && pwd)"

list() { grep -v '^#' "$here/sources/$1" | tr -s ' \n' '\n' | sed '/^$/d'; }

fetch_debs() { # dest, package...
  local dest="$1"; shift
  local missing=()
  for package in "$@"; do
    compgen -G "$dest/${package}_*.deb" >/dev/null || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] || (cd "$dest" && apt-get download "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
}

fetch_sources() { # dest, source package...
  local dest="$1"; shift
  local apt_dir="$dir/apt-src"
  mkdir -p "$apt_dir/lists/partial"
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk '$2 == "bookworm" { print $1; exit }')
  [ -n "$uri" ] || { echo "no Debian bookworm archive in the apt sources" >&2; exit 1; }
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm main\n' "$uri" >"$apt_dir/sources.list"
  local apt=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$apt_dir/lists")
  [ -n "$(ls "$apt_dir/lists" | grep -i sources || true)" ] || apt-get "${apt[@]}" update -q >&2
  for package in "$@"; do
    compgen -G "$dest/${package}_*.dsc" >/dev/null && continue
    (cd "$dest" && apt-get "${apt[@]}" source --download-only "$package" >&2)
  done
}

fetch_npm() { # dest, spec...
  local dest="$1"; shift
  for spec in "$@"; do
    local stem="${spec#@}"; stem="${stem%@*}"; stem="${stem//\//-}"
    compgen -G "$dest/${stem}-[0-9]*.tgz" >/dev/null && continue
    (cd "$dest" && npm pack --silent "$spec" >/dev/null)
  done
}

echo "training sources → $dir/train" >&2
mapfile -t debs < <(list debian-binary.txt)
fetch_debs "$dir/train/deb" "${debs[@]}"
mapfile -t srcs < <(list debian-source.txt)
fetch_sources "$dir/train/src" "${srcs[@]}"
mapfile -t npms < <(list npm.txt)
fetch_npm "$dir/train/npm" "${npms[@]}"

# The evaluation corpora, fetched only to be excluded by content hash.
echo "evaluation corpora (excluded) → $dir/eval" >&2
fetch_debs "$dir/eval/deb" python3-django
fetch_sources "$dir/eval/src" postgresql-15
fetch_npm "$dir/eval/npm" fastify@4 ws@8 pino@9
echo "$dir"
