#!/usr/bin/env bash
# A pg_auto_failover formation for crmd: a monitor and two PostgreSQL nodes (a primary and a
# standby that pg_autoctl promotes when the primary fails), from the Debian packages
# postgresql-15-auto-failover and pg-auto-failover-cli. Run as the postgres user.
#
#   formation.sh monitor HOSTNAME                 on the monitor host (port 5000)
#   formation.sh node HOSTNAME MONITOR_HOSTNAME   on each of the two database hosts (port 5432)
#   formation.sh uri MONITOR_HOSTNAME             the URL for crmd (CRM_DATABASE_URL)
#   formation.sh local DIRECTORY                  all three on this machine (ports 5000, 5501, 5502),
#                                                 trust authentication and no TLS: for a trial only
#
# Each `monitor` and `node` creates its cluster under /var/lib/postgresql/pgaf and then runs
# `pg_autoctl run` in the foreground; under systemd, write the unit `pg_autoctl show systemd
# --pgdata /var/lib/postgresql/pgaf` prints and let it run instead. Between hosts the formation uses
# scram-sha-256 and self-signed TLS: set the passwords of the roles pg_autoctl creates
# (autoctl_node on the monitor; pgautofailover_replicator and crm on the nodes) and list them in
# ~postgres/.pgpass on every host, as pg_autoctl's output says.
#
# crmd then takes the URL `formation.sh uri` prints, for example
#   postgres://db1:5432,db2:5432/crm?target_session_attrs=read-write&sslmode=require
# libpq connects to whichever node is the primary; after a failover crmd finds the new one by
# itself (docs/operations.md, "PostgreSQL failover and read replicas"). The standby can also serve
# reports as crmd's --replica-url (host=db2 dbname=crm …, or the node that is secondary now).
# pg_auto_failover replicates synchronously while the standby is healthy (number_sync_standbys 0,
# synchronous_commit on: one standby must have each commit) and turns that off when the standby is
# away, so a failover while both nodes were healthy loses nothing crmd acknowledged.
set -euo pipefail

pgdata=${PGAF_PGDATA:-/var/lib/postgresql/pgaf}
bin=/usr/lib/postgresql/15/bin
export PATH=$bin:$PATH

case "${1:-}" in
  monitor)
    pg_autoctl create monitor --pgdata "$pgdata" --pgport 5000 --hostname "$2" \
      --auth scram-sha-256 --ssl-self-signed
    exec pg_autoctl run --pgdata "$pgdata" ;;
  node)
    pg_autoctl create postgres --pgdata "$pgdata" --pgport 5432 --hostname "$2" \
      --monitor "postgres://autoctl_node@$3:5000/pg_auto_failover?sslmode=require" \
      --dbname crm --username crm --auth scram-sha-256 --ssl-self-signed
    exec pg_autoctl run --pgdata "$pgdata" ;;
  uri)
    pg_autoctl show uri --formation default --monitor "postgres://autoctl_node@$2:5000/pg_auto_failover?sslmode=require" ;;
  local)
    dir=$2
    mkdir -p "$dir"
    pg_autoctl create monitor --pgdata "$dir/monitor" --pgport 5000 --hostname localhost --auth trust --no-ssl
    pg_autoctl run --pgdata "$dir/monitor" >"$dir/monitor.log" 2>&1 &
    monitor="postgres://autoctl_node@localhost:5000/pg_auto_failover?sslmode=disable"
    until pg_autoctl show state --monitor "$monitor" >/dev/null 2>&1; do sleep 1; done
    for n in 1 2; do
      pg_autoctl create postgres --pgdata "$dir/node$n" --pgport "550$n" --hostname localhost --monitor "$monitor" \
        --dbname crm --username crm --auth trust --no-ssl
      pg_autoctl run --pgdata "$dir/node$n" >"$dir/node$n.log" 2>&1 &
    done
    until pg_autoctl show state --monitor "$monitor" 2>/dev/null | grep -q secondary; do sleep 1; done
    pg_autoctl show state --monitor "$monitor"
    echo "CRM_DATABASE_URL='$(pg_autoctl show uri --formation default --monitor "$monitor")'"
    echo "switch over: pg_autoctl perform switchover --pgdata $dir/node1" ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 64 ;;
esac
