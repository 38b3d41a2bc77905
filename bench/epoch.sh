#!/bin/sh
# epoch.sh - one training epoch on Fashion-MNIST (60000 images), dh-train
# against PyTorch on the same network, optimizer (Adam), batch and thread
# count: seconds per epoch and peak resident memory (bench/README.md).
#
# dh is timed twice: from the DDF of PNGs (dh-dataset import idx; decoded
# by the loader's threads, the real workflow) and from a tensor stream of
# the same pixels (data already decoded, as PyTorch's are in memory).
# PyTorch reads the idx files into memory first; its figure is the epoch.
#
# Environment:
#   BENCH_NETS     networks (default "lenet mlp")
#   BENCH_BATCHES  batch sizes (default "32 100")
#   BENCH_THREADS  thread counts (default "2")
#   IDX            the idx files (default /usr/share/datasets/fashion-mnist)
#   PYTHON3        a Python with torch and numpy (default /usr/bin/python3)
#   DH_BUILDDIR    where tools/ is (default .)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${DH_BUILDDIR:-.}
py=${PYTHON3:-/usr/bin/python3}
idx=${IDX:-/usr/share/datasets/fashion-mnist}
nets=${BENCH_NETS:-lenet mlp}
batches=${BENCH_BATCHES:-32 100}
threads=${BENCH_THREADS:-2}
TIME=/usr/bin/time
for f in "$build/tools/dh-train" "$build/tools/dh-dataset" "$TIME"; do
	[ -x "$f" ] || { echo "bench: $f is missing (build dh first)" >&2; exit 2; }
done
[ -r "$idx/train-images-idx3-ubyte.gz" ] || {
	echo "bench: no Fashion-MNIST idx files in $idx (apt-get install dataset-fashion-mnist)" >&2
	exit 2
}
"$py" -c 'import torch, numpy' 2>/dev/null || {
	echo "bench: $py cannot import torch and numpy" >&2
	exit 2
}
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dh-epoch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
echo "dh:      $("$build/tools/dh-train" --build-info | grep '^openblas')"
echo "PyTorch: $("$py" -c 'import torch; print(torch.__version__)') $("$py" "$here/train_torch.py" --blas-info)"
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); one epoch of 60000 images, Adam"
echo

"$build/tools/dh-dataset" -q import idx --images "$idx/train-images-idx3-ubyte.gz" \
	--labels "$idx/train-labels-idx1-ubyte.gz" -o "$tmp/data" || exit 1
"$build/tools/dh-dataset" -q stream "$tmp/data/dataset.yml" --split training \
	--batch 1000 > "$tmp/train.npy" || exit 1

# dh_epoch NET INPUT BATCH THREADS: "seconds rss_kib" of dh-train's epoch
dh_epoch()
{
	$TIME -f %M -o "$tmp/rss" "$build/tools/dh-train" -q "$tmp/$1.onnx" "$2" \
		-b "$3" -e 1 -j "$4" --optimizer adam -s 1 -o "$tmp/out.onnx" \
		--log "$tmp/log.jsonl" >/dev/null || return 1
	s=$(tail -n 1 "$tmp/log.jsonl" | sed 's/.*"seconds": *\([0-9.e+-]*\).*/\1/')
	echo "$s $(cat "$tmp/rss")"
}

printf '%-6s %5s %3s %9s %9s %9s %8s %8s %8s %9s\n' network batch thr \
	"dh-png s" "dh-npy s" "torch s" png/torch npy/torch "dh MiB" "torch MiB"
for net in $nets; do
	"$build/tools/dh-onnx" -q new "$net" --input 1x28x28 --classes 10 --seed 1 \
		-o "$tmp/$net.onnx" || exit 1
	for b in $batches; do
		for j in $threads; do
			set -- $(dh_epoch "$net" "$tmp/data/dataset.yml" "$b" "$j") || exit 1
			dpng=$1 drss=$2
			set -- $(dh_epoch "$net" "$tmp/train.npy" "$b" "$j") || exit 1
			dnpy=$1
			[ "$2" -gt "$drss" ] && drss=$2
			out=$($TIME -f %M -o "$tmp/rss" "$py" "$here/epoch_torch.py" \
				"$idx" "$net" "$b" "$j") || exit 1
			ts=$(echo "$out" | sed -n 's/^seconds=//p')
			trss=$(cat "$tmp/rss")
			awk -v n="$net" -v b="$b" -v j="$j" -v p="$dpng" -v s="$dnpy" \
				-v t="$ts" -v dr="$drss" -v tr="$trss" 'BEGIN {
				printf "%-6s %5d %3d %9.2f %9.2f %9.2f %8.2f %8.2f %8.0f %9.0f\n",
					n, b, j, p, s, t, p / t, s / t, dr / 1024, tr / 1024 }'
		done
	done
done
