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
py=/usr/bin/python3
n=${1:-${BENCH_BATCH_N:-10000}}
m=${2:-${BENCH_BATCH_NOTARY_N:-1000}}
for v in "$n" "$m"; do
	case $v in '' | *[!0-9]* | 0) echo "notary_batch: N and M are positive numbers" >&2; exit 2 ;; esac
done
[ "$m" -le "$n" ] || m=$n

module=
for mod in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$mod" ] && module=$mod && break
done
for b in notary notary-server softhsm2-util "$py"; do
	command -v "$b" >/dev/null || { echo "notary_batch: SKIP ($b is not installed)"; exit 0; }
done
[ -n "$module" ] || { echo "notary_batch: SKIP (SoftHSM2 is not installed)"; exit 0; }
for b in "$BUILD/tufctl" "$BUILD/tuf-agent"; do
	[ -x "$b" ] || { echo "notary_batch: $b is not built" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tuf-batch.XXXXXX")
agent='' server=''
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	stop "$agent"
	stop "$server"
	agent='' server=''
	[ -n "${BENCH_BATCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "notary_batch: interrupted" >&2; exit 130' INT
trap 'echo "notary_batch: interrupted" >&2; exit 143' TERM
fail() {
	echo "notary_batch: $1" >&2
	[ -s "${2:-$tmp/out}" ] && tail -n 15 "${2:-$tmp/out}" | sed 's/^/    /' >&2
	exit 1
}
quiet() { "$@" >"$tmp/out" 2>&1 || fail "$* failed"; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# ---- the token, the agent, the server (as bench/publish.sh) ------------------------
mkdir "$tmp/tokens" "$tmp/home"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$tmp" >"$tmp/softhsm2.conf"
export SOFTHSM2_CONF=$tmp/softhsm2.conf
quiet softhsm2-util --init-token --free --label bench --pin 123456 --so-pin 12345678
printf '123456\n' >"$tmp/pin"
chmod 600 "$tmp/pin"
cat >"$tmp/agent.conf" <<EOT
[agent]
audit = $tmp/audit.log
state-directory = $tmp/state

[token "bench"]
module = $module
uri = pkcs11:token=bench
pin = file:$tmp/pin
EOT
sock=$tmp/agent.sock
"$BUILD/tuf-agent" --config "$tmp/agent.conf" --socket "$sock" >"$tmp/agent.log" 2>&1 </dev/null &
agent=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$agent" 2>/dev/null || break
	sleep 0.1
done
[ -S "$sock" ] || fail "tuf-agent did not start" "$tmp/agent.log"
export XDG_DATA_HOME=$tmp/xdg
tufctl() { "$BUILD/tufctl" --socket "$sock" "$@"; }
quiet tufctl key generate --label root-key
quiet tufctl key generate --label targets-key

for _ in 1 2 3; do
	port=$("$py" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$tmp/server.json" <<EOT
{
  "server": { "http_addr": "127.0.0.1:$port" },
  "trust_service": { "type": "local" },
  "storage": { "backend": "memory" },
  "logging": { "level": "error" }
}
EOT
	notary-server -config "$tmp/server.json" >"$tmp/server.log" 2>&1 </dev/null &
	server=$!
	if "$py" - "$port" "$server" <<'PY'; then break; fi
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit(1)
        time.sleep(0.05)
sys.exit(1)
PY
	stop "$server"
	server=''
	grep -q 'address already in use' "$tmp/server.log" || break
done
[ -n "$server" ] || fail "notary-server did not start" "$tmp/server.log"
url=http://127.0.0.1:$port

export NOTARY_ROOT_PASSPHRASE=bench-passphrase NOTARY_TARGETS_PASSPHRASE=bench-passphrase \
	NOTARY_SNAPSHOT_PASSPHRASE=bench-passphrase NOTARY_DELEGATION_PASSPHRASE=bench-passphrase
notary() { HOME=$tmp/home command notary -s "$url" -d "$tmp/notary-trust" "$@" </dev/null; }
fresh=0
# verify GUN N: a fresh notary client lists exactly the first N tags.
verify() {
	fresh=$((fresh + 1))
	HOME=$tmp/home command notary -s "$url" -d "$tmp/fresh.$fresh" list "$1" \
		>"$tmp/list" 2>"$tmp/out" </dev/null || fail "a fresh notary client: list $1 failed"
	awk 'NR > 2 { print $1, $2, $3 }' "$tmp/list" | sort >"$tmp/got"
	head -n "$2" "$tmp/tags" | sort >"$tmp/want"
	if ! cmp -s "$tmp/got" "$tmp/want"; then
		diff "$tmp/want" "$tmp/got" >"$tmp/diff" || true
		fail "$1: a fresh notary client lists $(wc -l <"$tmp/got") tags, not the $2 added" \
			"$tmp/diff"
	fi
}

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
verify "$gun_t" "$n"
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
verify "$gun_n" "$m"

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
