# Shared set-up for the tests/agent-*.sh integration tests (sourced, not
# run: the name has no dash so that tests/agent-*.sh does not pick it up).
#
# Gives: $tmp (removed on exit), SoftHSM2 tokens there (SOFTHSM2_CONF),
# agent_start / agent_stop (the agent is always killed on exit), call
# (one request through tests/integration/agent_client.py), jget, ok/bad/check for
# "PASS: x" / "FAIL: x" lines.
. "$(dirname "$0")/test_lib.sh"
AGENT=$BUILD/tuf-agent
TUFCTL=$BUILD/tufctl
FAULT=$BUILD/tests/tools/fault-pkcs11.so
PY=/usr/bin/python3
CLIENT=$here/agent_client.py
PIN=123456
SO_PIN=12345678
test_name=$(basename "$0" .sh)

SOFTHSM=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && { SOFTHSM=$m; break; }
done

skip_all() {
	echo "SKIP: $test_name ($1)"
	exit 0
}
[ -n "$SOFTHSM" ] || skip_all "SoftHSM2 is not installed"
command -v softhsm2-util >/dev/null || skip_all "softhsm2-util is not installed"
[ -x "$PY" ] || skip_all "/usr/bin/python3 is not installed"
[ -x "$AGENT" ] || skip_all "$AGENT is not built"

# check NAME COMMAND...: PASS when the command succeeds.
check() {
	local n=$1
	shift
	if "$@"; then ok "$n"; else bad "$n"; fi
}

# Short: a socket path must fit in 108 bytes.
tmp=$(mktemp -d /tmp/ta-agent-XXXXXX)
SOCK=$tmp/run/agent.sock
LOG=$tmp/agent.log
AUDIT=$tmp/audit.log
agent_pid=
other_pids=()

cleanup() {
	local p
	for p in "${other_pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$agent_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$agent_pid" 2>/dev/null
	fi
	if [ "$failures" -ne 0 ] && [ -f "$LOG" ]; then
		echo "--- agent log (last 40 lines)"
		tail -n 40 "$LOG"
	fi
	if [ -n "${TA_TEST_KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# agent_at NAME TOKEN...: another agent, as on another machine: its own
# tokens (made here), PIN file, audit log ($tmp/audit-NAME.log), state and
# socket ($tmp/run-NAME/agent.sock); killed at exit.  at NAME ARGS...:
# tufctl on it.
agent_at() {
	local n=$1 conf=$tmp/agent-$1.conf t
	shift
	printf "[agent]\naudit = %s\nstate-directory = %s\nmax-frame = 1M\n" \
		"$tmp/audit-$n.log" "$tmp/state-$n" >"$conf"
	for t in "$@"; do
		make_token "$t" || return 1
		token_block "$t" "$SOFTHSM" "file:$tmp/pin" >>"$conf"
	done
	"$AGENT" --config "$conf" --socket "$tmp/run-$n/agent.sock" --foreground \
		>>"$tmp/agent-$n.log" 2>&1 &
	other_pids+=($!)
	for _ in $(seq 1 100); do
		[ -S "$tmp/run-$n/agent.sock" ] && return 0
		sleep 0.1
	done
	return 1
}
at() {
	local n=$1
	shift
	"$TUFCTL" --socket "$tmp/run-$n/agent.sock" "$@"
}

export SOFTHSM2_CONF=$tmp/softhsm2.conf
mkdir -p "$tmp/tokens"
cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $tmp/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
printf '%s\n' "$PIN" >"$tmp/pin"
chmod 600 "$tmp/pin"

# make_token LABEL
make_token() {
	softhsm2-util --init-token --free --label "$1" --pin "$PIN" --so-pin "$SO_PIN" \
		>/dev/null 2>&1
}

# write_conf FILE [AGENT_LINES] then token blocks from stdin are appended.
# token_block NAME MODULE PIN_SOURCE [SESSIONS]
token_block() {
	printf '\n[token "%s"]\nmodule = %s\nuri = pkcs11:token=%s\npin = %s\nsessions = %s\n' \
		"$1" "$2" "$1" "$3" "${4:-4}"
}
agent_block() {
	printf "[agent]\naudit = %s\nstate-directory = %s\nmax-frame = 1M\n" "$AUDIT" "$tmp/state"
}

# agent_start CONF [VAR=VALUE...]: the agent in the background, logging at
# debug level to $LOG; waits until it listens.
agent_start() {
	local conf=$1
	shift
	env "$@" "$AGENT" --config "$conf" --socket "$SOCK" --foreground >>"$LOG" 2>&1 &
	agent_pid=$!
	for _ in $(seq 1 100); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$agent_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# agent_started NAME CONF [VAR=VALUE...]: agent_start, then "PASS: NAME",
# or "FAIL: NAME" and the test ends there.
agent_started() {
	local name=$1
	shift
	if agent_start "$@"; then
		ok "$name"
	else
		bad "$name"
		exit 1
	fi
}

# agent_stop: SIGTERM, then the exit status (124 if it did not exit in 10 s).
agent_stop() {
	kill -TERM "$agent_pid" 2>/dev/null
	agent_wait
}

# agent_wait: the exit status of an agent that was told to stop (124 if it
# did not exit in 10 s; it is then killed).
agent_wait() {
	local st
	for _ in $(seq 1 100); do
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$agent_pid" 2>/dev/null; then
		kill -KILL "$agent_pid"
		wait "$agent_pid" 2>/dev/null
		agent_pid=
		return 124
	fi
	wait "$agent_pid"
	st=$?
	agent_pid=
	return $st
}

# call METHOD [PARAMS_JSON]: the result (or error) JSON on stdout.
call() {
	"$PY" "$CLIENT" "$SOCK" "$@"
}

# jget FILE_OR_- EXPR: a Python expression over d, the JSON document.
jget() {
	"$PY" -c 'import json,sys
d = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, tuple, bool)) or v is None else v)' "$1" "$2"
}

# quiet COMMAND...: the command with its output kept in $tmp/quiet.log.
quiet() {
	"$@" >"$tmp/quiet.log" 2>&1
}

# set_fault LINE...: the fault module's control file becomes these lines at once.
set_fault() {
	printf '%s\n' "$@" >"$tmp/fault.ctl.new"
	mv "$tmp/fault.ctl.new" "$tmp/fault.ctl"
}
# logins: C_Login calls so far (all tokens), from the fault module's stats.
logins() {
	sed -n 's/^C_Login=//p' "$tmp/stats" 2>/dev/null | grep . || echo 0
}
# wait_log PATTERN: up to 5 s for the agent to log it.
wait_log() {
	for _ in $(seq 1 50); do
		grep -q "$1" "$LOG" && return 0
		sleep 0.1
	done
	return 1
}

finish() {
	[ "$failures" -eq 0 ]
	exit $?
}
