#!/usr/bin/env bash
# A release's parity test: `parity_gate` (its first argument) reads the
# parity report's fields and passes only when the report says so.
set -euo pipefail
gate="$1"
shift
exec "${gate}" "$@"
