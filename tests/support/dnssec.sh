#!/usr/bin/env bash
# A private DNSSEC hierarchy for the policy tests: zones signed now (signatures expire) with
# ldns-keygen/ldns-signzone, served by a private nsd on a loopback address. Nothing system-wide
# is touched: keys, signed zones, configuration, pid and log all live in DIR.
#
#   dnssec.sh start DIR ADDR PORT
#     DIR/zones.txt lists one zone per line, children before parents, the root (".") last:
#       <zone> <mode>        mode: signed | unsigned | bogus-tlsa
#     with the unsigned text of each zone in DIR/<zone>.zone ("root.zone" for ".").
#     A signed child's DS goes into its parent's zone before the parent is signed; an unsigned
#     child gets none (so its parent proves it insecure). bogus-tlsa signs the zone and then
#     corrupts the signatures over its TLSA RRsets.
#     Writes DIR/anchor.dnskey and DIR/anchor.ds (the root KSK), starts nsd in the
#     background, waits until it answers and prints its pid.
#   dnssec.sh stop DIR
set -euo pipefail

die() { echo "dnssec.sh: $*" >&2; exit 1; }

file_of() { if [[ $1 == "." ]]; then echo root; else echo "${1%.}"; fi; }

# The closest enclosing zone of $1 listed in zones.txt (the root when there is no other).
parent_of() {
    local child=$1 best="" z
    while read -r z _; do
        [[ -z $z || $z == "$child" || $z == "." ]] && continue
        if [[ $child == *".$z" ]] && ((${#z} > ${#best})); then
            best=$z
        fi
    done <"$DIR/zones.txt"
    echo "${best:-.}"
}

start() {
    DIR=$1 ADDR=$2 PORT=$3
    for tool in nsd ldns-keygen ldns-signzone ldns-key2ds; do
        command -v "$tool" >/dev/null || die "$tool is missing"
    done
    cd "$DIR"
    local zone mode f ksk zsk parent conf=$DIR/nsd.conf
    cat >"$conf" <<EOF
server:
    ip-address: $ADDR@$PORT
    port: $PORT
    username: ""
    chroot: ""
    zonesdir: "$DIR"
    database: ""
    zonelistfile: "$DIR/zone.list"
    xfrdfile: "$DIR/xfrd.state"
    xfrdir: "$DIR"
    pidfile: "$DIR/nsd.pid"
    logfile: "$DIR/nsd.log"
    server-count: 1
    verbosity: 1
    hide-version: yes
remote-control:
    control-enable: no
EOF
    while read -r zone mode; do
        [[ -z $zone ]] && continue
        f=$(file_of "$zone")
        [[ -f $f.zone ]] || die "no $f.zone"
        case $mode in
        unsigned)
            cp "$f.zone" "$f.served"
            ;;
        signed | bogus-tlsa)
            ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone")
            zsk=$(ldns-keygen -a ECDSAP256SHA256 "$zone")
            ldns-signzone -o "$zone" -f "$f.served" "$f.zone" "$ksk" "$zsk"
            if [[ $mode == bogus-tlsa ]]; then
                # Flip the first character of the signature over each TLSA RRset.
                awk 'BEGIN{OFS="\t"} $4=="RRSIG" && $5=="TLSA" {
                        s=$NF; c=substr(s,1,1); $NF=(c=="A"?"B":"A") substr(s,2)
                     } {print}' "$f.served" >"$f.bogus" && mv "$f.bogus" "$f.served"
            fi
            if [[ $zone == "." ]]; then
                cp "$ksk.key" anchor.dnskey
                ldns-key2ds -n -2 "$ksk.key" >anchor.ds
            else
                parent=$(parent_of "$zone")
                [[ -n $parent ]] || die "no parent zone for $zone"
                ldns-key2ds -n -2 "$ksk.key" >>"$(file_of "$parent").zone"
            fi
            ;;
        *) die "unknown mode $mode for $zone" ;;
        esac
        printf 'zone:\n    name: "%s"\n    zonefile: "%s/%s.served"\n' "$zone" "$DIR" "$f" >>"$conf"
    done <"$DIR/zones.txt"
    nsd-checkconf "$conf" || die "bad nsd.conf"
    nsd -c "$conf" -P "$DIR/nsd.pid"
    # nsd daemonises; wait for its pid file and a first answer.
    for _ in $(seq 1 100); do
        if [[ -s $DIR/nsd.pid ]] && drill_ok; then
            cat "$DIR/nsd.pid"
            return 0
        fi
        sleep 0.05
    done
    cat "$DIR/nsd.log" >&2 || true
    die "nsd did not start"
}

# nsd answers the root SOA (ldns' own drill is in ldnsutils).
drill_ok() {
    drill -p "$PORT" @"$ADDR" . SOA >/dev/null 2>&1
}

stop() {
    local DIR=$1 pid
    [[ -s $DIR/nsd.pid ]] || return 0
    pid=$(cat "$DIR/nsd.pid")
    kill "$pid" 2>/dev/null || true
}

case ${1:-} in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) die "usage: dnssec.sh start DIR ADDR PORT | stop DIR" ;;
esac
