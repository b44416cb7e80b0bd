#!/usr/bin/env bash
# Builds and runs every test: unit tests, sandbox tests over loopback HTTP and the
# end-to-end runs of the real binary in tmux. `timeout` stops a hung run, because
# Swift Testing's time limits cannot interrupt a test blocked in synchronous code.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
timeout 1500 swift test --skip-build
