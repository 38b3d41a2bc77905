# image-pictures.sh - overlay and montage, checked pixel by pixel against
# the same pictures computed in numpy (with OpenCV's INTER_AREA resize for
# the montage tiles): exact.  Contours as point lists against
# cv2.findContours (RETR_EXTERNAL, CHAIN_APPROX_NONE and _SIMPLE) on simple
# shapes and random blobs: the same contours, the same points in the same
# order (tolerance 0 pixels); overlays of contours and bounding boxes
# against cv2.drawContours and cv2.rectangle: exact.
. "$DH_SRCDIR/tests/lib.sh"
if ! "$PYTHON3" -c 'import cv2, numpy' 2>/dev/null; then
	skip "pictures" "$PYTHON3 cannot import cv2 and numpy"
	finish
fi
"$PYTHON3" - <<'PY'
import cv2, numpy as np
rs = np.random.RandomState(2)
g = rs.randint(0, 256, (40, 50)).astype(np.uint8)
c = rs.randint(0, 256, (30, 70, 3)).astype(np.uint8)
m = np.zeros((40, 50), np.uint8)
m[5:20, 10:30] = 255
m[30:33, 40:41] = 7
cv2.imwrite("g.png", g)
cv2.imwrite("c.png", c)
cv2.imwrite("m.png", m)
PY
run dh-image overlay --color 0,200,100 --alpha 0.25 g.png m.png o.npy
expect_rc "overlay runs" 0
if "$PYTHON3" -c '
import sys, numpy as np, cv2
g = cv2.imread("g.png", 0).astype(np.float64)
m = cv2.imread("m.png", 0) != 0
col = np.array([0, 200, 100], np.float64)
want = np.repeat(g[:, :, None], 3, axis=2)
pad = np.pad(m, 1, constant_values=False)
inner = pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:]
inner[0, :] = inner[-1, :] = False
inner[:, 0] = inner[:, -1] = False
edge = m & ~inner
blend = m & inner
want[blend] = np.rint(want[blend] * 0.75 + col * 0.25)
want[edge] = col
dh = np.load("o.npy")
d = np.abs(dh.astype(np.float64) - want).max()
print("# max diff %g" % d)
sys.exit(0 if d == 0 else 1)'; then
	ok "overlay: outline in colour, inside blended"
else
	not_ok "overlay" "pixels differ from the numpy picture"
fi
run dh-image overlay g.png c.png o.npy
expect_err "overlay with a mask of another size: one line" "the mask must be one channel"

run dh-image montage --cols 2 g.png c.png g.png o.npy
expect_rc "montage runs" 0
if "$PYTHON3" -c '
import sys, numpy as np, cv2
g = cv2.cvtColor(cv2.imread("g.png", 0), cv2.COLOR_GRAY2RGB)
c = cv2.cvtColor(cv2.imread("c.png"), cv2.COLOR_BGR2RGB)
c = cv2.resize(c, (50, 40), interpolation=cv2.INTER_AREA)
want = np.zeros((80, 100, 3), np.uint8)
want[:40, :50] = g
want[:40, 50:] = c
want[40:, :50] = g
dh = np.load("o.npy")
d = np.abs(dh.astype(int) - want.astype(int)).max() if dh.shape == want.shape else -1
print("# max diff %d" % d)
sys.exit(0 if d == 0 else 1)'; then
	ok "montage: tiles in a 2-column grid, resized with area"
else
	not_ok "montage" "pixels differ from the numpy picture"
fi

# --- contours as points -----------------------------------------------------
"$PYTHON3" - <<'PY'
import cv2, numpy as np
shapes = {}
m = np.zeros((40, 60), np.uint8); m[5:15, 8:30] = 255; shapes["rect"] = m
m = np.zeros((50, 50), np.uint8); cv2.circle(m, (24, 25), 17, 255, -1); shapes["disc"] = m
m = np.zeros((30, 30), np.uint8); m[3:25, 3:8] = 1; m[20:25, 3:20] = 1; shapes["ell"] = m
m = np.zeros((40, 40), np.uint8); cv2.circle(m, (20, 20), 15, 9, 4)
m[18:22, 18:22] = 9; shapes["ring_and_island"] = m  # the island is in a hole
m = np.zeros((20, 20), np.uint8); m[4, 7] = 1; m[10, 0:20] = 1
for i in range(12): m[i + 5, i + 3] = 1
shapes["pixel_lines"] = m
m = np.zeros((30, 40), np.uint8); m[0:10, 0:12] = 1; m[20:30, 30:40] = 1; m[0:30, 38] = 1
shapes["edges"] = m
rs = np.random.RandomState(4)
b = cv2.GaussianBlur(rs.rand(80, 90).astype(np.float32), (0, 0), 3)
shapes["blobs"] = (b > np.median(b)).astype(np.uint8) * 200
for k, v in shapes.items():
    cv2.imwrite("shape_%s.png" % k, v)
PY
CCHECK='
import sys, json, numpy as np, cv2
img = cv2.imread(sys.argv[1], 0)
method = cv2.CHAIN_APPROX_SIMPLE if sys.argv[3] == "simple" else cv2.CHAIN_APPROX_NONE
cs, _ = cv2.findContours((img != 0).astype(np.uint8), cv2.RETR_EXTERNAL, method)
ref = {tuple(c[0, 0]): [tuple(p) for p in c[:, 0]] for c in cs}
dh = json.load(open(sys.argv[2]))
got = {tuple(c[0]): [tuple(p) for p in c] for c in dh["contours"]}
if dh["count"] != len(cs) or set(ref) != set(got):
    sys.exit("OpenCV %d contours starting at %s, dh %d at %s" % (
        len(cs), sorted(ref)[:4], dh["count"], sorted(got)[:4]))
for k in ref:
    if ref[k] != got[k]:
        sys.exit("contour at %s: OpenCV %d points %s..., dh %d points %s..." % (
            k, len(ref[k]), ref[k][:6], len(got[k]), got[k][:6]))
print("%d contours, %d points, all equal" % (len(cs), sum(len(v) for v in ref.values())))
'
for sh in rect disc ell ring_and_island pixel_lines edges blobs; do
	for m in none simple; do
		opt=
		[ $m = simple ] && opt=--simple
		run dh-image contours --json $opt shape_$sh.png o.png
		cp "$out_file" c.json
		if [ "$rc" -ne 0 ]; then
			not_ok "contours $sh ($m)" "$(cat "$err_file")"
		elif msg=$("$PYTHON3" -c "$CCHECK" shape_$sh.png c.json $m 2>&1); then
			echo "# $msg"
			ok "contours of $sh as cv2.findContours ($m): same points"
		else
			not_ok "contours of $sh ($m)" "$msg"
		fi
	done
done

# overlays: contours and boxes over a picture
run dh-image overlay --draw contours,boxes --color 0,255,0 g.png m.png o.npy
expect_rc "overlay --draw contours,boxes runs" 0
if msg=$("$PYTHON3" -c '
import sys, numpy as np, cv2
g = cv2.cvtColor(cv2.imread("g.png", 0), cv2.COLOR_GRAY2RGB)
m = (cv2.imread("m.png", 0) != 0).astype(np.uint8)
cs, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
want = cv2.drawContours(g.copy(), cs, -1, (0, 255, 0), 1)
n, lab, st, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
for x, y, w, h, _ in st[1:]:
    cv2.rectangle(want, (int(x), int(y)), (int(x + w - 1), int(y + h - 1)), (0, 255, 0), 1)
dh = np.load("o.npy")
d = np.abs(dh.astype(int) - want.astype(int)).max()
print("max diff %d" % d)
sys.exit(0 if d == 0 else 1)' 2>&1); then
	echo "# $msg"
	ok "overlay contours and boxes = cv2.drawContours + cv2.rectangle"
else
	not_ok "overlay contours and boxes" "$msg"
fi
# a label map: each label its own colour; contours per label
"$PYTHON3" -c '
import numpy as np, cv2
lab = np.zeros((40, 50), np.uint8)
lab[3:15, 4:20] = 1
lab[20:35, 10:40] = 2
lab[5:12, 30:45] = 1
cv2.imwrite("lab.png", lab)'
run dh-image overlay --labels --draw contours g.png lab.png o.npy
if [ "$rc" -eq 0 ] && msg=$("$PYTHON3" -c '
import sys, numpy as np, cv2
g = cv2.cvtColor(cv2.imread("g.png", 0), cv2.COLOR_GRAY2RGB)
lab = cv2.imread("lab.png", 0)
want = g.copy()
for v, col in ((1, (31, 119, 180)), (2, (255, 127, 14))):
    cs, _ = cv2.findContours((lab == v).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(want, cs, -1, col, 1)
d = np.abs(np.load("o.npy").astype(int) - want.astype(int)).max()
print("max diff %d" % d)
sys.exit(0 if d == 0 else 1)' 2>&1); then
	echo "# $msg"
	ok "overlay --labels: contours of each label in its palette colour"
else
	not_ok "overlay --labels" "rc $rc $(cat "$err_file") $msg"
fi
run dh-image overlay --draw fill,sparkles g.png m.png o.npy
expect_rc "overlay --draw with an unknown layer: usage" 2
finish
