#!/usr/bin/env bash
# Prints where a pipeline's result is and what it holds.
set -euo pipefail
result="$1"
workspace="${BUILD_WORKSPACE_DIRECTORY:-$PWD}"
location="${workspace}/bazel-bin/${result#*bin/}"
[[ -d "${location}" ]] || location="$(cd "$(dirname "${result}")" && pwd)/$(basename "${result}")"
echo "Hugging Face model directory: ${location}"
for file in "${result}"/*; do
  printf '  %-26s %8d bytes\n' "$(basename "${file}")" "$(stat -c %s "${file}")"
done
