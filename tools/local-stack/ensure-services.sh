#!/usr/bin/env bash
# Makes sure the services the platform and its tests need are up on this machine:
# Redis on 127.0.0.1:6379 and MariaDB on 127.0.0.1:3306 (root, empty password).
# Started if installed, installed with apt when running as root, otherwise says what to install.
# Used by `npm start`, `npm test` (pretest) and .ci/run. Idempotent; quiet when all is well.
set -euo pipefail

REDIS_PORT="${REDIS_PORT:-6379}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
APT_UPDATED=0

say() { printf '[services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done
  say "$2 did not start listening on 127.0.0.1:$1 within $3 s"; return 1
}

apt_install() { # packages...
  if [[ $(id -u) -ne 0 ]]; then
    say "missing: $*. Install them (e.g. 'sudo apt-get install -y $*') and run again."
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    say "missing: $* and no apt-get here: install them with your package manager and run again."
    exit 1
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_redis() {
  if ! port_open "$REDIS_PORT"; then
    command -v redis-server >/dev/null || apt_install redis-server redis-tools
    say "starting redis-server on 127.0.0.1:$REDIS_PORT"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    local dir=/var/lib/redis log=/var/log/redis/ci.log
    [[ -w $dir ]] || { dir="${TMPDIR:-/tmp}"; log="$dir/redis-$REDIS_PORT.log"; }
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$dir" --logfile "$log"
    wait_port "$REDIS_PORT" Redis 15
  fi
  # BullMQ needs Redis never to evict its keys.
  if command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config set maxmemory-policy noeviction >/dev/null || true
  fi
}

mysql_root() { mariadb --protocol=TCP -h 127.0.0.1 -P "$MYSQL_PORT" -uroot --connect-timeout=3 "$@"; }

ensure_mariadb() {
  if ! port_open "$MYSQL_PORT"; then
    command -v mariadbd >/dev/null || apt_install mariadb-server mariadb-client
    say "starting mariadbd on 127.0.0.1:$MYSQL_PORT"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --port="$MYSQL_PORT"
    wait_port "$MYSQL_PORT" MariaDB 60
  fi
  command -v mariadb >/dev/null || apt_install mariadb-client
  if ! mysql_root -e 'SELECT 1' >/dev/null 2>&1; then
    # A fresh Debian install lets root in only through the socket: open TCP with an empty password,
    # as the tests and the demo cluster expect (local machine only).
    say "allowing root over TCP with an empty password (local development database)"
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" \
      || { say "cannot log in to MariaDB as root: give root@localhost an empty password and run again"; exit 1; }
  fi
  # Anonymous users win over 'u'@'%' on 127.0.0.1 (FIELD-NOTES): drop them if a fresh install has them.
  mysql_root -N -e "SELECT COUNT(*) FROM mysql.user WHERE user=''" | grep -qx 0 \
    || mysql_root -e "DELETE FROM mysql.global_priv WHERE user=''; FLUSH PRIVILEGES;" 2>/dev/null \
    || mysql_root -e "DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)'" || true
  command -v mariadb-dump >/dev/null || command -v mysqldump >/dev/null || apt_install mariadb-client
}

# Each grant's evidence is what the database's own audit log says its one-off user did
# (docs/evidence.md). Turns MariaDB's server_audit plugin on for connects and DDL/DML/DCL, without
# taking anything away from others: installs it if missing, only adds events (an empty list already
# logs everything), never turns logging off, only raises the rotation size and statement length.
# The plugin writes server_audit.log in the data dir and masks passwords. Settings last until restart.
ensure_server_audit() {
  local status logging events e wanted
  status=$(mysql_root -N -e "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME='SERVER_AUDIT'")
  if [[ -z $status ]]; then
    say "installing MariaDB's server_audit plugin (database audit log for evidence)"
    mysql_root -e "INSTALL SONAME 'server_audit'" \
      || { say "cannot install server_audit: grants' evidence will have no database records"; return 0; }
  fi
  read -r logging events < <(mysql_root -N -e "SELECT @@GLOBAL.server_audit_logging, @@GLOBAL.server_audit_events")
  if [[ $logging != 1 || -n ${events:-} ]]; then
    wanted=${events:-}
    for e in CONNECT QUERY_DDL QUERY_DML QUERY_DCL; do
      [[ ",$wanted," == *",$e,"* ]] || wanted="${wanted:+$wanted,}$e"
    done
    [[ $wanted == "${events:-}" ]] || mysql_root -e "SET GLOBAL server_audit_events = '$wanted'"
  fi
  [[ $logging == 1 ]] || mysql_root -e "SET GLOBAL server_audit_logging = ON"
  mysql_root -e "SET GLOBAL server_audit_file_rotate_size = GREATEST(@@GLOBAL.server_audit_file_rotate_size, 16777216);
                 SET GLOBAL server_audit_query_log_limit = GREATEST(@@GLOBAL.server_audit_query_log_limit, 65536);"
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
  # Japanese data in the dashboard's screenshots needs a CJK font.
  dpkg -s fonts-ipafont-gothic >/dev/null 2>&1 || dpkg -s fonts-noto-cjk >/dev/null 2>&1 || apt_install fonts-ipafont-gothic
}

ensure_redis
ensure_mariadb
ensure_server_audit
[[ "${WITH_CHROMIUM:-0}" == 1 ]] && ensure_chromium
exit 0
