#!/usr/bin/env bash
# bazel run //bench:convert -- converter wall time and peak RSS on
# synthetic real-size checkpoints (data2vec base and large, pretrained and
# fine-tuned, fp32 and fp16, and large fine-tuned with Adam state; wav2vec
# 2.0 base pretrained and fine-tuned; an MMS adapter model of 100
# languages on a base-size encoder, which writes 100 adapter files), beside
# `cp --reflink=never` of the same file (the I/O floor) and a Python
# baseline measured in the same run (Debian's python3-torch: torch.load,
# rename the keys, torch.save: the least the original script does).
# Medians of RUNS runs, warm page cache. Prints a Markdown table and one
# line per case; writes JSON to $1 if given; CASES=<regex> picks cases.
set -euo pipefail
runs="${RUNS:-5}"
json_out="${1:-}"
only="${CASES:-}"
[[ -n "${json_out}" && "${json_out}" != /* && -n "${BUILD_WORKING_DIRECTORY:-}" ]] && json_out="${BUILD_WORKING_DIRECTORY}/${json_out}"

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
/usr/bin/python3 -c "import torch" 2>/dev/null || missing+=(python3-torch)
if ((${#missing[@]})); then
  echo "bench/convert: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi

converter="$(readlink -f converter/converter)"
maker="$(readlink -f pipelines/make_checkpoint)"
work="$(mktemp -d /tmp/fairport-convert-bench-XXXXXX)"
trap 'rm -rf "${work}"' EXIT

cat > "${work}/baseline.py" <<'PY'
import re, sys, torch
src, dst, base = sys.argv[1], sys.argv[2], sys.argv[3]
state = torch.load(src, map_location="cpu")
rules = [(r"^w2v_encoder\.proj\.", "lm_head."), (r"^w2v_encoder\.w2v_model\.", base + "."),
         (r"self_attn_layer_norm", "layer_norm"), (r"self_attn\.", "attention."), (r"\.fc1\.", ".feed_forward.intermediate_dense."),
         (r"\.fc2\.", ".feed_forward.output_dense."), (r"post_extract_proj", "feature_projection.projection"),
         (r"pos_conv\.(\d+)\.0", r"pos_conv_embed.layers.\1.conv"), (r"conv_layers\.(\d+)\.0\.", r"conv_layers.\1.conv."),
         (r"conv_layers\.(\d+)\.2\.1\.", r"conv_layers.\1.layer_norm."), (r"^mask_emb$", "masked_spec_embed"),
         (r"pos_conv\.0\.(weight_g|weight_v|bias)", r"pos_conv_embed.conv.\1"),
         (r"conv_layers\.(\d+)\.2\.(weight|bias)", r"conv_layers.\1.layer_norm.\2"),
         (r"^quantizer\.vars$", "quantizer.codevectors"), (r"^final_proj\.", "project_hid.")]
out = {}
for key, value in state["model"].items():
    if not torch.is_tensor(value) or (base == "data2vec_audio" and key.startswith("final_proj")):
        continue
    for pattern, replacement in rules:
        key = re.sub(pattern, replacement, key)
    out[key] = value
torch.save(out, dst)
PY

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {  # measure COMMAND... -> "seconds peak_kb" per run
  # Every command starts from the same state: no earlier output on disk and
  # no write-back pending.
  rm -rf "${dir}/hf" "${dir}/copy.pt" "${dir}/baseline.pt"
  sync
  /usr/bin/time -f "%e %M" -o "${work}/time" "$@" >/dev/null 2>"${work}/stderr" || { cat "${work}/stderr" >&2; exit 1; }
  cat "${work}/time"
}

cases=(
  "base fp32 pretrained|base|false|float32|false|data2vec_audio"
  "base fp32 finetuned|base|true|float32|false|data2vec_audio"
  "base fp16 finetuned|base|true|float16|false|data2vec_audio"
  "large fp32 pretrained|large|false|float32|false|data2vec_audio"
  "large fp32 finetuned|large|true|float32|false|data2vec_audio"
  "large fp16 finetuned|large|true|float16|false|data2vec_audio"
  "large fp32 finetuned+adam|large|true|float32|true|data2vec_audio"
  "wav2vec2 base fp32 pretrained|base|false|float32|false|wav2vec2"
  "wav2vec2 base fp32 finetuned|base|true|float32|false|wav2vec2"
  "MMS base fp32 100 adapters|base|true|float32|false|wav2vec2|100"
)
echo "| case | checkpoint MB | converter s | cp s | baseline s | converter/cp | baseline/converter | converter peak MB | baseline peak MB |"
echo "|---|---|---|---|---|---|---|---|---|"
lines=()
json="["
for entry in "${cases[@]}"; do
  IFS='|' read -r name size finetuned dtype adam family languages <<<"${entry}"
  [[ -n "${only}" && ! "${name}" =~ ${only} ]] && continue
  dir="${work}/case"
  rm -rf "${dir}" && mkdir -p "${dir}"
  mms=()
  [[ -n "${languages}" ]] && mms=(--languages="$(seq -f 'l%03g' -s, 0 $((languages - 1)))")
  "${maker}" --family="${family}" --size="${size}" --finetuned="${finetuned}" --dtype="${dtype}" --adam="${adam}" "${mms[@]}" --output="${dir}/checkpoint.pt" >/dev/null
  dict=()
  [[ "${finetuned}" == true ]] && dict=(--dict_path="${dir}/dict.ltr.txt")
  mb=$(( $(stat -c %s "${dir}/checkpoint.pt") / 1000000 ))
  cat "${dir}/checkpoint.pt" >/dev/null  # warm page cache
  conv_t=() conv_m=() cp_t=() base_t=() base_m=()
  for ((i = 0; i < runs; i++)); do
    read -r t m < <(measure "${converter}" --checkpoint_path="${dir}/checkpoint.pt" "${dict[@]}" --pytorch_dump_folder_path="${dir}/hf")
    conv_t+=("${t}") conv_m+=("${m}")
    read -r t m < <(measure cp --reflink=never "${dir}/checkpoint.pt" "${dir}/copy.pt")
    cp_t+=("${t}")
    read -r t m < <(measure /usr/bin/python3 "${work}/baseline.py" "${dir}/checkpoint.pt" "${dir}/baseline.pt" "${family}")
    base_t+=("${t}") base_m+=("${m}")
  done
  ct=$(printf '%s\n' "${conv_t[@]}" | median); cm=$(printf '%s\n' "${conv_m[@]}" | median)
  pt=$(printf '%s\n' "${cp_t[@]}" | median)
  bt=$(printf '%s\n' "${base_t[@]}" | median); bm=$(printf '%s\n' "${base_m[@]}" | median)
  row=$(awk -v n="${name}" -v mb="${mb}" -v ct="${ct}" -v pt="${pt}" -v bt="${bt}" -v cm="${cm}" -v bm="${bm}" 'BEGIN {
    pt = (pt > 0 ? pt : 0.005); ct = (ct > 0 ? ct : 0.005)
    printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f | %.0f |", n, mb, ct, pt, bt, ct / pt, bt / ct, cm / 1024, bm / 1024 }')
  echo "${row}"
  lines+=("$(awk -v n="${name}" -v ct="${ct}" -v pt="${pt}" -v bt="${bt}" -v cm="${cm}" 'BEGIN {
    pt = (pt > 0 ? pt : 0.005); ct = (ct > 0 ? ct : 0.005)
    printf "%s: converter/cp %.2f, baseline/converter %.1f, converter peak %.0f MB", n, ct / pt, bt / ct, cm / 1024 }')")
  json+=$(printf '{"case": "%s", "checkpoint_mb": %d, "converter_s": %s, "cp_s": %s, "baseline_s": %s, "converter_peak_kb": %s, "baseline_peak_kb": %s},' \
    "${name}" "${mb}" "${ct}" "${pt}" "${bt}" "${cm}" "${bm}")
done
echo
printf '%s\n' "${lines[@]}"
if [[ -n "${json_out}" ]]; then
  echo "${json%,}]" > "${json_out}"
  echo "wrote ${json_out}"
fi
