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

TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: $TIME is missing (Debian: time)" >&2; exit 2; }
# "wall cpu" seconds of the fastest (by wall time) of $repeat runs
best() {
	b=""
	r=0
	while [ "$r" -lt "$repeat" ]; do
		"$TIME" -f '%e %U %S' -o "$tmp/time" "$@" >/dev/null || return 1
		b=$(awk -v b="${b:-1e9 0}" '{ split(b, o, " "); c = $2 + $3
			if ($1 < o[1]) print $1, c; else print b }' "$tmp/time")
		r=$((r + 1))
	done
	echo "$b"
}

printf 'decode: importing Fashion-MNIST (70000 PNGs)... '
t=$(repeat=1 best "$ds" -q import idx --images "$idx/train-images-idx3-ubyte.gz" \
	--labels "$idx/train-labels-idx1-ubyte.gz" \
	--test-images "$idx/t10k-images-idx3-ubyte.gz" \
	--test-labels "$idx/t10k-labels-idx1-ubyte.gz" -o "$tmp/fm") || exit 1
echo "$t" | awk '{ printf "%.1f s wall, %.1f s CPU (%.0f images/s written)\n", $1, $2, 70000 / $1 }'
"$ds" -q pack "$tmp/fm/dataset.yml" -o "$tmp/packed" || exit 1

n=60000
printf '%-28s %8s %9s %9s %10s %12s\n' "source" "threads" "wall s" "CPU s" "images/s" "CPU us/image"
for src in png packed; do
	in=$tmp/fm/dataset.yml
	[ "$src" = packed ] && in=$tmp/packed
	for j in $threads; do
		t=$(best "$ds" -q -j "$j" stream "$in" --split training --batch 64) || exit 1
		echo "$t" | awk -v n=$n -v s="$src (training split)" -v j="$j" \
			'{ printf "%-28s %8s %9.3f %9.3f %10.0f %12.1f\n", s, j, $1, $2, n / $1, 1e6 * $2 / n }'
	done
done
echo "training consumes about 1500 samples/s (LeNet, 2 threads): the loader"
echo "keeps up when its images/s is well above that; CPU us/image is what it"
echo "takes from training's cores (wall times are noisy on a shared machine)"
