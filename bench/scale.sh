#!/usr/bin/env bash
# bazel run //bench:scale -- [--size=1b|2b] [--dtype=float32|float16] [JSON]
# Real sizes: makes a fine-tuned XLS-R-shaped wav2vec 2.0 checkpoint
# (make_checkpoint --size=1b: 48 layers, 1280 wide, 5120 ffn; 2b: 1920,
# 7680), then converts it, runs the original model on the bundled default
# set (reference) and checks the conversion (parity), printing each step's
# wall time and peak RSS against the model's float32 weight bytes and
# against `cp --reflink=never` of the same file, measured in the same run.
# Warm page cache; one run per step (the steps take seconds to minutes).
# Writes JSON to JSON if given (relative to where `bazel run` was called).
set -euo pipefail
size=1b
dtype=float32
json_out=""
for arg in "$@"; do
  case "${arg}" in
    --size=*) size="${arg#--size=}" ;;
    --dtype=*) dtype="${arg#--dtype=}" ;;
    --*) echo "bench/scale: unknown flag ${arg}" >&2; exit 2 ;;
    *) json_out="${arg}" ;;
  esac
done
[[ -n "${json_out}" && "${json_out}" != /* && -n "${BUILD_WORKING_DIRECTORY:-}" ]] && json_out="${BUILD_WORKING_DIRECTORY}/${json_out}"
[[ -x /usr/bin/time ]] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null

converter="$(readlink -f converter/converter)"
maker="$(readlink -f pipelines/make_checkpoint)"
reference="$(readlink -f verify/reference)"
parity="$(readlink -f verify/parity)"
dataset="$(readlink -f datasets/default/manifest.json)"
work="$(mktemp -d "${TMPDIR:-/tmp}/fairport-scale-bench-XXXXXX")"
trap 'rm -rf "${work}"' EXIT

step() {  # step NAME COMMAND... -> "NAME seconds peak_kb"
  local name="$1"
  shift
  sync
  /usr/bin/time -f "%e %M" -o "${work}/time" "$@" >/dev/null 2>"${work}/stderr" ||
    { echo "bench/scale: ${name} failed:" >&2; cat "${work}/stderr" >&2; exit 1; }
  echo "${name} $(cat "${work}/time")"
}

echo "bench/scale: writing a ${size} ${dtype} fine-tuned checkpoint in ${work}" >&2
read -r _ make_s _ < <(step make "${maker}" --family=wav2vec2 --size="${size}" --finetuned \
  --dtype="${dtype}" --output="${work}/checkpoint.pt")
file_bytes=$(stat -c %s "${work}/checkpoint.pt")
cat "${work}/checkpoint.pt" >/dev/null  # warm page cache
results=()
results+=("$(step cp cp --reflink=never "${work}/checkpoint.pt" "${work}/copy.pt")")
rm -f "${work}/copy.pt"
results+=("$(step convert "${converter}" --checkpoint_path="${work}/checkpoint.pt" \
  --dict_path="${work}/dict.ltr.txt" --pytorch_dump_folder_path="${work}/hf")")
results+=("$(step reference "${reference}" --checkpoint_path="${work}/checkpoint.pt" \
  --dataset="${dataset}" --output="${work}/reference.safetensors")")
results+=("$(step parity "${parity}" --model_dir="${work}/hf" --dataset="${dataset}" \
  --reference="${work}/reference.safetensors" --output="${work}/report.json")")
# The model's float32 weight bytes: model.safetensors holds every weight
# once, in float32 unless --dtype said otherwise (the converter keeps the
# checkpoint's dtype), so scale it to float32.
weight_bytes=$(stat -c %s "${work}/hf/model.safetensors")
[[ "${dtype}" == float16 ]] && weight_bytes=$((weight_bytes * 2))

read -r _ cp_s _ <<<"${results[0]}"
echo "${size} ${dtype}: checkpoint $((file_bytes / 1000000)) MB, float32 weights $((weight_bytes / 1000000)) MB (written in ${make_s} s)"
echo
echo "| step | s | / cp | peak RSS MB | / float32 weights |"
echo "|---|---|---|---|---|"
json="{\"size\": \"${size}\", \"dtype\": \"${dtype}\", \"checkpoint_bytes\": ${file_bytes}, \"float32_weight_bytes\": ${weight_bytes}, \"steps\": ["
for r in "${results[@]}"; do
  read -r name s kb <<<"${r}"
  awk -v n="${name}" -v s="${s}" -v cp="${cp_s}" -v kb="${kb}" -v w="${weight_bytes}" 'BEGIN {
    cp = (cp > 0 ? cp : 0.005)
    printf "| %s | %.2f | %.2f | %.0f | %.3f |\n", n, s, s / cp, kb / 1024, kb * 1024 / w }'
  json+="{\"step\": \"${name}\", \"seconds\": ${s}, \"peak_rss_kb\": ${kb}},"
done
json="${json%,}]}"
if [[ -n "${json_out}" ]]; then
  echo "${json}" > "${json_out}"
  echo "wrote ${json_out}"
fi
