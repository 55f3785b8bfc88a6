#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (the
# repository's .clang-format, Google-based) would make of it. Prints the
# files; fix them with: clang-format -i FILE...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-format >/dev/null
  else
    echo "check-format: clang-format is not installed" >&2
    exit 1
  fi
fi
bad=()
while IFS= read -r f; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cc' '*.h' 2>/dev/null || find fcgi_app tests -name '*.cc' -o -name '*.h')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not clang-formatted: %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: all C++ files formatted"
