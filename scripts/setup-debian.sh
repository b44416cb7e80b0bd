#!/usr/bin/env bash
# Installs the Debian packages fps-checkout needs to build and test: the C libraries it
# links (ncursesw, OpenSSL libcrypto, SQLite, libmicrohttpd, libqrencode), the libraries
# FoundationNetworking and FoundationXML load, and tmux for the end-to-end tests.
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
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${packages[@]}"
