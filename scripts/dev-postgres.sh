#!/usr/bin/env bash
# A real local PostgreSQL 15 + pgvector on 127.0.0.1 for development, tests and CI.
#
#   scripts/dev-postgres.sh install
#   scripts/dev-postgres.sh start  [--port P] [--dir D]   # prints the connection URL
#   scripts/dev-postgres.sh stop   [--port P] [--dir D]
#   scripts/dev-postgres.sh status [--port P] [--dir D]   # exit 0 running, 3 not running
#   scripts/dev-postgres.sh url    [--port P]
#
# Defaults: port 54329, dir /tmp/codebase-mcp-pg-<port>. Several clusters on
# different ports can run side by side. Only the connection URL goes to stdout;
# errors go to stderr.
#
# Debian bookworm ships postgresql-15 but no pgvector, so `install` builds
# Debian's own pgvector source package from the `trixie` suite of the archive
# already configured in this machine's apt sources, using a private apt state so
# the machine's own apt configuration and lists are left untouched.
set -euo pipefail

readonly PG_MAJOR=15
readonly PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
readonly PG_CONFIG="${PG_BIN}/pg_config"
readonly VECTOR_CONTROL="/usr/share/postgresql/${PG_MAJOR}/extension/vector.control"
readonly PGVECTOR_SUITE=trixie
readonly DEFAULT_PORT=54329
readonly INSTALL_LOG=/tmp/codebase-mcp-pg-install.log
readonly INSTALL_LOCK=/tmp/codebase-mcp-pg-install.lock
readonly START_TIMEOUT_SECONDS=60

die() {
  printf 'dev-postgres: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Runs a command with its output appended to INSTALL_LOG; on failure shows the
# log's tail so the cause is visible without hunting for the file.
run_logged() {
  local description=$1
  shift
  printf '\n=== %s: %s\n' "$description" "$*" >>"$INSTALL_LOG"
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    {
      printf 'dev-postgres: %s failed. Last lines of %s:\n' "$description" "$INSTALL_LOG"
      tail -n 25 "$INSTALL_LOG" | sed 's/^/  | /'
    } >&2
    exit 1
  fi
}

# ---------------------------------------------------------------- install

server_binaries_present() {
  local tool
  for tool in postgres initdb pg_ctl pg_isready; do
    [[ -x "${PG_BIN}/${tool}" ]] || return 1
  done
}

# pg_config alone comes with libpq-dev; building an extension also needs the
# server headers and PGXS from postgresql-server-dev.
build_tools_present() {
  [[ -x "$PG_CONFIG" ]] &&
    [[ -f "$("$PG_CONFIG" --includedir-server)/postgres.h" ]] &&
    [[ -f "$("$PG_CONFIG" --pgxs)" ]] &&
    command -v make >/dev/null && command -v gcc >/dev/null && command -v dpkg-source >/dev/null
}

is_installed() {
  server_binaries_present && [[ -f "$VECTOR_CONTROL" ]]
}

require_root_for_install() {
  [[ $EUID -eq 0 ]] || die "PostgreSQL ${PG_MAJOR} with pgvector is not installed and installing it needs root (run: sudo $0 install)"
}

# The URI of the configured Debian archive serving this release's main suite
# (e.g. bookworm), as apt itself parses the sources; never hard-coded.
debian_archive_uri() {
  local codename uri
  codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
  [[ -n "$codename" ]] || die "cannot tell the Debian release codename from /etc/os-release"
  uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk -v suite="$codename" '$2 == suite && $1 ~ /^https?:\/\// { print $1; exit }')
  [[ -n "$uri" ]] || die "no Debian archive for suite '$codename' found in the apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)"
  printf '%s' "${uri%/}"
}

candidate_version() {
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'
}

install_server_packages() {
  local packages=("postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev)
  local apt_install=(apt-get install -y -q --no-install-recommends "${packages[@]}")
  local package candidate lists_fresh=no
  export DEBIAN_FRONTEND=noninteractive

  for package in "${packages[@]}"; do
    candidate=$(candidate_version "$package")
    if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
      run_logged "apt-get update" apt-get update -q
      lists_fresh=yes
      break
    fi
  done

  # Stale package lists make downloads 404; refresh once and retry.
  printf '\n=== %s\n' "${apt_install[*]}" >>"$INSTALL_LOG"
  if ! "${apt_install[@]}" >>"$INSTALL_LOG" 2>&1; then
    [[ $lists_fresh == yes ]] || run_logged "apt-get update" apt-get update -q
    run_logged "installing ${packages[*]}" "${apt_install[@]}"
  fi
}

build_pgvector() {
  local work_dir archive_uri source_list lists_dir source_dir
  work_dir=$(mktemp -d /tmp/codebase-mcp-pgvector-build.XXXXXX)
  # apt downloads as the unprivileged _apt user, which must be able to enter the dir.
  chmod 755 "$work_dir"

  archive_uri=$(debian_archive_uri)
  source_list="$work_dir/sources.list"
  lists_dir="$work_dir/lists"
  mkdir -p "$lists_dir/partial"
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$archive_uri" "$PGVECTOR_SUITE" >"$source_list"

  local private_apt=(
    -q
    -o "Dir::Etc::SourceList=$source_list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$lists_dir"
  )
  run_logged "apt-get update (private ${PGVECTOR_SUITE} deb-src list)" apt-get "${private_apt[@]}" update
  (cd "$work_dir" && run_logged "fetching the pgvector source package" \
    apt-get "${private_apt[@]}" source --download-only pgvector)

  local dsc
  dsc=$(find "$work_dir" -maxdepth 1 -name 'pgvector_*.dsc' -print -quit)
  [[ -n "$dsc" ]] || die "apt-get source did not produce a pgvector .dsc in $work_dir"
  source_dir="$work_dir/pgvector"
  run_logged "extracting $(basename "$dsc")" dpkg-source -x "$dsc" "$source_dir"

  # OPTFLAGS="" drops upstream's -march=native so the build runs on any x86-64.
  run_logged "building pgvector" \
    make -C "$source_dir" -j "$(nproc)" OPTFLAGS="" PG_CONFIG="$PG_CONFIG"
  run_logged "installing pgvector" \
    make -C "$source_dir" install OPTFLAGS="" PG_CONFIG="$PG_CONFIG"
  # Kept on failure (run_logged exits first) so the build can be inspected.
  rm -rf "$work_dir"
}

install_postgres() {
  is_installed && return 0
  require_root_for_install
  # Serialises concurrent installs; the braces close the lock fd on every path.
  {
    flock 9
    is_installed || install_missing_pieces
  } 9>"$INSTALL_LOCK"
}

install_missing_pieces() {
  : >"$INSTALL_LOG"
  if ! server_binaries_present || ! build_tools_present; then
    install_server_packages
  fi
  server_binaries_present && build_tools_present ||
    die "PostgreSQL ${PG_MAJOR} server binaries or build headers are still missing after apt-get install (see $INSTALL_LOG)"
  [[ -f "$VECTOR_CONTROL" ]] || build_pgvector
  [[ -f "$VECTOR_CONTROL" ]] || die "pgvector built but $VECTOR_CONTROL is missing (see $INSTALL_LOG)"
}

# ---------------------------------------------------------------- clusters

port=$DEFAULT_PORT
dir=

parse_cluster_options() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port)
        [[ $# -ge 2 ]] || die "--port needs a value"
        port=$2
        shift 2
        ;;
      --dir)
        [[ $# -ge 2 ]] || die "--dir needs a value"
        dir=$2
        shift 2
        ;;
      *) die "unknown option: $1" ;;
    esac
  done
  [[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port <= 65535)) || die "invalid port: $port"
  dir=${dir:-/tmp/codebase-mcp-pg-$port}
  [[ $dir == /* ]] || dir="$PWD/$dir"
}

connection_url() {
  printf 'postgres://postgres@127.0.0.1:%s/postgres\n' "$port"
}

data_dir() {
  printf '%s/data' "$dir"
}

# Server commands must not run as root; as root we use the postgres OS user,
# otherwise the cluster simply belongs to the invoking user.
as_cluster_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cluster_running() {
  [[ -f "$(data_dir)/PG_VERSION" ]] || return 1
  as_cluster_owner "${PG_BIN}/pg_ctl" status -D "$(data_dir)" >/dev/null 2>&1
}

port_accepting() {
  "${PG_BIN}/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1
}

prepare_cluster_dir() {
  mkdir -p "$dir" || die "cannot create $dir"
  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$dir"
  fi
  chmod 700 "$dir"
  as_cluster_owner test -w "$dir" ||
    die "$dir is not writable by the cluster owner (postgres); choose a --dir that user can reach, e.g. under /tmp"
}

create_cluster() {
  local data log
  data=$(data_dir)
  log="$dir/initdb.log"
  if ! as_cluster_owner "${PG_BIN}/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=trust --no-sync --no-instructions >"$log" 2>&1; then
    {
      printf 'dev-postgres: initdb failed for %s:\n' "$data"
      tail -n 20 "$log" | sed 's/^/  | /'
    } >&2
    exit 1
  fi

  # Throwaway dev/test cluster: trust auth with no password, reachable only
  # from this machine (127.0.0.1 and the unix socket in the cluster dir).
  cat >"$data/pg_hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
  # Durability is pointless for a throwaway cluster; speed is what matters.
  cat >>"$data/postgresql.conf" <<EOF

# --- codebase-mcp dev cluster (scripts/dev-postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  chown postgres:postgres "$data/pg_hba.conf" "$data/postgresql.conf" 2>/dev/null || true
}

start_cluster() {
  if cluster_running; then
    connection_url
    return 0
  fi
  install_postgres
  prepare_cluster_dir
  # Serialises concurrent starts of the same cluster; the braces close the
  # lock fd on every path.
  {
    flock 8
    cluster_running || start_stopped_cluster
  } 8>"$dir/.start.lock"
  connection_url
}

start_stopped_cluster() {
  local data log data_major
  data=$(data_dir)
  log="$dir/postgres.log"

  if port_accepting; then
    die "port $port on 127.0.0.1 is already used by another server (not the cluster in $dir); pick another --port"
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    [[ ! -e "$data" ]] || [[ -z "$(ls -A "$data")" ]] ||
      die "$data exists but is not a PostgreSQL data directory; remove it or choose another --dir"
    create_cluster
  fi
  data_major=$(cat "$data/PG_VERSION")
  [[ $data_major == "$PG_MAJOR" ]] ||
    die "$data holds a PostgreSQL $data_major cluster, not $PG_MAJOR; remove it or choose another --dir"

  # The lock fds are closed for pg_ctl: a long-lived postmaster inheriting
  # them would hold the locks forever and block every later start.
  if ! as_cluster_owner "${PG_BIN}/pg_ctl" start -D "$data" -l "$log" -w -t "$START_TIMEOUT_SECONDS" \
    -o "-p $port" >/dev/null 2>&1 8>&- 9>&-; then
    {
      printf 'dev-postgres: PostgreSQL did not start on port %s. Last lines of %s:\n' "$port" "$log"
      tail -n 20 "$log" 2>/dev/null | sed 's/^/  | /'
    } >&2
    exit 1
  fi
  port_accepting || die "PostgreSQL started but 127.0.0.1:$port does not accept connections (see $log)"
}

stop_cluster() {
  cluster_running || return 0
  as_cluster_owner "${PG_BIN}/pg_ctl" stop -D "$(data_dir)" -m fast -w -t "$START_TIMEOUT_SECONDS" >/dev/null 2>&1 ||
    die "could not stop the cluster in $(data_dir) (see $dir/postgres.log)"
}

status_cluster() {
  if cluster_running; then
    connection_url
    return 0
  fi
  printf 'dev-postgres: no cluster running in %s (port %s)\n' "$dir" "$port" >&2
  return 3
}

# ---------------------------------------------------------------- main

main() {
  [[ $# -ge 1 ]] || usage
  local command=$1
  shift
  case $command in
    install)
      [[ $# -eq 0 ]] || die "install takes no options"
      install_postgres
      ;;
    start)
      parse_cluster_options "$@"
      start_cluster
      ;;
    stop)
      parse_cluster_options "$@"
      stop_cluster
      ;;
    status)
      parse_cluster_options "$@"
      status_cluster
      ;;
    url)
      parse_cluster_options "$@"
      connection_url
      ;;
    -h | --help | help) usage ;;
    *)
      printf 'dev-postgres: unknown command: %s\n' "$command" >&2
      usage
      ;;
  esac
}

main "$@"
