#!/usr/bin/env bash
# tests/lint/line-count.sh - no C file of the tree (src/ tests/ bench/ fuzz/) is over 800 lines,
# the project's "one concern per file" rule; a file on the exception list below must still be over
# the limit, so that the list cannot outlive the split it waits for. Usage: line-count.sh SOURCE_ROOT
set -euo pipefail
cd "$1"
max=800
# Files allowed over the limit for now, each with why (paths relative to SOURCE_ROOT).
exceptions=()
mapfile -t files < <(find src tests bench fuzz -name '*.[ch]' 2>/dev/null | sort)
long=()
stale=()
for f in "${files[@]}"; do
    n=$(wc -l <"$f")
    excepted=0
    for e in "${exceptions[@]}"; do
        [ "$f" = "$e" ] && excepted=1
    done
    if [ "$n" -gt "$max" ] && [ "$excepted" -eq 0 ]; then
        long+=("$f: $n lines")
    fi
done
for e in "${exceptions[@]}"; do
    if [ ! -f "$e" ]; then
        stale+=("$e: no such file")
    elif [ "$(wc -l <"$e")" -le "$max" ]; then
        stale+=("$e: $(wc -l <"$e") lines, no longer over $max")
    fi
done
echo "1..1"
if [ "${#long[@]}" -eq 0 ] && [ "${#stale[@]}" -eq 0 ]; then
    echo "ok 1 /lint/line-count (${#files[@]} files, at most $max lines, ${#exceptions[@]} excepted)"
    exit 0
fi
for l in "${long[@]}"; do
    echo "# over $max lines: $l"
done
for s in "${stale[@]}"; do
    echo "# on the exception list in tests/lint/line-count.sh but $s: remove it from the list"
done
echo "not ok 1 /lint/line-count: ${#long[@]} files over $max lines, ${#stale[@]} stale exceptions"
