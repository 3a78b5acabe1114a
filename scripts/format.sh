#!/usr/bin/env bash
# Checks the layout rules the test command enforces: every .cpp/.hpp formatted by clang-format 14
# with the repository's .clang-format, and no library or CLI source file over 600 lines (files
# are kept small and named for what they hold). `--fix` reformats in place instead of checking.
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || command -v clang-format)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find autograd nn optim data testing cli tests examples benchmarks fuzz -name '*.[ch]pp' | sort)
  files+=(xgrad.hpp testing.hpp doctest.hpp gtest.hpp)
fi
if [ "${1:-}" = "--fix" ]; then
  "$fmt" -i "${files[@]}"
  exit 0
fi
status=0
"$fmt" --dry-run -Werror "${files[@]}" || { echo "format.sh: run 'bash scripts/format.sh --fix'"; status=1; }
for f in "${files[@]}"; do
  case "$f" in autograd/* | nn/* | optim/* | data/* | cli/* | testing/*)
    n=$(wc -l < "$f")
    [ "$n" -le 600 ] || { echo "format.sh: $f has $n lines (at most 600: split it)"; status=1; } ;;
  esac
done
exit $status
