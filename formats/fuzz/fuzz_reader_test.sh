#!/usr/bin/env bash
# Builds the reader's libFuzzer target with clang (Bazel's toolchain is gcc)
# and runs it for a bounded time, seeded with every fixture checkpoint. A finding
# fails the test and leaves the crashing input in the test's outputs.
set -euo pipefail
seconds="${FUZZ_SECONDS:-20}"
root="${TEST_SRCDIR}/fairport"
work="${TEST_TMPDIR}/fuzz"
mkdir -p "${work}/corpus"
i=0
for seed in "${root}"/testdata/*/checkpoint.pt "${root}"/testdata/bad/*/checkpoint.pt; do
  cp "${seed}" "${work}/corpus/seed$((i++)).pt"
done
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"${root}" \
  "${root}/formats/fuzz/reader_fuzzer.cc" "${root}/formats/dtype.cc" "${root}/formats/mapped_file.cc" \
  "${root}/formats/pickle.cc" "${root}/formats/zip_archive.cc" "${root}/formats/torch_archive.cc" \
  -o "${work}/reader_fuzzer" \
  $(pkg-config --libs absl_status absl_statusor absl_strings absl_str_format absl_flat_hash_map) -lz -lisal
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${work}}/"
"${work}/reader_fuzzer" -max_total_time="${seconds}" -max_len=1100000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="${artifacts}" -print_final_stats=1 "${work}/corpus" 2>&1 | tail -25
