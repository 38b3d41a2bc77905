# fuzz-corpus.sh - replay the fuzz corpora (and any inputs that once broke a
# parser) through the tools: every file gets exit 0, 1 or 2 and at most one
# line of error, never a crash or a sanitizer report.
. "$DH_SRCDIR/tests/lib.sh"

corpus=$DH_SRCDIR/tests/fuzz/corpus
replay() { # corpus-name, max stderr lines (0: any, each naming the file), command...
	name=$1 max=$2
	shift 2
	n=0 bad=""
	for f in "$corpus/$name"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		cp "$f" "input.$name"
		run "$@" "input.$name"
		lines=$(wc -l <"$err_file")
		lim=$max
		if [ "$lim" -eq 0 ]; then
			# one line per problem, each naming the tool and the file
			grep -vq "^$1: input.$name: " "$err_file" && lines=999
			lim=998
		fi
		if [ "$rc" -gt 2 ] || [ "$lines" -gt "$lim" ]; then
			bad="$bad $(basename "$f")(exit $rc, $lines lines)"
		fi
	done
	[ -z "$bad" ] && ok "$name corpus: $n files handled cleanly by $1" ||
		not_ok "$name corpus handled cleanly by $1" "broken:$bad"
}
replay stream 1 dh-image info
replay yaml 1 dh-dataset check
replay ddf 1 dh-dataset stats
replay onnx_probe 1 dh-onnx info
replay onnx 0 dh-onnx check
replay augment 1 dh-augment --check -f
replay spec 1 dh-onnx new -o spec-out.onnx --spec
dh-onnx new mlp --input 1x2x2 --classes 2 --depth 1 --width 3 -o tiny.onnx
replay weights 1 dh-onnx weights import tiny.onnx -o weights-out.onnx
finish
