#!/usr/bin/env bash
# `bazel run //pkg:NAME.publish -- --to DIR`: copies a verified release
# package to DIR, checks every file's sha256 on arrival, and refuses a
# package whose parity failed. Nothing is left half-copied.
set -euo pipefail
gate="$1"
package="$2"
shift 2
report=""
while (($# > 0)) && [[ "$1" != --* ]]; do
  [[ "$1" == *.json ]] && report="$1"
  shift
done
destination=""
while (($# > 0)); do
  case "$1" in
    --to) destination="${2:-}"; shift 2 || true ;;
    --to=*) destination="${1#--to=}"; shift ;;
    *) echo "publish: usage: bazel run ...publish -- --to DIR (unexpected '$1')" >&2; exit 2 ;;
  esac
done
if [[ -z "${destination}" ]]; then
  echo "publish: usage: bazel run ...publish -- --to DIR" >&2
  exit 2
fi
if [[ "${destination}" != /* && -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then
  destination="${BUILD_WORKING_DIRECTORY}/${destination}"
fi
# The gate reads the report's fields (fairport.ParityReport).
if ! "${gate}" "${report}" >/dev/null; then
  echo "publish: error: ${package}: parity failed (see ${report%.json}.md); refusing to publish" >&2
  exit 1
fi
mkdir -p "${destination}"
name="$(basename "${package}")"
staging="$(mktemp -d "${destination}/.${name}.partial-XXXXXX")"
trap 'rm -rf "${staging}"' EXIT
for signal in INT TERM HUP; do
  # shellcheck disable=SC2064
  trap "rm -rf '${staging}'; trap - EXIT; exit $((128 + $(kill -l "${signal}")))" "${signal}"
done
cp "${package}" "${staging}/${name}"
mkdir "${staging}/check"
tar -xzf "${staging}/${name}" -C "${staging}/check"
top="$(ls "${staging}/check")"
if ! (cd "${staging}/check/${top}" && sha256sum --check --quiet SHA256SUMS); then
  echo "publish: error: ${package}: a file's sha256 does not match on arrival" >&2
  exit 1
fi
mv "${staging}/${name}" "${destination}/${name}"
echo "published: ${destination}/${name} ($(sha256sum "${destination}/${name}" | cut -d' ' -f1))"
