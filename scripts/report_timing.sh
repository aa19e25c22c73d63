#!/usr/bin/env bash
# How long a report takes to open in headless Chromium, and a screenshot of
# it (issue 14 item 5: the page at 31 and at 10,000 sites).
#
#   scripts/report_timing.sh REPORT.html [OUT_PNG] [RUNS]   (default 5 runs)
#
# Each run opens the report in an iframe of a small timing page (so the
# report itself carries no script) and prints, as JSON: load_ms, from the
# timing page's start to the iframe's load event plus a forced style and
# layout of the whole report (scrollHeight); painted_ms, after two animation
# frames more (the first paint); and the report's own DOMContentLoaded and
# load times. The last line is the median of each over the runs. With
# OUT_PNG, a 1280 x 4000 screenshot of the report's top is written there.
# Needs chromium (Debian: apt-get install -y chromium).
set -euo pipefail
report=$(realpath "${1:?usage: scripts/report_timing.sh REPORT.html [OUT_PNG] [RUNS]}")
out_png=${2:-}
runs=${3:-5}
browser=${CHROMIUM:-chromium}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/time.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><script>
var t0 = performance.now();
function done(f) {
  var h = f.contentDocument.documentElement.scrollHeight;
  var t1 = performance.now();
  var nav = f.contentWindow.performance.getEntriesByType('navigation')[0];
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    document.getElementById('out').textContent = JSON.stringify({
      load_ms: +(t1 - t0).toFixed(1), painted_ms: +(performance.now() - t0).toFixed(1),
      dcl_ms: +nav.domContentLoadedEventEnd.toFixed(1), onload_ms: +nav.loadEventEnd.toFixed(1),
      height_px: h});
  }); });
}
</script></head><body><pre id="out">pending</pre>
<iframe style="width:1280px;height:4000px" onload="done(this)"></iframe>
<script>document.querySelector('iframe').src = decodeURIComponent(location.hash.slice(1));</script>
</body></html>
HTML
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars)
echo "$(basename "$report"): $(wc -c <"$report") bytes" >&2
for i in $(seq "$runs"); do
  # --allow-file-access-from-files lets the timing page read the report's
  # own timings (two file:// pages are otherwise of different origins).
  "$browser" "${flags[@]}" --allow-file-access-from-files --user-data-dir="$work/profile$i" \
    --virtual-time-budget=60000 --dump-dom "file://$work/time.html#file://$report" 2>/dev/null |
    sed -n 's/.*<pre id="out">\([^<]*\)<.*/\1/p'
done | tee "$work/runs.jsonl"
python3 - "$work/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(json.dumps({"median_of": len(runs), **{k: statistics.median(r[k] for r in runs) for k in runs[0]}}))
PY
if [[ -n "$out_png" ]]; then
  "$browser" "${flags[@]}" --user-data-dir="$work/shot" --window-size=1280,4000 \
    --screenshot="$out_png" "file://$report" >/dev/null 2>&1
  echo "wrote $out_png ($(wc -c <"$out_png") bytes)" >&2
fi
