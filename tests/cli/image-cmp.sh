# image-cmp.sh - sourced by the image tests after lib.sh: queue comparisons
# of dh-image results with OpenCV and run them in one Python process.
R=$DH_SRCDIR/tests/cli/image_ref.py

# cmp_ref NAME OP IN o.npy TOL ARGS...: queue a comparison of o.npy (dh's result,
# just made) with OpenCV's; all queued cases run in one Python process at
# the end (importing cv2 once)
ncase=0
: >cases.tsv
cmp_ref() {
	c_name=$1 c_op=$2 c_in=$3 c_tol=$5
	shift 5
	if [ "$rc" -ne 0 ]; then
		not_ok "$c_name" "dh-image failed: $(head -c 300 "$err_file")"
		return
	fi
	ncase=$((ncase + 1))
	mv o.npy case$ncase.npy
	line=$(printf '%s\t%s\t%s\t%s\t%s' "$c_name" "$c_op" "$c_in" \
		case$ncase.npy "$c_tol")
	for c_a in "$@"; do
		line=$(printf '%s\t%s' "$line" "$c_a")
	done
	printf '%s\n' "$line" >>cases.tsv
}
run_cases() {
	"$PYTHON3" "$R" --batch cases.tsv >results.tsv 2>batch.err ||
		not_ok "comparisons ran" "$(tail -n 3 batch.err)"
	while IFS='	' read -r c_verdict c_name c_msg; do
		if [ "$c_verdict" = PASS ]; then
			echo "# $c_msg"
			ok "$c_name"
		else
			not_ok "$c_name" "$c_msg"
		fi
	done <results.tsv
	n=$(wc -l <results.tsv)
	[ "$n" -eq "$ncase" ] ||
		not_ok "every comparison reported" "$ncase queued, $n reported"
}

