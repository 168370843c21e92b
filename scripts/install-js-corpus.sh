#!/usr/bin/env bash
# Installs the JavaScript retrieval-quality corpus: the JavaScript sources
# (*.js, *.mjs, *.cjs, the packages' own tests included) of the npm packages
# fastify, ws and pino as the registry ships them (`npm pack`), unpacked side
# by side as DIR/fastify/…, DIR/ws/…, DIR/pino/… (the tarball's `package/`
# prefix dropped; Markdown docs, TypeScript declarations, JSON and images left
# out). The questions in bench/queries/js-libraries.json name files relative
# to DIR.
#
#   scripts/install-js-corpus.sh [DIR]
#
# DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/codebase-mcp/bench/js-corpus.
# Prints DIR on stdout when done; progress goes to stderr. Needs npm and the
# npm registry the first time; does nothing when DIR already holds these
# exact versions.
set -euo pipefail

# The versions the query set was written against, with the registry's
# integrity hashes so a changed tarball is refused rather than silently used.
readonly PACKAGES=(
  "fastify 4.29.1 sha512-m2kMNHIG92tSNWv+Z3UeTR9AWLLuo7KctC7mlFPtMEVrfjIhmQhkQnT9v15qA/BfVq3vvj134Y0jl9SBje3jXQ=="
  "ws 8.23.0 sha512-wCkmX8QMOrKjgO8HW2WyDbTSGeqkocxgDzS9iR79rEAexty6/2qzilx3Ag8Tqf9ykop3irLKle0MtVn5qjVnoQ=="
  "pino 9.14.0 sha512-8OEwKp5juEvb/MjpIc4hjqfgCNysrS94RIOMXYvpYCdm/jglrKEiAYmiumbmGhCvs+IcInsphYDFwqrjr7398w=="
)

die() {
  printf 'install-js-corpus: %s\n' "$*" >&2
  exit 1
}

dest="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/codebase-mcp/bench/js-corpus}"
command -v npm >/dev/null || die "npm is not on PATH; install Node.js (which brings npm) and run again"
command -v openssl >/dev/null || die "openssl is not on PATH (needed to check the tarballs' sha512); apt-get install openssl"

stamp_text() {
  local entry name version
  for entry in "${PACKAGES[@]}"; do
    read -r name version _ <<<"$entry"
    printf '%s@%s\n' "$name" "$version"
  done
}

# The versions unpacked in DIR, read from each package's own package.json.
installed_text() {
  local entry name
  for entry in "${PACKAGES[@]}"; do
    read -r name _ <<<"$entry"
    printf '%s@%s\n' "$name" "$(node -p "require('$dest/$name/package.json').version" 2>/dev/null || echo none)"
  done
}

# Idempotent: nothing to do when DIR already holds exactly these versions.
if [ "$(installed_text)" = "$(stamp_text)" ]; then
  echo "$dest already holds $(stamp_text | tr '\n' ' ')" >&2
  echo "$dest"
  exit 0
fi

staging="$dest.partial"
# A failed run leaves neither a half-filled DIR nor its staging copy.
trap 'rm -rf "$staging"' EXIT
rm -rf "$staging"
mkdir -p "$staging/.tarballs"
for entry in "${PACKAGES[@]}"; do
  read -r name version integrity <<<"$entry"
  echo "fetching $name@$version with npm pack" >&2
  (cd "$staging/.tarballs" && npm pack --silent "$name@$version" >/dev/null) \
    || die "npm pack $name@$version failed (is the npm registry reachable? see the npm error above)"
  tarball="$staging/.tarballs/$name-$version.tgz"
  [ -f "$tarball" ] || die "npm pack did not produce $tarball"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$actual" = "$integrity" ] || die "$name@$version tarball has integrity $actual, expected $integrity; refusing a changed package"
  mkdir -p "$staging/$name"
  tar -xzf "$tarball" -C "$staging/$name" --strip-components=1 \
    || die "cannot unpack $tarball"
  # package.json is kept: a later run reads the installed version from it.
  find "$staging/$name" -type f -not \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -path "$staging/$name/package.json" \) -delete
  find "$staging/$name" -type d -empty -delete
done
rm -rf "$staging/.tarballs"
rm -rf "$dest"
mv "$staging" "$dest"
files="$(find "$dest" -type f | wc -l)"
echo "unpacked $files files of $(stamp_text | tr '\n' ' ')to $dest" >&2
echo "$dest"
