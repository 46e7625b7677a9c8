# shellcheck shell=bash
# Shared set-up of the notary benchmarks (bench/publish.sh,
# bench/notary_batch.sh): a SoftHSM2 token with root-key and targets-key,
# tuf-agent on it, a local notary-server (memory storage, local trust
# service) and the real notary client, all in one temporary folder removed
# at exit.  The sourcing script sets bench=NAME (for messages) and BUILD;
# it gets:
#   tmp, url, sock       the folder, the server's URL, the agent's socket
#   fail WHY [LOG], module   as bench/agent_lib.sh gives them
#   quiet CMD...         CMD's output into $tmp/out, shown only if it fails
#   now, since T0        $EPOCHREALTIME, and seconds since T0 (3 decimals)
#   tufctl ARGS...       build/tufctl on the agent
#   notary ARGS...       the real client, its own trust directory, HOME out
#                        of the user's, never a prompt or a smart card
#   fresh_list GUN OUT   a client that never saw GUN lists it into OUT
#   fresh_verify GUN N   such a client lists exactly the first N tags of
#                        $tmp/tags (lines TAG HEX SIZE, the sourcing script's)
# A missing tool is a SKIP (exit 0); BENCH_KEEP=1 keeps the folder.
py=/usr/bin/python3

for b in notary notary-server softhsm2-util "$py"; do
	command -v "$b" >/dev/null || { echo "$bench: SKIP ($b is not installed)"; exit 0; }
done
# shellcheck source=bench/agent_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/agent_lib.sh"
for b in "$BUILD/tufctl" "$BUILD/tuf-agent"; do
	[ -x "$b" ] || { echo "$bench: $b is not built" >&2; exit 1; }
done

# Short: the agent's socket path must fit in 108 bytes.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tuf-bench.XXXXXX")
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
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "$bench: interrupted" >&2; exit 130' INT
trap 'echo "$bench: interrupted" >&2; exit 143' TERM

quiet() { "$@" >"$tmp/out" 2>&1 || fail "$* failed"; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# ---- the token, the agent, the server ----------------------------------------------
mkdir "$tmp/home"
bench_agent bench
export XDG_DATA_HOME=$tmp/xdg
tufctl() { "$BUILD/tufctl" --socket "$sock" "$@"; }
quiet tufctl key generate --label root-key
quiet tufctl key generate --label targets-key

# The port is free when asked; another process may take it first: try again.
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

# The real notary client: its own trust directory (root key shared by the
# GUNs, as tufctl's root-key is).  PCSCLITE_CSOCK_NAME: it must not find a
# smart card (it signs with any YubiKey it sees through ykcs11).
export NOTARY_ROOT_PASSPHRASE=bench-passphrase NOTARY_TARGETS_PASSPHRASE=bench-passphrase \
	NOTARY_SNAPSHOT_PASSPHRASE=bench-passphrase NOTARY_DELEGATION_PASSPHRASE=bench-passphrase
notary() {
	HOME=$tmp/home PCSCLITE_CSOCK_NAME=$tmp/no-pcscd command notary -s "$url" \
		-d "$tmp/notary-trust" "$@" </dev/null
}
fresh=0
fresh_list() {
	fresh=$((fresh + 1))
	HOME=$tmp/home PCSCLITE_CSOCK_NAME=$tmp/no-pcscd command notary -s "$url" \
		-d "$tmp/fresh.$fresh" list "$1" >"$2" 2>"$tmp/out" </dev/null ||
		fail "a fresh notary client: list $1 failed"
}

fresh_verify() {
	fresh_list "$1" "$tmp/list"
	awk 'NR > 2 { print $1, $2, $3 }' "$tmp/list" | sort >"$tmp/got"
	head -n "$2" "$tmp/tags" | sort >"$tmp/want"
	if ! cmp -s "$tmp/got" "$tmp/want"; then
		diff "$tmp/want" "$tmp/got" >"$tmp/diff" || true
		fail "$1: a fresh notary client lists $(wc -l <"$tmp/got") tags, not the $2 added" \
			"$tmp/diff"
	fi
}
