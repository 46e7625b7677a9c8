#!/bin/bash
# bench/notary_batch.sh [N [M]]: issue #15's goal, 10,000 tags staged and
# published in under 3 s.  tufctl stages N tags (default 10000) with one
# "tufctl notary add GUN --from-list FILE" and publishes them (keys on a
# SoftHSM2 token through tuf-agent; publish signs, uploads and reads the
# GUN back); the real notary client (Debian's notary 0.7.0, file keys) has
# no batch form: it runs "notary addhash" once a tag, then "notary
# publish".  One notary process a tag costs ~20-40 ms here, so it is
# measured on M tags (default 1000) and its N-tag time is extrapolated
# linearly from that (staging) plus its publish of the M tags scaled by
# N/M (printed as an extrapolation; BENCH_BATCH_NOTARY_N=N measures it all).
# Both GUNs live on one local notary-server; the server keeps the snapshot
# key on both sides (notary: key rotate GUN snapshot -r), as in
# bench/publish.sh.  A fresh notary client then lists both GUNs: the names,
# digests and sizes must be the ones added, or the run fails.
#
# BENCH_BATCH_WRAP="perf record -g -o FILE --": tufctl publish runs under
# that command (a profiler, strace); BENCH_BATCH_TUFCTL_ONLY=1: tufctl only.
set -euo pipefail
BUILD=${BUILD:-build}
export LC_ALL=C
n=${1:-${BENCH_BATCH_N:-10000}}
m=${2:-${BENCH_BATCH_NOTARY_N:-1000}}
for v in "$n" "$m"; do
	case $v in '' | *[!0-9]* | 0) echo "notary_batch: N and M are positive numbers" >&2; exit 2 ;; esac
done
[ "$m" -le "$n" ] || m=$n

bench=notary_batch
# shellcheck source=bench/notary_lib.sh
. "$(dirname "$0")/notary_lib.sh"

# The tags: tag-I, the sha256 of "manifest I" and its size; the list is
# the same lines (TAG sha256:HEX SIZE).
"$py" - "$n" "$tmp/tags" "$tmp/list.txt" <<'PY'
import hashlib, sys
n, tags, lst = int(sys.argv[1]), open(sys.argv[2], "w"), open(sys.argv[3], "w")
for i in range(1, n + 1):
    m = b"manifest %d" % i
    h = hashlib.sha256(m).hexdigest()
    tags.write("tag-%d %s %d\n" % (i, h, len(m)))
    lst.write("tag-%d sha256:%s %d\n" % (i, h, len(m)))
PY

# ---- tufctl --------------------------------------------------------------------------
gun_t=bench.example.com/tufctl/batch
quiet tufctl notary init "$gun_t" --server "$url" --root-key root-key --targets-key targets-key
t=$(now)
quiet tufctl notary add "$gun_t" --from-list "$tmp/list.txt"
t_stage=$(since "$t")
t=$(now)
if [ -n "${BENCH_BATCH_WRAP:-}" ]; then
	# shellcheck disable=SC2086
	quiet $BENCH_BATCH_WRAP "$BUILD/tufctl" --socket "$sock" notary publish "$gun_t"
else
	quiet tufctl notary publish "$gun_t"
fi
t_pub=$(since "$t")
grep -q 'read back and verified' "$tmp/out" || fail "tufctl notary publish did not read back"
fresh_verify "$gun_t" "$n"
t_total=$(awk -v a="$t_stage" -v b="$t_pub" 'BEGIN { printf "%.3f", a + b }')

# ---- the notary client -----------------------------------------------------------------
if [ -n "${BENCH_BATCH_TUFCTL_ONLY:-}" ]; then
	echo "tufctl: $n tags: stage $t_stage s, publish $t_pub s, total $t_total s"
	exit 0
fi
gun_n=bench.example.com/notary/batch
quiet notary init "$gun_n"
quiet notary key rotate "$gun_n" snapshot -r
t=$(now)
while read -r tag hex size; do
	notary addhash "$gun_n" "$tag" "$size" --sha256 "$hex" >"$tmp/out" 2>&1 ||
		fail "notary addhash $gun_n $tag failed"
done < <(head -n "$m" "$tmp/tags")
n_stage=$(since "$t")
t=$(now)
quiet notary publish "$gun_n"
n_pub=$(since "$t")
fresh_verify "$gun_n" "$m"

version=$(dpkg-query -W -f='${Version}' notary 2>/dev/null || echo unknown)
echo "notary_batch: $n tags staged and published on a local notary-server; seconds."
printf '%-48s %9s %9s %9s\n' "" stage publish total
printf '%-48s %9s %9s %9s\n' "tufctl add --from-list + publish" "$t_stage" "$t_pub" "$t_total"
n_total=$(awk -v a="$n_stage" -v b="$n_pub" 'BEGIN { printf "%.3f", a + b }')
printf '%-48s %9s %9s %9s\n' "notary $version, $m tags (measured)" "$n_stage" "$n_pub" "$n_total"
if [ "$m" -lt "$n" ]; then
	x_stage=$(awk -v a="$n_stage" -v n="$n" -v m="$m" 'BEGIN { printf "%.1f", a * n / m }')
	x_pub=$(awk -v a="$n_pub" -v n="$n" -v m="$m" 'BEGIN { printf "%.1f", a * n / m }')
	x_total=$(awk -v a="$x_stage" -v b="$x_pub" 'BEGIN { printf "%.1f", a + b }')
	printf '%-48s %9s %9s %9s\n' "notary, $n tags (EXTRAPOLATED)" "~$x_stage" "~$x_pub" "~$x_total"
	echo "EXTRAPOLATED: the notary client's $m-tag times scaled linearly by $n/$m (one process a tag)."
	n_total=$x_total
fi
awk -v a="$n_total" -v b="$t_total" -v n="$n" 'BEGIN {
	if (b > 0) printf "ratio notary/tufctl for %d tags: %.0fx\n", n, a / b }'
awk -v t="$t_total" 'BEGIN { exit !(t < 3) }' && echo "goal: under 3 s: met" ||
	echo "goal: under 3 s: NOT met ($t_total s)"
echo "checked: a fresh notary client lists both GUNs with exactly the names, digests and sizes added"
