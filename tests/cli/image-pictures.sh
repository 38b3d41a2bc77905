# image-pictures.sh - overlay and montage, checked pixel by pixel against
# the same pictures computed in numpy (with OpenCV's INTER_AREA resize for
# the montage tiles): exact.
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
finish
