#!/usr/bin/env bash
# A private nginx for the MTA-STS tests: DIR/servers.conf holds the test's server blocks
# (written by the test); this wraps them in a configuration whose pid, logs and temp files all
# live in DIR, starts nginx in the background and waits until ADDR:443 accepts.
#
#   nginx.sh start DIR ADDR      prints nginx's pid
#   nginx.sh stop DIR
set -euo pipefail

die() { echo "nginx.sh: $*" >&2; exit 1; }

start() {
    local dir=$1 addr=$2 bin
    bin=$(command -v nginx || echo /usr/sbin/nginx)
    [[ -x $bin ]] || die "nginx is missing"
    [[ -f $dir/servers.conf ]] || die "no $dir/servers.conf"
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
daemon on;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    ssl_protocols TLSv1.2 TLSv1.3;
    include $dir/servers.conf;
}
CONF
    "$bin" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" -t -q || die "bad configuration"
    "$bin" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
    for _ in $(seq 1 100); do
        if [[ -s $dir/nginx.pid ]] && (exec 3<>"/dev/tcp/$addr/443") 2>/dev/null; then
            cat "$dir/nginx.pid"
            return 0
        fi
        sleep 0.05
    done
    cat "$dir/error.log" >&2 || true
    die "nginx did not start on $addr:443"
}

stop() {
    local dir=$1
    [[ -s $dir/nginx.pid ]] || return 0
    kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) die "usage: nginx.sh start DIR ADDR | stop DIR" ;;
esac
