# Sourced by the tests that drive Bazel (and //bench:incremental): copies
# this workspace's sources (by default found through the runfiles link of
# WORKSPACE) into a scratch folder.
scratch_source_root() {
  dirname "$(readlink -f "${TEST_SRCDIR}/fairport/WORKSPACE")"
}

copy_workspace() {  # copy_workspace DEST [SOURCE_ROOT]
  local source_root="${2:-$(scratch_source_root)}"
  mkdir -p "$1"
  (cd "${source_root}" && tar --exclude='./bazel-*' --exclude='./.git' -cf - .) | tar -xf - -C "$1"
  rm -f "$1/user.bazelrc"
}
