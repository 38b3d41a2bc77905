#!/bin/sh
# infer.sh - inference time of dh against onnxruntime on the same ONNX files
# (ResNet-18 at CIFAR's 3x32x32, LeNet at 1x28x28), batch 64 and 1, 2 and
# 1 threads.  Both sides are timed in process on compute only: the model is
# loaded and planned once, then forward passes on one batch are timed (dh:
# bench/infer_bench; onnxruntime: bench/infer_ort.py with sequential
# execution and intra_op_num_threads).  Printed: the median wall-clock ms
# per batch of each side and dh/ORT (below 1: dh is faster), then the same
# ratio of CPU time per batch, which a machine shared with other work
# disturbs less (at 2 threads it also counts time spent waiting in spins).
#
# Environment:
#   BENCH_NETS     networks (default "lenet resnet18")
#   BENCH_BATCHES  batch sizes (default "64 1")
#   BENCH_THREADS  thread counts (default "2 1")
#   BENCH_SECONDS  timing budget per side and case (default 2)
#   ORT_PYTHON     a Python with onnxruntime and numpy (default python3)
#   DH_BUILDDIR    where tools/ and bench/infer_bench are (default .)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${DH_BUILDDIR:-.}
py=${ORT_PYTHON:-python3}
nets=${BENCH_NETS:-lenet resnet18}
batches=${BENCH_BATCHES:-64 1}
threads=${BENCH_THREADS:-2 1}
secs=${BENCH_SECONDS:-2}
onnx=$build/tools/dh-onnx
bench=$build/bench/infer_bench

for f in "$onnx" "$bench"; do
	[ -x "$f" ] || { echo "bench: $f is missing (make bench/infer_bench)" >&2; exit 2; }
done
if ! "$py" -c 'import onnxruntime, numpy' 2>/dev/null; then
	echo "bench: $py cannot import onnxruntime and numpy" >&2
	exit 2
fi
# the same BLAS settings for both sides; OpenBLAS picks its kernel itself
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dh-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "dh:  $("$onnx" --build-info | grep '^openblas')"
echo "ORT: $("$py" "$here/infer_ort.py" --version) (its own MLAS kernels)"
echo "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)} $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

printf '%-9s %5s %3s %10s %10s %8s %8s\n' network batch thr "dh ms" "ORT ms" dh/ORT "cpu d/O"
for net in $nets; do
	case $net in
	lenet | mlp) shape=1x28x28 ;;
	*) shape=3x32x32 ;;
	esac
	"$onnx" -q new "$net" --input "$shape" --classes 10 --seed 1 \
		-o "$tmp/$net.onnx" || exit 1
	for b in $batches; do
		for t in $threads; do
			# each side alone on the machine; dh with a short OpenMP
			# spin, as its tools set it (lib/cli/tool.c)
			dhl=$(GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000} \
				OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t \
				"$bench" "$tmp/$net.onnx" "$b" "$t" "$secs")
			ortl=$(OMP_NUM_THREADS=$t "$py" "$here/infer_ort.py" \
				"$tmp/$net.onnx" "$b" "$t" "$secs")
			dh=$(echo "$dhl" | awk '{ print $3 }')
			ort=$(echo "$ortl" | awk '{ print $3 }')
			ratio=$(awk -v a="$dh" -v b="$ort" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }')
			cpu=$(awk -v a="$(echo "$dhl" | awk '{ print $5 }')" -v b="$(echo "$ortl" | awk '{ print $5 }')" \
				'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }')
			printf '%-9s %5s %3s %10s %10s %8s %8s\n' "$net" "$b" "$t" "$dh" "$ort" "$ratio" "$cpu"
		done
	done
done
