# bad-input.sh - every tool, given a missing file, a directory, an empty file
# or random bytes: one clear line on stderr, exit 1, no output file left.
. "$DH_SRCDIR/tests/lib.sh"

# 4 KiB of fixed pseudo-random bytes (the same on every run)
awk 'BEGIN { srand(7); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 256) }' </dev/null >random.bin
mkdir folder
: >empty

# tool [command] and the kind of file its first argument is
cases="dh-train:onnx
dh-infer:onnx
dh-prune:onnx
dh-augment:image
dh-onnx info:onnx
dh-onnx check:onnx
dh-onnx diff:onnx
dh-onnx weights export:onnx
dh-dataset split:yml
dh-dataset check:yml
dh-dataset stats:yml
dh-dataset stream:yml
dh-dataset pack:yml
dh-image info:image"

IFS='
'
for c in $cases; do
	IFS=' '
	cmd=${c%:*}
	kind=${c##*:}
	# shellcheck disable=SC2086
	set -- $cmd
	for f in missing.$kind folder empty random.bin; do
		target=$f
		if [ "$f" = random.bin ]; then
			cp random.bin "random.$kind"
			target=random.$kind
		fi
		extra=""
		[ "$cmd" = "dh-onnx diff" ] && extra=$target
		# shellcheck disable=SC2086
		run "$@" "$target" $extra -o out.file
		case $f in
		missing.*) want="cannot open '$target': No such file or directory" ;;
		folder) want="'folder' is a directory" ;;
		empty) want="'empty' is empty" ;;
		*) want="$target(:[0-9]+:[0-9]+|: byte [0-9]+)?: .*(not|binary|YAML)" ;;
		esac
		# the dh-dataset commands have no -o; they stop at the option
		if [ "$rc" -eq 2 ] && grep -q "unknown option '-o'" "$err_file"; then
			run "$@" "$target" $extra
		fi
		expect_rc "$cmd on $f exits 1" 1
		expect_err "$cmd on $f: one line naming the file" "^$1: $want"
		if [ -e out.file ] || ls -a | grep -q '^\.out\.file\.'; then
			not_ok "$cmd on $f leaves no output file" "found: $(ls -a)"
		fi
	done
	IFS='
'
done
IFS=' '

# a truncated model with a plausible dataset: one line, exit 1 (training
# from a DDF is built)
printf '\010\007\072\002\012\000' >model.onnx
printf 'name: fashion\nclasses: [a, b]\n' >data.yml
run dh-train model.onnx data.yml -o out.onnx
expect_rc "dh-train on an unreadable model and a dataset exits 1" 1
[ -e out.onnx ] && not_ok "dh-train leaves no output" "out.onnx exists"

# YAML syntax errors give file:line:column
printf 'name: x\nimages: [a, b\nsplit: {}\n' >broken.yml
run dh-dataset check broken.yml
expect_rc "YAML syntax error exits 1" 1
expect_err "YAML syntax error gives file:line:column" "^dh-dataset: broken.yml:3:[0-9]+: YAML syntax error: "

finish
