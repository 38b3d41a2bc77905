# tools.sh - every tool answers --help and --version, parses options
# strictly, and reports usage errors with exit 2 and one line.
. "$DH_SRCDIR/tests/lib.sh"

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$DH_BUILDDIR/config.h")

for t in $DH_TOOLS; do
	run "$t" --help
	expect_rc "$t --help exits 0" 0
	expect_out "$t --help shows usage" "^Usage: $t "
	expect_out "$t --help shows the exit status contract" "^Exit status: 0 success, 1 failure, 2 usage error"
	expect_out "$t --help shows an example" "^Example:"
	[ -s "$err_file" ] && not_ok "$t --help writes nothing to stderr" "$(cat "$err_file")"

	run "$t" --version
	expect_rc "$t --version exits 0" 0
	expect_out "$t --version names tool, package and libraries" "^$t \(dh\) $version \(libarchive [0-9.]+, libyaml [0-9.]+, cJSON [0-9.]+, protobuf-c [0-9.]+, libpng [0-9.]+, libjpeg-turbo [0-9.]+, libtiff [0-9.]+, OpenBLAS [0-9.]+\)$"
	n=$(wc -l <"$out_file")
	[ "$n" -eq 1 ] && ok "$t --version is one line" || not_ok "$t --version is one line" "got $n lines"

	run "$t" -V
	expect_rc "$t -V exits 0" 0

	run "$t" --frobnicate
	expect_rc "$t: unknown option exits 2" 2
	expect_err "$t: unknown option is one line" "^$t: unknown option '--frobnicate' \(try '$t --help'\)$"
	[ -s "$out_file" ] && not_ok "$t: nothing on stdout after a usage error" "$(cat "$out_file")"

	run "$t" --threads 0
	expect_rc "$t --threads 0 is a usage error" 2
	expect_err "$t --threads 0 says why" "option '--threads' must be between 1 and 1024, not 0"

	run "$t" --threads=many
	expect_rc "$t --threads=many is a usage error" 2

	run "$t" --build-info
	expect_rc "$t --build-info exits 0" 0
	expect_out "$t --build-info lists OpenMP" "^openmp: (yes|no)$"
	expect_out "$t --build-info names the OpenBLAS kernel" "^openblas: OpenBLAS .*\(kernel .+\)$"
done

# commands and their typos
run dh-onnx
expect_rc "dh-onnx without a command exits 2" 2
expect_err "dh-onnx without a command says so" "^dh-onnx: no command given \(try 'dh-onnx --help'\)$"
run dh-onnx chek model.onnx
expect_rc "unknown command exits 2" 2
expect_err "unknown command suggests the nearest" "unknown command 'chek'; did you mean 'check'\?"
run dh-dataset split --help
expect_rc "subcommand --help exits 0" 0
expect_out "subcommand --help lists its options" "--stratify"
expect_out "subcommand --help lists every option" "--from"
run dh-train --epoch 3 m.onnx
expect_rc "option typo exits 2" 2
expect_err "option typo suggests the nearest option" "unknown option '--epoch'; did you mean '--epochs'\?"
run dh-train --epochs
expect_rc "missing option value exits 2" 2
expect_err "missing option value says which" "option '--epochs' needs a value \(N\)"
run dh-train --epochs 2 --epochs 3 m.onnx
expect_rc "an option given twice exits 2" 2
run dh-train --optimizer adamm m.onnx
expect_err "a bad choice lists the choices" "option '--optimizer' must be one of sgd\|adam\|adamw\|rmsprop\|adagrad\|adadelta, not 'adamm'"
run dh-train
expect_rc "dh-train without a model exits 2" 2
expect_err "dh-train without a model names the argument" "missing argument: MODEL.onnx"
run dh-prune a.onnx b.onnx
expect_rc "an extra argument exits 2" 2
expect_err "an extra argument is named" "unexpected argument 'b.onnx'"
run dh-image info --json -- -weird.npy
expect_rc "arguments after -- are files" 1
expect_err "arguments after -- are files (named)" "cannot open '-weird.npy'"

# DH_NUM_THREADS is read and checked
DH_NUM_THREADS=lots run dh-image info x.npy
expect_rc "a bad DH_NUM_THREADS is a usage error" 2
expect_err "a bad DH_NUM_THREADS is named" "DH_NUM_THREADS='lots' is not a thread count between 1 and 1024"

# bundled short options: -qv and -j2 parse
printf 'name: x\nimages: []\n' >ok.yml
run dh-dataset check -qv -j2 ok.yml
expect_rc "bundled short options parse" 0
expect_out "... and the command runs" "^ok.yml: 0 images, 0 classes, 0 splits: ok$"

finish
