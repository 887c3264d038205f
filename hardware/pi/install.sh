#!/usr/bin/env bash
# Installs (or updates) ambient on Raspberry Pi OS (Bookworm, 64-bit) as a systemd service running as
# user `ambient`. Run from the repository root: sudo hardware/pi/install.sh
# Safe to run again: it syncs the code into /opt/ambient (never a copy of a .venv, never a nested
# copy), keeps /opt/ambient/.venv and /var/lib/ambient, and installs the runtime extras only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
target=/opt/ambient
state=/var/lib/ambient

apt-get update
# espeak-ng: the Piper voice reads its phonemes from it (without it the device never speaks);
# rsync: the code is synced, not copied over itself
apt-get install -y --no-install-recommends \
    python3-venv libsndfile1 libportaudio2 libopenblas0 espeak-ng rsync

id ambient >/dev/null 2>&1 || useradd --system --home-dir "$state" --shell /usr/sbin/nologin ambient
for group in audio video gpio; do
    getent group "$group" >/dev/null && usermod -a -G "$group" ambient
done
install -d -o ambient -g ambient -m 0700 "$state"
install -d -o root -g root -m 0755 "$target"

# the code only: the checkout's .venv (which points at the checkout), git history and caches stay behind
rsync -a --delete \
    --exclude '/.venv/' --exclude '/.git/' --exclude '__pycache__/' --exclude '*.pyc' \
    --exclude '/.mypy_cache/' --exclude '/.ruff_cache/' --exclude '/.pytest_cache/' \
    "$repo/" "$target/"
[ -x "$target/.venv/bin/python" ] || python3 -m venv "$target/.venv"
"$target/.venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
# the device's extras (PortAudio, GPIO), not the developer's (tests, linters, training, peers)
"$target/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$target[pi]"
chown -R root:root "$target"

# models fetched once into the state directory, verified by sha256 (the service reads them there)
sudo -u ambient env AMBIENT_MODELS_DIR="$state/models" "$target/.venv/bin/python" -m ambient models fetch

install -m 0644 "$repo/hardware/pi/ambient.service" /etc/systemd/system/ambient.service
install -d -m 0700 /etc/ambient   # put cloud keys in /etc/ambient/env, mode 0600
systemctl daemon-reload
systemctl enable ambient
systemctl restart ambient
echo "ambient is running: journalctl -u ambient -f; events in $state/events.jsonl; ambient doctor to check"
