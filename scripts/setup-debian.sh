#!/usr/bin/env bash
# Installs the Debian packages fps-checkout needs to build and run: the C libraries it
# links (ncursesw, OpenSSL libcrypto, SQLite, libmicrohttpd, libqrencode) and the libraries
# FoundationNetworking and FoundationXML load. With --tests it also installs chromium, for
# the test that loads the sandbox's payment page in a headless browser.
set -euo pipefail
packages=(
  pkg-config
  libncurses-dev
  libssl-dev
  libsqlite3-dev
  libmicrohttpd-dev
  libqrencode-dev
  libcurl4-openssl-dev
  libxml2-dev
  tmux
  ncurses-term
  sqlite3
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium fonts-liberation)
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${packages[@]}"
