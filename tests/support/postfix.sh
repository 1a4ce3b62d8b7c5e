#!/usr/bin/env bash
# Private, throw-away Postfix instance for the integration tests.
#
#   postfix.sh gencert DIR                          -> DIR/ca.pem DIR/cert.pem DIR/key.pem
#   postfix.sh start   DIR TLS|NOTLS PORT [CERT_PEM KEY_PEM]
#   postfix.sh stop    DIR
#
# The instance lives entirely under DIR (config in DIR/etc, queue in
# DIR/queue, data in DIR/data, log in DIR/maillog) and listens only on
# 127.0.0.1:PORT. It never reads or writes /etc/postfix's configuration,
# never touches the system instance, never binds port 25 and needs neither
# systemd nor syslog. Postfix must run as root (the master refuses
# otherwise); the queue is root-owned with postfix-owned subdirectories,
# created by Postfix's own `post-install create-missing` at start.
#
# With TLS and no CERT_PEM/KEY_PEM, a test CA and a leaf for
# localhost/127.0.0.1 are generated in DIR first (see gencert).
#
# If POSTFIX_SH_WATCH_PID is set at start, a small watchdog stops the
# instance once that process is gone (so a killed test run leaks nothing).
#
# Exit codes: 0 ok, 1 error, 2 usage, 77 cannot run here (postfix not
# installed, or not root) -- the caller decides whether that is a skip.
set -euo pipefail

POSTFIX_BIN=${POSTFIX_BIN:-/usr/sbin/postfix}
POSTCONF_BIN=${POSTCONF_BIN:-/usr/sbin/postconf}
START_TIMEOUT=${POSTFIX_SH_START_TIMEOUT:-20}

me=postfix.sh
say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage() {
    sed -n '4,6s/^#  *//p' "$0" >&2
    exit 2
}

abs_dir() { # make DIR absolute without requiring it to exist
    case $1 in
    /*) printf '%s\n' "${1%/}" ;;
    *) printf '%s/%s\n' "$PWD" "${1%/}" ;;
    esac
}

cmd_gencert() {
    local dir=$1
    command -v openssl >/dev/null || die "openssl not found"
    mkdir -p "$dir"
    local ext
    ext=$(mktemp "$dir/.leaf-ext.XXXXXX")
    cat >"$ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    (
        umask 077
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
            -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 \
            -subj "/CN=smtp-tls-check test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
            -nodes -keyout "$dir/key.pem" -out "$dir/leaf.csr" \
            -subj "/CN=localhost" 2>/dev/null
        openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" \
            -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
            -days 30 -extfile "$ext" -out "$dir/cert.pem" 2>/dev/null
    ) || { rm -f "$ext"; die "certificate generation failed"; }
    rm -f "$ext" "$dir/leaf.csr"
    chmod 644 "$dir/ca.pem" "$dir/cert.pem"
    openssl verify -CAfile "$dir/ca.pem" "$dir/cert.pem" >/dev/null ||
        die "generated certificate does not verify"
}

master_pid() { # prints the live master's pid, fails if none
    local pidfile=$1/queue/pid/master.pid pid
    [[ -r $pidfile ]] || return 1
    read -r pid <"$pidfile" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

smtp_banner_ok() { # one connection: expect "220 ", then say QUIT
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 4 line <&3 || exit 1
        printf "QUIT\r\n" >&3
        case $line in "220 "*) exit 0 ;; *) exit 1 ;; esac
    ' _ "$1" 2>/dev/null
}

show_log() {
    if [[ -s $1/maillog ]]; then
        say "last lines of $1/maillog:"
        tail -n 30 "$1/maillog" >&2
    fi
}

cmd_start() {
    local dir=$1 mode=$2 port=$3 cert=${4:-} key=${5:-}
    case $mode in TLS | NOTLS) ;; *) usage ;; esac
    [[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port <= 65535)) ||
        die "PORT must be a number in 1024..65535 (got '$port')"

    [[ -x $POSTFIX_BIN ]] || { say "$POSTFIX_BIN not installed"; exit 77; }
    [[ $(id -u) == 0 ]] || { say "postfix's master must run as root"; exit 77; }
    local daemon_dir
    daemon_dir=$("$POSTCONF_BIN" -dh daemon_directory)

    mkdir -p "$dir"
    if master_pid "$dir" >/dev/null; then
        die "an instance is already running in $dir"
    fi
    # Daemons run as the postfix user and open DIR/data by absolute path:
    # DIR (and every parent) must be searchable by others. tempfile's
    # TempDir is 0700, so open it up for search only (never for writing).
    chmod go-w,go+x "$dir"
    if command -v runuser >/dev/null &&
        ! runuser -u postfix -- test -x "$dir/." 2>/dev/null; then
        die "user postfix cannot reach $dir (a parent directory is not world-searchable)"
    fi

    if [[ $mode == TLS ]]; then
        if [[ -z $cert ]]; then
            cmd_gencert "$dir"
            cert=$dir/cert.pem key=$dir/key.pem
        fi
        [[ -n $key && -r $cert && -r $key ]] || die "cannot read CERT_PEM/KEY_PEM ('$cert', '$key')"
        cert=$(abs_dir "$cert") key=$(abs_dir "$key")
    fi

    local etc=$dir/etc queue=$dir/queue
    # Postfix reaches some of its sockets by absolute path
    # ($queue_directory/public/postlog, ...), and a unix socket path must
    # fit in 108 bytes. For a long DIR put the queue in a short directory
    # under /tmp instead, linked from DIR/queue; stop removes it.
    if [[ -L $queue ]]; then
        queue=$(readlink "$queue")
    elif ((${#queue} > 80)); then
        queue=$(mktemp -d /tmp/pfq.XXXXXX)
        ln -s "$queue" "$dir/queue"
    fi
    # Only the config and queue roots are ours to create; queue/data
    # subdirectories and their ownership are made by postfix itself
    # (post-install create-missing, run by `postfix start`).
    mkdir -p "$etc" "$queue"
    chmod 755 "$etc" "$queue"
    rm -f "$dir/maillog"

    {
        cat <<EOF
# generated by tests/support/postfix.sh -- private test instance
compatibility_level = 3.6
queue_directory = $queue
data_directory = $dir/data
maillog_file = $dir/maillog
# postfix >= 3.4 refuses log files outside these prefixes
maillog_file_prefixes = $dir
myhostname = postfix-test.localhost
mydomain = localhost
myorigin = \$myhostname
mydestination =
relayhost =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP smtp-tls-check test instance
biff = no
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
# Nothing is ever delivered: refuse every recipient.
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
default_transport = error:test instance delivers nothing
local_transport = error:test instance delivers nothing
smtp_tls_security_level = none
EOF
        if [[ $mode == TLS ]]; then
            cat <<EOF
smtpd_tls_security_level = may
smtpd_tls_cert_file = $cert
smtpd_tls_key_file = $key
smtpd_tls_loglevel = 1
EOF
        else
            echo "smtpd_tls_security_level = none"
        fi
    } >"$etc/main.cf"

    # Every service unprivileged-but-unchrooted ("n" in the chroot column).
    cat >"$etc/master.cf" <<EOF
# generated by tests/support/postfix.sh -- private test instance
127.0.0.1:$port inet  n       -       n       -       -       smtpd
postlog   unix-dgram  n       -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
proxymap  unix  -       -       n       -       -       proxymap
anvil     unix  -       -       n       -       1       anvil
rewrite   unix  -       -       n       -       -       trivial-rewrite
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
scache    unix  -       -       n       -       1       scache
EOF
    chmod 644 "$etc/main.cf" "$etc/master.cf"

    # `postfix -c DIR start` (as root) needs no alternate_config_directories
    # entry in /etc/postfix/main.cf. It creates missing queue directories,
    # runs its sanity checks, and returns once the master is initialised.
    # Its own messages go to stderr only on a tty; they also land in maillog.
    local t0=$SECONDS
    if ! "$POSTFIX_BIN" -c "$etc" start >/dev/null 2>&1; then
        say "postfix -c $etc start failed"
        show_log "$dir"
        cmd_stop "$dir" || true
        exit 1
    fi

    local deadline=$((SECONDS + START_TIMEOUT))
    until smtp_banner_ok "$port"; do
        if ((SECONDS >= deadline)) || ! master_pid "$dir" >/dev/null; then
            say "no SMTP banner on 127.0.0.1:$port within ${START_TIMEOUT}s"
            show_log "$dir"
            cmd_stop "$dir" || true
            exit 1
        fi
        sleep 0.1
    done

    if [[ -n ${POSTFIX_SH_WATCH_PID:-} ]]; then
        # Detached watchdog: stop the instance when the test process is gone.
        (
            trap '' HUP
            while kill -0 "$POSTFIX_SH_WATCH_PID" 2>/dev/null && master_pid "$dir" >/dev/null; do
                sleep 1
            done
            master_pid "$dir" >/dev/null && cmd_stop "$dir"
        ) </dev/null >/dev/null 2>&1 &
        disown
    fi

    say "postfix $mode (daemons in $daemon_dir) up on 127.0.0.1:$port in $((SECONDS - t0))s, pid $(master_pid "$dir"), dir $dir"
}

cmd_stop() {
    local dir=$1 pid i
    if pid=$(master_pid "$dir"); then
        # SIGTERM makes the master terminate its children and exit.
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "master $pid did not exit after SIGTERM; killing its process group"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # A short out-of-tree queue (see start) is ours to remove.
    if [[ -L $dir/queue ]]; then
        local q
        q=$(readlink "$dir/queue")
        [[ $q == /tmp/pfq.* ]] && rm -rf -- "$q"
        rm -f -- "$dir/queue"
    fi
    return 0
}

main() {
    (($# >= 1)) || usage
    local cmd=$1
    shift
    case $cmd in
    gencert)
        (($# == 1)) || usage
        cmd_gencert "$(abs_dir "$1")"
        ;;
    start)
        (($# == 3 || $# == 5)) || usage
        cmd_start "$(abs_dir "$1")" "$2" "$3" "${4:-}" "${5:-}"
        ;;
    stop)
        (($# == 1)) || usage
        cmd_stop "$(abs_dir "$1")"
        ;;
    *) usage ;;
    esac
}

main "$@"
