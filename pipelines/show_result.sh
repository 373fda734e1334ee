#!/usr/bin/env bash
# `bazel run //pipelines:demo`: prints the parity summary and where the
# release package is.
set -euo pipefail
package="$1"
shift
for file in "$@"; do
  [[ "${file}" == *.md ]] && cat "${file}"
done
workspace="${BUILD_WORKSPACE_DIRECTORY:-$PWD}"
echo
echo "release package: ${workspace}/bazel-bin/${package#*bin/}"
