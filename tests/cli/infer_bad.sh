# infer_bad.sh - dh-infer on bad inputs: a corrupt, empty, missing or
# foreign image stops the run with one line naming it (exit 1, no output
# file); --skip-bad leaves it out, names it, and goes on (exit 0); a model
# whose input does not fit is named in one line.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "dh-infer on bad inputs" "no numpy"
	finish
fi
dh-onnx new lenet --input 1x28x28 --classes 3 -o m.onnx
"$PYTHON3" -c '
import numpy as np
np.save("a.npy", (np.arange(30 * 30) % 256).astype(np.uint8).reshape(30, 30))
np.save("wrong.npy", np.zeros((2, 3, 28, 28), np.float32))'
dh-image convert a.npy good.png
dh-image convert a.npy good2.png
head -c 100 good.png >truncated.png
awk 'BEGIN { srand(3); for (i = 0; i < 500; i++) printf "%c", int(rand() * 256) }' </dev/null >random.png
: >empty.png
mkdir folder.png

for f in truncated.png random.png empty.png missing.png folder.png; do
	run dh-infer m.onnx good.png "$f" good2.png -f csv -o out.csv
	expect_rc "$f stops the run: exit 1" 1
	expect_err "$f: one line naming it" "^dh-infer: .*$f"
	[ -e out.csv ] && not_ok "$f leaves no output file" "out.csv exists" || ok "$f leaves no output file"
done

run dh-infer m.onnx good.png truncated.png random.png good2.png empty.png -f csv --skip-bad -o out.csv
expect_rc "--skip-bad: exit 0" 0
if [ "$(grep -c 'warning: skipped [^0-9]' "$err_file")" -eq 3 ] && grep -q "skipped truncated.png" "$err_file" &&
	grep -q "skipped random.png" "$err_file" && grep -q "skipped.*empty.png" "$err_file" &&
	grep -q "skipped 3 inputs that could not be read" "$err_file"; then
	ok "--skip-bad names each skipped file and counts them"
else
	not_ok "--skip-bad reports" "$(cat "$err_file")"
fi
if [ "$(cut -d, -f1,2 out.csv | tr '\n' ' ')" = "id,path 0,good.png 3,good2.png " ]; then
	ok "--skip-bad: rows for the good images, with their argument positions"
else
	not_ok "--skip-bad rows" "$(cat out.csv)"
fi

# a model whose input is not an image
dh-onnx new lstm --input 8x4 --classes 3 -o seq.onnx
run dh-infer seq.onnx good.png
expect_rc "a sequence model on an image: exit 1" 1
expect_err "its input shape is named" "^dh-infer: seq.onnx: the model's input 'input' is \[N, 8, 4\]; image inputs need \[N, C, H, W\]"
# channels that cannot be converted
dh-onnx new lenet --input 2x28x28 --classes 3 -o two.onnx
run dh-infer two.onnx good.png
expect_rc "a gray image for a two-channel model: exit 1" 1
expect_err "the image and both channel counts are named" "^dh-infer: good.png: has 1 channel \(uint8\); the model takes 2$"
# a stream of the wrong shape
rm -f out.csv
run dh-infer m.onnx wrong.npy -f csv -o out.csv
expect_rc "a stream of the wrong shape: exit 1" 1
expect_err "both shapes are named" "^dh-infer: wrong.npy: samples of shape \[2, 3, 28, 28\] do not fit the model's input 'input' \[N, 1, 28, 28\]$"
[ -e out.csv ] && not_ok "no output after a shape error" "out.csv exists" || ok "no output after a shape error"

# usage errors
run dh-infer m.onnx good.png wrong.npy
expect_rc "a stream among images is a usage error" 2
run dh-infer m.onnx --split test good.png
expect_rc "--split without a dataset is a usage error" 2
run dh-infer m.onnx good.png --json
expect_rc "--json without --evaluate or --latency is a usage error" 2
run dh-infer m.onnx good.png --softmax
expect_rc "--softmax without csv or jsonl is a usage error" 2
run dh-infer m.onnx good.png --mean 1,2
expect_rc "--mean with the wrong count is a usage error" 2
run dh-infer m.onnx good.png --latency --format csv
expect_rc "--latency with --format is a usage error" 2

# a dataset with a corrupt sample
printf 'name: t\nclasses: [a, b, c]\nimages:\n  - location: good.png\n    label: a\n  - location: truncated.png\n    label: b\n  - location: good2.png\n    label: c\n' >d.yml
run dh-infer m.onnx d.yml -f csv -o out.csv
expect_rc "a DDF with a corrupt image: exit 1" 1
expect_err "the sample and the file are named" "^dh-infer: d.yml:[0-9]+:[0-9]+: .*truncated.png"
run dh-infer m.onnx d.yml --interpolation area
expect_rc "--interpolation with a dataset is a usage error" 2
run dh-infer m.onnx d.yml -f csv --skip-bad -o out.csv
expect_rc "a DDF with --skip-bad: exit 0" 0
if grep -q "skipped sample 1: .*truncated.png" "$err_file" && [ "$(cut -d, -f1,4 out.csv | tr '\n' ' ')" = "id,target 0,a 2,c " ]; then
	ok "DDF --skip-bad names the sample and keeps the others with their labels"
else
	not_ok "DDF --skip-bad" "$(cat "$err_file" out.csv)"
fi
finish
