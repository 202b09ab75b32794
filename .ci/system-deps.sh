#!/usr/bin/env bash
# Debian packages the test suite needs: a browser and CJK font for Playwright tests, LibreOffice to
# render a ledger to PDF and to convert legacy .doc/.wps/.xls/.et plans, Tesseract with its
# simplified-Chinese model to read scanned plans, PostgreSQL/Redis servers (and pg_dump/psql for
# backups), nginx and systemd to check the deployment files (nginx -t, systemd-analyze verify), and
# openssl for the test certificate. Installs only what is missing.
set -euo pipefail
packages=(chromium fonts-wqy-microhei libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils postgresql postgresql-client redis-server tesseract-ocr tesseract-ocr-chi-sim nginx-light systemd openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
