#!/usr/bin/env bash
# Installs the retrieval-quality corpus: the Python sources of Django 3.2 as
# Debian ships them (package python3-django), copied to a directory of their
# own as DIR/django/… (translations, __pycache__ and symlinks left out).
# The questions in bench/queries/django.json name files relative to DIR.
# The other sets' corpora have their own installers: scripts/install-js-corpus.sh
# (bench/queries/js-libraries.json) and scripts/install-postgres-corpus.sh
# (bench/queries/postgres.json).
#
#   scripts/install-quality-corpus.sh [DIR]
#
# DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/codebase-mcp/bench/django-corpus.
# Prints DIR on stdout when done. Needs apt-get (root or sudo) the first time.
set -euo pipefail

dest="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/codebase-mcp/bench/django-corpus}"
source_dir=/usr/lib/python3/dist-packages/django
# The version the query set was written against; others may have moved files.
expected_version="3:3.2.25-0+deb12u7"

if [ ! -f "$source_dir/__init__.py" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing python3-django with apt-get" >&2
  $sudo apt-get install -y --no-install-recommends python3-django >&2 \
    || { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends python3-django >&2; }
fi

version="$(dpkg-query -W -f='${Version}' python3-django 2>/dev/null || echo unknown)"
if [ "$version" != "$expected_version" ]; then
  echo "warning: python3-django $version is installed; the query set was written for $expected_version" >&2
fi

staging="$dest.partial"
rm -rf "$staging"
mkdir -p "$staging/django"
(cd "$source_dir" && find . -type f -not -path '*/locale/*' -not -path '*/__pycache__/*' -print0 | tar --null -T - -cf -) \
  | (cd "$staging/django" && tar -xf -)
rm -rf "$dest"
mv "$staging" "$dest"
files="$(find "$dest" -type f | wc -l)"
echo "copied $files files of python3-django $version to $dest" >&2
echo "$dest"
