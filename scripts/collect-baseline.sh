#!/usr/bin/env bash
# Collects the performance baseline end to end:
#   1. generates the synthetic corpus (10,000 Python files, seed 42) into a cache
#      directory, unless it is already there;
#   2. runs `codebase-mcp bench run` on it (embedded store, or the server named by
#      DATABASE_URL), which writes baseline-results.json;
#   3. prints the report against the targets.
# With --with-quality it also installs the Django corpus and runs the retrieval
# quality evaluation, and the report includes the MRR@10 target.
#
#   scripts/collect-baseline.sh [--files N] [--seed S] [--out FILE] [--with-quality] [-- extra `bench run` options]
#
# Corpora are kept in $CODEBASE_MCP_BENCH_CACHE (default ~/.cache/codebase-mcp/bench).
set -euo pipefail
cd "$(dirname "$0")/.."

files=10000
seed=42
out=baseline-results.json
with_quality=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --with-quality) with_quality=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -f dist/cli/main.js ]; then
  echo "== building (npm run build)" >&2
  npm run build >&2
fi
cli=(node dist/cli/main.js)

if ! command -v rg >/dev/null 2>&1; then
  echo "warning: ripgrep (rg) is not installed, so the ripgrep yardstick is skipped (Debian: apt-get install ripgrep)" >&2
fi

cache="${CODEBASE_MCP_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codebase-mcp/bench}"
corpus="$cache/corpus-$files-seed$seed"
# Written after a complete generation: a corpus without it is regenerated.
stamp="$corpus.sha256"
mkdir -p "$cache"
if [ -f "$stamp" ] && [ -d "$corpus" ]; then
  echo "== corpus: $corpus (sha256:$(cat "$stamp"))" >&2
else
  echo "== generating $files files (seed $seed) into $corpus" >&2
  rm -f "$stamp"
  summary="$("${cli[@]}" bench generate --files "$files" --seed "$seed" --out "$corpus" --force --json)"
  node -e 'process.stdout.write(JSON.parse(process.argv[1]).hash)' "$summary" > "$stamp"
  echo "   sha256:$(cat "$stamp")" >&2
fi

echo "== benchmark (${DATABASE_URL:+server: $DATABASE_URL}${DATABASE_URL:-embedded store}) → $out" >&2
"${cli[@]}" bench run --repo "$corpus" --out "$out" --json "${extra[@]}" > /dev/null

if [ "$with_quality" = 1 ]; then
  django="$(bash scripts/install-quality-corpus.sh "$cache/django-corpus")"
  quality="${out%.json}-quality.json"
  echo "== retrieval quality over $django → $quality" >&2
  "${cli[@]}" bench quality --corpus "$django" --queries bench/queries/django.json --out "$quality" > /dev/null
  "${cli[@]}" bench report "$out" --quality "$quality"
else
  "${cli[@]}" bench report "$out"
fi
echo
echo "Wrote $out"
