#!/usr/bin/env bash
# tests/lint/clang-format.sh - every C file of the tree is formatted as .clang-format says.
# Usage: clang-format.sh SOURCE_ROOT
set -euo pipefail
cd "$1"
mapfile -t files < <(find src tests bench -name '*.[ch]' | sort)
echo "1..1"
if out=$(clang-format --dry-run -Werror "${files[@]}" 2>&1); then
    echo "ok 1 /lint/clang-format (${#files[@]} files)"
else
    printf '%s\n' "$out" | head -50 | sed 's/^/# /'
    echo "not ok 1 /lint/clang-format: run clang-format -i on the files above"
fi
