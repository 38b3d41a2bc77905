# image-noise.sh - noise: statistics of the added noise on a flat image
# (65536 pixels; mean within 0.3, spread within 3%, salt-and-pepper fraction
# within 0.01), the same seed giving the same bytes under 1 and 2 threads,
# another seed giving others.
. "$DH_SRCDIR/tests/lib.sh"
if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
	skip "noise" "$PYTHON3 cannot import numpy"
	finish
fi
"$PYTHON3" -c 'import numpy as np; np.save("flat.npy", np.full((256, 256), 100, np.uint8))'

stat_case() {
	name=$1 kind=$2 amount=$3 want_mean=$4 want_std=$5
	run dh-image noise --amount $amount --seed 7 $kind flat.npy o.npy
	if [ "$rc" -ne 0 ]; then
		not_ok "$name" "$(cat "$err_file")"
		return
	fi
	if msg=$("$PYTHON3" -c '
import sys, numpy as np
a = np.load("o.npy").astype(np.float64)
m, s = a.mean(), a.std()
wm, ws = float(sys.argv[1]), float(sys.argv[2])
print("mean %.3f (want %g), std %.3f (want %g)" % (m, wm, s, ws))
sys.exit(0 if abs(m - wm) <= 0.3 and abs(s - ws) <= 0.03 * ws else 1)' \
		"$want_mean" "$want_std" 2>&1); then
		echo "# $msg"
		ok "$name"
	else
		not_ok "$name" "$msg"
	fi
}
stat_case "gaussian sigma 10" gaussian 10 100 10
stat_case "laplace scale 5 (std 5 sqrt 2)" laplace 5 100 7.0711
stat_case "poisson of 100 (std 10)" poisson 1 100 10
stat_case "poisson, 0.25 counts per unit (std 20)" poisson 0.25 100 20

run dh-image noise --amount 0.1 --seed 3 salt-pepper flat.npy o.npy
if "$PYTHON3" -c '
import sys, numpy as np
a = np.load("o.npy")
f0, f1 = (a == 0).mean(), (a == 255).mean()
print("# pepper %.4f, salt %.4f" % (f0, f1))
sys.exit(0 if abs(f0 - 0.05) < 0.01 and abs(f1 - 0.05) < 0.01 and
         ((a == 0) | (a == 255) | (a == 100)).all() else 1)'; then
	ok "salt-and-pepper 0.1: half black, half white"
else
	not_ok "salt-and-pepper" "fractions off"
fi

run dh-image --threads 1 noise --seed 11 gaussian flat.npy t1.npy
run dh-image --threads 2 noise --seed 11 gaussian flat.npy t2.npy
if cmp -s t1.npy t2.npy; then
	ok "same seed, 1 or 2 threads: the same bytes"
else
	not_ok "thread independence" "t1.npy and t2.npy differ"
fi
run dh-image noise --seed 12 gaussian flat.npy t3.npy
if cmp -s t1.npy t3.npy; then
	not_ok "another seed: other noise" "identical output"
else
	ok "another seed: other noise"
fi
run dh-image noise --amount 2 salt-pepper flat.npy o.npy
expect_rc "salt-pepper fraction above 1: exit 1" 1
finish
