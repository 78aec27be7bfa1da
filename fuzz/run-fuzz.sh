#!/usr/bin/env bash
# fuzz/run-fuzz.sh - runs one libFuzzer target for a bounded time on a seed corpus made from the
# tests' own data, as a TAP test: ok unless the target crashes, leaks or times out.
# Usage: run-fuzz.sh TARGET-BINARY NAME SOURCE_ROOT SECONDS
set -uo pipefail
bin=$1 name=$2 root=$3 secs=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
mkdir -p "$corpus"
case $name in
spec)
    # each spec folder of the tree: topology, platforms and its first profile, NUL-separated
    n=0
    for d in "$root"/specs/* "$root"/tests/e2e/data/* "$root"/tests/data/render/*; do
        [ -f "$d/topology.json" ] || continue
        prof=$(find "$d/profiles" -name '*.json' 2>/dev/null | sort | head -1)
        { cat "$d/topology.json"; printf '\0'; cat "$d/platforms.json" 2>/dev/null; printf '\0';
          [ -n "$prof" ] && cat "$prof"; } >"$corpus/seed-$n"
        n=$((n + 1))
    done
    ;;
ftp-path | ftp-config)
    cp "$root/fuzz/seeds/$name"/* "$corpus/"
    ;;
esac
# A dictionary of JSON tokens and the member names the parsers know, read from their sources, so
# that mutations reach past the JSON syntax into the project's own checks.
dict=$work/dict
{
    for t in '{' '}' '[' ']' ':' ',' '"' 'true' 'false' 'null' '0' '-1' '65536'; do
        printf '"%s"\n' "$(printf '%s' "$t" | sed 's/"/\\"/g')"
    done
    case $name in
    spec) srcs=("$root"/src/spec/*.c) ;;
    ftp-config) srcs=("$root"/src/ftp/vl-ftp-config*.c) ;;
    *) srcs=() ;;
    esac
    [ ${#srcs[@]} -eq 0 ] || grep -ohE '"[A-Za-z_][A-Za-z0-9_]{1,40}"' "${srcs[@]}" | sort -u |
        sed 's/"/\\"/g; s/^/"/; s/$/"/'
} >"$dict"
echo "1..1"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$work/" "$corpus" >"$work/log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units|^stat::peak_rss' "$work/log" | sed 's/^/# /'
if [ "$rc" -eq 0 ]; then
    echo "ok 1 /fuzz/$name (${secs} s, $(ls "$corpus" | wc -l) corpus entries)"
else
    tail -60 "$work/log" | sed 's/^/# /'
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
        [ -f "$a" ] && echo "# reproducer $(basename "$a") (base64): $(base64 -w0 "$a")"
    done
    echo "not ok 1 /fuzz/$name: the target failed (exit $rc)"
fi
