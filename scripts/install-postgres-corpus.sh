#!/usr/bin/env bash
# Installs the PostgreSQL retrieval-quality corpus: the C sources (*.c, *.h)
# of Debian bookworm's `postgresql-15` source package, as DIR/src/…,
# DIR/contrib/… (the upstream tree's layout; docs, tests' expected output and
# translations left out). The questions in bench/queries/postgres.json name
# files relative to DIR.
#
#   scripts/install-postgres-corpus.sh [DIR]
#
# DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/codebase-mcp/bench/postgres-corpus.
# Prints DIR on stdout when done; progress goes to stderr. The source package
# is fetched the way scripts/dev-postgres.sh fetches pgvector's: a private
# deb-src list and apt state (the machine's apt configuration is left alone),
# `apt-get source --download-only`, then `dpkg-source -x`. Needs apt-get and
# dpkg-dev; does nothing when DIR already holds this version.
#
# POSTGRES_SOURCE_VERSION=<debian version> overrides the pinned version when the
# archive has moved on (gold files may then have moved: check the warnings of
# `bench quality`).
set -euo pipefail

readonly SUITE=bookworm
readonly PACKAGE=postgresql-15
# The version the query set was written against.
readonly PINNED_VERSION=15.18-0+deb12u1
version="${POSTGRES_SOURCE_VERSION:-$PINNED_VERSION}"

die() {
  printf 'install-postgres-corpus: %s\n' "$*" >&2
  exit 1
}

dest="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/codebase-mcp/bench/postgres-corpus}"
stamp="$dest.version"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PACKAGE $version" ] && [ -d "$dest/src/backend" ]; then
  echo "$dest already holds the C sources of $PACKAGE $version" >&2
  echo "$dest"
  exit 0
fi

command -v apt-get >/dev/null || die "apt-get is not on PATH: this installer needs a Debian or Ubuntu machine"
command -v dpkg-source >/dev/null || die "dpkg-source is missing: apt-get install dpkg-dev"
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] \
  || die "the Debian archive keyring is missing: apt-get install debian-archive-keyring"

# The machine's own Debian mirror, as scripts/dev-postgres.sh finds it.
# shellcheck disable=SC2016 # $(…) here is apt's format syntax, not the shell's
archive_uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
  awk '$2 ~ /^(bookworm|trixie|sid|bullseye)$/ && $1 ~ /^https?:\/\// && $1 !~ /security/ { print $1; exit }')
archive_uri="${archive_uri:-http://deb.debian.org/debian/}"

staging="$dest.partial"
work_dir=$(mktemp -d /tmp/codebase-mcp-postgres-source.XXXXXX)
# A failed run leaves neither a half-filled DIR nor its staging copy.
trap 'rm -rf "$work_dir" "$staging"' EXIT
# apt downloads as the unprivileged _apt user, which must be able to enter the dir.
chmod 755 "$work_dir"
mkdir -p "$work_dir/lists/partial"
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
  "${archive_uri%/}" "$SUITE" >"$work_dir/sources.list"
private_apt=(
  -q
  -o "Dir::Etc::SourceList=$work_dir/sources.list"
  -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work_dir/lists"
)

echo "apt-get update with a private $SUITE deb-src list (${archive_uri%/})" >&2
apt-get "${private_apt[@]}" update >"$work_dir/apt.log" 2>&1 \
  || { tail -n 20 "$work_dir/apt.log" >&2; die "apt-get update of the private $SUITE deb-src list failed (output above)"; }

echo "fetching the $PACKAGE $version source package" >&2
if ! (cd "$work_dir" && apt-get "${private_apt[@]}" source --download-only "$PACKAGE=$version" >>"$work_dir/apt.log" 2>&1); then
  tail -n 10 "$work_dir/apt.log" >&2
  available=$(apt-cache "${private_apt[@]}" showsrc "$PACKAGE" 2>/dev/null | awk '/^Version:/ { print $2 }' | xargs || true)
  die "$PACKAGE $version is not in $SUITE (available: ${available:-none}). Run with POSTGRES_SOURCE_VERSION=<one of those> to accept another version."
fi

dsc=$(find "$work_dir" -maxdepth 1 -name "${PACKAGE}_*.dsc" -print -quit)
[ -n "$dsc" ] || die "apt-get source did not produce a $PACKAGE .dsc in $work_dir"
echo "extracting $(basename "$dsc")" >&2
dpkg-source -x "$dsc" "$work_dir/tree" >>"$work_dir/apt.log" 2>&1 \
  || { tail -n 10 "$work_dir/apt.log" >&2; die "dpkg-source -x $(basename "$dsc") failed"; }

rm -rf "$staging"
mkdir -p "$staging"
# C sources only: the upstream tree minus Debian's packaging directory.
(cd "$work_dir/tree" && find src contrib -type f \( -name '*.c' -o -name '*.h' \) -print0 | tar --null -T - -cf -) \
  | (cd "$staging" && tar -xf -)
files="$(find "$staging" -type f | wc -l)"
[ "$files" -ge 2000 ] || die "only $files C files extracted from $(basename "$dsc"); expected at least 2,000"
rm -rf "$dest"
mv "$staging" "$dest"
printf '%s %s\n' "$PACKAGE" "$version" >"$stamp"
echo "extracted $files C files of $PACKAGE $version to $dest" >&2
echo "$dest"
