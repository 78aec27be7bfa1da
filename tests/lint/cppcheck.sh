#!/usr/bin/env bash
# tests/lint/cppcheck.sh - cppcheck finds nothing in the project's own code (src/), analysed with
# the build's compile commands. Usage: cppcheck.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
src=$1 build=$2
echo "1..1"
if ! command -v cppcheck >/dev/null; then
    echo "ok 1 /lint/cppcheck # SKIP cppcheck is not installed (scripts/install-deps.sh installs it)"
    exit 0
fi
out=$(cppcheck -q -j2 --project="$build/compile_commands.json" --enable=warning,portability \
    --inline-suppr --suppress=missingIncludeSystem --include="$src/.ci/cppcheck-macros.h" \
    --error-exitcode=1 "--file-filter=*src/*" 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    echo "ok 1 /lint/cppcheck"
else
    printf '%s\n' "$out" | head -80 | sed 's/^/# /'
    echo "not ok 1 /lint/cppcheck: findings above (exit $rc)"
fi
