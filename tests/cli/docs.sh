# docs.sh - man pages render cleanly, document every option and command the
# tools have, and their examples run.
. "$DH_SRCDIR/tests/lib.sh"

man=$DH_SRCDIR/man
for t in $DH_TOOLS; do
	page=$man/$t.1
	if [ ! -f "$page" ]; then
		not_ok "$t has a man page" "no $page"
		continue
	fi
	if command -v groff >/dev/null; then
		warn=$(groff -man -ww -z "$page" 2>&1)
		[ -z "$warn" ] && ok "$t.1 renders without warnings" ||
			not_ok "$t.1 renders without warnings" "$warn"
	else
		skip "$t.1 renders without warnings" "groff is not installed"
	fi
	for s in NAME SYNOPSIS DESCRIPTION "COMMON OPTIONS" ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH $s\$" "$page" || not_ok "$t.1 has a $s section" "missing"
	done
	# every option of the tool and of each command is documented
	missing=""
	cmds=$("$t" --completion-helper | sed -n 's/^cmd //p')
	for c in "" $cmds; do
		# shellcheck disable=SC2086
		for o in $("$t" $c --completion-helper | awk '$1 == "opt" && $2 ~ /^--/ { sub(/^--/, "", $2); print $2 }'); do
			esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
			grep -q "\\\\-\\\\-$esc" "$page" || missing="$missing ${c:+$c:}--$o"
		done
		[ -n "$c" ] && ! grep -q "^\.BI\? $c\b\|^\.B $c\b\|^\.BI $c \|^\.B $c " "$page" && missing="$missing command:$c"
	done
	[ -z "$missing" ] && ok "$t.1 documents every option and command" ||
		not_ok "$t.1 documents every option and command" "undocumented:$missing"
done

page=$man/dh-tensor.5
if command -v groff >/dev/null; then
	warn=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$warn" ] && ok "dh-tensor.5 renders without warnings" || not_ok "dh-tensor.5 renders without warnings" "$warn"
fi
if command -v man >/dev/null; then
	run env MANWIDTH=80 man -l "$man/dh-train.1"
	expect_rc "man -l renders dh-train.1" 0
	expect_out "man -l shows dh-train's name line" "dh-train - train a neural network"
fi

# The examples run.  Built commands must succeed; an example of a command
# that is not built yet must say so and exit 2 (never print success).
have_numpy && "$PYTHON3" -c '
import json, numpy as np
np.save("batch.npy", np.zeros((2, 1, 28, 28), np.float32))
for name in ("ex-train.npy", "ex-val.npy"):
    with open(name, "wb") as f:
        np.save(f, np.frombuffer(json.dumps({"dh-stream": 1, "fields": ["input", "target"]}).encode(), np.uint8))
        np.save(f, np.zeros((8, 1, 28, 28), np.float32))
        np.save(f, np.arange(8) % 10)'
dh-onnx new lenet --input 1x28x28 --classes 10 -o real.onnx
# pictures for dh-infer's image example
have_numpy && "$PYTHON3" -c 'import numpy as np; np.save("photo.npy", (np.arange(32 * 40 * 3) % 251).astype(np.uint8).reshape(32, 40, 3))' &&
	dh-image convert photo.npy photo1.png && dh-image convert photo.npy photo2.jpg
# a picture and a mask for dh-image's examples
have_numpy && "$PYTHON3" -c '
import numpy as np
y, x = np.mgrid[0:48, 0:64]
np.save("photo.npy", np.stack([x * 4, y * 5, (x + y) * 2], -1).astype(np.uint8))
np.save("mask.npy", (((x - 30) ** 2 + (y - 20) ** 2 < 150) * 255).astype(np.uint8))' &&
	dh-image convert photo.npy photo.png && dh-image convert mask.npy mask.png
for t in $DH_TOOLS; do
	ex=$(sed -n '/^\.SH EXAMPLES/,/^\.SH/{/^\.nf/,/^\.fi/p}' "$man/$t.1" | sed '/^\.nf$/d;/^\.fi$/d;s/\\-/-/g')
	[ -n "$ex" ] || { not_ok "$t.1 has an example" "none"; continue; }
	# the example's files, made empty-but-plausible where the tool checks them
	cp real.onnx lenet.onnx
	cp real.onnx model.onnx; cp real.onnx trained.onnx
	mkdir -p fashion; printf 'name: x\n' >fashion/dataset.yml; cp fashion/dataset.yml dataset.yml
	[ -f ex-train.npy ] && cp ex-train.npy train.npy && cp ex-val.npy val.npy
	printf 'mirror\n' >aug.txt
	run sh -c "$ex"
	if [ "$rc" -eq 0 ]; then
		ok "$t.1's example runs: $ex"
	elif [ "$rc" -eq 2 ] && grep -q "not built yet" "$err_file"; then
		ok "$t.1's example says honestly that it is not built yet"
	else
		not_ok "$t.1's example runs" "$ex: exit $rc: $(cat "$err_file")"
	fi
done

# the Python examples of dh-tensor(5) run as printed
if have_numpy; then
	sed -n '/^Write a grouped stream/,/^\.fi/p' "$page" | sed '1,/^\.nf/d;/^\.fi/d' >write.py
	sed -n '/^Read any stream/,/^\.fi/p' "$page" | sed '1,/^\.nf/d;/^\.fi/d' >read.py
	printf 'import numpy as np\nbatches = [(np.zeros((2, 1, 28, 28), np.float32), np.arange(2))] * 3\n' >pre.py
	cat pre.py write.py >w.py
	if "$PYTHON3" w.py && "$PYTHON3" read.py <train.npy >read.out && [ "$(wc -l <read.out)" -eq 7 ]; then
		ok "dh-tensor.5's Python examples run"
	else
		not_ok "dh-tensor.5's Python examples run" "$(cat read.out 2>/dev/null)"
	fi
	run dh-image info train.npy
	expect_out "the stream written by the man page example is read by dh" "grouped tensor stream, 6 samples in 3 groups"
fi

grep -q 'make check' "$DH_SRCDIR/README.md" && ok "README gives the test command" ||
	not_ok "README gives the test command" "no 'make check' in README.md"
finish
