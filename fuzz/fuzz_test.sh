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
# One clang per core: the conversion path is some thirty sources, and a
# single serial clang spends most of the test's time budget compiling them.
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
mkdir -p "${work}/obj"
objects=()
for source in "${sources[@]}"; do
  objects+=("${work}/obj/$(realpath --relative-to="${root}" "${source}" | tr / _).o")
done
export CLANG_FLAGS="${flags[*]}" ROOT="${root}"
paste -d '\n' <(printf '%s\n' "${sources[@]}") <(printf '%s\n' "${objects[@]}") |
  xargs -d '\n' -n 2 -P "$(nproc)" sh -c 'clang++ ${CLANG_FLAGS} -fsanitize=fuzzer-no-link -I"${ROOT}" -c "$0" -o "$1"'
clang++ "${flags[@]}" "${objects[@]}" -o "${work}/${name}" \
  $(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_flat_hash_map \
    absl_flat_hash_set absl_synchronization) -lz -lisal -lpthread

artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}/"
"${work}/${name}" -max_total_time="${seconds}" -max_len=1100000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="${artifacts}" -print_final_stats=1 "${work}/corpus" 2>&1 | tail -25
