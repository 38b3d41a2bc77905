#!/bin/sh
# train.sh - training-step time of dh against PyTorch on the same network,
# optimizer, batch and thread count (bench/README.md).
#
# Environment:
#   BENCH_NETS     networks (default "mlp lenet resnet18 vgg16_bn")
#   BENCH_BATCHES  batch sizes (default "32 100")
#   BENCH_THREADS  thread counts (default "1 2")
#   BENCH_LARGE    "all": ResNet-18 and VGG-16-BN at every batch and thread
#                  count; otherwise (default) at the largest thread count
#                  and smallest batch only
#   BENCH_OPT      adam (default) or sgd
#   DH_BENCH_TMP   where the models and data go (default /dev/shm when
#                  writable, else TMPDIR or /tmp)
#   BENCH_REPEAT   runs of each side; the median counts, and the spread
#                  (max - min) / median of the wall times of both sides is
#                  printed as noise (default 3).  CPU times per step (all
#                  threads, user + system) are printed too: on a loaded
#                  machine the 1-thread CPU times compare better than wall
#                  times
#   PYTHON3        a Python with torch and numpy (default /usr/bin/python3)
#   DH_BUILDDIR    where tools/dh-train is (default .)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${DH_BUILDDIR:-.}
py=${PYTHON3:-/usr/bin/python3}
nets=${BENCH_NETS:-mlp lenet resnet18 vgg16_bn}
batches=${BENCH_BATCHES:-32 100}
threads=${BENCH_THREADS:-1 2}
opt=${BENCH_OPT:-adam}
repeat=${BENCH_REPEAT:-3}
train=$build/tools/dh-train
onnx=$build/tools/dh-onnx
TIME=/usr/bin/time

for f in "$train" "$onnx" "$TIME"; do
	[ -x "$f" ] || { echo "bench: $f is missing (build dh first)" >&2; exit 2; }
done
if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
	echo "bench: $py cannot import torch and numpy" >&2
	exit 2
fi
# the same BLAS settings for every side
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export OPENBLAS_NUM_THREADS=1
# dh-train writes its model and checkpoint after every epoch (hundreds of
# MiB for ResNet-18 and VGG-16-BN); on a disk the kernel's writeback of the
# first epoch's files then takes CPU time from the timed second epoch, so
# the files go to memory (/dev/shm) where there is one
tmpbase=${DH_BENCH_TMP:-${TMPDIR:-/tmp}}
[ -z "${DH_BENCH_TMP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmpbase=/dev/shm
tmp=$(mktemp -d "$tmpbase/dh-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "dh:      $("$train" --build-info | grep '^openblas')"
echo "PyTorch: $("$py" -c 'import torch; print(torch.__version__)') $("$py" "$here/train_torch.py" --blas-info)"
echo "dh sgemm: $("$train" --build-info | sed -n 's/^sgemm: //p')"
echo "OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)} optimizer=$opt $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# OpenBLAS sgemm on this machine (NumPy's OpenBLAS, 1024^3), per thread count
for j in $threads; do
	blas_gf=$(OPENBLAS_NUM_THREADS=$j "$py" "$here/train_torch.py" --sgemm-gflops)
	eval "blas_$j=\$blas_gf"
	echo "OpenBLAS sgemm, $j thread(s): $blas_gf GFLOP/s"
done
echo

# stream N BATCH CxHxW FILE: random inputs and labels in dh's tensor stream
stream()
{
	"$py" - "$@" <<'PY'
import json, sys
import numpy as np
n, shape, path = int(sys.argv[1]), tuple(int(v) for v in sys.argv[2].split("x")), sys.argv[3]
r = np.random.default_rng(0)
with open(path, "wb") as f:
    np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
    for i in range(0, n, 100):
        k = min(100, n - i)
        np.save(f, r.standard_normal((k,) + shape).astype(np.float32))
        np.save(f, r.integers(0, 10, k).astype(np.int64))
PY
}

# min A B: the smaller of two decimals ("" counts as none)
min()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || (b != "" && b + 0 < a + 0)) print b; else print a }'
}

# median V...: the median of decimals; spread V...: (max - min) / median
median()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f", (m > 0 ? 100 * (v[NR] - v[1]) / m : 0) }'
}

printf '%-9s %5s %3s %8s %8s %8s %8s %8s %7s %6s %7s %7s %7s %11s\n' network batch thr \
	"dh ms" "torch ms" dh/torch "dh cpu" "t cpu" "cpu d/t" "dh GF/s" "%blas" "dh MiB" "t MiB" "noise dh/t"
for net in $nets; do
	case $net in
	mlp | lenet) shape=1x28x28 steps=20 large=0 ;;
	*) shape=3x32x32 steps=5 large=1 ;;
	esac
	"$onnx" -q new "$net" --input "$shape" --classes 10 --seed 1 \
		-o "$tmp/$net.onnx" || exit 1
	flops=$("$py" "$here/train_torch.py" --flops "$net" "$shape" 10)
	for b in $batches; do
		for j in $threads; do
			if [ "$large" = 1 ] && [ "${BENCH_LARGE:-}" != all ]; then
				last_b=$(echo $batches | awk '{print $1}')
				last_j=$(echo $threads | awk '{print $NF}')
				[ "$b" = "$last_b" ] && [ "$j" = "$last_j" ] || continue
			fi
			stream $((steps * b)) "$shape" "$tmp/data.npy" || exit 1
			dall="" tall="" dcall="" tcall="" drss="" trss=""
			r=0
			while [ $r -lt "$repeat" ]; do
				r=$((r + 1))
				# one epoch, then two epochs of STEPS steps: the
				# second epoch's wall time, and the difference of
				# the CPU times (user + system, all threads)
				for e in 1 2; do
					$TIME -f "%M %U %S" -o "$tmp/rss$e" "$train" -q \
						"$tmp/$net.onnx" "$tmp/data.npy" -b "$b" \
						-e $e -j "$j" --optimizer "$opt" -s 1 \
						-o "$tmp/out.onnx" --log "$tmp/log.jsonl" \
						>/dev/null || exit 1
				done
				ms=$(tail -n 1 "$tmp/log.jsonl" |
					sed 's/.*"seconds": \([0-9.e+-]*\).*/\1/' |
					awk -v s="$steps" '{ printf "%.2f", 1000 * $1 / s }')
				dall="$dall $ms"
				dcall="$dcall $(cat "$tmp/rss1" "$tmp/rss2" | awk -v s="$steps" '
					NR == 1 { c = $2 + $3 } NR == 2 { printf "%.2f", 1000 * ($2 + $3 - c) / s }')"
				drss=$(min "$drss" "$(cut -d' ' -f1 "$tmp/rss2")")
				# PyTorch at its best: libgomp's default (spinning)
				# and passive wait policies, the faster counts
				tms="" tcpu=""
				for pol in "${OMP_WAIT_POLICY:-default}" passive; do
					if [ "$pol" = default ]; then
						set -- env -u OMP_WAIT_POLICY
					else
						set -- env OMP_WAIT_POLICY=$pol
					fi
					out=$("$@" $TIME -f %M -o "$tmp/rss" \
						"$py" "$here/train_torch.py" "$net" "$shape" \
						10 "$b" "$j" "$steps" "$opt") || exit 1
					w=$(echo "$out" | sed -n 's/.*ms_per_step=\([0-9.]*\) .*/\1/p')
					c=$(echo "$out" | sed -n 's/.*cpu_ms_per_step=\([0-9.]*\).*/\1/p')
					if [ -z "$tms" ] || [ "$(min "$tms" "$w")" = "$w" ]; then
						tms=$w tcpu=$c
					fi
					trss=$(min "$trss" "$(cat "$tmp/rss")")
				done
				tall="$tall $tms"
				tcall="$tcall $tcpu"
			done
			dms=$(median $dall) tms=$(median $tall)
			dcpu=$(median $dcall) tcpu=$(median $tcall)
			dn=$(spread $dall) tn=$(spread $tall)
			eval "bgf=\${blas_$j}"
			awk -v n="$net" -v b="$b" -v j="$j" -v d="$dms" -v t="$tms" \
				-v dc="$dcpu" -v tc="$tcpu" \
				-v f="$flops" -v dr="$drss" -v tr="$trss" -v bg="$bgf" \
				-v dn="$dn" -v tn="$tn" 'BEGIN {
				g = f * b / (d / 1000) / 1e9
				printf "%-9s %5d %3d %8.1f %8.1f %8.2f %8.1f %8.1f %7.2f %6.1f %6.0f%% %7.0f %7.0f %5d%%/%d%%\n",
					n, b, j, d, t, d / t, dc, tc, dc / tc, g,
					100 * g / bg, dr / 1024, tr / 1024, dn, tn }'
		done
	done
done
