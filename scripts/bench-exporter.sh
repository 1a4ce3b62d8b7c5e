#!/usr/bin/env bash
# The exporter under a scrape load: wrk (Debian `wrk`) hammers `serve`'s /probe, each request a
# full verified STARTTLS probe of the load bench's loopback server (`cargo bench --bench load --
# --serve`, in another process). Reports scrapes/s, latency, the exporter's CPU per scrape (from
# /proc/PID/stat) and its peak RSS (VmHWM), and checks every probe succeeded (/metrics).
#
#   scripts/bench-exporter.sh [SECONDS] [CONNECTIONS...]     # default: 10 s at 1, 64 and 256
set -euo pipefail

SECS="${1:-10}"
shift || true
CONNS=("${@:-1 64 256}")
read -r -a CONNS <<<"${CONNS[*]}"
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

FEATURE_ARGS=()
if [ -n "${FEATURES:-}" ]; then FEATURE_ARGS=(--features "$FEATURES"); fi
cargo build --release --quiet --bin smtp-tls-check "${FEATURE_ARGS[@]}"
BIN="${CARGO_TARGET_DIR:-target}/release/smtp-tls-check"
LOAD="$(cargo bench --bench load --no-run --message-format=json "${FEATURE_ARGS[@]}" 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*load-[^"]*\)".*/\1/p' | tail -n 1)"
"$LOAD" --serve >"$TMP/server.out" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/server.out" ] && break; sleep 0.1; done
read -r PORT CA NAME <"$TMP/server.out"

"$BIN" serve --listen 127.0.0.1:0 --max-concurrent 1024 --ca-file "$CA" --tls-name "$NAME" \
    --timeout 30 2>"$TMP/serve.err" &
SERVE=$!
PIDS+=("$SERVE")
for _ in $(seq 100); do grep -q 'http://' "$TMP/serve.err" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's|.*http://\([^/]*\)/.*|\1|p' "$TMP/serve.err")"
URL="http://$ADDR/probe?target=127.0.0.1:$PORT"
TICK="$(getconf CLK_TCK)"
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVE/stat"; }
metric() { # the value of an exporter metric, from /metrics
    exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}"
    printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
    grep "^$1 " <&3 | awk '{ print $2 }'
    exec 3<&-
}

wrk -t1 -c1 -d1s "$URL" >/dev/null # warm up
printf '%s s per run, /probe of %s through %s\n' "$SECS" "127.0.0.1:$PORT" "$ADDR"
printf '%11s %10s %10s %10s %14s %13s %9s\n' connections scrapes scrapes/s "p50 ms" "CPU/scrape ms" "peak RSS MiB" failures
for c in "${CONNS[@]}"; do
    fail0="$(metric 'smtp_tls_check_exporter_probes_total{result="failure"}')"
    before="$(cpu)"
    threads=$(( c < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$c" -d"${SECS}s" --timeout 30s --latency "$URL" >"$TMP/wrk.out"
    after="$(cpu)"
    fail1="$(metric 'smtp_tls_check_exporter_probes_total{result="failure"}')"
    n="$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")"
    p50="$(awk '$1 == "50%" { v = $2; if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; print v }' "$TMP/wrk.out")"
    rss="$(awk '/VmHWM/ { print $2 }' "/proc/$SERVE/status")"
    awk -v c="$c" -v n="$n" -v s="$SECS" -v p="$p50" -v d="$((after - before))" -v t="$TICK" \
        -v r="$rss" -v f="$((fail1 - fail0))" \
        'BEGIN { printf "%11d %10d %10.0f %10.2f %14.3f %13.1f %9d\n", c, n, n/s, p, d*1000/t/n, r/1024, f }'
done
