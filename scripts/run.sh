#!/usr/bin/env bash
# One command from a fresh clone to a working bot: make a virtualenv, install, answer a sample
# question (building the index on first use), then open the console -- or run on Discord
# when DISCORD_TOKEN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
# Installed once: the packages import and the models check out (else the install finishes what is missing).
python -m index.models --check >/dev/null 2>&1 || bash scripts/install.sh
python -m bot ask "How many GPUs are in the Memphis data center?"
exec python -m bot
