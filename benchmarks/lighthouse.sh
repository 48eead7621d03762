#!/usr/bin/env bash
# Lighthouse scores of the default theme on the sample site (too slow for every test run; run it by hand
# after a theme change and compare with the figures in docs/theme.md).
#
#   bash benchmarks/lighthouse.sh [PAGE ...]     # default: index.html and the sample explainer
#
# It builds content/ into a temporary folder, serves it on 127.0.0.1 and runs Lighthouse 12 (mobile form
# factor, Debian's /usr/bin/chromium) on each page, then prints one line per page:
#   index.html: performance 100 accessibility 100 best-practices 100 seo 100
# Exit status 1 when a score is under its target: performance 98, the others 100 (LH_MIN_PERF, LH_MIN).
# Env: LIGHTHOUSE (the lighthouse command; default: `lighthouse` on PATH, then
#      benchmarks/node_modules/.bin/lighthouse, installed with
#      `npm install --prefix benchmarks --no-save --ignore-scripts lighthouse@12.2.3`),
#      CHROME_PATH (default /usr/bin/chromium), LH_PRESET=desktop, LH_OUT=DIR to keep the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"

LIGHTHOUSE="${LIGHTHOUSE:-$(command -v lighthouse || echo "$REPO/benchmarks/node_modules/.bin/lighthouse")}"
[ -x "$LIGHTHOUSE" ] || {
  echo "lighthouse not found: npm install --prefix benchmarks --no-save --ignore-scripts lighthouse@12.2.3" >&2
  exit 2
}
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
MIN_PERF="${LH_MIN_PERF:-98}"; MIN="${LH_MIN:-100}"

WORK="$(mktemp -d)"; SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
python3 -m generator build --content content --out "$WORK/site" >/dev/null

if [ $# -gt 0 ]; then PAGES=("$@"); else
  PAGES=(index.html amazon-facial-recognition-moratorium/index.html)
fi

# A loopback server on a free port; it prints the port once it listens.
python3 - "$WORK/site" >"$WORK/port" 2>/dev/null <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
handler.log_message = lambda *args: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_port, flush=True)
server.serve_forever()
PY
SERVER=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
BASE="http://127.0.0.1:$(head -1 "$WORK/port")/"

FLAGS="--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
FLAGS+=" --disable-component-update --disable-sync --disable-dev-shm-usage"
PRESET=(); [ "${LH_PRESET:-mobile}" = "desktop" ] && PRESET=(--preset=desktop)
OUT="${LH_OUT:-$WORK/reports}"; mkdir -p "$OUT"
STATUS=0
for PAGE in "${PAGES[@]}"; do
  NAME="$(echo "${PAGE%.html}" | tr '/' '_')"
  "$LIGHTHOUSE" "$BASE$PAGE" --quiet --output=json --output=html --output-path="$OUT/$NAME" \
    --only-categories=performance,accessibility,best-practices,seo "${PRESET[@]}" \
    --chrome-flags="$FLAGS --user-data-dir=$WORK/profile-$NAME" >"$WORK/$NAME.log" 2>&1 \
    || { echo "$PAGE: lighthouse failed"; tail -5 "$WORK/$NAME.log"; STATUS=1; continue; }
  python3 - "$OUT/$NAME.report.json" "$PAGE" "$MIN_PERF" "$MIN" <<'PY' || STATUS=1
import json, sys
report, page, min_perf, min_other = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
scores, low = [], False
for name, category in report["categories"].items():
    score = round((category["score"] or 0) * 100)
    scores.append(f"{name} {score}")
    if score < (min_perf if name == "performance" else min_other):
        low = True
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                scores.append(f"\n    {ref['id']}: {audit['title']}")
print(f"{page}: " + " ".join(scores))
sys.exit(1 if low else 0)
PY
done
[ -n "${LH_OUT:-}" ] && echo "reports in $OUT"
exit $STATUS
