#!/usr/bin/env bash
# A private validating unbound for the policy tests: it trusts the test root's key
# (ANCHOR: a DS or DNSKEY file from dnssec.sh) and asks the test nsd (STUB, ip@port) for
# everything, the way a site's validating resolver asks the Internet. Configuration, pid and
# log live in DIR; it listens on ADDR:53.
#
#   unbound.sh start DIR ADDR STUB ANCHOR    prints unbound's pid
#   unbound.sh stop DIR
set -euo pipefail

die() { echo "unbound.sh: $*" >&2; exit 1; }

start() {
    local dir=$1 addr=$2 stub=$3 anchor=$4 bin
    bin=$(command -v unbound || echo /usr/sbin/unbound)
    [[ -x $bin ]] || die "unbound is missing"
    cat >"$dir/unbound.conf" <<CONF
server:
    interface: $addr
    port: 53
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    logfile: "$dir/unbound.log"
    use-syslog: no
    verbosity: 1
    do-daemonize: yes
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "validator iterator"
    trust-anchor-file: "$anchor"
    val-log-level: 2
    num-threads: 1
    qname-minimisation: no
    # test. is one of the names unbound answers itself by default (RFC 6761): not here.
    local-zone: "test." nodefault
stub-zone:
    name: "."
    stub-addr: $stub
remote-control:
    control-enable: no
CONF
    unbound-checkconf "$dir/unbound.conf" >/dev/null || die "bad unbound.conf"
    "$bin" -c "$dir/unbound.conf"
    for _ in $(seq 1 100); do
        if [[ -s $dir/unbound.pid ]] && drill @"$addr" . SOA >/dev/null 2>&1; then
            cat "$dir/unbound.pid"
            return 0
        fi
        sleep 0.05
    done
    cat "$dir/unbound.log" >&2 || true
    die "unbound did not start on $addr:53"
}

stop() {
    local dir=$1
    [[ -s $dir/unbound.pid ]] || return 0
    kill "$(cat "$dir/unbound.pid")" 2>/dev/null || true
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) die "usage: unbound.sh start DIR ADDR STUB ANCHOR | stop DIR" ;;
esac
