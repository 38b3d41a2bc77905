# lib.sh - helpers for dh's command-line tests (sourced; POSIX sh).
#
# Each script runs in a fresh temporary folder, kept when a case fails.
# Cases print TAP; a failing case says what was expected and what came.
#
#   run CMD ARG...          run it; stdout in $out_file, stderr in $err_file,
#                           exit status in $rc
#   expect_rc NAME WANT     the last run's exit status was WANT
#   expect_err NAME RE      stderr was exactly one line matching RE (grep -E)
#   expect_out NAME RE      stdout matches RE somewhere
#   ok NAME / not_ok NAME WHY / skip NAME WHY
#   finish                  print the plan; clean up; exit status

set -u
: "${DH_BUILDDIR:=$(pwd)}"
: "${DH_SRCDIR:=$DH_BUILDDIR}"
: "${PYTHON3:=/usr/bin/python3}"
: "${DH_TOOLS:=dh-dataset dh-augment dh-train dh-infer dh-onnx dh-prune dh-image}"
PATH=$DH_BUILDDIR/tools:$DH_BUILDDIR/tests/helpers:$PATH
export PATH DH_SRCDIR DH_BUILDDIR PYTHON3
unset DH_NUM_THREADS
# never draw progress bars or colour into logs
LC_ALL=C
export LC_ALL

t_n=0
t_failed=0
t_name=$(basename "$0" .sh)
mkdir -p "$DH_BUILDDIR/tests/tmp"
t_dir=$(mktemp -d "$DH_BUILDDIR/tests/tmp/$t_name.XXXXXX")
cd "$t_dir" || exit 1
out_file=$t_dir/.out
err_file=$t_dir/.err
rc=0

ok() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $1"
}
not_ok() {
	t_n=$((t_n + 1))
	t_failed=$((t_failed + 1))
	echo "#   $2"
	echo "not ok $t_n - $1"
}
skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $1 # SKIP $2"
}

run() {
	"$@" >"$out_file" 2>"$err_file"
	rc=$?
}

expect_rc() {
	if [ "$rc" -eq "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "expected exit status $2, got $rc; stderr: $(head -c 300 "$err_file")"
	fi
}

expect_err() {
	lines=$(wc -l <"$err_file")
	if [ "$lines" -eq 1 ] && grep -Eq -- "$2" "$err_file"; then
		ok "$1"
	else
		not_ok "$1" "expected one stderr line matching /$2/, got $lines line(s): $(head -c 400 "$err_file")"
	fi
}

expect_out() {
	if grep -Eq -- "$2" "$out_file"; then
		ok "$1"
	else
		not_ok "$1" "expected stdout matching /$2/, got: $(head -c 400 "$out_file")"
	fi
}

# Is numpy importable by the Python that the tests use?
have_numpy() {
	"$PYTHON3" -c 'import numpy' 2>/dev/null
}

finish() {
	echo "1..$t_n"
	cd "$DH_BUILDDIR" || exit 1
	if [ "$t_failed" -eq 0 ]; then
		rm -rf "$t_dir"
		exit 0
	fi
	echo "# kept $t_dir"
	exit 1
}

# A Python that imports onnx, onnxruntime and numpy (onnxruntime often lives
# in another Python than $PYTHON3), or "" when there is none.
ort_python() {
	for p in "$PYTHON3" python3; do
		if command -v "$p" >/dev/null && "$p" -c 'import onnx, onnxruntime, numpy' 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
