#!/usr/bin/env bash
# Remote caching: an HTTP cache (Debian's nginx with WebDAV PUT) on
# loopback; a clone in one folder builds a conversion with
# --remote_cache, and a clean clone in a second folder, with an empty
# output root and no disk cache, fetches the results instead of running
# the converter.
#
# The HTTP cache nginx serves is the suite's own disk cache (.bazelrc's
# ~/.cache/fairport/bazel-disk-cache): Bazel's HTTP cache protocol and its
# disk cache hold the same entries under ac/ and cas/, the disk cache in
# folders named by the hash's first two digits, which nginx's rewrite
# adds. So clone a's tools come over HTTP from the suite's own build
# instead of a second compile from nothing (the test depends on the tools,
# so they are built, and cached, before it starts); its conversion, of a
# checkpoint made with a seed no earlier run used, is in no cache: clone a
# runs it and uploads it with PUT, and clone b must fetch that upload.
set -euo pipefail

source "${TEST_SRCDIR}/fairport/tests/scratch_workspace.sh"
scratch="${TEST_TMPDIR}/remote"
home="$(getent passwd "$(id -u)" | cut -d: -f6)"
cache="${home}/.cache/fairport/bazel-disk-cache"
mkdir -p "${cache}" "${scratch}/nginx"
seed="$(date +%s%N)"

port=$((20000 + RANDOM % 20000))
cat > "${scratch}/nginx/nginx.conf" <<CONF
daemon on;
pid ${scratch}/nginx/nginx.pid;
error_log ${scratch}/nginx/error.log;
user root;
events {}
http {
  access_log ${scratch}/nginx/access.log;
  client_body_temp_path ${scratch}/nginx/body;
  server {
    listen 127.0.0.1:${port};
    root ${cache};
    client_max_body_size 0;
    location / {
      rewrite "^/(ac|cas)/(([0-9a-f]{2})[0-9a-f]*)\$" /\$1/\$3/\$2 break;
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
  "${TEST_SRCDIR}/fairport/pipelines/make_checkpoint" --size=tiny --finetuned --seed="${seed}" \
    --output="${scratch}/$1/cachetest/checkpoint.pt" >/dev/null
  cat > "${scratch}/$1/cachetest/BUILD.bazel" <<'BUILD'
load("//pipelines:defs.bzl", "hf_conversion")

hf_conversion(
    name = "t_hf",
    checkpoint = "checkpoint.pt",
    dict = "dict.ltr.txt",
)
BUILD
}

# Both clones build as the suite does (.bazelrc), without its disk cache.
build_in() {
  (cd "${scratch}/$1" && command bazel --output_user_root="${scratch}/root_$1" build --disk_cache= \
    --remote_cache="http://127.0.0.1:${port}" --execution_log_json_file="${scratch}/$1.json" //cachetest:t_hf) \
    >"${scratch}/$1.log" 2>&1 || { cat "${scratch}/$1.log" >&2; exit 1; }
}

make_clone a
build_in a
make_clone b
build_in b

# Entries clone a stored with PUT (201 Created: none of them existed).
uploaded=$(grep -c '"PUT [^"]*" 201 ' "${scratch}/nginx/access.log" || true)
hits=$(grep -o '[0-9]* remote cache hit' "${scratch}/b.log" | cut -d' ' -f1 || echo 0)
# In each spawn record "mnemonic" comes before "remoteCacheHit".
convert_hits() {
  awk '/"mnemonic":/ { m = $0 } /"remoteCacheHit": true/ && m ~ /FairseqConvert/ { n++ } END { print n + 0 }' "$1"
}
a_convert_hits=$(convert_hits "${scratch}/a.json")
b_convert_hits=$(convert_hits "${scratch}/b.json")
echo "entries uploaded by clone a: ${uploaded}"
grep 'processes:' "${scratch}/a.log" | sed 's/^/clone a: /' || true
echo "clone b: ${hits:-0} remote cache hits; conversion fetched from the cache: ${b_convert_hits}"
grep 'processes:' "${scratch}/b.log" | sed 's/^/clone b: /' || true
failed=0
((uploaded > 0)) || { echo "FAIL nothing was uploaded" >&2; failed=1; }
((a_convert_hits == 0)) ||
  { echo "FAIL clone a found its new conversion in a cache" >&2; failed=1; }
((${hits:-0} > 0)) || { echo "FAIL clone b had no remote cache hits" >&2; failed=1; }
((b_convert_hits == 1)) || { echo "FAIL clone b ran the conversion instead of fetching it" >&2; failed=1; }
cmp -s "${scratch}/a/bazel-bin/cachetest/t_hf/model.safetensors" "${scratch}/b/bazel-bin/cachetest/t_hf/model.safetensors" ||
  { echo "FAIL the two clones' outputs differ" >&2; failed=1; }
echo "$((1 - failed)) passed, ${failed} failed"
((failed == 0))
