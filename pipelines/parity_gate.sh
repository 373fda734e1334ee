#!/usr/bin/env bash
# A release's parity test: passes only when its parity report says so.
set -euo pipefail
for report in "$@"; do
  [[ "${report}" == *.json ]] || continue
  if grep -q '"passed": true' "${report}"; then
    echo "parity passed: ${report}"
    exit 0
  fi
  echo "parity FAILED: ${report}" >&2
  cat "${report%.json}.md" >&2
  exit 1
done
echo "no parity report among: $*" >&2
exit 1
