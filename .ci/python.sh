#!/usr/bin/env bash
# Makes the Python SDK's test environment: a virtual environment at .venv with pytest and the real peer clients the
# tests drive (datadog's DogStatsd, a FastAPI/Starlette app under uvicorn, a Flask app). `npm run test:python` uses
# .venv/bin/python when it exists. A peer that cannot be installed is skipped by its tests with a clear message.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
apt_python() {
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
}
command -v "$PY" >/dev/null || apt_python || { echo "could not install python3"; exit 1; }
if [ ! -x .venv/bin/python ]; then
  # Debian ships venv (ensurepip) in a package of its own.
  "$PY" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_python && "$PY" -m venv .venv; } \
    || { echo "could not create .venv (python3-venv missing?)"; exit 1; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check pytest || { echo "could not install pytest"; exit 1; }
# Peers: optional, each on its own so one that fails to install does not take the others with it.
for peer in datadog "fastapi uvicorn" flask numpy; do
  .venv/bin/python -m pip install -q --disable-pip-version-check $peer || echo "could not install $peer: its tests will be skipped"
done
