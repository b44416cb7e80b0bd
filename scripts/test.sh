#!/usr/bin/env bash
# Builds and runs every test: unit tests, sandbox tests over loopback HTTP, the
# reliability tests (fault injection, SIGKILL and restart) and the end-to-end runs of the
# real binary in tmux.
#
# The three groups run one after another because the reliability tests start many
# processes and the tmux tests wait for screens: side by side on a 2-core machine they
# slow each other past their timeouts. `timeout` stops a hung group, because Swift
# Testing's time limits cannot interrupt a test blocked in synchronous code.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
echo "== unit, sandbox and command-line tests"
timeout 900 swift test --skip-build --skip 'ReliabilityTests|EndToEndTests'
echo "== reliability tests"
timeout 600 swift test --skip-build --filter 'ReliabilityTests'
echo "== end-to-end tests in tmux"
timeout 600 swift test --skip-build --filter 'EndToEndTests'
