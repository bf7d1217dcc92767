#!/usr/bin/env bash
# Prints the path of a usable `temporal` CLI (it includes the dev server) on stdout, building it if needed.
#
#   1. $STRATA_TEMPORAL_BIN, if set (it must exist and be usable);
#   2. `temporal` on PATH, if its version is usable (CLI 1.x, or a source build of server 1.25+);
#   3. ${STRATA_CACHE:-$HOME/.cache/strata}/temporal-v1.5.1/temporal, if present;
#   4. otherwise builds it there from Go modules (pure Go, no cgo; needs `go` and module downloads, once):
#        CGO_ENABLED=0 GOBIN=<that folder> go install github.com/temporalio/cli/cmd/temporal@v1.5.1
#      (v1.6+ have replace directives in go.mod and cannot be `go install`ed.)
#
# Only the path goes to stdout; build progress and problems go to stderr. Typical use:
#   export STRATA_TEMPORAL_BIN="$(workers/setup-temporal.sh)"
set -euo pipefail

VERSION="v1.5.1"
CACHE="${STRATA_CACHE:-$HOME/.cache/strata}"
DIR="$CACHE/temporal-$VERSION"
BIN="$DIR/temporal"

# A usable binary answers `--version` with "temporal version X (Server Y, ...)": X >= 1.0.0, or a source build
# (0.0.0-DEV, what `go install` produces) whose server Y is 1.25 or newer.
usable() {
  local out
  out="$("$1" --version 2>/dev/null)" || return 1
  if [[ "$out" =~ ^temporal\ version\ ([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
    local major="${BASH_REMATCH[1]}"
    if (( major >= 1 )); then return 0; fi
    if [[ "$out" =~ Server\ ([0-9]+)\.([0-9]+) ]]; then
      (( BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= 25) )) && return 0
    fi
  fi
  return 1
}

if [[ -n "${STRATA_TEMPORAL_BIN:-}" ]]; then
  if [[ -x "$STRATA_TEMPORAL_BIN" ]] && usable "$STRATA_TEMPORAL_BIN"; then
    echo "$STRATA_TEMPORAL_BIN"
    exit 0
  fi
  echo "setup-temporal: STRATA_TEMPORAL_BIN=$STRATA_TEMPORAL_BIN is not a usable temporal CLI; unset it or fix the path" >&2
  exit 1
fi

if ON_PATH="$(command -v temporal 2>/dev/null)" && usable "$ON_PATH"; then
  echo "$ON_PATH"
  exit 0
fi

if [[ -x "$BIN" ]] && usable "$BIN"; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup-temporal: no usable temporal CLI on PATH or in $DIR, and no Go toolchain to build one." >&2
  echo "  Install Go (https://go.dev/dl/) and rerun, or install the Temporal CLI and put it on PATH." >&2
  exit 1
fi

echo "setup-temporal: building temporal $VERSION into $DIR (once; takes a few minutes)..." >&2
mkdir -p "$DIR"
if ! CGO_ENABLED=0 GOBIN="$DIR" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2; then
  echo "setup-temporal: go install failed (see above); module downloads need network access or a GOPROXY" >&2
  exit 1
fi
if ! usable "$BIN"; then
  echo "setup-temporal: built $BIN but it does not answer --version as expected" >&2
  exit 1
fi
echo "$BIN"
