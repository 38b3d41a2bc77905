# fuzz-corpus.sh - replay the fuzz corpora (and any inputs that once broke a
# parser) through the tools: every file gets exit 0, 1 or 2 and at most one
# line of error, never a crash or a sanitizer report.
. "$DH_SRCDIR/tests/lib.sh"

corpus=$DH_SRCDIR/tests/fuzz/corpus
replay() { # corpus-name, command...
	name=$1
	shift
	n=0 bad=""
	for f in "$corpus/$name"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		cp "$f" "input.$name"
		run "$@" "input.$name"
		lines=$(wc -l <"$err_file")
		if [ "$rc" -gt 2 ] || [ "$lines" -gt 1 ]; then
			bad="$bad $(basename "$f")(exit $rc, $lines lines)"
		fi
	done
	[ -z "$bad" ] && ok "$name corpus: $n files handled cleanly by $1" ||
		not_ok "$name corpus handled cleanly by $1" "broken:$bad"
}
replay stream dh-image info
replay yaml dh-dataset check
replay onnx_probe dh-onnx info
replay onnx dh-onnx check
finish
