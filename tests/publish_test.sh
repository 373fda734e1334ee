#!/usr/bin/env bash
# Publishing the demo release to a git + LFS remote, as `bazel run
# //pipelines:demo.publish -- --repo URL` does, against bare repositories on
# this machine (file://): the clone gets the package's bytes with the
# weights as real LFS objects, a second publish makes no commit, a failed
# parity report and a rejected push leave the remote as it was, and the
# token in HF_TOKEN appears nowhere.
set -euo pipefail
root="${TEST_SRCDIR}/fairport"
publish=("${root}/pipelines/publish.sh" "${root}/pipelines/parity_gate"
  "${root}/pipelines/demo_package.tar.gz")
report="${root}/pipelines/demo_parity.json"
work="${TEST_TMPDIR}/publish"
rm -rf "${work}" && mkdir -p "${work}"
export HOME="${work}/home" && mkdir -p "${HOME}"
export HF_TOKEN="fairport-test-token-7f3a9c"
failures=0 checks=0
check() {  # check NAME COMMAND...
  checks=$((checks + 1))
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1" >&2; failures=$((failures + 1)); fi
}
refs() { git -C "$1" for-each-ref --format='%(refname) %(objectname)'; }

mkdir "${work}/package"
tar -xzf "${root}/pipelines/demo_package.tar.gz" -C "${work}/package"
package="${work}/package/demo"

# 1. First publish, then a fresh clone with LFS.
git init --quiet --bare -b main "${work}/remote.git"
"${publish[@]}" "${report}" "${report%.json}.md" --repo "file://${work}/remote.git" --tag v1 \
  >"${work}/out1" 2>"${work}/err1"
check "first publish succeeds" grep -q "^published: file://${work}/remote.git main " "${work}/out1"
git clone --quiet "file://${work}/remote.git" "${work}/clone"
same_files() {
  local f
  for f in $(cd "${package}" && ls); do
    cmp -s "${package}/${f}" "${work}/clone/${f}" || { echo "differs: ${f}" >&2; return 1; }
  done
  [[ "$(cd "${work}/clone" && ls | LC_ALL=C sort)" == "$(cd "${package}" && ls | LC_ALL=C sort)" ]]
}
check "clone holds exactly the package's files, byte for byte" same_files
check "model.safetensors is a real LFS object" \
  bash -c "git -C '${work}/clone' lfs ls-files | grep -q ' model.safetensors$' &&
           ! git -C '${work}/clone' cat-file -p HEAD:model.safetensors | grep -q '^\$' &&
           git -C '${work}/clone' cat-file -p HEAD:model.safetensors | grep -q '^version https://git-lfs'"
matches_manifest() {
  local f sum
  [[ -s "${work}/clone/MANIFEST.json" ]] || return 1
  for f in $(cd "${work}/clone" && ls); do
    [[ "${f}" == MANIFEST.json || "${f}" == SHA256SUMS ]] && continue
    sum="$(sha256sum "${work}/clone/${f}" | cut -d' ' -f1)"
    grep -A1 "\"path\": \"${f}\"" "${work}/clone/MANIFEST.json" | grep -q "\"sha256\": \"${sum}\"" ||
      { echo "not in MANIFEST.json: ${f} ${sum}" >&2; return 1; }
  done
}
check "every file's sha256 matches MANIFEST.json" matches_manifest
check "the commit names Fairport's version, the checkpoint and the parity" \
  bash -c "git -C '${work}/clone' log -1 --format=%B | grep -q 'Fairport .*checkpoint sha256 [0-9a-f]\{64\}; parity passed'"
check "the tag was pushed" bash -c "git -C '${work}/remote.git' rev-parse -q --verify refs/tags/v1 >/dev/null"

# 2. The same package again: no new commit.
before="$(refs "${work}/remote.git")"
"${publish[@]}" "${report}" --repo "file://${work}/remote.git" >"${work}/out2" 2>"${work}/err2"
check "second publish says there is nothing to publish" grep -q "already holds this package" "${work}/out2"
check "second publish makes no commit" test "${before}" == "$(refs "${work}/remote.git")"

# 3. A failed parity report is refused; the remote is unchanged.
sed 's/"passed": true/"passed": false/' "${report}" >"${work}/failed_parity.json"
cp "${report%.json}.md" "${work}/failed_parity.md"
if "${publish[@]}" "${work}/failed_parity.json" --repo "file://${work}/remote.git" \
  >"${work}/out3" 2>"${work}/err3"; then status=0; else status=$?; fi
check "a failed parity is refused with exit 1" test "${status}" -eq 1
check "the refusal says why" grep -q "parity failed" "${work}/err3"
check "the refused publish leaves the remote unchanged" test "${before}" == "$(refs "${work}/remote.git")"

# 4. The remote moves between clone and push (a post-commit hook pushes
#    another commit first): the push is rejected, and the remote keeps what
#    the other writer pushed.
git init --quiet --bare -b main "${work}/moving.git"
mkdir -p "${work}/hooks"
cat >"${work}/hooks/post-commit" <<HOOK
#!/usr/bin/env bash
unset GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
git clone --quiet "file://${work}/moving.git" "${work}/other" 2>/dev/null
cd "${work}/other" && git checkout --quiet -b main 2>/dev/null
echo other >other.txt && git add other.txt &&
  git -c user.name=o -c user.email=o@o commit --quiet -m other && git push --quiet origin main
HOOK
chmod +x "${work}/hooks/post-commit"
if GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0="${work}/hooks" \
  "${publish[@]}" "${report}" --repo "file://${work}/moving.git" >"${work}/out4" 2>"${work}/err4"; then
  status=0
else
  status=$?
fi
moved="$(refs "${work}/moving.git")"
check "a push to a remote that moved fails with exit 1" test "${status}" -eq 1
check "the error says the remote moved" grep -q "moved since it was cloned; nothing was pushed" "${work}/err4"
check "the remote keeps only the other writer's commit" \
  test "$(git -C "${work}/moving.git" log --format=%s main)" == "other"

# 5. A push the remote refuses outright leaves it unchanged too.
git init --quiet --bare -b main "${work}/refusing.git"
printf '#!/bin/sh\necho "refused by policy" >&2\nexit 1\n' >"${work}/refusing.git/hooks/pre-receive"
chmod +x "${work}/refusing.git/hooks/pre-receive"
if "${publish[@]}" "${report}" --repo "file://${work}/refusing.git" >"${work}/out5" 2>"${work}/err5"; then
  status=0
else
  status=$?
fi
check "a refused push fails with exit 1 and one clear line" \
  bash -c "test ${status} -eq 1 && grep -q 'the push was rejected; nothing was pushed' '${work}/err5' && test \$(wc -l <'${work}/err5') -eq 1"
check "the refusing remote is unchanged" test -z "$(refs "${work}/refusing.git")"

# 6. --to DIR still copies the verified package.
"${publish[@]}" "${report}" --to "${work}/releases" >"${work}/out6" 2>"${work}/err6"
check "--to copies the package" cmp -s "${root}/pipelines/demo_package.tar.gz" "${work}/releases/demo_package.tar.gz"
check "--to leaves no staging" test -z "$(ls -A "${work}/releases" | grep -v '^demo_package.tar.gz$')"

# 7. The token is nowhere: not in any output, the remotes or the clone.
check "HF_TOKEN appears in no output, repository or clone" \
  bash -c "! grep -rqa '${HF_TOKEN}' '${work}'/out* '${work}'/err* '${work}/remote.git' '${work}/clone' '${work}/moving.git'"

# 8. An MMS release: every language's adapter file travels as an LFS
# object beside model.safetensors, and the card lists the languages.
mms_package="${work}/mms_package"
mkdir "${mms_package}"
tar -xzf "${root}/pipelines/mms_adapter_demo_package.tar.gz" -C "${mms_package}"
git init --quiet --bare -b main "${work}/mms.git"
mms_report="${root}/pipelines/mms_adapter_demo_parity.json"
"${root}/pipelines/publish.sh" "${root}/pipelines/parity_gate" \
  "${root}/pipelines/mms_adapter_demo_package.tar.gz" "${mms_report}" \
  "${mms_report%.json}.md" --repo "file://${work}/mms.git" >"${work}/out8" 2>"${work}/err8"
git clone --quiet "file://${work}/mms.git" "${work}/mms_clone"
adapters_in_lfs() {
  local lang lfs_files
  # Read whole: grep -q under pipefail could cut git's output short.
  lfs_files="$(git -C "${work}/mms_clone" lfs ls-files)"
  for lang in eng fra yor; do
    cmp -s "${mms_package}/mms_adapter_demo/adapter.${lang}.safetensors" \
      "${work}/mms_clone/adapter.${lang}.safetensors" || return 1
    grep -q " adapter.${lang}.safetensors$" <<<"${lfs_files}" || return 1
  done
}
check "every adapter file is published as an LFS object, byte for byte" adapters_in_lfs
check "the model card lists the languages with their parity" \
  bash -c "grep -q '^| fra | \`adapter.fra.safetensors\` | ' '${work}/mms_clone/README.md'"

echo "$((checks - failures)) passed, ${failures} failed"
((failures == 0))
