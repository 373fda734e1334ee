#!/usr/bin/env bash
# The main job on the embedded default: installs what it needs, then runs
# the release pipeline on the bundled tiny checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel run //pipelines:demo
