#!/usr/bin/env bash
# Builds one libFuzzer target with clang (Bazel's toolchain is gcc), with
# ASan and UBSan, from the sources given as arguments, and runs it for a
# bounded time seeded with the repository's fixtures. A finding fails the
# test and leaves the crashing input in the test's outputs.
#   fuzz_test.sh FUZZER.cc 'SEED_GLOB...' -- SOURCES...
# FUZZ_SECONDS sets the run time (default 20).
set -euo pipefail
seconds="${FUZZ_SECONDS:-20}"
root="${TEST_SRCDIR}/fairport"
fuzzer_source="$1"
seed_globs="$2"
shift 3
name="$(basename "${fuzzer_source}" .cc)"
work="${TEST_TMPDIR}/${name}"
mkdir -p "${work}/corpus"

i=0
for glob in ${seed_globs}; do
  for seed in "${root}"/${glob}; do
    cp "${seed}" "${work}/corpus/seed$((i++))"
  done
done
echo "${name}: ${i} seeds"

sources=("${root}/${fuzzer_source}")
for source in "$@"; do
  [[ "${source}" == *.cc ]] && sources+=("${root}/${source}")
done
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"${root}" "${sources[@]}" -o "${work}/${name}" \
  $(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_flat_hash_map \
    absl_flat_hash_set absl_synchronization) -lz -lisal -lpthread

artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}/"
"${work}/${name}" -max_total_time="${seconds}" -max_len=1100000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="${artifacts}" -print_final_stats=1 "${work}/corpus" 2>&1 | tail -25
