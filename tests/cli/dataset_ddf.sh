# dataset_ddf.sh - dh-dataset reads ECVL's dataset files (short forms,
# stacked channels, masks, values as lists and maps, %YAML:1.2, any split
# name), refuses bad ones with one line "FILE:LINE:COL: cause" and exit 1,
# writes files that PyYAML reads back as meant, and create/check/split work.
. "$DH_SRCDIR/tests/lib.sh"

# --- bad inputs: one line each, naming file, line:column and the cause -----
bad() { # name, expected-stderr-regex, yaml text
	printf '%s' "$3" >bad.yml
	run dh-dataset check bad.yml
	if [ "$rc" -eq 1 ]; then
		expect_err "$1" "$2"
	else
		not_ok "$1" "exit $rc (want 1): $(cat "$err_file")"
	fi
}
H='classes: [cat, dog]
images:
'
bad "a misspelt class name suggests the nearest one" \
	"^dh-dataset: bad.yml:3:30: label 'dgo' is neither a class nor an existing mask file \(did you mean 'dog'\?\)$" \
	"$H  - {location: a.png, label: dgo}
"
bad "a class index out of range" \
	"^dh-dataset: bad.yml:3:30: class index 2 out of range \(2 classes: 0 to 1\)$" \
	"$H  - {location: a.png, label: 2}
"
bad "a split index out of range" \
	"^dh-dataset: bad.yml:5:17: split 'training': index 1 out of range \(1 images: 0 to 0\)$" \
	"$H  - a.png
split:
  training: [0, 1]
"
bad "a duplicate split index" \
	"^dh-dataset: bad.yml:6:20: split 'training': index 1 appears twice \(first at line 6\)$" \
	"$H  - a.png
  - b.png
split:
  training: [1, 0, 1]
"
bad "a URL location is refused plainly" \
	"^dh-dataset: bad.yml:3:5: 'https://example.org/a.png': URLs are not supported" \
	"$H  - https://example.org/a.png
"
bad "an unknown top-level key suggests the right one" \
	"^dh-dataset: bad.yml:4:1: unknown key 'splits' \(did you mean 'split'\?\)$" \
	"$H  - a.png
splits: {training: [0]}
"
bad "a YAML syntax error has its line and column" \
	"^dh-dataset: bad.yml:4:1: YAML syntax error" \
	"$H  - [a.png
"
bad "a file without images" "^dh-dataset: bad.yml:1:1: no 'images' list$" "name: x
"
bad "values for an unknown feature" \
	"^dh-dataset: bad.yml:4:32: 'aeg' is not a feature \(did you mean 'age'\?\)$" \
	"features: [age]
$H  - {location: a.png, values: {aeg: 3}}
"
bad "a label without classes" \
	"^dh-dataset: bad.yml:2:30: label 3 is a class index, but the file declares no 'classes'$" \
	"images:
  - {location: a.png, label: 3}
"
bad "a mask label that does not exist" \
	"^dh-dataset: bad.yml:2:30: label 'masks/a.png': no such mask file$" \
	"images:
  - {location: a.png, label: masks/a.png}
"

# --- ECVL's file shapes ------------------------------------------------------
if ! have_numpy; then
	skip "ECVL-style files with decodable images" "numpy is not importable by $PYTHON3"
	finish
fi
mkdir -p img masks
"$PYTHON3" -c '
import numpy as np
for i, n in enumerate(["0001", "0002", "0003_a", "0003_b", "0004", "0005"]):
    np.save("img/%s.npy" % n, ((np.arange(12).reshape(3, 4) * (i + 3)) % 251).astype(np.uint8))
np.save("masks/0005.npy", (np.arange(12).reshape(3, 4) % 3).astype(np.uint8))
'
cat >ecvl.yml <<'EOF'
%YAML:1.2
---
name: chest-demo
description: >
  Frontal CXR, two classes.
classes: [normal, effusion]
features: [age, sex]
images:
  - location: img/0001.npy
    label: normal
    values: [54, F]
  - location: img/0002.npy
    label: 1
    values: {age: 61}
  - location: [img/0003_a.npy, img/0003_b.npy]
    label: [0, effusion]
  - img/0004.npy
  - [img/0003_a.npy, img/0004.npy]
split:
  training: [0, 1]
  validation: [2]
  test: [3]
  test2: [4]
EOF
run dh-dataset check ecvl.yml
expect_rc "an ECVL file (%YAML:1.2, short forms, stacked planes, values list and map, test2) checks clean" 0
expect_out "check says what it found" "^ecvl.yml: 5 images, 2 classes, 4 splits: ok$"
run dh-dataset stats ecvl.yml --json
expect_rc "stats of the ECVL file" 0
"$PYTHON3" -c '
import json, numpy as np
s = json.load(open(".out"))
assert s["images"] == 5 and s["splits"] == {"training": 2, "validation": 1, "test": 1, "test2": 1}, s
assert s["counts"]["all"] == [2, 2] and s["counts"]["unlabelled"] == 2, s["counts"]
assert {(z["channels"], z["images"]) for z in s["sizes"]} == {(1, 3), (2, 2)}, s["sizes"]
' 2>py.err && ok "stats counts classes (multi-label too), splits and sizes" ||
	not_ok "stats counts classes, splits and sizes" "$(cat py.err)"

# a stacked sample streams as one image with a channel per plane
run dh-dataset stream ecvl.yml --split validation --scale 1
"$PYTHON3" -c '
import io, numpy as np
f = io.BytesIO(open(".out", "rb").read())
man = bytes(np.load(f)).decode(); x = np.load(f); y = np.load(f); ids = np.load(f)
a, b = np.load("img/0003_a.npy"), np.load("img/0003_b.npy")
assert "\"target\"" in man, man
assert x.shape == (1, 2, 3, 4) and (x[0, 0] == a).all() and (x[0, 1] == b).all()
assert y.dtype == np.float32 and y.tolist() == [[1, 1]], y   # multi-hot
assert ids.tolist() == [2]
' 2>py.err && ok "stacked planes stream as channels, a label list as a multi-hot target" ||
	not_ok "stacked planes and multi-label targets" "$(cat py.err)"

# segmentation: a mask path as the label streams as the "mask" field
cat >seg.yml <<'EOF'
name: seg
images:
  - location: img/0005.npy
    label: masks/0005.npy
  - {location: img/0001.npy, label: masks/0005.npy}
EOF
run dh-dataset stream seg.yml --batch 2
"$PYTHON3" -c '
import io, json, numpy as np
f = io.BytesIO(open(".out", "rb").read())
man = json.loads(bytes(np.load(f)).decode()); x = np.load(f); m = np.load(f); ids = np.load(f)
assert man["fields"] == ["input", "mask", "id"], man
assert m.dtype == np.int64 and m.shape == (2, 1, 3, 4)
assert (m[0, 0] == np.load("masks/0005.npy")).all()
assert np.allclose(x[0, 0], np.load("img/0005.npy") / 255.0, atol=1e-7)
' 2>py.err && ok "a mask label streams as an int64 mask field" ||
	not_ok "a mask label streams as an int64 mask field" "$(cat py.err)"

# --- what dh writes, PyYAML reads as meant ---------------------------------
printf 'path,label\nimg/0001.npy,yes\n"img/0002.npy",1: odd\nimg/0004.npy,yes\nimg/0005.npy,\n' >labels.csv
run dh-dataset create --csv labels.csv -o made.yml
expect_rc "create --csv" 0
run dh-dataset split --validation 0.5 --seed 3 made.yml -o split.yml
expect_rc "split writes a file" 0
"$PYTHON3" -c '
import yaml
d = yaml.safe_load(open("split.yml"))
assert d["classes"] == ["1: odd", "yes"], d["classes"]
im = d["images"]
assert im[0] == {"location": "img/0001.npy", "label": 1}, im[0]
assert im[1] == {"location": "img/0002.npy", "label": 0}, im[1]
assert im[3] == "img/0005.npy", im[3]
s = d["split"]
assert sorted(s["training"] + s["validation"]) == [0, 1, 2, 3] and len(s["validation"]) == 2, s
' 2>py.err && ok "PyYAML reads what dh writes (quoted class names, short forms, splits)" ||
	not_ok "PyYAML reads what dh writes" "$(cat py.err)"
run dh-dataset split --test 0.5 --seed 3 split.yml --from training -o again.yml
expect_rc "a written file reads back" 0

# names YAML would read as something else, quoted so that PyYAML (YAML 1.1)
# reads them as the same strings
cat >odd.csv <<'EOF'
path,label
a.png,on
b.png,null
c.png,#hash
d.png,"a, b"
e.png,"say ""hi"""
f.png,ünïcode
g.png,~
h.png,1.5
i.png,[br]
j.png,-
k.png,0x1F
l.png,no
m.png, lead
n.png,2024-01-01
o.png,!tag
p.png,*star
q.png,&anchor
r.png,a: b
EOF
run dh-dataset create --csv odd.csv -o odd.yml
"$PYTHON3" -c '
import yaml
names = ["on", "null", "#hash", "a, b", "say \"hi\"", "ünïcode", "~", "1.5", "[br]", "-", "0x1F",
         "no", "lead", "2024-01-01", "!tag", "*star", "&anchor", "a: b"]
d = yaml.safe_load(open("odd.yml", encoding="utf-8"))
assert d["classes"] == sorted(names, key=lambda s: s.encode()), d["classes"]
for i, im in enumerate(d["images"]):
    assert d["classes"][im["label"]] == names[i], (i, im)
' 2>py.err && ok "PyYAML reads awkward class names back as written (booleans, null, numbers, dates, YAML syntax)" ||
	not_ok "PyYAML reads awkward class names" "$(cat py.err)"
run dh-dataset split --validation 0.5 --seed 1 odd.yml -o odd3.yml
expect_rc "dh reads them back too" 0

# --- create from class folders, relative to the output's folder -----------
mkdir -p pets/cat pets/dog out
cp img/0001.npy pets/cat/a.npy
cp img/0002.npy pets/cat/b.npy
cp img/0004.npy pets/dog/c.npy
printf 'not an image\n' >pets/dog/notes.txt
run dh-dataset create pets -o out/pets.yml
expect_rc "create DIR" 0
"$PYTHON3" -c '
import yaml
d = yaml.safe_load(open("out/pets.yml"))
assert d["classes"] == ["cat", "dog"], d
assert [i["location"] for i in d["images"]] == ["../pets/cat/a.npy", "../pets/cat/b.npy", "../pets/dog/c.npy"], d
assert [i["label"] for i in d["images"]] == [0, 0, 1]
' 2>py.err && ok "create DIR: one class per folder, non-images left out, paths relative to the output" ||
	not_ok "create DIR" "$(cat py.err)"
run dh-dataset check out/pets.yml
expect_rc "the created dataset checks clean" 0

# --- check names each problem -----------------------------------------------
cat >broken.yml <<'EOF'
classes: [a]
images:
  - {location: img/0001.npy, label: a}
  - {location: img/missing.npy, label: a}
  - {location: labels.csv, label: a}
  - img/0001.npy
split:
  training: [0, 1]
  test: [1, 2]
EOF
run dh-dataset check broken.yml
expect_rc "check exits 1 on problems" 1
n=$(wc -l <"$err_file")
if [ "$n" -eq 4 ] &&
	grep -q "^dh-dataset: broken.yml:4:5: image 1: .*img/missing.npy" "$err_file" &&
	grep -q "^dh-dataset: broken.yml:5:5: image 2: .*labels.csv" "$err_file" &&
	grep -q "^dh-dataset: broken.yml:6:5: image 3: .*is also image 0" "$err_file" &&
	grep -q "^dh-dataset: broken.yml: image 1 is in splits 'training' and 'test'" "$err_file"; then
	ok "check names each problem on its own line (missing, undecodable, duplicate file, two splits)"
else
	not_ok "check names each problem" "$(cat "$err_file")"
fi
finish
