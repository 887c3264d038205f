#!/usr/bin/env bash
# Installs (or updates) ambient on Raspberry Pi OS (Bookworm, 64-bit) as a systemd service running as
# user `ambient`. Run from the repository root: sudo hardware/pi/install.sh
# Safe to run again: the code in /opt/ambient is replaced by the checkout's (never its .venv or .git,
# never a copy nested inside the last one), /opt/ambient/.venv and /var/lib/ambient are kept, and
# only the runtime extras are installed. The paths can be moved for a test (AMBIENT_INSTALL_*).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
target="${AMBIENT_INSTALL_TARGET:-/opt/ambient}"
state="${AMBIENT_INSTALL_STATE:-/var/lib/ambient}"
units="${AMBIENT_INSTALL_UNITS:-/etc/systemd/system}"
etc="${AMBIENT_INSTALL_ETC:-/etc/ambient}"
python="${AMBIENT_INSTALL_PYTHON:-python3}"

apt-get update
# espeak-ng: the Piper voice reads its phonemes from it (without it the device never speaks)
apt-get install -y --no-install-recommends python3-venv libsndfile1 libportaudio2 libopenblas0 espeak-ng

id ambient >/dev/null 2>&1 || useradd --system --home-dir "$state" --shell /usr/sbin/nologin ambient
for group in audio video gpio; do
    if getent group "$group" >/dev/null; then usermod -a -G "$group" ambient; fi
done
mkdir -p "$state" "$target"
chmod 0700 "$state"
chown ambient:ambient "$state"

# the code only, replacing the last install's: the venv (which must stay) is the one thing kept
find "$target" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
tar -C "$repo" --exclude=./.venv --exclude=./.git --exclude='__pycache__' --exclude='*.pyc' \
    --exclude=./.mypy_cache --exclude=./.ruff_cache --exclude=./.pytest_cache -cf - . | tar -C "$target" -xf -
[ -x "$target/.venv/bin/python" ] || "$python" -m venv "$target/.venv"
"$target/.venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
# the device's extras (PortAudio, GPIO), not the developer's (tests, linters, training, peers)
"$target/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$target[pi]"
chown -R root:root "$target"

# models fetched once into the state directory, verified by sha256 (the service reads them there)
sudo -u ambient env AMBIENT_MODELS_DIR="$state/models" "$target/.venv/bin/python" -m ambient models fetch

mkdir -p "$units" "$etc"
chmod 0700 "$etc"   # cloud keys go in $etc/env, mode 0600
cp "$repo/hardware/pi/ambient.service" "$units/ambient.service"
chmod 0644 "$units/ambient.service"
systemctl daemon-reload
systemctl enable ambient
systemctl restart ambient
echo "ambient is running: journalctl -u ambient -f; events in $state/events.jsonl; ambient doctor to check"
