#!/usr/bin/env bash
# Smoke test of a built app folder: the binary starts, renders the main window with a
# bundled template to a PNG and exits; the PNG must be a real, non-trivial image.
# Usage: packaging/smoke_test.sh [APP_DIR]   (default dist/cnn-designer)
# Too slow for CI (the build takes minutes); run by `make dist`.
set -euo pipefail
APP_DIR="${1:-dist/cnn-designer}"
BIN="$APP_DIR/cnn-designer"
CLI="$APP_DIR/cnn-designer-cli"
[ -x "$BIN" ] || { echo "smoke test: no executable at $BIN (build with make dist)" >&2; exit 1; }
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# Headless unless a display is there.
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
TEMPLATE="$(ls "$APP_DIR"/_internal/designer/resources/templates/*.json 2>/dev/null | head -n 1 || true)"
[ -n "$TEMPLATE" ] || { echo "smoke test: the templates are not bundled" >&2; exit 1; }

start=$(date +%s.%N)
timeout 120 "$BIN" --screenshot "$OUT/shot.png" "$TEMPLATE"
end=$(date +%s.%N)
python3 - "$OUT/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert w >= 400 and h >= 300, f"image too small: {w}x{h}"
assert len(data) > 20_000, f"image suspiciously small ({len(data)} bytes): blank window?"
print(f"screenshot {w}x{h}, {len(data):,} bytes")
PY
echo "started, rendered and exited in $(python3 -c "print(round($end - $start, 2))") s"

# The console executable runs the headless sub-commands.
"$CLI" check "$TEMPLATE" > "$OUT/check.txt" || [ $? -eq 1 ]
grep -q "total" "$OUT/check.txt" || { echo "smoke test: check printed no totals" >&2; cat "$OUT/check.txt"; exit 1; }
echo "smoke test passed: $APP_DIR"
