#!/usr/bin/env bash
# Copies the front-end packages installed from the npm registry (package-lock.json)
# into static/vendor, the only place pages load third-party code from. No CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p static/vendor
cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
cp node_modules/socket.io-client/dist/socket.io.min.js.map static/vendor/
cp node_modules/modern-normalize/modern-normalize.css static/vendor/
# Apache ECharts for the 三率 dashboard's charts (the full build: bar and line charts, SVG renderer).
cp node_modules/echarts/dist/echarts.min.js static/vendor/
