#!/bin/bash
# bench/publish.sh [N...]: publishing a GUN with N tags (default 1 100 10000),
# tufctl (keys on a SoftHSM2 token through tuf-agent) against the real notary
# client (file keys, passphrases from the environment), in the same run,
# against the same local notary-server (issue #5).
#
# For each N, each side gets a fresh GUN:
#   init     not in the totals, printed apart: tufctl notary init; notary
#            init plus "notary key rotate GUN snapshot -r", so that on both
#            sides the server keeps the snapshot key (tufctl's default and
#            docker's) and the client signs root and targets only
#   stage    N "add" processes, one a tag, as N CI jobs would run them:
#            tufctl notary add GUN TAG --digest sha256:HEX --size S;
#            notary addhash GUN TAG S --sha256 HEX
#   publish  sign, upload, read back: tufctl notary publish (which reads the
#            GUN back and verifies it itself); notary publish followed by
#            notary list with the same trust directory (its read-back)
# Then, untimed, a fresh notary client (empty trust directory) lists each
# GUN: the N names, digests and sizes must be exactly the ones added, or
# the run fails (a benchmark of a broken publish is worthless).
#
# Rows of N <= 100 are run BENCH_PUBLISH_RUNS times (default 3), each time
# with fresh GUNs, and show each column's median; larger rows run once.
#
# The 10,000 row takes minutes (20 to 40 ms an add process on each side
# here, 12 to 15 minutes in all): BENCH_PUBLISH_MAX_S (default 120; 0: no
# bound) stops the notary client's staging, which runs first, after that
# many seconds; tufctl then stages the same number of tags, and the row
# shows it ("10000>K").  BENCH_PUBLISH_MAX_S=0 bench/publish.sh measures
# the whole row.
set -euo pipefail
BUILD=${BUILD:-build}
max_s=${BENCH_PUBLISH_MAX_S:-120}
runs=${BENCH_PUBLISH_RUNS:-3}
# EPOCHREALTIME, awk and sort: one decimal point, one collation.
export LC_ALL=C
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(1 100 10000)

bench=publish
# shellcheck source=bench/notary_lib.sh
. "$(dirname "$0")/notary_lib.sh"

# The tags: tag-I, the sha256 of "manifest I" and its size.
max_n=0
for n in "${ns[@]}"; do
	case $n in '' | *[!0-9]* | 0) echo "publish: N must be a positive number, not $n" >&2; exit 2 ;; esac
	[ "$n" -gt "$max_n" ] && max_n=$n
done
case $runs in '' | *[!0-9]* | 0) echo "publish: BENCH_PUBLISH_RUNS must be a positive number" >&2; exit 2 ;; esac
case $max_s in '' | *[!0-9]*) echo "publish: BENCH_PUBLISH_MAX_S must be a number of seconds" >&2; exit 2 ;; esac
"$py" - "$max_n" >"$tmp/tags" <<'PY'
import hashlib, sys
for i in range(1, int(sys.argv[1]) + 1):
    m = b"manifest %d" % i
    print("tag-%d %s %d" % (i, hashlib.sha256(m).hexdigest(), len(m)))
PY

# ---- one side, one N -----------------------------------------------------------------
# stage GUN N BOUND ADD: ADD GUN TAG HEX SIZE for each of the first N tags,
# stopping after BOUND seconds when BOUND > 0.  Sets stage_s and added (the
# tags staged).
stage() {
	local gun=$1 n=$2 bound=$3 add=$4 t tag hex size deadline=$((EPOCHSECONDS + $3))
	added=0
	t=$(now)
	while read -r tag hex size; do
		"$add" "$gun" "$tag" "$hex" "$size"
		added=$((added + 1))
		[ "$bound" -gt 0 ] && [ "$EPOCHSECONDS" -ge "$deadline" ] && break
	done < <(head -n "$n" "$tmp/tags")
	stage_s=$(since "$t")
}
add_tufctl() {
	tufctl notary add "$1" "$2" --digest "sha256:$3" --size "$4" \
		>"$tmp/out" 2>&1 || fail "tufctl notary add $1 $2 failed"
}
add_notary() {
	notary addhash "$1" "$2" "$4" --sha256 "$3" \
		>"$tmp/out" 2>&1 || fail "notary addhash $1 $2 failed"
}

# run_tufctl / run_notary GUN N [BOUND]: init, stage the first N tags (stop
# after BOUND seconds when BOUND > 0), publish.  Set init_s stage_s
# publish_s and added (the tags staged).
run_tufctl() {
	local gun=$1 n=$2 bound=${3:-0} t
	t=$(now)
	quiet tufctl notary init "$gun" --server "$url" --root-key root-key --targets-key targets-key
	init_s=$(since "$t")
	stage "$gun" "$n" "$bound" add_tufctl
	t=$(now)
	quiet tufctl notary publish "$gun"
	publish_s=$(since "$t")
	grep -q 'read back and verified' "$tmp/out" || fail "tufctl notary publish $gun did not read back"
}

run_notary() {
	local gun=$1 n=$2 bound=${3:-0} t
	t=$(now)
	quiet notary init "$gun"
	quiet notary key rotate "$gun" snapshot -r
	init_s=$(since "$t")
	stage "$gun" "$n" "$bound" add_notary
	t=$(now)
	quiet notary publish "$gun"
	quiet notary list "$gun"
	publish_s=$(since "$t")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

version=$(dpkg-query -W -f='${Version}' notary 2>/dev/null || echo unknown)
echo "publish: N tags, each side its own fresh GUN on one local notary-server; seconds."
echo "tufctl: keys on a SoftHSM2 token through tuf-agent; notary $version: file keys."
echo "stage: N add processes; publish: sign, upload, read back; total: stage + publish."
[ "$runs" = 1 ] || echo "N <= 100: each column the median of $runs runs."
fmt='%-11s %8s %8s %8s   %8s %8s %8s   %8s\n'
echo "            ---------- tufctl ----------   ---------- notary ----------"
# shellcheck disable=SC2059
printf "$fmt" N stage publish total stage publish total "nt/tuf"
# median COLUMN: the median of that column of $tmp/rows (the lower one of two).
median() {
	cut -d' ' -f"$1" "$tmp/rows" | sort -n | sed -n "$((($(wc -l <"$tmp/rows") + 1) / 2))p"
}
inits=
for n in "${ns[@]}"; do
	r_n=1
	[ "$n" -le 100 ] && r_n=$runs
	: >"$tmp/rows"
	for r in $(seq "$r_n"); do
		gun_n=bench.example.com/notary/n$n-$r gun_t=bench.example.com/tufctl/n$n-$r
		# The notary client first: under the bound, it sets the count.
		run_notary "$gun_n" "$n" "$max_s"
		n_init=$init_s n_stage=$stage_s n_pub=$publish_s k=$added
		fresh_verify "$gun_n" "$k"

		run_tufctl "$gun_t" "$k"
		t_init=$init_s t_stage=$stage_s t_pub=$publish_s
		fresh_verify "$gun_t" "$k"

		echo "$t_stage $t_pub $(sum "$t_stage" "$t_pub") $n_stage $n_pub" \
			"$(sum "$n_stage" "$n_pub") $t_init $n_init" >>"$tmp/rows"
	done
	label=$n
	[ "$k" = "$n" ] || label="$n>$k" bounded=1
	# shellcheck disable=SC2059
	printf "$fmt" "$label" "$(median 1)" "$(median 2)" "$(median 3)" "$(median 4)" \
		"$(median 5)" "$(median 6)" "$(ratio "$(median 6)" "$(median 3)")"
	inits="$inits tufctl $(median 7), notary $(median 8) (N=$n);"
done
echo "init, not in the totals:${inits%;}"
echo "(notary: init, then key rotate GUN snapshot -r: on both sides the server keeps the snapshot key)"
echo "publish read-back: tufctl publish's own; notary list with the publishing client's trust dir"
if [ -n "${bounded:-}" ]; then
	echo "N>K: the notary client's staging stopped after $max_s s at K tags; both sides then published K"
fi
echo "checked: a fresh notary client lists every GUN with exactly the names, digests and sizes added"
