#!/usr/bin/env bash
# Drives Bazel on a scratch copy of the workspace with a small release
# pipeline, and counts which pipeline actions run (from
# --execution_log_json_file) when nothing, the dataset, the mapping code
# or the checkpoint changes. Also rebuilds every pipeline action from
# scratch and checks the package is the same bytes.
#
# The scratch builds share the suite's disk cache (.bazelrc's
# ~/.cache/fairport/bazel-disk-cache), so the tools come from the outer
# build's compiled objects instead of a second cold compile (the test
# depends on the tools, so they are built, and cached, before it starts).
# An action the disk cache answers is still a spawn in the execution log, so
# the counts are those of actions whose key changed, cache or not; the
# rebuild from scratch turns the disk cache off, so those actions really
# run.
set -euo pipefail

source "${TEST_SRCDIR}/fairport/tests/scratch_workspace.sh"
source_root="$(scratch_source_root)"
home="$(getent passwd "$(id -u)" | cut -d: -f6)"
cache="${home}/.cache/fairport/pipeline-cache-test"
workspace="${cache}/workspace"
mkdir -p "${cache}"
exec 9>"${cache}/lock"
flock 9  # one run at a time per machine

rm -rf "${workspace}"
copy_workspace "${workspace}"

bazel() {
  command bazel --output_user_root="${cache}/output_user_root" "$@"
}
disk_cache="${home}/.cache/fairport/bazel-disk-cache"
cd "${workspace}"

mkdir -p cachetest/ckpt cachetest/data
maker="${TEST_SRCDIR}/fairport/pipelines/make_checkpoint"
"${maker}" --size=tiny --finetuned --seed=1 --output=cachetest/ckpt/checkpoint.pt >/dev/null
cp datasets/default/utt0[0-2].wav cachetest/data/
cat > cachetest/data/manifest.json <<'JSON'
{"utterances": [
  {"id": "a", "audio": "utt00.wav", "text": "A"},
  {"id": "b", "audio": "utt01.wav", "text": "B"},
  {"id": "c", "audio": "utt02.wav", "text": "C"}
]}
JSON
cat > cachetest/BUILD.bazel <<'BUILD'
load("//pipelines:defs.bzl", "data2vec_audio_release")

filegroup(
    name = "data",
    srcs = glob(["data/*"]),
)

data2vec_audio_release(
    name = "t",
    checkpoint = "ckpt/checkpoint.pt",
    dict = "ckpt/dict.ltr.txt",
    dataset = ":data",
)
BUILD

build() {  # [DISK_CACHE]: prints "convert reference parity package" action counts
  # Numbered through a file: most calls run in a command substitution.
  local run=$(($(cat "${TEST_TMPDIR}/runs" 2>/dev/null || echo 0) + 1))
  echo "${run}" >"${TEST_TMPDIR}/runs"
  local log="${TEST_TMPDIR}/exec${run}.json"
  bazel build --disk_cache="${1-${disk_cache}}" --execution_log_json_file="${log}" //cachetest:t_package //cachetest:t_parity \
    >"${TEST_TMPDIR}/build${run}.log" 2>&1 || { cat "${TEST_TMPDIR}/build${run}.log" >&2; exit 1; }
  # Where the time goes, for the test log: Bazel's own summary lines.
  grep -hE '^INFO: (Elapsed time|[0-9]+ processes)' "${TEST_TMPDIR}/build${run}.log" |
    sed "s/^INFO: /build ${run}: /" >&2 || true
  local counts=""
  for mnemonic in FairseqConvert FairseqReference FairportParity FairportPackage; do
    counts+="$(grep -c "\"mnemonic\": \"${mnemonic}\"" "${log}" || true) "
  done
  echo "${counts% }"
}

expect() {  # expect NAME "c r p k" ACTUAL
  if [[ "$2" != "$3" ]]; then
    echo "FAIL ${1}: expected convert/reference/parity/package = $2, got $3" >&2
    failures=$((failures + 1))
  else
    echo "ok   ${1}: convert/reference/parity/package actions = $3"
  fi
}
failures=0

build >/dev/null  # baseline
expect "nothing changed" "0 0 0 0" "$(build)"

# A transcript edit reruns reference and parity; their outputs are the
# same bytes, so the package is not rebuilt.
sed -i 's/"text": "C"/"text": "C C"/' cachetest/data/manifest.json
expect "dataset transcript changed" "0 1 1 0" "$(build)"

# A different utterance changes every output downstream of the audio.
sed -i 's/"audio": "utt02.wav"/"audio": "utt00.wav"/' cachetest/data/manifest.json
expect "dataset audio changed" "0 1 1 1" "$(build)"

# A mapping change that changes the output (tensor order) but not parity.
sed -i 's/return x.hf_name < y.hf_name;/return x.hf_name > y.hf_name;/' families/common/convert/weight_table.cc
grep -q 'return x.hf_name > y.hf_name;' families/common/convert/weight_table.cc
expect "mapping code changed" "1 0 1 1" "$(build)"

"${maker}" --size=tiny --finetuned --seed=2 --output=cachetest/ckpt/checkpoint.pt >/dev/null
expect "checkpoint changed" "1 1 1 1" "$(build)"

first="$(sha256sum bazel-bin/cachetest/t_package.tar.gz | cut -d' ' -f1)"
rm -rf bazel-bin/cachetest
expect "all pipeline outputs removed" "1 1 1 1" "$(build "")"
second="$(sha256sum bazel-bin/cachetest/t_package.tar.gz | cut -d' ' -f1)"
if [[ "${first}" != "${second}" ]]; then
  echo "FAIL reproducible package: ${first} then ${second}" >&2
  failures=$((failures + 1))
else
  echo "ok   reproducible package: ${first} twice"
fi
grep -q '"passed": true' bazel-bin/cachetest/t_parity.json

bazel shutdown >/dev/null 2>&1 || true
echo "$((7 - failures)) passed, ${failures} failed"
((failures == 0))
