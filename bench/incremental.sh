#!/usr/bin/env bash
# bazel run //bench:incremental -- time of a null rebuild of the release
# pipeline (//pipelines:demo_package) and of a rebuild after touching only
# the dataset, on a scratch copy of this workspace with the disk cache off.
# Medians of RUNS runs. Writes JSON to $1 if given.
set -euo pipefail
runs="${RUNS:-5}"
json_out="${1:-}"
[[ -n "${json_out}" && "${json_out}" != /* && -n "${BUILD_WORKING_DIRECTORY:-}" ]] && json_out="${BUILD_WORKING_DIRECTORY}/${json_out}"
source_root="${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run //bench:incremental}"
cache="${HOME}/.cache/fairport/incremental-bench"
workspace="${cache}/workspace"
source "${source_root}/tests/scratch_workspace.sh"
rm -rf "${workspace}"
copy_workspace "${workspace}" "${source_root}"
cd "${workspace}"
bz() { command bazel --output_user_root="${cache}/output_user_root" "$@"; }
build() {
  local start end
  start=$(date +%s.%N)
  bz build --disk_cache= //pipelines:demo_package >"${cache}/build.log" 2>&1 || { cat "${cache}/build.log" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "warming up (first build of the scratch copy)..." >&2
build >/dev/null
null=() dataset=()
for ((i = 0; i < runs; i++)); do
  null+=("$(build)")
  sed -i "s/\"text\": \"HELLO WORLD[^\"]*\"/\"text\": \"HELLO WORLD ${i}\"/; s/utt03.wav\", \"text\"/utt0$((i % 3)).wav\", \"text\"/" \
    datasets/default/manifest.json
  sed -i "s/\"sha256\": \"c7d10d5c[0-9a-f]*\"//; s/, }/ }/" datasets/default/manifest.json
  dataset+=("$(build)")
done
n=$(printf '%s\n' "${null[@]}" | median)
d=$(printf '%s\n' "${dataset[@]}" | median)
echo "| rebuild of //pipelines:demo_package | seconds (median of ${runs}) |"
echo "|---|---|"
echo "| null (nothing changed) | ${n} |"
echo "| dataset touched (reference, parity, package rerun) | ${d} |"
bz shutdown >/dev/null 2>&1 || true
if [[ -n "${json_out}" ]]; then
  printf '{"null_rebuild_s": %s, "dataset_rebuild_s": %s, "runs": %s}\n' "${n}" "${d}" "${runs}" > "${json_out}"
  echo "wrote ${json_out}"
fi
