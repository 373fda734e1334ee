#!/usr/bin/env bash
# Runs a libFuzzer binary (built by fuzz.bzl) for a bounded time, seeded
# with the given files. A finding fails the test and leaves the crashing
# input in the test's undeclared outputs.
#   fuzz_test.sh FUZZER SEED...
# FUZZ_SECONDS sets the run time (default 20).
set -euo pipefail
seconds="${FUZZ_SECONDS:-20}"
fuzzer="$1"
shift
name="$(basename "${fuzzer}")"
corpus="${TEST_TMPDIR}/${name}/corpus"
mkdir -p "${corpus}"
i=0
for seed in "$@"; do
  cp "${seed}" "${corpus}/seed$((i++))"
done
echo "${name}: ${i} seeds"

artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR}}/"
"${fuzzer}" -max_total_time="${seconds}" -max_len=1100000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="${artifacts}" -print_final_stats=1 "${corpus}" 2>&1 | tail -25
