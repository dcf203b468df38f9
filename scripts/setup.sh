#!/usr/bin/env bash
# Installs the system packages Gait builds and tests against, when they are missing.
set -euo pipefail
needed=()
for package in libsqlite3-dev libxml2-dev libxml2-utils pkg-config tmux python3 python3-pip unzip; do
    dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
# python3 and pip may come from elsewhere than Debian (pyenv): accept a working one.
if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    filtered=()
    for package in "${needed[@]}"; do
        case "$package" in python3|python3-pip) ;; *) filtered+=("$package") ;; esac
    done
    needed=("${filtered[@]+"${filtered[@]}"}")
fi
if [ "${#needed[@]}" -gt 0 ]; then
    echo "Installing ${needed[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}"
fi
