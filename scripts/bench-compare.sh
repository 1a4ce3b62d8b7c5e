#!/usr/bin/env bash
# Client CPU per probe: smtp-tls-check against `openssl s_client -starttls smtp` and swaks,
# in the same run, against the same loopback STARTTLS server (the demo's `compliant` scenario,
# started by `cargo bench --bench load -- --serve`). Tools not installed are skipped.
#
#   scripts/bench-compare.sh [N]      # N probes per tool (default 200)
#
# Each tool runs N times in a shell loop under `/usr/bin/time -f '%e %U %S %M'`: user+sys
# covers every child the loop waited for; %M is the largest child's peak RSS. All tools verify
# the certificate against the demo CA and the name mx.demo.test.
# smtp-tls-check is measured twice: one process per probe (like the others) and `batch` (N
# lines, one process), which is how fleets are checked.
set -euo pipefail

N="${1:-200}"
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# FEATURES=aws-lc-rs measures rustls' aws-lc-rs provider instead of ring (own target dir).
FEATURE_ARGS=()
if [ -n "${FEATURES:-}" ]; then FEATURE_ARGS=(--features "$FEATURES"); fi
cargo build --release --quiet --bin smtp-tls-check "${FEATURE_ARGS[@]}"
BIN="$CARGO_TARGET_DIR/release/smtp-tls-check"
LOAD="$(cargo bench --bench load --no-run --message-format=json "${FEATURE_ARGS[@]}" 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*load-[^"]*\)".*/\1/p' | tail -n 1)"
"$LOAD" --serve >"$TMP/serve.out" &
SERVER_PID=$!
for _ in $(seq 100); do
    [ -s "$TMP/serve.out" ] && break
    sleep 0.1
done
read -r PORT CA NAME <"$TMP/serve.out"
SERVER="127.0.0.1:$PORT"

# Sanity: every tool must complete a verified STARTTLS handshake once before being timed.
"$BIN" --ca-file "$CA" --tls-name "$NAME" -q "$SERVER" >/dev/null
if command -v openssl >/dev/null; then
    openssl s_client -brief -starttls smtp -connect "$SERVER" -servername "$NAME" -CAfile "$CA" \
        -verify_hostname "$NAME" -verify_return_error </dev/null >/dev/null 2>&1 \
        || { echo "openssl s_client cannot verify the server" >&2; exit 1; }
fi
if command -v swaks >/dev/null; then
    swaks --silent 2 --tls --tls-verify --tls-ca-path "$CA" --server "$SERVER" \
        --to t@example.test --quit-after tls >/dev/null 2>&1 \
        || { echo "swaks cannot verify the server" >&2; exit 1; }
fi

printf '%s probes per tool against %s (server CPU not counted)\n' "$N" "$SERVER"
printf '%-34s %8s %10s %14s %14s\n' tool "wall s" "probes/s" "CPU/probe ms" "peak RSS MiB"

report() { # label, file written by /usr/bin/time -o
    set -- "$1" $(grep '^TIME' "$2")
    awk -v l="$1" -v n="$N" -v e="$3" -v u="$4" -v s="$5" -v m="$6" \
        'BEGIN { printf "%-34s %8.2f %10.1f %14.3f %14.1f\n", l, e, n/e, (u+s)*1000/n, m/1024 }'
}

measure() { # label, command run N times by sh
    /usr/bin/time -o "$TMP/time" -f 'TIME %e %U %S %M' \
        sh -c "for i in \$(seq $N); do $2; done" >/dev/null 2>&1 || true
    report "$1" "$TMP/time"
}

measure "smtp-tls-check (process/probe)" \
    "\"$BIN\" --ca-file \"$CA\" --tls-name $NAME -qq $SERVER"

for _ in $(seq "$N"); do echo "$SERVER"; done >"$TMP/list"
/usr/bin/time -o "$TMP/time" -f 'TIME %e %U %S %M' \
    "$BIN" batch --no-progress -q --concurrency 64 --ca-file "$CA" --tls-name "$NAME" "$TMP/list" >/dev/null
report "smtp-tls-check batch -c 64" "$TMP/time"

if command -v openssl >/dev/null; then
    measure "openssl s_client -starttls smtp" \
        "timeout 30 openssl s_client -brief -starttls smtp -connect $SERVER -servername $NAME -CAfile \"$CA\" -verify_hostname $NAME -verify_return_error </dev/null >/dev/null 2>&1"
else
    echo "openssl: not installed, skipped"
fi
if command -v swaks >/dev/null; then
    measure "swaks --tls --quit-after tls" \
        "timeout 30 swaks --silent 2 --tls --tls-verify --tls-ca-path \"$CA\" --server $SERVER --to t@example.test --quit-after tls >/dev/null 2>&1"
else
    echo "swaks: not installed, skipped"
fi
