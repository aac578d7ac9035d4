#!/usr/bin/env bash
# The console under load (issue: "at 10 000 events/s the UI stays responsive"): a Release
# droverd runs demo devices that publish RATE events/s in all, and bench_console (the real
# console window, under Xvfb) takes them for SECONDS and reports its longest event-loop
# stall (target < 50 ms) and its memory once the table holds its 100 000-event bound.
# A measurement, not a test: it asserts nothing and runs outside ctest.
# Usage: bench/console.sh [SECONDS, default 30] [RATE, default 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
rate="${2:-10000}"
# Demo devices keep time in whole milliseconds: 500 events/s each (2 ms) keeps the total
# close to RATE.
devices=$(( (rate + 499) / 500 ))

cmake --preset release >/dev/null
cmake --build --preset release --target droverd bench_console -- -j"$(nproc)" >/dev/null
work=$(mktemp -d)
cleanup() { [ -n "${droverd_pid:-}" ] && kill "$droverd_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

build/release/app/droverd/droverd --demo --demo-devices "$devices" \
    --demo-rate "$(awk "BEGIN { print $rate / $devices }")" --mqtt 127.0.0.1:0 --device-mqtt 127.0.0.1:0 \
    --device-http 127.0.0.1:0 --log-level info >"$work/droverd.log" 2>&1 &
droverd_pid=$!
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening for MQTT on mqtt:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/droverd.log")
    grep -q "demo application demo ready" "$work/droverd.log" && [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || { echo "bench/console: droverd did not start:"; cat "$work/droverd.log"; exit 1; } >&2

echo "bench/console: $devices demo devices at $rate events/s in all for $seconds s, console on mqtt://127.0.0.1:$port"
XDG_CONFIG_HOME="$work" HOME="$work" xvfb-run -a -s "-screen 0 1600x1000x24" \
    build/release/bench/bench_console -geometry 1560x960+0+0 --connect "mqtt://127.0.0.1:$port" \
    --seconds "$seconds" | tee "$work/result.txt"
mkdir -p bench/results
tail -n 1 "$work/result.txt" >>bench/results/console.jsonl
