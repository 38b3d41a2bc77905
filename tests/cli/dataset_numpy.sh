# dataset_numpy.sh - dh-dataset against NumPy: import idx (pixels exact),
# stats (mean, std), stream (bytes), split (reproducible, stratified), the
# same stream on 1 and 2 threads, and packed shards streaming the same bytes
# as the DDF they came from.
. "$DH_SRCDIR/tests/lib.sh"

if ! have_numpy; then
	skip "dh-dataset against numpy" "numpy is not importable by $PYTHON3"
	finish
fi
py() { "$PYTHON3" -c "$@"; }
records='
import io, json, numpy as np
def records(path):
    f = io.BytesIO(open(path, "rb").read())
    out = []
    while f.tell() < len(f.getbuffer()):
        out.append(np.load(f))
    return out
def groups(path):
    r = records(path)
    fields = json.loads(bytes(r[0]).decode())["fields"]
    cols = {k: [] for k in fields}
    for i, a in enumerate(r[1:]):
        cols[fields[i % len(fields)]].append(a)
    return {k: np.concatenate(v) for k, v in cols.items()}
def idx(path):
    import gzip
    b = gzip.open(path).read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * k:8 + 4 * k], "big") for k in range(nd)]
    return np.frombuffer(b[4 + 4 * nd:], np.uint8).reshape(dims)
'

# Small idx files: the first images of Fashion-MNIST when installed, else
# random ones (the same code path either way).
src=/usr/share/datasets/fashion-mnist
py "
import gzip, os, numpy as np
$records
src = '$src'
def write(path, a):
    hdr = bytes([0, 0, 8, a.ndim]) + b''.join(int(d).to_bytes(4, 'big') for d in a.shape)
    with gzip.open(path, 'wb') as f:
        f.write(hdr + a.astype(np.uint8).tobytes())
if os.path.exists(src + '/train-images-idx3-ubyte.gz'):
    tri, trl = idx(src + '/train-images-idx3-ubyte.gz')[:600], idx(src + '/train-labels-idx1-ubyte.gz')[:600]
    tei, tel = idx(src + '/t10k-images-idx3-ubyte.gz')[:200], idx(src + '/t10k-labels-idx1-ubyte.gz')[:200]
else:
    r = np.random.default_rng(5)
    tri, trl = r.integers(0, 256, (600, 28, 28)), r.integers(0, 10, 600)
    tei, tel = r.integers(0, 256, (200, 28, 28)), r.integers(0, 10, 200)
write('tri.gz', tri); write('trl.gz', trl); write('tei.gz', tei); write('tel.gz', tel)
"
run dh-dataset import idx --images tri.gz --labels trl.gz --test-images tei.gz \
	--test-labels tel.gz --classes a,b,c,d,e,f,g,h,i,j -o fm
expect_rc "import idx" 0
[ -f fm/dataset.yml ] && [ -f fm/training/000599.png ] && [ -f fm/test/000199.png ] &&
	ok "import writes PNGs and fm/dataset.yml" || not_ok "import writes PNGs and fm/dataset.yml" "$(ls fm)"

run dh-dataset import idx --images tri.gz --labels trl.gz --images tei.gz \
	--labels tel.gz --classes a,b,c,d,e,f,g,h,i,j -o fm2
cmp -s fm/dataset.yml fm2/dataset.yml && cmp -s fm/test/000123.png fm2/test/000123.png &&
	ok "a second --images/--labels pair is the test split" ||
	not_ok "a second --images/--labels pair is the test split" "$(cat "$err_file")"

# stream --scale 1 gives the idx pixels exactly, labels and ids in order
run dh-dataset stream fm/dataset.yml --split training --scale 1 --batch 64 -o train.npy
expect_rc "stream the training split" 0
py "
$records
g = groups('train.npy')
x, y, i = g['input'], g['target'], g['id']
assert x.dtype == np.float32 and x.shape == (600, 1, 28, 28), x.shape
assert (x[:, 0] == idx('tri.gz')).all(), 'pixels differ'
assert y.dtype == np.int64 and (y == idx('trl.gz')).all()
assert (i == np.arange(600)).all()
" 2>py.err && ok "import + stream: every pixel and label equals numpy's reading of the idx files" ||
	not_ok "import + stream equal the idx files" "$(cat py.err)"
run dh-dataset stream fm/dataset.yml --split test -o test.npy
py "
$records
g = groups('test.npy')
assert g['input'].shape == (200, 1, 28, 28)
assert np.array_equal(g['input'][:, 0], (idx('tei.gz').astype(np.float32) * np.float32(1 / 255)))
assert (g['id'] == np.arange(600, 800)).all()
" 2>py.err && ok "the test split streams as v * (1/255) in float32, ids after the training split" ||
	not_ok "the test split streams as v/255" "$(cat py.err)"
if py 'import cv2' 2>/dev/null; then
	py "
import cv2
$records
a = idx('tri.gz')
for k in (0, 17, 599):
    p = cv2.imread('fm/training/%06d.png' % k, cv2.IMREAD_UNCHANGED)
    assert p.dtype == np.uint8 and (p == a[k]).all(), k
" 2>py.err && ok "OpenCV reads the PNGs with the idx pixels" || not_ok "OpenCV reads the PNGs" "$(cat py.err)"
fi

# stats against numpy
run dh-dataset stats fm/dataset.yml --json
py "
import json
$records
s = json.load(open('.out'))
a = np.concatenate([idx('tri.gz'), idx('tei.gz')]).astype(np.float64)
m, sd = a.mean(), a.std()
assert abs(s['mean'][0] - m) < 1e-9 * m, (s['mean'], m)
assert abs(s['std'][0] - sd) < 1e-9 * sd, (s['std'], sd)
lab = np.concatenate([idx('trl.gz'), idx('tel.gz')])
assert s['counts']['all'] == np.bincount(lab, minlength=10).tolist()
assert s['counts']['training'] == np.bincount(idx('trl.gz'), minlength=10).tolist()
assert s['sizes'] == [{'width': 28, 'height': 28, 'channels': 1, 'images': 800}]
" 2>py.err && ok "stats: mean and std equal numpy's, counts per class and split" ||
	not_ok "stats against numpy" "$(cat py.err)"

# resizing and channels
run dh-dataset stream fm/dataset.yml --split test --size 14x10 --channels 3 --batch 50 -o small.npy
py "
$records
g = groups('small.npy')
x = g['input']
assert x.shape == (200, 3, 10, 14), x.shape
assert (x[:, 0] == x[:, 1]).all() and (x[:, 1] == x[:, 2]).all()
" 2>py.err && ok "--size WxH and --channels 3 (gray replicated)" || not_ok "--size and --channels" "$(cat py.err)"

# the same bytes on 1 and 2 threads, shuffled or not; seeds matter
dh-dataset -j1 stream fm/dataset.yml --split training --shuffle --seed 9 --batch 33 >s1.npy
dh-dataset -j2 stream fm/dataset.yml --split training --shuffle --seed 9 --batch 33 >s2.npy
dh-dataset -j2 stream fm/dataset.yml --split training --shuffle --seed 10 --batch 33 >s3.npy
cmp -s s1.npy s2.npy && ok "a shuffled stream is the same on 1 and 2 threads" ||
	not_ok "a shuffled stream is the same on 1 and 2 threads" "s1.npy and s2.npy differ"
py "
$records
a, b = groups('s1.npy'), groups('s3.npy')
assert sorted(a['id'].tolist()) == list(range(600)) and a['id'].tolist() != list(range(600))
assert a['id'].tolist() != b['id'].tolist()
ref = idx('tri.gz')[a['id']].astype(np.float32) * np.float32(1 / 255)
assert np.array_equal(a['input'][:, 0], ref)
assert (a['target'] == idx('trl.gz')[a['id']]).all()
" 2>py.err && ok "shuffling permutes whole samples (image, label, id together); another seed, another order" ||
	not_ok "shuffling" "$(cat py.err)"

# split: reproducible and stratified
dh-dataset split --validation 0.2 --test 0.1 --stratify --seed 7 fm/dataset.yml --from training -o fm/s1.yml 2>/dev/null
status=$?
# (the file already has a test split: that refusal is the expected outcome)
run dh-dataset split --validation 0.2 --stratify --seed 7 fm/dataset.yml -o fm/v1.yml
expect_rc "split --validation --stratify" 0
run dh-dataset split --validation 0.2 --stratify --seed 7 fm/dataset.yml -o fm/v2.yml
run dh-dataset split --validation 0.2 --stratify --seed 8 fm/dataset.yml -o fm/v3.yml
cmp -s fm/v1.yml fm/v2.yml && ok "split with the same seed writes the same file" ||
	not_ok "split is reproducible" "fm/v1.yml and fm/v2.yml differ"
cmp -s fm/v1.yml fm/v3.yml && not_ok "another seed, another split" "same file" ||
	ok "another seed, another split"
[ "$status" -eq 1 ] && ok "split refuses to overwrite an existing test split" ||
	not_ok "split refuses to overwrite an existing test split" "exit $status"
py "
import yaml
$records
d = yaml.safe_load(open('fm/v1.yml'))
s = d['split']
tr, va, te = s['training'], s['validation'], s['test']
assert list(s) == ['training', 'validation', 'test'], list(s)
assert sorted(tr + va) == list(range(600)) and te == list(range(600, 800))
lab = idx('trl.gz')
for c in range(10):
    n = int((lab == c).sum()); v = int((lab[va] == c).sum())
    assert v == round(0.2 * n), (c, n, v)
" 2>py.err && ok "a stratified split takes round(20%) of every class, keeps test as it was" ||
	not_ok "stratified proportions" "$(cat py.err)"

# packed shards stream the same bytes as the DDF
run dh-dataset pack fm/v1.yml --shard-size 128 -o packed
expect_rc "pack into shards of 128" 0
n=$(ls packed/shard-*.tar 2>/dev/null | wc -l)
[ "$n" -eq 7 ] && ok "800 samples in 7 shards" || not_ok "800 samples in 7 shards" "$n shards"
dh-dataset stream fm/v1.yml --split validation --shuffle --seed 4 --size 20x20 >d.npy
dh-dataset stream packed --split validation --shuffle --seed 4 --size 20x20 >p.npy
cmp -s d.npy p.npy && [ -s d.npy ] && ok "streaming packed shards gives the DDF's bytes (shuffled, resized)" ||
	not_ok "packed shards stream the DDF's bytes" "d.npy and p.npy differ"
dh-dataset stream packed/index.yml --split test >p2.npy
dh-dataset stream fm/v1.yml --split test >d2.npy
cmp -s d2.npy p2.npy && ok "packed/index.yml is accepted too" || not_ok "packed/index.yml" "differs"
run dh-dataset stats packed --json
py "
import json
s, t = json.load(open('.out')), None
assert s['images'] == 800 and s['splits'] == {'training': 480, 'validation': 120, 'test': 200}, s
" 2>py.err && ok "stats reads packed shards" || not_ok "stats reads packed shards" "$(cat py.err)"
run tar -tf packed/shard-00000.tar
expect_out "the shards are plain tar files of .npy members" "^00000000\.npy$"

# --skip-bad: a broken image is named and left out
cp fm/dataset.yml fm/bad.yml
printf 'broken' >fm/training/000005.png
run dh-dataset stream fm/dataset.yml --split training -o x.npy
expect_rc "a broken image stops the stream" 1
expect_err "... with one line naming it" "fm/dataset.yml:[0-9]+:5: image 5: .*000005.png"
run dh-dataset stream fm/dataset.yml --split training --skip-bad -o x.npy
expect_rc "--skip-bad goes on" 0
grep -q "000005.png" "$err_file" && grep -q "1 images skipped, 599 streamed" "$err_file" &&
	ok "--skip-bad names the skipped image and counts" || not_ok "--skip-bad reports" "$(cat "$err_file")"
finish
