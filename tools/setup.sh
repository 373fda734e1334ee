#!/usr/bin/env bash
# Installs the Debian 12 packages Fairport builds, tests and runs with.
# Idempotent: runs apt-get only for packages that are missing.
set -euo pipefail

readonly PACKAGES=(
  bazel-bootstrap         # Bazel 4.2.3
  bazel-rules-cc
  bazel-rules-java
  g++
  pkg-config              # Abseil's link lines come from pkg-config
  libabsl-dev
  libprotobuf-dev
  protobuf-compiler
  libgtest-dev
  libgmock-dev
  libtorch-dev            # LibTorch 1.13.1, CPU
  libopenblas0-pthread    # LibTorch's matmuls go through libblas.so.3
  libsndfile1-dev         # WAV/FLAC reading
  libsamplerate0-dev      # explicit resampling of non-16 kHz audio
  libssl-dev              # SHA-256 of checkpoints, datasets and packages
  zlib1g-dev              # deflated zip entries
  libisal-dev             # CRC-32 with the CPU's carry-less multiply (ISA-L)
  nlohmann-json3-dev      # JSON (config.json, safetensors headers)
  nginx-light             # the remote-cache test serves a WebDAV cache on loopback
  clang                   # libFuzzer targets
  libclang-rt-14-dev
  git                     # publishing to a Hugging Face Hub (git) repository
  git-lfs                 # ... whose weights travel through Git LFS
)

fail() {
  echo "tools/setup.sh: $*" >&2
  exit 1
}

if [[ ! -r /etc/os-release ]]; then
  fail "cannot read /etc/os-release; Fairport needs Debian 12 (bookworm)"
fi
# shellcheck disable=SC1091
. /etc/os-release
if [[ "${ID:-}" != "debian" || "${VERSION_ID:-}" != "12" ]]; then
  fail "this is ${PRETTY_NAME:-an unknown system}; Fairport needs Debian 12 (bookworm)"
fi

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null || true)
  if [[ "${status}" != "install ok installed" ]]; then
    missing+=("${package}")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "tools/setup.sh: installing ${missing[*]}"
sudo_cmd=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || fail "not root and no sudo: install ${missing[*]} as root"
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "${log}"' EXIT
if ! "${sudo_cmd[@]}" apt-get update -q >"${log}" 2>&1; then
  cat "${log}" >&2
  fail "apt-get update failed: is Debian's package archive reachable?"
fi
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"${log}" 2>&1; then
  cat "${log}" >&2
  fail "apt-get install ${missing[*]} failed"
fi
echo "tools/setup.sh: installed ${#missing[@]} packages"
