#!/bin/sh
# `make run`'s demo end to end: scripts/run-demo (outpostd on the embedded
# default + pstn-sim), a call from "HQ" with sipp that must leave the PRI as a
# 10-digit national number and write its CDR, then a clean stop. The demo
# listens on 127.0.0.1:5060 like the real thing, so it runs in a network
# namespace of its own.
set -u
src=${OUTPOST_SRCDIR:-.}
build=${OUTPOST_BUILDDIR:-build}
unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace here"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export src build tmp
unshare -n sh -c '
  set -u
  ip link set lo up
  sh "$src/scripts/run-demo" "$build" "$tmp/run" > "$tmp/demo.log" 2>&1 &
  demo=$!
  ctl() { "$build/outpostctl" -s "$tmp/run/outpost.sock" "$@"; }
  i=0
  until ctl spans 2>/dev/null | grep -q "D-channel up"; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "the demo span never came up"; cat "$tmp/demo.log"; exit 1; }
    sleep 0.2
  done
  sipp -sn uac -s +13125551234 127.0.0.1:5060 -i 127.0.0.1 -p 5071 -m 1 -nostdin \
    -timeout 20s -timeout_error > "$tmp/sipp.log" 2>&1 || { echo "sipp call failed"; tail -20 "$tmp/sipp.log"; exit 1; }
  ctl cdr --limit 1 | tee "$tmp/cdr.txt"
  grep -q "sip-to-pstn .* -> +13125551234 as 3125551234 via pstn span 1/" "$tmp/cdr.txt" || { echo "unexpected CDR"; exit 1; }
  grep -q "\"called\":\"3125551234\",\"called_plan\":\"e164\",\"called_ton\":\"national\"" "$tmp/run/pstn-events.jsonl" \
    || { echo "pstn-sim did not see the SETUP"; cat "$tmp/run/pstn-events.jsonl"; exit 1; }
  kill -TERM $demo
  i=0
  while kill -0 $demo 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "the demo did not stop"; exit 1; }
    sleep 0.1
  done
  wait $demo; rc=$?
  [ $rc -eq 0 ] || { echo "the demo exited $rc"; cat "$tmp/demo.log"; exit 1; }
  grep -q "stopped cleanly" "$tmp/demo.log" || { echo "outpostd did not stop cleanly"; cat "$tmp/demo.log"; exit 1; }
  pgrep -f "pstn-sim --socket $tmp/run" >/dev/null && { echo "pstn-sim left running"; exit 1; }
  exit 0
'
