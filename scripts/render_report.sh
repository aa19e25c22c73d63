#!/usr/bin/env bash
# Render a demo sample's HTML report in headless Chromium to docs/report.png:
# the real-browser check of `cfspot call`'s report (issue 6).
#
#   scripts/render_report.sh [OUT_PNG]        (default docs/report.png)
#
# Needs: cargo, and chromium (Debian/Ubuntu: apt-get install -y chromium).
# Env: CFSPOT (a built cfspot binary; default: cargo build --release),
#      CHROMIUM (browser binary; default: chromium, chromium-browser or
#      google-chrome on PATH), KEEP=1 to keep the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
out_png=${1:-docs/report.png}

if [[ -z "${CFSPOT:-}" ]]; then
  cargo build --release --quiet
  CFSPOT="${CARGO_TARGET_DIR:-target}/release/cfspot"
fi
browser=${CHROMIUM:-}
if [[ -z "$browser" ]]; then
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null; then browser=$b; break; fi
  done
fi
[[ -n "$browser" ]] || { echo "render_report.sh: no chromium found (apt-get install -y chromium)" >&2; exit 1; }

work=$(mktemp -d)
profile=$(mktemp -d)
cleanup() { rm -rf "$profile"; [[ "${KEEP:-0}" == 1 ]] && echo "kept $work" >&2 || rm -rf "$work"; }
trap cleanup EXIT

# A demo sample: 2 % tumour fraction, three clonal hotspot mutations.
# Seeded: the same picture every time.
"$CFSPOT" simulate -o "$work" -n demo --seed 7 -t 0.02 -d 3000 \
  -m KRAS_G12D,EGFR_L858R,TP53_R175H >/dev/null 2>&1
"$CFSPOT" call -o "$work/demo" "$work/demo.bam" 2>/dev/null

# --disable-* flags: no network, no first-run or update traffic.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" \
  --window-size=1200,2200 --screenshot="$work/report.png" \
  "file://$work/demo.report.html" >/dev/null 2>&1

mkdir -p "$(dirname "$out_png")"
# Shrink the PNG when a quantiser is at hand (keeps the repository small).
if command -v pngquant >/dev/null; then
  pngquant --force --quality 70-95 --output "$out_png" "$work/report.png"
else
  cp "$work/report.png" "$out_png"
fi
echo "render_report.sh: wrote $out_png ($(wc -c <"$out_png") bytes)" >&2
