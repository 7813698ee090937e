#!/bin/sh
# The layering check catches an upward include and a policy module that
# includes transport code, naming file and line; a clean tree passes.
set -u
src=${OUTPOST_SRCDIR:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/core" "$tmp/dialplan" "$tmp/gateway"
printf '#include "core/result.hpp"\n' > "$tmp/gateway/ok.cpp"
printf '#include "core/result.hpp"\n' > "$tmp/dialplan/ok.cpp"
sh "$src/scripts/check-layering" "$tmp" || { echo "clean tree rejected"; exit 1; }

printf '// fine\n#include "gateway/daemon.hpp"\n' > "$tmp/dialplan/bad.cpp"
out=$(sh "$src/scripts/check-layering" "$tmp" 2>&1) && { echo "upward include accepted"; exit 1; }
echo "$out" | grep -q '^dialplan/bad.cpp:2: dialplan/ may not include gateway/' || { echo "unexpected: $out"; exit 1; }
rm "$tmp/dialplan/bad.cpp"

printf '#include <sofia-sip/nua.h>\n' > "$tmp/dialplan/sip.cpp"
out=$(sh "$src/scripts/check-layering" "$tmp" 2>&1) && { echo "transport include accepted"; exit 1; }
echo "$out" | grep -q '^dialplan/sip.cpp:1: dialplan/ is a policy module' || { echo "unexpected: $out"; exit 1; }

# And the real tree is clean.
sh "$src/scripts/check-layering" "$src" || exit 1
echo "layering check ok"
