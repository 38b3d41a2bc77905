#!/bin/sh
# decode.sh - how fast the dataset loader decodes Fashion-MNIST (PNG files,
# and the same samples packed into tar shards) on 1 and 2 threads, against
# what training consumes (a LeNet epoch runs at about 1500 samples/s on 2
# threads: bench/README.md).
#
# The loader's work is timed through `dh-dataset stream` to /dev/null:
# read, decode, normalise into float32 NCHW groups of 64, write the stream.
#
# Environment:
#   BENCH_IDX      the idx files (default /usr/share/datasets/fashion-mnist)
#   BENCH_THREADS  thread counts (default "1 2")
#   BENCH_REPEAT   runs of each; the fastest counts (default 3)
#   DH_BUILDDIR    where tools/dh-dataset is (default .)
set -u
build=${DH_BUILDDIR:-.}
idx=${BENCH_IDX:-/usr/share/datasets/fashion-mnist}
threads=${BENCH_THREADS:-1 2}
repeat=${BENCH_REPEAT:-3}
ds=$build/tools/dh-dataset
[ -x "$ds" ] || { echo "bench: $ds is missing (build dh first)" >&2; exit 2; }
[ -f "$idx/train-images-idx3-ubyte.gz" ] || {
	echo "bench: no Fashion-MNIST in $idx (Debian: dataset-fashion-mnist); decode skipped" >&2
	exit 0
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dh-bench-decode.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s.%N; }
# best wall time of $repeat runs of a command
best() {
	b=""
	r=0
	while [ "$r" -lt "$repeat" ]; do
		t0=$(now)
		"$@" >/dev/null || return 1
		t1=$(now)
		b=$(echo "$t0 $t1 ${b:-1e9}" | awk '{ d = $2 - $1; print (d < $3 ? d : $3) }')
		r=$((r + 1))
	done
	echo "$b"
}

printf 'decode: importing Fashion-MNIST (70000 PNGs)... '
t=$(repeat=1 best "$ds" -q import idx --images "$idx/train-images-idx3-ubyte.gz" \
	--labels "$idx/train-labels-idx1-ubyte.gz" \
	--test-images "$idx/t10k-images-idx3-ubyte.gz" \
	--test-labels "$idx/t10k-labels-idx1-ubyte.gz" -o "$tmp/fm") || exit 1
echo "$t s ($(echo "$t" | awk '{ printf "%.0f", 70000 / $1 }') images/s written)"
"$ds" -q pack "$tmp/fm/dataset.yml" -o "$tmp/packed" || exit 1

n=60000
printf '%-28s %8s %12s %14s\n' "source" "threads" "seconds" "images/s"
for src in png packed; do
	in=$tmp/fm/dataset.yml
	[ "$src" = packed ] && in=$tmp/packed
	for j in $threads; do
		t=$(best "$ds" -q -j "$j" stream "$in" --split training --batch 64) || exit 1
		printf '%-28s %8s %12.3f %14.0f\n' "$src (training split)" "$j" "$t" \
			"$(echo "$t" | awk -v n=$n '{ print n / $1 }')"
	done
done
echo "training consumes about 1500 samples/s (LeNet, 2 threads): the loader"
echo "keeps up when its images/s is well above that, on the threads it is given"
