#!/bin/sh
# The dial plan fuzz target under our deterministic driver: the corpus, the
# shipped default plan, and OUTPOST_FUZZ_ITERATIONS mutations (5000 in make
# check; set it higher to fuzz longer, e.g. OUTPOST_FUZZ_ITERATIONS=100000).
set -eu
src=${OUTPOST_SRCDIR:-.}
build=${OUTPOST_BUILDDIR:-.}
crash=$(mktemp "${TMPDIR:-/tmp}/dialplan-fuzz-crash.XXXXXX")
trap 'rm -f "$crash"' EXIT
if ! "$build/tests/fuzz/dialplan_fuzz_driver" --crash-file "$crash" \
    "$src/tests/fuzz/dialplan_corpus" "$src/etc/outpost/default.dialplan"; then
  echo "failing input:"; cat "$crash"
  exit 1
fi
