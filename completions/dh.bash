# dh.bash - bash completion for the dh tools.
#
# Each tool describes its own commands and options (--completion-helper), so
# these completions follow the binary and never go stale.  Files are offered
# by the extensions each argument expects (.onnx, .yml, .npy, images).

# Extensions (a glob alternation) for an argument kind.
_dh_exts() {
	case $1 in
	onnx) echo 'onnx' ;;
	yml) echo 'yml|yaml' ;;
	npy) echo 'npy' ;;
	image) echo 'png|jpg|jpeg|tif|tiff|bmp|ppm|pgm|pbm|pnm|dcm|nii|nii.gz|npy|svs|ndpi|mrxs' ;;
	aug) echo 'txt|aug' ;;
	data) echo 'npy|yml|yaml' ;;
	*) echo "$1" ;;
	esac
}

# Offer files matching the extensions, and folders to descend into.
_dh_files() {
	local cur=$1 exts=$2 f
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=()
	for f in $(compgen -d -- "$cur"); do
		COMPREPLY+=("$f/")
	done
	compopt -o nospace 2>/dev/null
	for f in $(compgen -f -- "$cur"); do
		[[ -d $f ]] && continue
		if [[ -z $exts ]] || [[ $f =~ \.($exts)$ ]]; then
			COMPREPLY+=("$f")
		fi
	done
	# a lone file completes with a space after it; a folder does not
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} != */ ]]; then
		compopt +o nospace 2>/dev/null
	fi
}

_dh() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	local tool=${COMP_WORDS[0]} cmd="" helper cmds i w
	COMPREPLY=()
	helper=$("$tool" --completion-helper 2>/dev/null) || return 0
	cmds=$(sed -n 's/^cmd //p' <<<"$helper")
	local start=1
	if [[ -n $cmds ]]; then
		for ((i = 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			if [[ $w != -* ]] && grep -qxF -- "$w" <<<"$cmds"; then
				cmd=$w
				start=$((i + 1))
				break
			fi
		done
		if [[ -z $cmd ]]; then
			if [[ $cur != -* ]]; then
				COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
				return 0
			fi
		else
			helper=$("$tool" "$cmd" --completion-helper 2>/dev/null) || return 0
		fi
	fi

	# --option=value
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	local line kind extra
	line=$(grep -- "^opt $prev " <<<"$helper" | head -n 1)
	if [[ -n $line ]]; then
		read -r _ _ kind extra <<<"$line"
		case $kind in
		file)
			[[ $extra == - ]] && extra=""
			_dh_files "$cur" "$extra"
			return 0 ;;
		choice)
			COMPREPLY=($(compgen -W "${extra//|/ }" -- "$cur"))
			return 0 ;;
		value)
			return 0 ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(awk '$1 == "opt" && $2 ~ /^--/ { print $2 }' <<<"$helper")" -- "$cur"))
		return 0
	fi

	# which positional argument is this? (skip options and their values)
	local n=0
	for ((i = start; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			line=$(grep -- "^opt $w " <<<"$helper" | head -n 1)
			read -r _ _ kind _ <<<"$line"
			[[ -n $line && $kind != none && $w != *=* ]] && i=$((i + 1))
		else
			n=$((n + 1))
		fi
	done
	local kinds
	kinds=($(sed -n 's/^arg //p' <<<"$helper"))
	((${#kinds[@]})) || kinds=(file)
	kind=${kinds[n]:-${kinds[${#kinds[@]} - 1]}}
	case $kind in
	word) return 0 ;;
	dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur")) ;;
	file | out) _dh_files "$cur" "" ;;
	*) _dh_files "$cur" "$(_dh_exts "$kind")" ;;
	esac
	return 0
}

complete -F _dh dh-dataset dh-augment dh-train dh-infer dh-onnx dh-prune dh-image
