#!/usr/bin/env bash
# Sets up ambient on Raspberry Pi OS (Bookworm, 64-bit) as a systemd service running as user `ambient`.
# Run from the repository root: sudo hardware/pi/install.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
apt-get update
apt-get install -y python3-venv libsndfile1 libportaudio2 libopenblas0 make
id ambient >/dev/null 2>&1 || useradd --system --create-home --groups audio,video,gpio ambient
install -d -o ambient -g ambient /var/lib/ambient
cp -r "$repo" /opt/ambient
chown -R ambient:ambient /opt/ambient
sudo -u ambient make -C /opt/ambient install models
sudo -u ambient /opt/ambient/.venv/bin/pip install --quiet gpiozero
install -m 0644 "$repo/hardware/pi/ambient.service" /etc/systemd/system/ambient.service
systemctl daemon-reload
systemctl enable --now ambient
echo "ambient is running: journalctl -u ambient -f, events in /var/lib/ambient/events.jsonl"
