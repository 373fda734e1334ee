# Sourced by the tests that drive Bazel (and //bench:incremental): copies
# this workspace's sources (by default found through the runfiles link of
# WORKSPACE) into a scratch folder.
# The PATH of a Debian login shell. Bazel runs tests with PATH=/bin:/usr/bin,
# under which a scratch build's autodetected C++ toolchain would name
# /bin/gcc where a build started from a shell names /usr/bin/gcc: other
# command lines, other action keys, and not one hit in the disk cache the
# suite's own build filled.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

scratch_source_root() {
  dirname "$(readlink -f "${TEST_SRCDIR}/fairport/WORKSPACE")"
}

copy_workspace() {  # copy_workspace DEST [SOURCE_ROOT]
  local source_root="${2:-$(scratch_source_root)}"
  mkdir -p "$1"
  (cd "${source_root}" && tar --exclude='./bazel-*' --exclude='./.git' -cf - .) | tar -xf - -C "$1"
  rm -f "$1/user.bazelrc"
}
