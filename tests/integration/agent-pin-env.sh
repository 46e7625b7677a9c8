#!/bin/bash
# pin = env:NAME: the agent logs in with the variable's
# value, and from start-up on the value is nowhere in its environment:
# not in environ, and not in the memory /proc/PID/environ shows (the
# strings the kernel put on the stack at exec), which unsetenv() alone
# would leave as they were.
. "$(dirname "$0")/agent_lib.sh"

make_token alpha || skip_all "softhsm2-util cannot make a token"
VAR=TA_TEST_ENV_PIN
{
	agent_block
	token_block alpha "$SOFTHSM" "env:$VAR"
} >"$tmp/agent.conf"
# A marker after the PIN's variable: the bytes around it are still there.
agent_started "agent starts with pin = env:$VAR" \
	"$tmp/agent.conf" "$VAR=$PIN" TA_TEST_AFTER=still-here
for _ in $(seq 1 50); do
	call status >"$tmp/status.json"
	[ "$(jget "$tmp/status.json" 'd["tokens"][0]["unlocked"]')" = true ] && break
	sleep 0.1
done
check "env: the automatic login used the variable (token unlocked)" \
	test "$(jget "$tmp/status.json" 'd["tokens"][0]["unlocked"]')" = true
call key.generate '{"label":"env-k","type":"ecdsa-p256"}' >"$tmp/gen.json"
check "env: the token signs for us (key.generate)" \
	test "$(jget "$tmp/gen.json" 'd["key"]["label"]')" = env-k

tr '\0' '\n' <"/proc/$agent_pid/environ" >"$tmp/environ"
check "/proc/PID/environ: the variable is gone" sh -c "! grep -q '^$VAR=' '$tmp/environ'"
check "/proc/PID/environ: the PIN's bytes are gone" sh -c "! grep -aq '$PIN' '/proc/$agent_pid/environ'"
check "/proc/PID/environ: the rest is intact" grep -qx 'TA_TEST_AFTER=still-here' "$tmp/environ"
check "the PIN appears in neither the log nor the audit record" \
	sh -c "! grep -q -e '$PIN' '$LOG' '$AUDIT'"
agent_stop
check "SIGTERM: exit status 0" test $? -eq 0

# Unset: the login says so, as before.
: >"$LOG"
if agent_start "$tmp/agent.conf"; then
	sleep 0.5
	check "env: an unset variable fails the automatic login, reported" \
		grep -q "token 'alpha': automatic login failed" "$LOG"
	agent_stop
else
	bad "agent starts without the variable"
fi
exit $((failures > 0))
