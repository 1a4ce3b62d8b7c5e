# shellcheck shell=bash
# Sourced (not run) by the client lab's MTA scripts: exim.sh, sendmail.sh,
# opensmtpd.sh and postfix.sh's `deliver`. What they share is the private
# mount namespace each MTA runs in, with a resolver at 127.0.0.1 and names
# from a private /etc/hosts only: an MTA looks up its own name (and may try
# more), and a test must never send a DNS query off the machine. The bind
# mounts are private to the namespace and vanish with it.
#
# The sourcing script defines say and die and runs under `set -euo pipefail`.

# lab_enter_private_ns ARGS...: re-runs "bash $0 ARGS..." in a new private
# mount namespace (exec: never returns) unless this process already is that
# re-run, in which case it returns. Exits 77 if unshare is missing.
lab_enter_private_ns() {
    [[ -z ${LAB_PRIVATE_NS:-} ]] || return 0
    command -v unshare >/dev/null || { say "unshare (util-linux) missing"; exit 77; }
    exec unshare --mount --propagation private env LAB_PRIVATE_NS=1 \
        LAB_OUTER_MNT_NS="$(readlink /proc/self/ns/mnt)" bash "$0" "$@"
}

# lab_private_names DIR [SRC:DST...]: writes DIR/ns-resolv.conf (127.0.0.1),
# DIR/ns-nsswitch.conf (files only) and DIR/ns-hosts, bind-mounts them over
# /etc/resolv.conf, /etc/nsswitch.conf and /etc/hosts, then any further
# SRC:DST the caller needs. Only inside the namespace made above.
lab_private_names() {
    local dir=$1
    shift
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/ns-resolv.conf"
    printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\nservices: files\n' >"$dir/ns-nsswitch.conf"
    # Sendmail sleeps a minute when its own name has no dot; give it one.
    local host
    host=$(hostname)
    printf '127.0.0.1 localhost %s.lab.localhost %s\n::1 localhost ip6-localhost\n' "$host" "$host" >"$dir/ns-hosts"
    private_mounts "$dir/ns-resolv.conf:/etc/resolv.conf" "$dir/ns-nsswitch.conf:/etc/nsswitch.conf" \
        "$dir/ns-hosts:/etc/hosts" "$@"
}

# Bind-mounts SRC:DST... over system paths, but only inside the private
# mount namespace made above (never in the caller's namespace).
private_mounts() {
    local here m
    here=$(readlink /proc/self/ns/mnt) || die "cannot read my mount namespace"
    [[ -n ${LAB_OUTER_MNT_NS:-} && $here != "$LAB_OUTER_MNT_NS" ]] ||
        die "not in a private mount namespace: refusing to bind-mount over system paths"
    for m in "$@"; do
        mount --bind "${m%%:*}" "${m#*:}" || die "cannot bind-mount ${m%%:*} on ${m#*:}"
    done
}
