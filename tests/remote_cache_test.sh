#!/usr/bin/env bash
# Remote caching: an HTTP cache (Debian's nginx with WebDAV PUT) on
# loopback; a clone in one folder builds a conversion with
# --remote_cache, and a clean clone in a second folder, with an empty
# output root and no disk cache, fetches the results instead of running
# the converter.
set -euo pipefail

source "${TEST_SRCDIR}/fairport/tests/scratch_workspace.sh"
scratch="${TEST_TMPDIR}/remote"
mkdir -p "${scratch}/cache" "${scratch}/nginx"
chmod 777 "${scratch}/cache"

port=$((20000 + RANDOM % 20000))
cat > "${scratch}/nginx/nginx.conf" <<CONF
daemon on;
pid ${scratch}/nginx/nginx.pid;
error_log ${scratch}/nginx/error.log;
user root;
events {}
http {
  access_log off;
  client_body_temp_path ${scratch}/nginx/body;
  server {
    listen 127.0.0.1:${port};
    root ${scratch}/cache;
    client_max_body_size 0;
    location / {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
CONF
/usr/sbin/nginx -c "${scratch}/nginx/nginx.conf"
cleanup() {
  kill "$(cat "${scratch}/nginx/nginx.pid")" 2>/dev/null || true
  for clone in a b; do
    (cd "${scratch}/${clone}" 2>/dev/null &&
      command bazel --output_user_root="${scratch}/root_${clone}" shutdown >/dev/null 2>&1) || true
  done
}
trap cleanup EXIT

make_clone() {
  copy_workspace "${scratch}/$1"
  mkdir -p "${scratch}/$1/cachetest"
  "${TEST_SRCDIR}/fairport/pipelines/make_checkpoint" --size=tiny --finetuned --output="${scratch}/$1/cachetest/checkpoint.pt" >/dev/null
  cat > "${scratch}/$1/cachetest/BUILD.bazel" <<'BUILD'
load("//pipelines:defs.bzl", "hf_conversion")

hf_conversion(
    name = "t_hf",
    checkpoint = "checkpoint.pt",
    dict = "dict.ltr.txt",
)
BUILD
}

# Both clones build unoptimised (-c fastbuild): what is cached does not
# depend on it, and clone a compiles the converter from nothing in half the
# time.
build_in() {
  (cd "${scratch}/$1" && command bazel --output_user_root="${scratch}/root_$1" build --disk_cache= \
    --compilation_mode=fastbuild \
    --remote_cache="http://127.0.0.1:${port}" --execution_log_json_file="${scratch}/$1.json" //cachetest:t_hf) \
    >"${scratch}/$1.log" 2>&1 || { cat "${scratch}/$1.log" >&2; exit 1; }
}

make_clone a
build_in a
make_clone b
build_in b

uploaded=$(find "${scratch}/cache" -type f | wc -l)
hits=$(grep -o '[0-9]* remote cache hit' "${scratch}/b.log" | cut -d' ' -f1 || echo 0)
# In each spawn record "mnemonic" comes before "remoteCacheHit".
convert_hit=$(awk '/"mnemonic":/ { m = $0 } /"remoteCacheHit": true/ && m ~ /FairseqConvert/ { n++ } END { print n + 0 }' \
  "${scratch}/b.json")
echo "cache entries uploaded by clone a: ${uploaded}"
echo "clone b: ${hits:-0} remote cache hits; conversion fetched from the cache: ${convert_hit}"
grep 'processes:' "${scratch}/b.log" || true
failed=0
((uploaded > 0)) || { echo "FAIL nothing was uploaded" >&2; failed=1; }
((${hits:-0} > 0)) || { echo "FAIL clone b had no remote cache hits" >&2; failed=1; }
((convert_hit == 1)) || { echo "FAIL clone b ran the conversion instead of fetching it" >&2; failed=1; }
cmp -s "${scratch}/a/bazel-bin/cachetest/t_hf/model.safetensors" "${scratch}/b/bazel-bin/cachetest/t_hf/model.safetensors" ||
  { echo "FAIL the two clones' outputs differ" >&2; failed=1; }
echo "$((1 - failed)) passed, ${failed} failed"
((failed == 0))
