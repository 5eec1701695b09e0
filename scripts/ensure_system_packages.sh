#!/usr/bin/env bash
# Makes sure the Debian packages Roundtable needs are present.
#   fonts-noto-cjk       Chinese text in pages and PDFs
#   libharfbuzz-subset0  fast font subsetting in WeasyPrint (without it a 2-page
#                        Chinese PDF takes ~15 s instead of ~0.3 s, with only a warning)
#   chromium             (with --browser) the headless browser the page tests drive
#   poppler-utils        (with --browser) pdftotext, used by the PDF tests
# Installs what is missing when running as root; otherwise says what to install.
set -euo pipefail

packages=(fonts-noto-cjk libharfbuzz-subset0)
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium poppler-utils)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Roundtable needs these system packages (Debian names): ${missing[*]}" >&2
  echo "Install their equivalents with your system's package manager, then run make again." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
