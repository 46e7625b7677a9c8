#!/bin/bash
# PINs: unlock with a wrong PIN costs exactly one C_Login and is reported as
# such, through the socket and through tufctl unlock (--pin-file and
# $TUFCTL_PINENTRY); the right PIN then unlocks; a token on its final try or locked is
# not logged into from a socket request; a failed automatic login (a wrong
# PIN file) is never retried; PINs never reach the log or the audit record.
# The token sits behind tests/tools/fault-pkcs11.so, which counts C_Login calls.
. "$(dirname "$0")/agent_lib.sh"

[ -r "$FAULT" ] || skip_all "$FAULT is not built"
make_token alpha || skip_all "softhsm2-util cannot make a token"
make_token beta || skip_all "softhsm2-util cannot make a token"
WRONG=999111
printf '%s\n' "$WRONG" >"$tmp/wrong-pin"
chmod 600 "$tmp/wrong-pin"
printf '%s\n' "$PIN" >"$tmp/right-pin"
chmod 600 "$tmp/right-pin"
{
	agent_block
	token_block alpha "$FAULT" unlock
	token_block beta "$FAULT" "file:$tmp/wrong-pin"
} >"$tmp/agent.conf"
: >"$tmp/fault.ctl"

code_name() { # FILE -> "code name"
	jget "$1" '"%s %s" % (d["code"], d["data"]["name"])'
}

agent_started "agent starts: alpha waits for unlock, beta tries its PIN file" \
	"$tmp/agent.conf" TA_FAULT_TARGET="$SOFTHSM" TA_FAULT_CTL="$tmp/fault.ctl" \
	TA_FAULT_STATS="$tmp/stats" TA_AGENT_WATCH_MS=100
check "start: one automatic login (beta's wrong PIN file), none for alpha" test "$(logins)" = 1
check "log: beta's automatic login failed and will not be tried again" \
	grep -q "token 'beta': automatic login failed and will not be tried again" "$LOG"
sleep 0.6
check "watch: the failed automatic login is not retried (6 watch periods)" test "$(logins)" = 1
call status >"$tmp/status.json"
check "status: both tokens present and locked" \
	test "$(jget "$tmp/status.json" '[(t["present"], t["unlocked"]) for t in d["tokens"]]')" = \
	'[[true, false], [true, false]]'
"$TUFCTL" --socket "$SOCK" key list >"$tmp/kl.out" 2>&1
check "tufctl key list on locked tokens says so, not 'no keys'" bash -c \
	"grep -q '^token alpha: locked: its keys are not listed (tufctl unlock --token alpha)$' '$tmp/kl.out' && ! grep -q '^no keys' '$tmp/kl.out'"
"$TUFCTL" --socket "$SOCK" status >"$tmp/st.out" 2>&1
check "tufctl status: a locked token's keys are not counted as none" \
	grep -q "^token alpha: locked, .*, keys not listed until unlocked, " "$tmp/st.out"
call key.generate '{"label":"k","type":"ecdsa-p256","token":"alpha"}' >"$tmp/out.json"
check "a locked token: key.generate is -32003" test "$(jget "$tmp/out.json" 'd["code"]')" = -32003
call unlock '{"pin":"123"}' >"$tmp/out.json"
check "unlock without a token, two configured: -32602 TA_ERR_AMBIGUOUS" \
	test "$(code_name "$tmp/out.json")" = "-32602 TA_ERR_AMBIGUOUS"
call unlock '{"token":"alpha","pin":""}' >"$tmp/out.json"
check "unlock with an empty PIN: -32602, no C_Login" \
	test "$(jget "$tmp/out.json" 'd["code"]')/$(logins)" = "-32602/1"

call unlock "{\"token\":\"alpha\",\"pin\":\"@pinfile:$tmp/wrong-pin\"}" >"$tmp/out.json"
# SoftHSM2 reports CKF_USER_PIN_COUNT_LOW once a PIN has failed: the name
# says so, the code is the same.
check "unlock with a wrong PIN: -32004 PIN incorrect" \
	test "$(jget "$tmp/out.json" '(d["code"], d["message"], d["data"]["name"] in ("TA_ERR_PIN_INCORRECT", "TA_ERR_PIN_COUNT_LOW"))')" = \
	'[-32004, "PIN incorrect", true]'
check "unlock with a wrong PIN: exactly one C_Login" test "$(logins)" = 2
sleep 0.4
check "unlock with a wrong PIN: never retried" test "$(logins)" = 2
call unlock "{\"token\":\"pkcs11:token=alpha\",\"pin\":\"@pinfile:$tmp/right-pin\"}" >"$tmp/out.json"
check "unlock with the right PIN (token named by URI)" \
	test "$(jget "$tmp/out.json" 'd["token"]')/$(logins)" = "alpha/3"
call key.generate '{"label":"k","type":"ecdsa-p256","token":"alpha"}' >"$tmp/out.json"
check "unlocked: key.generate works" test "$(jget "$tmp/out.json" 'd["key"]["token"]')" = alpha
call status >"$tmp/status.json"
check "status: alpha unlocked with one key" \
	test "$(jget "$tmp/status.json" '(d["tokens"][0]["unlocked"], d["tokens"][0]["keys"])')" = '[true, 1]'

call lock '{"token":"alpha"}' >"$tmp/out.json"
check "lock: alpha logged out" test "$(jget "$tmp/out.json" 'd["tokens"]')" = '["alpha"]'
call key.show '{"key":"k","profile":"tuf"}' >"$tmp/out.json"
check "locked again: key.show is -32003" test "$(jget "$tmp/out.json" 'd["code"]')" = -32003

set_fault "token_flags=CKF_USER_PIN_FINAL_TRY"
call status >"$tmp/status.json"
check "status: the final try is reported" \
	test "$(jget "$tmp/status.json" 'd["tokens"][0]["pin"]')" = final-try
call unlock "{\"token\":\"alpha\",\"pin\":\"@pinfile:$tmp/right-pin\"}" >"$tmp/out.json"
check "final try: unlock is -32012 and no C_Login is spent" \
	test "$(code_name "$tmp/out.json")/$(logins)" = "-32012 TA_ERR_PIN_FINAL_TRY/3"
set_fault "token_flags=CKF_USER_PIN_COUNT_LOW"
call unlock "{\"token\":\"alpha\",\"pin\":\"@pinfile:$tmp/wrong-pin\"}" >"$tmp/out.json"
check "count low: a wrong PIN is -32004 TA_ERR_PIN_COUNT_LOW, one C_Login" \
	test "$(code_name "$tmp/out.json")/$(logins)" = "-32004 TA_ERR_PIN_COUNT_LOW/4"
set_fault "token_flags=CKF_USER_PIN_LOCKED"
call unlock "{\"token\":\"alpha\",\"pin\":\"@pinfile:$tmp/right-pin\"}" >"$tmp/out.json"
check "PIN locked: unlock is -32005, no C_Login" \
	test "$(code_name "$tmp/out.json")/$(logins)" = "-32005 TA_ERR_PIN_LOCKED/4"
set_fault ""

call unlock "{\"token\":\"beta\",\"pin\":\"@pinfile:$tmp/right-pin\"}" >"$tmp/out.json"
check "beta: an unlock succeeds after the failed automatic login" \
	test "$(jget "$tmp/out.json" 'd["token"]')" = beta

# ---- the same through tufctl unlock: a wrong PIN costs exactly one try
# tufctl_unlock NAME [ENV=VALUE...] -- ARGS...: tufctl unlock with no
# controlling terminal (setsid) and stdin /dev/null; status in $rc, stdout
# in $tmp/NAME.out, stderr in $tmp/NAME.err.
tufctl_unlock() {
	local name=$1
	shift
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env -u TUFCTL_PINENTRY "${envs[@]}" setsid -w "$TUFCTL" --socket "$SOCK" unlock "$@" \
		</dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}
# one_line FILE REGEX: FILE is exactly one line, and it matches REGEX.
one_line() {
	[ "$(wc -l <"$1")" -eq 1 ] && grep -Eq "$2" "$1"
}
if [ -x "$TUFCTL" ] && command -v setsid >/dev/null; then
	n=$(logins)
	tufctl_unlock wrong -- --token alpha --pin-file "$tmp/wrong-pin"
	check "tufctl unlock --pin-file (wrong PIN): exit 1, exactly one more C_Login" \
		test "$rc/$(logins)" = "1/$((n + 1))"
	check "tufctl unlock --pin-file (wrong PIN): one line naming PIN incorrect" \
		one_line "$tmp/wrong.err" \
		"^tufctl: unlock: PIN incorrect \(TA_ERR_PIN_(INCORRECT|COUNT_LOW)\): token 'alpha': "
	check "tufctl unlock --pin-file (wrong PIN): nothing on stdout" test ! -s "$tmp/wrong.out"
	sleep 0.4
	check "tufctl unlock (wrong PIN): never retried" test "$(logins)" = $((n + 1))
	tufctl_unlock right -- --token alpha --pin-file "$tmp/right-pin"
	check "tufctl unlock --pin-file (right PIN): exit 0, 'unlocked alpha', one more C_Login" \
		test "$rc/$(cat "$tmp/right.out")/$(logins)" = "0/unlocked alpha/$((n + 2))"
	call status >"$tmp/status.json"
	check "tufctl unlock: alpha is unlocked" \
		test "$(jget "$tmp/status.json" '[t["unlocked"] for t in d["tokens"] if t["name"] == "alpha"]')" = '[true]'
	call lock '{"token":"alpha"}' >/dev/null

	tufctl_unlock notty -- --token alpha
	check "tufctl unlock with no PIN file, pinentry or terminal: exit 1, one line, no C_Login" \
		test "$rc/$(wc -l <"$tmp/notty.err")/$(logins)" = "1/1/$((n + 2))"
	check "  ... the line says where a PIN can come from" \
		grep -q "^tufctl: no terminal to ask for the PIN (/dev/tty: .*); use --pin-file F or set TUFCTL_PINENTRY=pinentry" \
		"$tmp/notty.err"

	# A pinentry program that answers with the PIN in the file named by
	# $PINENTRY_USER_DATA (a pinentry sees only a few variables, this one
	# among them: it is gpg's way of passing a pinentry data).
	cat >"$tmp/pinentry" <<'EOF'
#!/bin/sh
echo "OK ready"
while read -r cmd rest; do
	case $cmd in
	GETPIN) printf 'D %s\n' "$(cat "$PINENTRY_USER_DATA")"; echo OK ;;
	BYE) exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
	chmod 755 "$tmp/pinentry"
	tufctl_unlock pe-wrong TUFCTL_PINENTRY="$tmp/pinentry" PINENTRY_USER_DATA="$tmp/wrong-pin" -- \
		--token alpha
	check "tufctl unlock through \$TUFCTL_PINENTRY (wrong PIN): exit 1, exactly one more C_Login" \
		test "$rc/$(logins)" = "1/$((n + 3))"
	check "  ... one line naming PIN incorrect" \
		one_line "$tmp/pe-wrong.err" "^tufctl: unlock: PIN incorrect \("
	tufctl_unlock pe-right TUFCTL_PINENTRY="$tmp/pinentry" PINENTRY_USER_DATA="$tmp/right-pin" -- \
		--token alpha
	check "tufctl unlock through \$TUFCTL_PINENTRY (right PIN): unlocked, one more C_Login" \
		test "$rc/$(cat "$tmp/pe-right.out")/$(logins)" = "0/unlocked alpha/$((n + 4))"
else
	echo "SKIP: tufctl unlock cases ($TUFCTL or setsid is missing)"
fi

check "the PINs appear in neither the log nor the audit record" \
	sh -c "! grep -q -e '$WRONG' -e '$PIN' '$LOG' '$AUDIT'"
check "audit: the refused unlocks are recorded" \
	test "$(grep '"method":"unlock"' "$AUDIT" | grep -c '"result":"TA_ERR_PIN_')" -ge 4
agent_stop
check "SIGTERM: exit status 0" test $? -eq 0

# ---- why an automatic login failed, as the PIN source saw it
make_token gamma && make_token delta && make_token epsilon || skip_all "softhsm2-util cannot make a token"
{
	agent_block
	token_block gamma "$SOFTHSM" "env:TA_TEST_PIN_NOT_SET"
	token_block delta "$SOFTHSM" "file:$tmp/no-such-pin-file"
	token_block epsilon "$SOFTHSM" pinentry
} >"$tmp/why.conf"
: >"$LOG"
agent_started "agent starts with three PIN sources that cannot give a PIN" "$tmp/why.conf" \
	-u TA_TEST_PIN_NOT_SET -u DISPLAY -u WAYLAND_DISPLAY -u GPG_TTY
for _ in $(seq 1 50); do
	[ "$(grep -c "automatic login failed" "$LOG")" -ge 3 ] && break
	sleep 0.1
done
check "log: an unset variable is named" grep -q \
	"token 'gamma': automatic login failed and will not be tried again (environment variable 'TA_TEST_PIN_NOT_SET' is not set)" "$LOG"
check "log: a missing PIN file is named" grep -q \
	"token 'delta': automatic login failed and will not be tried again (PIN file '$tmp/no-such-pin-file' does not exist)" "$LOG"
check "log: pinentry without a display or a terminal says so" grep -q \
	"token 'epsilon': automatic login failed and will not be tried again (.*the agent has no display (\$DISPLAY, \$WAYLAND_DISPLAY) and no terminal" "$LOG"
agent_stop
finish
