# completion.sh - bash completion offers commands, options, choices and files
# by extension, as the tools describe them; the zsh script parses.
. "$DH_SRCDIR/tests/lib.sh"

touch a.onnx b.yml c.txt d.npy e.png
mkdir sub
if command -v bash >/dev/null; then
	cat >comp.bash <<'SH'
source "$DH_SRCDIR/completions/dh.bash"
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _dh; echo "${COMPREPLY[*]}"; }
SH
	check() { # name, expected (exact), words...
		name=$1 want=$2
		shift 2
		got=$(bash -c '. ./comp.bash; t "$@"' t "$@" 2>&1)
		[ "$got" = "$want" ] && ok "bash: $name" || not_ok "bash: $name" "expected '$want', got '$got'"
	}
	check "subcommands" "new info check diff weights optimize" dh-onnx ""
	check "subcommand prefix" "info" dh-onnx i
	check "options by prefix" "--epochs" dh-train --ep
	check "option choices" "sgd adam adamw rmsprop adagrad adadelta" dh-train --optimizer ""
	check "--option=value choices" "adam adamw" dh-train --optimizer=adam
	check "first argument: .onnx files and folders" "sub/ a.onnx" dh-train ""
	check "second argument: streams or datasets" "sub/ b.yml d.npy" dh-train a.onnx ""
	check "option values are skipped when counting arguments" "sub/ b.yml d.npy" dh-train --epochs 3 a.onnx ""
	check "file option: its extension" "sub/ a.onnx" dh-train -o ""
	check "subcommand argument kind" "sub/ b.yml" dh-dataset split --seed 3 ""
	check "image arguments" "sub/ d.npy e.png" dh-image info ""
	check "subcommand options" "--json" dh-image info --j
	check "common options" "--threads" dh-infer --thr
	check "no completion for numbers" "" dh-train --epochs ""
else
	skip "bash completion" "bash is not installed"
fi
if command -v zsh >/dev/null; then
	zsh -n "$DH_SRCDIR/completions/zsh/_dh" && ok "zsh: _dh parses" || not_ok "zsh: _dh parses" "syntax error"
	first=$(head -n 1 "$DH_SRCDIR/completions/zsh/_dh")
	want="#compdef $DH_TOOLS"
	[ "$first" = "$want" ] && ok "zsh: _dh covers every tool" || not_ok "zsh: _dh covers every tool" "got '$first'"
	# complete in a real zsh through a pseudo-terminal
	if zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
		cat >z.zsh <<'ZSH'
fpath=($DH_SRCDIR/completions/zsh $fpath)
autoload -U compinit && compinit -u -D
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z "fpath=($DH_SRCDIR/completions/zsh \$fpath); PATH=$PATH; autoload -U compinit; compinit -u -D; PS1=; zstyle ':completion:*' list-grouped false; setopt nolistbeep"
zpty -w z $'dh-onnx \t'
sleep 1
zpty -r -t z out
print -r -- "$out"
zpty -d z
ZSH
		got=$(cd "$PWD" && zsh -f z.zsh 2>&1 | tr -d '\r')
		case $got in
		*check*diff*info*new*weights* | *new*info*check*diff*weights*) ok "zsh: completes dh-onnx commands" ;;
		*) skip "zsh: completes dh-onnx commands" "no terminal answer from zpty" ;;
		esac
	fi
else
	skip "zsh completion" "zsh is not installed"
fi
finish
