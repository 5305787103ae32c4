# Shared by scripts/run and scripts/test: installing what is missing on Debian, and a throwaway
# PostgreSQL cluster that runs as the `postgres` user when we are root.

crm_log() { printf '%s\n' "$*" >&2; }

# Installs the Debian packages named, if any are missing. Uses sudo when not root.
crm_install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  crm_log "installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { crm_log "need root or sudo to install: ${missing[*]}"; return 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

crm_require_swift() {
  if ! command -v swift >/dev/null; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
      [ -x "$d/swift" ] && export PATH="$d:$PATH" && return 0
    done
    crm_log "the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org and retry"
    return 1
  fi
}

crm_pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { crm_log "PostgreSQL server programs not found (Debian package postgresql)"; return 1; }
  echo "$d"
}

# Runs a PostgreSQL program as the postgres user when we are root.
crm_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway cluster in a fresh directory (socket only, fsync off) and exports PG* for it.
# Sets CRM_PG_TMP; crm_pg_stop removes it.
crm_pg_start() {
  local bin
  bin=$(crm_pg_bin) || return 1
  CRM_PG_TMP=$(mktemp -d /tmp/crm-pg.XXXXXX)
  chmod 755 "$CRM_PG_TMP"
  mkdir -p "$CRM_PG_TMP/run"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$CRM_PG_TMP"
  crm_pg_run "$bin/initdb" -D "$CRM_PG_TMP/data" -U crm --auth=trust --encoding=UTF8 --locale=C >"$CRM_PG_TMP/initdb.log" 2>&1 \
    || { cat "$CRM_PG_TMP/initdb.log" >&2; return 1; }
  cat >>"$CRM_PG_TMP/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CRM_PG_TMP/run'
port = 5432
max_connections = 400
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
  # Extra settings a caller asks for (scripts/bench --profile loads pg_stat_statements).
  [ -n "${CRM_PG_EXTRA_CONF:-}" ] && printf '%s\n' "$CRM_PG_EXTRA_CONF" >>"$CRM_PG_TMP/data/postgresql.conf"
  crm_pg_run "$bin/pg_ctl" -D "$CRM_PG_TMP/data" -l "$CRM_PG_TMP/postgres.log" -w -t 60 start >/dev/null \
    || { cat "$CRM_PG_TMP/postgres.log" >&2; return 1; }
  export PGHOST="$CRM_PG_TMP/run" PGPORT=5432 PGUSER=crm PGDATABASE=postgres
  crm_log "throwaway PostgreSQL running at $PGHOST"
}

crm_pg_stop() {
  [ -n "${CRM_PG_TMP:-}" ] || return 0
  local bin
  bin=$(crm_pg_bin) || return 0
  crm_pg_run "$bin/pg_ctl" -D "$CRM_PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$CRM_PG_TMP"
  CRM_PG_TMP=
}

# crmd seals personal data with the keys of a key file (docs/privacy.md). Unless CRM_KEY_FILE names
# one, makes a throwaway key file in directory $2 with the crmd in directory $1 and exports its path.
crm_keys() {
  [ -n "${CRM_KEY_FILE:-}" ] || export CRM_KEY_FILE="$2/keys.json"
  [ -e "$CRM_KEY_FILE" ] || "$1/crmd" keys init --key-file "$CRM_KEY_FILE" >/dev/null
}

# --- failover (issue 20, part B) ---
# crm_pg_cluster DIR PORT [SETTINGS]: initdb a socket-only cluster under DIR (data/, run/, postgres.log)
# that replicas may stream from (wal_level replica; initdb's pg_hba trusts local replication), start it.
crm_pg_cluster() {
  local dir=$1 port=$2 settings=${3:-} bin
  bin=$(crm_pg_bin) || return 1
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  crm_pg_run "$bin/initdb" -D "$dir/data" -U crm --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %s\nmax_connections = 200\nfsync = off\nwal_level = replica\nmax_wal_senders = 4\nwal_keep_size = '256MB'\n%s\n" \
    "$dir/run" "$port" "$settings" >>"$dir/data/postgresql.conf"
  crm_pg_run "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
}

# crm_pg_standby DIR PORT PRIMARY_DIR PRIMARY_PORT NAME: a streaming replica of the cluster under
# PRIMARY_DIR (pg_basebackup -R, WAL streamed), socket-only under DIR, started; it names itself NAME
# to the primary (what synchronous_standby_names lists).
crm_pg_standby() {
  local dir=$1 port=$2 primary=$3 primary_port=$4 name=$5 bin
  bin=$(crm_pg_bin) || return 1
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  crm_pg_run "$bin/pg_basebackup" -h "$primary/run" -p "$primary_port" -U crm -D "$dir/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 \
    || { cat "$dir/basebackup.log" >&2; return 1; }
  printf "unix_socket_directories = '%s'\nport = %s\n" "$dir/run" "$port" >>"$dir/data/postgresql.conf"
  # After the line -R wrote: postgresql.auto.conf is read last, and its last line wins.
  printf "primary_conninfo = 'host=%s port=%s user=crm application_name=%s'\n" "$primary/run" "$primary_port" "$name" >>"$dir/data/postgresql.auto.conf"
  crm_pg_run "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
}

# --- cluster ---
# HAProxy (Debian package haproxy) in the foreground of a background job, with the shipped
# deploy/haproxy.cfg and the environment it reads (CRM_HAPROXY_BIND, CRMD1-3). Sets CRM_HAPROXY_PID;
# its output goes to the file named by $1.
crm_haproxy_start() {
  haproxy -db -f deploy/haproxy.cfg >"$1" 2>&1 &
  CRM_HAPROXY_PID=$!
}

crm_haproxy_stop() {
  [ -n "${CRM_HAPROXY_PID:-}" ] || return 0
  kill -TERM "$CRM_HAPROXY_PID" 2>/dev/null && { wait "$CRM_HAPROXY_PID" 2>/dev/null || true; }
  CRM_HAPROXY_PID=
}

# Waits (up to $2 seconds, default 60) until the /healthz at $1 (host:port) answers 200.
crm_wait_healthy() {
  local i
  for i in $(seq 1 $((${2:-60} * 5))); do
    curl -fs -o /dev/null "http://$1/healthz" && return 0
    sleep 0.2
  done
  crm_log "no healthy answer from http://$1/healthz"
  return 1
}

# --- D: PgBouncer ---
# crm_pgbouncer_start DIR PORT [SETTING…]: Debian's PgBouncer in transaction mode on 127.0.0.1:PORT
# in front of the PostgreSQL PG* name (any database, trust), CRM_PGBOUNCER_POOL_SIZE (default 4)
# server connections per database, its files in DIR, extra `key = value` settings appended; run as
# the postgres user when we are root (PgBouncer refuses root). Sets CRM_PGBOUNCER_PID (PgBouncer's
# own, from its pidfile: runuser does not pass signals on); crm_pgbouncer_stop DIR stops it.
crm_pgbouncer_start() {
  local dir=$1 port=$2; shift 2
  local user=${PGUSER:-$(id -un)}
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then crm_log "port $port is taken: PgBouncer not started"; return 1; fi
  mkdir -p "$dir"
  printf '"%s" ""\n' "$user" >"$dir/users.txt"
  # Statements outside a transaction get their timeout here: crmd cannot send it at startup through
  # PgBouncer, and sets its own with SET LOCAL in every transaction (docs/operations.md, PgBouncer).
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=${PGHOST:-/var/run/postgresql} port=${PGPORT:-5432} user=$user connect_query='SET statement_timeout = 30000'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
admin_users = $user
pool_mode = transaction
default_pool_size = ${CRM_PGBOUNCER_POOL_SIZE:-4}
max_client_conn = 500
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
$(printf '%s\n' "$@")
INI
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  crm_pg_run /usr/sbin/pgbouncer "$dir/pgbouncer.ini" >"$dir/stdout" 2>&1 &
  local i
  for i in $(seq 1 50); do
    if [ -s "$dir/pgbouncer.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      CRM_PGBOUNCER_PID=$(cat "$dir/pgbouncer.pid")
      return 0
    fi
    sleep 0.1
  done
  cat "$dir/pgbouncer.log" "$dir/stdout" >&2
  return 1
}

crm_pgbouncer_stop() {
  local pid
  pid=$(cat "$1/pgbouncer.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}
