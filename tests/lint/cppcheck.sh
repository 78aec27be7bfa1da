#!/usr/bin/env bash
# tests/lint/cppcheck.sh - cppcheck finds nothing in the project's own code (src/). The system
# headers are not parsed (slow, and not ours): cppcheck's gtk and posix libraries describe GLib and
# libc, and .ci/cppcheck-macros.h the one json-c macro it needs. Usage: cppcheck.sh SOURCE_ROOT
set -euo pipefail
cd "$1"
echo "1..1"
if ! command -v cppcheck >/dev/null; then
    echo "ok 1 /lint/cppcheck # SKIP cppcheck is not installed (scripts/install-deps.sh installs it)"
    exit 0
fi
incs=()
for d in src/*/; do incs+=("-I$d"); done
# readdirCalled: readdir_r is deprecated in glibc, and readdir on a DIR of one's own is thread-safe.
out=$(cppcheck -q -j2 --std=c11 -D_GNU_SOURCE -D__GNUC__ --library=gtk --library=posix \
    --enable=warning,portability --inline-suppr --suppress=missingIncludeSystem \
    --suppress=readdirCalled --include=.ci/cppcheck-macros.h "${incs[@]}" --error-exitcode=1 \
    src 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    echo "ok 1 /lint/cppcheck"
else
    printf '%s\n' "$out" | head -80 | sed 's/^/# /'
    echo "not ok 1 /lint/cppcheck: findings above (exit $rc)"
fi
