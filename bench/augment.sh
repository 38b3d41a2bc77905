#!/bin/sh
# augment.sh - augmentation throughput of dh against albumentations (or
# torchvision) on one core: rotate +-15 degrees, mirror p=0.5, random crop
# 200x200, gaussian noise (std 0..10 levels), normalise (ImageNet mean and
# std), on 224x224 RGB uint8 images held in memory.  Both sides are timed
# in CPU time of their process (so other work on the machine counts less),
# best of 3 passes.  As in the other benchmarks the ratio is dh/peer in
# time per image: below 1.0 means dh is faster.
#
# Environment:
#   BENCH_AUG_N       images per pass (default 200)
#   BENCH_REPEAT      runs of each side; the fastest counts (default 3)
#   BENCH_PYTHON      a Python with albumentations or torchvision
#                     (default: python3 on PATH)
#   DH_BUILDDIR       where bench/augment_bench and tools/ are (default .)
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${DH_BUILDDIR:-.}
py=${BENCH_PYTHON:-python3}
n=${BENCH_AUG_N:-200}
repeat=${BENCH_REPEAT:-3}
bin=$build/bench/augment_bench
[ -x "$bin" ] || { echo "bench: $bin is missing (make bench/augment_bench)" >&2; exit 2; }
pipe='rotate angle=[-15,15]; mirror p=0.5; random_crop size=(200,200); gaussian_noise std=[0,10]; normalize mean=(0.485,0.456,0.406) std=(0.229,0.224,0.225) divisor=255'
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

best() { # command...: the highest "images/s: X" of $repeat runs
	b=0
	i=0
	while [ "$i" -lt "$repeat" ]; do
		v=$("$@" | sed -n 's/^images\/s: \([0-9.]*\).*/\1/p')
		b=$(awk -v a="$b" -v c="${v:-0}" 'BEGIN { print (c > a) ? c : a }')
		i=$((i + 1))
	done
	echo "$b"
}

echo "augmentation, one core, $n images of 224x224x3 uint8 per pass:"
echo "  $pipe"
dh=$(best "$bin" "$pipe" "$n" 224)
peer_line=$("$py" "$here/augment.py" "$n" 224 2>/dev/null | tail -n 1)
peer_name=$(printf '%s\n' "$peer_line" | sed -n 's/^images\/s: [0-9.]* (\(.*\))$/\1/p')
if [ -z "$peer_name" ]; then
	echo "  dh:   $dh images/s"
	echo "  peer: none ($py has neither albumentations nor torchvision: $peer_line)"
	exit 0
fi
peer=$(best "$py" "$here/augment.py" "$n" 224)
awk -v d="$dh" -v p="$peer" -v name="$peer_name" 'BEGIN {
	printf "  %-44s %9.1f images/s  %7.3f ms/image\n", "dh (lib/augment)", d, 1000 / d
	printf "  %-44s %9.1f images/s  %7.3f ms/image\n", name, p, 1000 / p
	printf "  dh/peer time per image: %.2f (below 1.0: dh is faster)\n", (d > 0) ? p / d : 0 }'
# the tool end to end (stream in and out, CHW <-> HWC), for reference
if [ -x "$build/tools/dh-augment" ] && "$py" -c 'import numpy' 2>/dev/null; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/dh-bench-aug.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT INT TERM
	"$py" -c 'import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(0).integers(0, 256, (int(sys.argv[2]), 3, 224, 224), dtype=np.uint8))' "$tmp/in.npy" "$n"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$build/tools/dh-augment" -j1 -e "$pipe" \
			<"$tmp/in.npy" >"$tmp/out.npy"
		read -r wall user sys <"$tmp/time"
		awk -v w="$wall" -v u="$user" -v s="$sys" -v n="$n" 'BEGIN {
			printf "  dh-augment -j1 on a tensor stream, with I/O: %.1f images/s of CPU time (%.1f by the wall clock)\n",
				n / (u + s), n / w }'
	fi
fi
