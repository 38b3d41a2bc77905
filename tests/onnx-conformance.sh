#!/bin/sh
# onnx-conformance.sh - `make check-onnx`: the ONNX project's operator
# conformance cases, written out by tests/ref/onnx_node_cases.py from the
# first Python whose onnx package builds them (onnx >= 1.13; pinned by what
# pip installs, see build-aux/install-deps), run through dh.  Prints one line
# per failed case and a summary "N passed, M failed, K unsupported"; exits 1
# when a case dh supports fails.
set -u
: "${DH_BUILDDIR:=.}"
: "${DH_SRCDIR:=.}"
cases=$DH_BUILDDIR/tests/onnx-cases
py=""
for p in "${PYTHON3:-}" python3 /usr/bin/python3; do
	[ -n "$p" ] && command -v "$p" >/dev/null &&
		"$p" -c 'from onnx.backend.test.loader import load_model_tests' 2>/dev/null &&
		{ py=$p; break; }
done
if [ ! -d "$cases" ]; then
	if [ -z "$py" ]; then
		echo "check-onnx: no Python here has onnx >= 1.13 (pip install onnx); skipped"
		exit 0
	fi
	"$py" "$DH_SRCDIR/tests/ref/onnx_node_cases.py" "$cases.tmp" 2>/dev/null &&
		mv "$cases.tmp" "$cases" || { echo "check-onnx: could not write the cases"; exit 1; }
fi
pass=0 fail=0 unsup=0
log=$DH_BUILDDIR/tests/logs/onnx-conformance.log
mkdir -p "$(dirname "$log")"
: >"$log"
for d in "$cases"/*/; do
	name=$(basename "$d")
	msg=$("$DH_BUILDDIR/tests/helpers/dh-test-onnx-case" "$d" 2>&1)
	rc=$?
	echo "$name: $msg" >>"$log"
	case $rc in
	0) pass=$((pass + 1)) ;;
	3) unsup=$((unsup + 1)) ;;
	*) fail=$((fail + 1)); echo "FAIL: $name: $msg" ;;
	esac
done
echo "$pass passed, $fail failed, $unsup unsupported (log: $log)"
[ "$fail" -eq 0 ]
