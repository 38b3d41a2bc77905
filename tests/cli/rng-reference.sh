# rng-reference.sh - dh's RNG is the published xoshiro256** seeded through
# SplitMix64: an independent Python implementation gives the same numbers.
. "$DH_SRCDIR/tests/lib.sh"

ref='
import sys
M = (1 << 64) - 1
def splitmix(x):
    x = (x + 0x9e3779b97f4a7c15) & M
    z = x
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return x, z ^ (z >> 31)
def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M
def seeded(seed):
    s, x = [], seed
    for _ in range(4):
        x, v = splitmix(x)
        s.append(v)
    return s
def step(s):
    r = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 17) & M
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
    s[3] = rotl(s[3], 45)
    return r
def mix(z):
    return splitmix(z)[1]
def derive(seed, a, b):
    h = mix(seed ^ 0x6a09e667f3bcc908)
    h = mix(h ^ mix((a + 0xbb67ae8584caa73b) & M))
    h = mix(h ^ mix((b + 0x3c6ef372fe94f82b) & M))
    return seeded(h)
'
for seed in 0 42 18446744073709551615; do
	want=$("$PYTHON3" -c "$ref
s = seeded($seed)
print('\n'.join(str(step(s)) for _ in range(5)))")
	got=$(dh-test-stream rng "$seed" 5)
	if [ "$want" = "$got" ]; then
		ok "seed $seed: the first 5 outputs match the reference"
	else
		not_ok "seed $seed: the first 5 outputs match the reference" "expected $(echo $want), got $(echo $got)"
	fi
done
want=$("$PYTHON3" -c "$ref
print(step(derive(7, 2, 1000)))")
got=$(dh-test-stream derive 7 2 1000)
[ "$want" = "$got" ] && ok "derived streams match the reference" ||
	not_ok "derived streams match the reference" "expected $want, got $got"
finish
