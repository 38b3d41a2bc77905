#!/bin/sh
# run.sh - run dh's tests, each writing TAP; print failures with what was
# expected and what came, and end with one line: "N passed, M failed".
#
# Usage: run.sh TEST...   (C test programs, or .sh scripts)
# Logs go to tests/logs/NAME.log in the build folder.
set -u
builddir=${DH_BUILDDIR:-.}
srcdir=${DH_SRCDIR:-.}
logs=$builddir/tests/logs
mkdir -p "$logs"
pass=0 fail=0 skip=0 broken=""
for t in "$@"; do
	name=$(basename "$t" .sh)
	log=$logs/$name.log
	case $t in
	*.sh) sh "$srcdir/$t" >"$log" 2>&1 ;;
	*) "$builddir/$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^ok .*# *SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	p=$((p - s))
	# a test program that dies or exits non-zero without a failing case is
	# one failure too (a crash, a sanitizer report)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -n 1)
	if [ -n "$plan" ] && [ $((p + s + f)) -lt "$plan" ]; then
		f=$((f + plan - p - s - f))
		echo "not ok - $name ran fewer cases than its plan ($plan)" >>"$log"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		printf 'FAIL: %s (%d failed; log: %s)\n' "$name" "$f" "$log"
		# each failing case with the diagnostics that precede it
		awk '/^(ok|not ok) /{ if (buf != "" && $0 ~ /^not ok/) printf "%s", buf; buf=""; if ($0 ~ /^not ok/) print "  " $0; next }
		     { buf = buf "  " $0 "\n" }
		     END { if (buf ~ /AddressSanitizer|runtime error|Segmentation/) printf "%s", buf }' "$log" | head -n 60
		broken="$broken $name"
	else
		printf 'PASS: %s (%d passed%s)\n' "$name" "$p" \
			"$( [ "$s" -gt 0 ] && printf ', %d skipped' "$s")"
		grep '^ok .*# *SKIP' "$log" | sed 's/^/  /' | head -n 5
	fi
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
