# shellcheck shell=bash
# A SoftHSM2 token and tuf-agent on it, for the benchmarks that sign through
# the agent (bench/notary_lib.sh, bench/repo_scale.sh).  The sourcing script
# sets bench=NAME (for messages) and BUILD; it gets:
#   module               the SoftHSM2 module (none installed: a SKIP, exit 0)
#   fail WHY [LOG]       stop; the last lines of LOG (default $tmp/out) tell more
#   bench_agent LABEL [LINE...]
#                        in $tmp (the script's folder, short: the agent's
#                        socket path must fit in 108 bytes): token LABEL (PIN
#                        123456, SOFTHSM2_CONF exported), tuf-agent on it with
#                        LINE... added to its [token] block; sets agent (its
#                        pid) and sock; its audit log is $tmp/audit.log
module=
for mod_ in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$mod_" ] && module=$mod_ && break
done
[ -n "$module" ] || { echo "$bench: SKIP (SoftHSM2 is not installed)"; exit 0; }

fail() {
	echo "$bench: $1" >&2
	[ -s "${2:-$tmp/out}" ] && tail -n 15 "${2:-$tmp/out}" | sed 's/^/    /' >&2
	exit 1
}

bench_agent() {
	local label=$1 line
	shift
	mkdir "$tmp/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$tmp" >"$tmp/softhsm2.conf"
	export SOFTHSM2_CONF=$tmp/softhsm2.conf
	softhsm2-util --init-token --free --label "$label" --pin 123456 --so-pin 12345678 \
		>"$tmp/out" 2>&1 || fail "softhsm2-util --init-token failed"
	printf '123456\n' >"$tmp/pin"
	chmod 600 "$tmp/pin"
	{
		cat <<EOT
[agent]
audit = $tmp/audit.log
state-directory = $tmp/state

[token "$label"]
module = $module
uri = pkcs11:token=$label
pin = file:$tmp/pin
EOT
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$tmp/agent.conf"
	sock=$tmp/agent.sock
	"$BUILD/tuf-agent" --config "$tmp/agent.conf" --socket "$sock" >"$tmp/agent.log" 2>&1 </dev/null &
	agent=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$sock" ] || fail "tuf-agent did not start" "$tmp/agent.log"
}
