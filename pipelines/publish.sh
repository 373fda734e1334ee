#!/usr/bin/env bash
# `bazel run //pkg:NAME.publish -- --to DIR` or `-- --repo URL [--branch B]
# [--tag T] [--message TEXT]`: publishes a verified release package, and
# only a verified one (the parity gate reads the report's fields).
#
#  --to DIR    copies the .tar.gz into DIR, checks every file's sha256 on
#              arrival; nothing is left half-copied.
#  --repo URL  a git remote (a Hugging Face Hub model repository
#              https://huggingface.co/ORG/NAME, file:///..., or a path):
#              clones the branch without LFS content, replaces its tree with
#              the package's files, routes large files through Git LFS,
#              commits (Fairport's version, the checkpoint sha256 and the
#              parity result in the message) and pushes. Publishing the same
#              package again makes no commit. Credentials come from git's
#              credential helpers or HF_TOKEN in the environment; they are
#              never printed or written anywhere.
set -euo pipefail
gate="$1"
package="$2"
shift 2
report=""
while (($# > 0)) && [[ "$1" != --* ]]; do
  [[ "$1" == *.json ]] && report="$1"
  shift
done

usage() {
  echo "publish: usage: bazel run ...publish -- --to DIR | --repo URL [--branch BRANCH] [--tag TAG] [--message TEXT] ($*)" >&2
  exit 2
}
destination="" repo="" branch="main" tag="" message=""
while (($# > 0)); do
  case "$1" in
    --to | --repo | --branch | --tag | --message)
      (($# >= 2)) || usage "$1 needs a value"
      case "$1" in
        --to) destination="$2" ;;
        --repo) repo="$2" ;;
        --branch) branch="$2" ;;
        --tag) tag="$2" ;;
        --message) message="$2" ;;
      esac
      shift 2 ;;
    --to=*) destination="${1#--to=}"; shift ;;
    --repo=*) repo="${1#--repo=}"; shift ;;
    --branch=*) branch="${1#--branch=}"; shift ;;
    --tag=*) tag="${1#--tag=}"; shift ;;
    --message=*) message="${1#--message=}"; shift ;;
    *) usage "unexpected '$1'" ;;
  esac
done
if [[ -n "${destination}" && -n "${repo}" ]] || [[ -z "${destination}" && -z "${repo}" ]]; then
  usage "give exactly one of --to and --repo"
fi

# Relative paths are the user's, not the runfiles'.
user_path() {
  if [[ "$1" != /* && "$1" != *://* && -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then
    echo "${BUILD_WORKING_DIRECTORY}/$1"
  else
    echo "$1"
  fi
}

# The gate reads the report's fields (fairport.ParityReport).
if ! "${gate}" "${report}" >/dev/null; then
  echo "publish: error: ${package}: parity failed (see ${report%.json}.md); refusing to publish" >&2
  exit 1
fi
name="$(basename "${package}")"

scratch=""
cleanup() { [[ -n "${scratch}" ]] && rm -rf "${scratch}"; return 0; }
trap cleanup EXIT
for signal in INT TERM HUP; do
  # shellcheck disable=SC2064
  trap "cleanup; trap - EXIT; exit $((128 + $(kill -l "${signal}")))" "${signal}"
done

# Unpacks the package and checks every sha256; prints the folder holding
# the release's files.
unpack_verified() {
  mkdir "$1/check"
  tar -xzf "${package}" -C "$1/check"
  local top
  top="$(ls "$1/check")"
  if ! (cd "$1/check/${top}" && sha256sum --check --quiet SHA256SUMS); then
    echo "publish: error: ${package}: a file's sha256 does not match its SHA256SUMS" >&2
    exit 1
  fi
  echo "$1/check/${top}"
}

if [[ -n "${destination}" ]]; then
  destination="$(user_path "${destination}")"
  mkdir -p "${destination}"
  scratch="$(mktemp -d "${destination}/.${name}.partial-XXXXXX")"
  cp "${package}" "${scratch}/${name}"
  unpack_verified "${scratch}" >/dev/null
  mv "${scratch}/${name}" "${destination}/${name}"
  echo "published: ${destination}/${name} ($(sha256sum "${destination}/${name}" | cut -d' ' -f1))"
  exit 0
fi

command -v git >/dev/null || { echo "publish: error: git is not installed (bash tools/setup.sh)" >&2; exit 1; }
git lfs version >/dev/null 2>&1 || { echo "publish: error: git-lfs is not installed (bash tools/setup.sh)" >&2; exit 1; }
[[ "${repo}" == *://* || "${repo}" == *@*:* ]] || repo="$(user_path "${repo}")"
scratch="$(mktemp -d)"
release="$(unpack_verified "${scratch}")"

# HF_TOKEN answers git's credential requests; the helper reads it from the
# environment when git asks, so the token is in no argument, file or log.
git_() {
  local helper=()
  if [[ -n "${HF_TOKEN:-}" ]]; then
    # shellcheck disable=SC2016
    helper=(-c credential.helper= -c 'credential.helper=!f() { test "$1" = get && echo username=hf_user && echo "password=${HF_TOKEN}"; }; f')
  fi
  # Git LFS's filters for this run only (no hooks installed: the LFS
  # objects are pushed explicitly before the branch).
  git -c user.name="${GIT_AUTHOR_NAME:-Fairport}" -c user.email="${GIT_AUTHOR_EMAIL:-fairport@localhost}" \
    -c init.defaultBranch="${branch}" -c advice.detachedHead=false \
    -c filter.lfs.clean='git-lfs clean -- %f' -c filter.lfs.smudge='git-lfs smudge -- %f' \
    -c filter.lfs.process='git-lfs filter-process' -c filter.lfs.required=true \
    "${helper[@]}" "$@"
}

clone="${scratch}/repo"
export GIT_LFS_SKIP_SMUDGE=1 GIT_TERMINAL_PROMPT=0
if git_ ls-remote --exit-code --heads "${repo}" "${branch}" >/dev/null 2>"${scratch}/ls.err"; then
  git_ clone --quiet --single-branch --branch "${branch}" "${repo}" "${clone}"
else
  status=$?
  if ((status != 2)); then
    echo "publish: error: ${repo}: cannot read the repository: $(tail -1 "${scratch}/ls.err")" >&2
    exit 1
  fi
  # No such branch yet: its first commit.
  git_ clone --quiet "${repo}" "${clone}" 2>/dev/null
  git_ -C "${clone}" checkout --quiet --orphan "${branch}"
fi
remote_head="$(git_ -C "${clone}" rev-parse --quiet --verify HEAD || true)"

# The tree becomes the package's files, plus the Hub's .gitattributes.
git_ -C "${clone}" rm -r --quiet --ignore-unmatch -- . >/dev/null
find "${clone}" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
cp -R "${release}/." "${clone}/"
{
  echo "# Written by Fairport as the Hugging Face Hub's default: weights and"
  echo "# every file over 10 MB travel through Git LFS."
  for pattern in '*.7z' '*.arrow' '*.bin' '*.bz2' '*.ckpt' '*.ftz' '*.gz' '*.h5' '*.joblib' \
    '*.lfs.*' '*.mlmodel' '*.model' '*.msgpack' '*.npy' '*.npz' '*.onnx' '*.ot' '*.parquet' \
    '*.pb' '*.pickle' '*.pkl' '*.pt' '*.pth' '*.rar' '*.safetensors' '*.tar.*' '*.tar' \
    '*.tflite' '*.tgz' '*.wasm' '*.xz' '*.zip' '*.zst' '*tfevents*'; do
    echo "${pattern} filter=lfs diff=lfs merge=lfs -text"
  done
  (cd "${clone}" && find . -path ./.git -prune -o -type f -size +10M -print | sed 's|^\./||' | LC_ALL=C sort) |
    while read -r big; do echo "${big// /[[:space:]]} filter=lfs diff=lfs merge=lfs -text"; done
} >"${clone}/.gitattributes"
git_ -C "${clone}" add --all .

version="$(sed -n 's/.*"fairport_version": *"\([^"]*\)".*/\1/p' "${release}/MANIFEST.json")"
checkpoint="$(sed -n 's/.*"checkpoint_sha256": *"\([^"]*\)".*/\1/p' "${release}/MANIFEST.json")"
summary="$("${gate}" "${report}" | sed -n 's/^parity passed: .* (\(.*\))$/\1/p')"
if git_ -C "${clone}" diff --cached --quiet && [[ -n "${remote_head}" ]]; then
  echo "publish: ${repo} ${branch} already holds this package (commit ${remote_head:0:12}); nothing to publish"
  exit 0
fi
subject="${message:-Publish ${release##*/} (Fairport ${version})}"
git_ -C "${clone}" commit --quiet -m "${subject}" \
  -m "Fairport ${version}; checkpoint sha256 ${checkpoint}; parity passed (${summary})"
if [[ -n "${tag}" ]]; then
  git_ -C "${clone}" tag "${tag}"
fi
# LFS objects first (an unreferenced object is harmless if the branch push
# is then rejected), then the branch and tag in one push.
if ! git_ -C "${clone}" lfs push origin HEAD >/dev/null 2>"${scratch}/push.err"; then
  echo "publish: error: ${repo}: uploading the LFS objects failed; nothing was pushed: $(grep -v '^\s*$' "${scratch}/push.err" | tail -1)" >&2
  exit 1
fi
if ! git_ -C "${clone}" push --quiet origin "HEAD:refs/heads/${branch}" ${tag:+"refs/tags/${tag}"} 2>"${scratch}/push.err"; then
  if grep -qE "fetch first|non-fast-forward|stale info" "${scratch}/push.err"; then
    echo "publish: error: ${repo} ${branch} moved since it was cloned; nothing was pushed (publish again)" >&2
  else
    echo "publish: error: ${repo}: the push was rejected; nothing was pushed: $(grep -v '^\s*$' "${scratch}/push.err" | tail -1)" >&2
  fi
  exit 1
fi
echo "published: ${repo} ${branch} $(git_ -C "${clone}" rev-parse --short=12 HEAD)${tag:+ (tag ${tag})}"
