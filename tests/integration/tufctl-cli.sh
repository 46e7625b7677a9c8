#!/bin/sh
# tufctl's command line without a real agent: usage errors (exit 2, one line
# on stderr), connection errors (exit 1), PIN files and metadata files refused
# before connecting, and every agent command against tests/tools/fake_agent.py, a
# Debian /usr/bin/python3 standard-library stand-in for tuf-agent (framing,
# id matching, notices, error responses, --json, sign -o).
#
# Prints one "PASS: name" / "FAIL: name (why)" per case; the fake-agent cases
# are SKIPped when /usr/bin/python3 is missing.  Builds nothing.
set -u

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
tufctl=$BUILD/tufctl
py=/usr/bin/python3

case $tufctl in /*) ;; *) tufctl=$PWD/$tufctl ;; esac
if [ ! -x "$tufctl" ]; then
	echo "FAIL: tufctl-cli ($tufctl is not built)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tufctl-cli.XXXXXX") || exit 1
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Nothing from the caller's environment decides where tufctl connects.
unset TUF_AGENT_SOCK XDG_RUNTIME_DIR TUFCTL_PINENTRY
sock=$tmp/agent.sock
nosock=$tmp/no-such-dir/agent.sock

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ($2)"; }

# run ARGS...: tufctl with stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	"$tufctl" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}
lines() { wc -l <"$1" | tr -d ' '; }
err_is() { [ "$(cat "$tmp/err")" = "$1" ]; }

# ran NAME RC CHECK: after run, pass NAME when tufctl exited RC and the
# shell code CHECK holds; else fail, with the start of its stderr.
ran() {
	if [ "$rc" -eq "$2" ] && eval "$3"; then
		pass "$1"
	else
		fail "$1" "status $rc, stderr: $(head -c 300 "$tmp/err")"
	fi
}

# usage NAME ARGS...: exit 2, exactly one line on stderr, nothing on stdout
usage() {
	name=$1
	shift
	run "$@"
	ran "usage: $name" 2 '[ "$(lines "$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]'
}

# refused NAME WANT ARGS...: exit 1 and exactly the one line WANT on stderr
refused() {
	name=$1 want=$2
	shift 2
	run "$@"
	ran "$name" 1 'err_is "$want" && [ ! -s "$tmp/out" ]'
}

# refused_with NAME TEXT ARGS...: exit 1 with TEXT (a grep pattern) on stderr
refused_with() {
	name=$1 want=$2
	shift 2
	run "$@"
	ran "$name" 1 'grep -q "$want" "$tmp/err"'
}

# ---- usage errors -------------------------------------------------------------
usage "no command"
usage "unknown command" frobnicate
usage "unknown global option" --frob status
usage "--socket without a value" --socket
usage "key without a subcommand" key
usage "key unknown subcommand" key frob
usage "key generate without --label" key generate
usage "key generate unknown --type" key generate --label x --type rsa-1024
usage "key generate empty --label" key generate --label ""
usage "key cert without --gun" key cert --label x
usage "key cert --days 0" key cert --label x --gun g --days 0
usage "key cert --days junk" key cert --label x --gun g --days 3x
usage "key show unknown profile" key show --label x --profile x509
usage "key scope without --label" key scope --gun g --role targets
usage "key scope --gun without --role" key scope --label x --gun g
usage "key scope --clear with a scope" key scope --label x --clear --gun g --role targets
usage "key scope --add without a scope" key scope --label x --add
usage "key scope unknown profile" key scope --label x --gun g --role r --profile x
usage "key generate --gun without --role" key generate --label x --gun g
usage "sign without --key" sign --profile tuf --role targets f.json
usage "sign notary without --gun" sign --profile notary --role targets --key k f.json
usage "sign without FILE" sign --profile tuf --role targets --key k
usage "sign with two FILEs" sign --profile tuf --role targets --key k a b
usage "sign --key twice" sign --profile tuf --role targets --key k --key k f
usage "sign 17 keys" sign --profile tuf --role targets --key 1 --key 2 --key 3 --key 4 \
	--key 5 --key 6 --key 7 --key 8 --key 9 --key 10 --key 11 --key 12 --key 13 --key 14 \
	--key 15 --key 16 --key 17 f
usage "sign unknown option" sign --frob
usage "status with an argument" status extra
usage "lock with an argument" lock extra

# --pin is not an option (nor an abbreviation of --pin-file), and what
# follows it is never echoed.
for form in "--pin 31415926" "--pin=31415926" "31415926"; do
	# shellcheck disable=SC2086
	run --socket "$nosock" unlock $form
	if [ "$rc" -eq 2 ] && [ "$(lines "$tmp/err")" -eq 1 ] && ! grep -q 31415926 "$tmp/err"; then
		pass "usage: unlock $(echo "$form" | sed 's/31415926/PIN/') refused, PIN not echoed"
	else
		fail "usage: unlock $form" "status $rc, stderr: $(cat "$tmp/err")"
	fi
done

run --help
if [ "$rc" -eq 0 ] && for c in "status" "unlock \[--token URI\] \[--pin-file F\]" \
	"lock \[--token URI\]" "key list" "key generate --label L" "key cert --label L --gun GUN" \
	"key show --label L --profile notary|tuf" "sign --profile notary|tuf --role ROLE" \
	"verify --profile" "canonical --profile"; do
	grep -q "^  $c" "$tmp/out" || exit 1
done; then
	pass "--help lists the commands of DESIGN.md"
else
	fail "--help lists the commands of DESIGN.md" "status $rc"
fi

# ---- connection errors ----------------------------------------------------------
hint="is tuf-agent running? (see --socket, \$TUF_AGENT_SOCK; under systemd: systemctl status tuf-agent.socket, journalctl -u tuf-agent)"
refused "no socket at --socket" \
	"tufctl: cannot connect to the agent at $nosock: No such file or directory; $hint" \
	--socket "$nosock" status
: >"$tmp/regular"
refused "a regular file at --socket" \
	"tufctl: cannot connect to the agent at $tmp/regular: Connection refused; $hint" \
	--socket "$tmp/regular" key list
TUF_AGENT_SOCK=$nosock refused "\$TUF_AGENT_SOCK" \
	"tufctl: cannot connect to the agent at $nosock: No such file or directory; $hint" status
TUF_AGENT_SOCK=$tmp/regular refused "--socket wins over \$TUF_AGENT_SOCK" \
	"tufctl: cannot connect to the agent at $nosock: No such file or directory; $hint" \
	--socket "$nosock" status
XDG_RUNTIME_DIR=$tmp/xdg refused "\$XDG_RUNTIME_DIR/tuf-agent/agent.sock" \
	"tufctl: cannot connect to the agent at $tmp/xdg/tuf-agent/agent.sock: No such file or directory; $hint" \
	status
if [ -e /run/tuf-agent/agent.sock ]; then
	echo "SKIP: /run/tuf-agent/agent.sock by default (a system agent is there)"
else
	refused "/run/tuf-agent/agent.sock by default" \
		"tufctl: cannot connect to the agent at /run/tuf-agent/agent.sock: No such file or directory; $hint" \
		status
fi
long=$tmp/$(printf '%0120d' 0)
run --socket "$long" status
if [ "$rc" -eq 1 ] && [ "$(lines "$tmp/err")" -eq 1 ] && grep -q "longer than 107 bytes" "$tmp/err"; then
	pass "a socket path too long for sun_path"
else
	fail "a socket path too long for sun_path" "status $rc, stderr: $(cat "$tmp/err")"
fi

# ---- refused before connecting: PIN files, metadata files -------------------------
# pin_refused HOW NAME WANT FILE MODE FORMAT: FILE holding printf FORMAT, with
# mode MODE; unlock --pin-file FILE is refused (HOW: refused or refused_with).
pin_refused() {
	# shellcheck disable=SC2059 # FORMAT is the content, escapes and all
	printf "$6" >"$4"
	chmod "$5" "$4"
	"$1" "$2" "$3" --socket "$nosock" unlock --pin-file "$4"
}
pin_refused refused "--pin-file with mode 0644" \
	"tufctl: PIN file '$tmp/pin644' has mode 0644: it must not be accessible to group or others; run chmod 600 '$tmp/pin644'" \
	"$tmp/pin644" 644 '1234\n'
pin_refused refused_with "--pin-file with mode 0640" "has mode 0640" "$tmp/pin640" 640 '1234\n'
refused "--pin-file that does not exist" \
	"tufctl: PIN file '$tmp/nopin' does not exist" \
	--socket "$nosock" unlock --pin-file "$tmp/nopin"
pin_refused refused "--pin-file that is empty" "tufctl: the PIN from PIN file '$tmp/pinempty' is empty" \
	"$tmp/pinempty" 600 ''
pin_refused refused "--pin-file with only a newline" "tufctl: the PIN from PIN file '$tmp/pinnl' is empty" \
	"$tmp/pinnl" 600 '\n'
pin_refused refused "--pin-file over 256 bytes" \
	"tufctl: the PIN from PIN file '$tmp/pinlong' is longer than 256 bytes" \
	"$tmp/pinlong" 600 "$(head -c 257 /dev/zero | tr '\0' 7)"
pin_refused refused_with "--pin-file with two lines" "more than one line" "$tmp/pin2" 600 '12\n34\n'
pin_refused refused "--pin-file not UTF-8" \
	"tufctl: the PIN from PIN file '$tmp/pinutf' is not valid UTF-8 (byte 2)" \
	"$tmp/pinutf" 600 '12\3774\n'
# The agent's rules (common/pinsrc.h): no symbolic link, no FIFO (refused
# at once, never waiting for a writer), no directory.
printf '1234\n' >"$tmp/pin-target"
chmod 600 "$tmp/pin-target"
ln -sf "$tmp/pin-target" "$tmp/pin-link"
refused "--pin-file that is a symbolic link" \
	"tufctl: PIN file '$tmp/pin-link' is a symbolic link; name the file itself" \
	--socket "$nosock" unlock --pin-file "$tmp/pin-link"
mkfifo -m 600 "$tmp/pin-fifo"
timeout 10 "$tufctl" --socket "$nosock" unlock --pin-file "$tmp/pin-fifo" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 1 ] && err_is "tufctl: PIN file '$tmp/pin-fifo' is not a regular file"; then
	pass "--pin-file that is a FIFO: refused without waiting for a writer"
else
	fail "--pin-file that is a FIFO" "status $rc, stderr: $(head -c 300 "$tmp/err")"
fi
refused "--pin-file that is a directory" \
	"tufctl: PIN file '$tmp' is not a regular file" \
	--socket "$nosock" unlock --pin-file "$tmp"

printf '{"signed":{"x":"\303\050"},"signatures":[]}' >"$tmp/bad-utf8.json"
refused "metadata not UTF-8, before connecting" \
	"tufctl: '$tmp/bad-utf8.json' is not valid UTF-8 (byte 16): a metadata file is JSON text" \
	--socket "$nosock" sign --profile tuf --role targets --key k "$tmp/bad-utf8.json"
printf '{"signed":{"x":"\355\240\200"}}' >"$tmp/surrogate.json"
refused_with "metadata with an encoded surrogate refused" "not valid UTF-8 (byte 16)" \
	--socket "$nosock" sign --profile tuf --role targets --key k "$tmp/surrogate.json"
printf '{"a":1}\000' >"$tmp/nul.json"
refused "metadata with a NUL, before connecting" \
	"tufctl: '$tmp/nul.json' contains a NUL byte (byte 7): a metadata file is JSON text" \
	--socket "$nosock" sign --profile tuf --role targets --key k "$tmp/nul.json"
: >"$tmp/empty.json"
refused "empty metadata, before connecting" "tufctl: '$tmp/empty.json' is empty; nothing to sign" \
	--socket "$nosock" sign --profile tuf --role targets --key k "$tmp/empty.json"
printf '{"signed":{},"signatures":[]}' >"$tmp/meta.json"
refused "sign -o into a missing directory, before connecting" \
	"tufctl: cannot create a file in '$tmp/nodir' for '$tmp/nodir/out.json': No such file or directory" \
	--socket "$nosock" sign --profile tuf --role targets --key k -o "$tmp/nodir/out.json" \
	"$tmp/meta.json"

# ---- against the fake agent -------------------------------------------------------
if [ ! -x "$py" ]; then
	echo "SKIP: fake agent cases ($py is missing)"
	exit 0
fi

# start SCENARIO: a fake agent on $sock, its requests in $tmp/req.log
start() {
	rm -f "$sock" "$tmp/req.log"
	: >"$tmp/req.log"
	"$py" "$here/../tools/fake_agent.py" "$sock" "$1" "$tmp/req.log" 2>"$tmp/fake.err" &
	fake_pid=$!
	i=0
	while [ ! -S "$sock" ] && [ "$i" -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
stop() {
	kill "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
	fake_pid=
}
# agent SCENARIO ARGS...: tufctl --socket $sock ARGS against a fresh fake agent
agent() {
	scenario=$1
	shift
	start "$scenario"
	run --socket "$sock" "$@"
	stop
}
# req N EXPR: python expression over the N-th request (r) that must hold
req() {
	"$py" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
sys.exit(0 if eval(sys.argv[3]) else 1)' "$tmp/req.log" "$1" "$2" 2>/dev/null
}
# same_json FILE EXPR: FILE is one line of JSON equal to the python value EXPR
same_json() {
	"$py" -c 'import json, sys
data = open(sys.argv[1]).read()
sys.exit(0 if data.count("\n") == 1 and json.loads(data) == eval(sys.argv[2]) else 1)' \
		"$1" "$2" 2>/dev/null
}
check() { # NAME CONDITION-STATUS [WHY]
	if [ "$2" -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "${3:-status $rc, stderr: $(head -c 300 "$tmp/err")}"
	fi
}

KN=9f2c$(printf '%056d' 0)0001
KT=1234$(printf '%056d' 0)0002

# status, human
agent ok status
cat >"$tmp/want" <<EOF
agent: fake-agent 1, protocol 1
token ci-hsm: unlocked, PIN ok, 2 keys, pkcs11:token=ci-hsm
token yubi: absent, pkcs11:token=yubi
token hsm2: locked, PIN tries left: 1 (unlock interactively), keys not listed until unlocked, pkcs11:token=hsm2
EOF
[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want" && [ ! -s "$tmp/err" ]
check "status: human output" $?
req 0 'r == {"jsonrpc":"2.0","id":1,"method":"hello","params":{"versions":[1],"client":"tufctl 0.1.0"}}' &&
	req 1 'r["method"] == "status" and r["id"] != 1 and r.get("params", {}) == {}'
check "status: hello with version 1 first, then one request with its own id" $?

# status --json
agent ok --json status
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"version":1,"agent":"fake-agent 1","tokens":[
 {"name":"ci-hsm","uri":"pkcs11:token=ci-hsm","present":True,"unlocked":True,"pin":"ok","keys":2},
 {"name":"yubi","uri":"pkcs11:token=yubi","present":False,"unlocked":False,"pin":"unknown","keys":0},
 {"name":"hsm2","uri":"pkcs11:token=hsm2","present":True,"unlocked":False,"pin":"final-try","keys":1}]}'
check "status --json: the result object on one line" $?
agent ok status --json
[ "$rc" -eq 0 ] && head -c 1 "$tmp/out" | grep -q '{'
check "status --json after the command" $?

# control characters from the agent never reach the terminal raw
agent ctrl status
[ "$rc" -eq 0 ] && grep -q '^token ci?\[31m-hsm: unlocked' "$tmp/out" && ! grep -q "$(printf '\033')" "$tmp/out"
check "status: control characters shown as ?" $?
agent ctrl --json key list
[ "$rc" -eq 0 ] && ! grep -q "$(printf '\007')" "$tmp/out" && grep -q 'root-1\\u0007' "$tmp/out"
check "key list --json: control characters escaped" $?

# unlock with a PIN file: the PIN goes as unlock.pin, without the newline
printf 'p\303\251n 12%%34\n' >"$tmp/pin600"
chmod 600 "$tmp/pin600"
agent ok unlock --pin-file "$tmp/pin600" --token ci-hsm
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "unlocked ci-hsm" ] &&
	req 1 'r["method"] == "unlock" and r["params"] == {"token":"ci-hsm","pin":"p\u00e9n 12%34"}'
check "unlock --pin-file: PIN sent without its newline" $?
printf 'p\303\251n 12%%34\r\n' >"$tmp/pincrlf"
chmod 400 "$tmp/pincrlf"
agent ok unlock --pin-file "$tmp/pincrlf" --token ci-hsm
[ "$rc" -eq 0 ] && req 1 'r["params"] == {"token":"ci-hsm","pin":"p\u00e9n 12%34"}'
check "unlock --pin-file: a CRLF line ending dropped too" $?
agent ok --json unlock --pin-file "$tmp/pin600"
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"token":"ci-hsm"}' && req 1 '"token" not in r["params"]'
check "unlock --json; no --token means no token param" $?

# unlock through a pinentry program (Assuan)
cat >"$tmp/pinentry" <<'EOF'
#!/bin/sh
echo "OK Pleased to meet you"
while read -r cmd rest; do
	case $cmd in
	GETPIN) echo "# a comment"; echo "D 12%2534%25"; echo "D zz"; echo OK ;;
	BYE) echo OK; exit 0 ;;
	SETDESC) echo "$rest" >"${0%/*}/pinentry.desc"; echo OK ;;
	*) echo OK ;;
	esac
done
EOF
chmod 755 "$tmp/pinentry"
start ok
TUFCTL_PINENTRY=$tmp/pinentry "$tufctl" --socket "$sock" unlock --token 'a%b' >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
stop
[ "$rc" -eq 0 ] && req 1 'r["params"] == {"token":"a%b","pin":"12%34%zz"}' &&
	grep -q 'token a%25b' "$tmp/pinentry.desc"
check "unlock with \$TUFCTL_PINENTRY: Assuan D lines decoded" $?
cat >"$tmp/pinentry-cancel" <<'EOF'
#!/bin/sh
echo "OK"
while read -r cmd rest; do
	case $cmd in
	GETPIN) echo "ERR 83886179 Operation cancelled <Pinentry>" ;;
	*) echo OK ;;
	esac
done
EOF
chmod 755 "$tmp/pinentry-cancel"
start ok
TUFCTL_PINENTRY=$tmp/pinentry-cancel "$tufctl" --socket "$sock" unlock >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
stop
[ "$rc" -eq 1 ] && err_is "tufctl: PIN entry cancelled" && [ "$(wc -l <"$tmp/req.log")" -eq 1 ]
check "unlock: pinentry cancelled, nothing sent" $?

start ok
TUFCTL_PINENTRY=$tmp/no-pinentry "$tufctl" --socket "$sock" unlock >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
stop
[ "$rc" -eq 1 ] && err_is "tufctl: pinentry program '$tmp/no-pinentry' not found (\$TUFCTL_PINENTRY)"
check "unlock: a pinentry that does not exist" $?

# unlock on a terminal: a pty, echo off, prompt on stderr
: >"$tmp/req.log"
"$py" - "$tufctl" "$sock" "$here/../tools/fake_agent.py" "$tmp" <<'EOF' >"$tmp/pty.out" 2>&1
import os, pty, subprocess, sys, termios, time
tufctl, sock, fake, tmp = sys.argv[1:5]
if os.path.exists(sock):
    os.unlink(sock)
agent = subprocess.Popen(["/usr/bin/python3", fake, sock, "ok", tmp + "/req.log"])
for _ in range(200):
    if os.path.exists(sock):
        break
    time.sleep(0.05)
pid, fd = pty.fork()
if pid == 0:
    os.execv(tufctl, [tufctl, "--socket", sock, "unlock", "--token", "ci-hsm"])
seen = b""
deadline = time.time() + 30
while b"PIN for token 'ci-hsm': " not in seen and time.time() < deadline:
    seen += os.read(fd, 1024)
echo_off = not (termios.tcgetattr(fd)[3] & termios.ECHO)
time.sleep(0.1)
os.write(fd, b"secret-pin\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
agent.wait(timeout=10)
print("echo_off=%s status=%d" % (echo_off, os.waitstatus_to_exitcode(status)))
print("pin_echoed=%s" % (b"secret-pin" in seen))
print("unlocked=%s" % (b"unlocked ci-hsm" in seen))
EOF
[ "$(cat "$tmp/pty.out")" = "echo_off=True status=0
pin_echoed=False
unlocked=True" ] && req 1 'r["params"] == {"token":"ci-hsm","pin":"secret-pin"}'
check "unlock on a terminal: echo off, PIN read from /dev/tty" $? "$(tr '\n' ' ' <"$tmp/pty.out")"

# error responses: one line, method, message, name, detail; exit 1
agent error unlock --pin-file "$tmp/pin600"
[ "$rc" -eq 1 ] && err_is "tufctl: unlock: PIN incorrect (TA_ERR_PIN_INCORRECT): the token refused the PIN; it was not retried" && [ ! -s "$tmp/out" ]
check "error response: one line with method, message, name and detail" $?
agent error-nodata key list
[ "$rc" -eq 1 ] && [ "$(lines "$tmp/err")" -eq 1 ] && grep -q '^tufctl: key list: token absent (TA_ERR_TOKEN_ABSENT): .' "$tmp/err"
check "error response without data: name from the code" $?
agent error-nullid status
[ "$rc" -eq 1 ] && err_is "tufctl: status: invalid request (TA_ERR_INVALID): the request's id: missing"
check "error response with a null id is ours" $?
agent unsupported status
[ "$rc" -eq 1 ] && err_is "tufctl: the agent: unsupported (TA_ERR_UNSUPPORTED): no protocol version in common; this agent speaks 2" && [ "$(wc -l <"$tmp/req.log")" -eq 1 ]
check "hello refused: nothing else sent" $?
agent no-methods key list
[ "$rc" -eq 1 ] && err_is "tufctl: the agent at $sock (fake-agent 1) does not offer key.list; upgrade it"
check "a method the agent does not offer" $?

# broken agents: one line, exit 1
for s in garbage extra huge zero close; do
	agent "$s" status
	case $s in
	huge) want="sent a frame over the 67108864-byte limit" ;;
	zero) want="sent an empty frame" ;;
	close) want="closed the connection before answering status; see the agent's log (under systemd: journalctl -u tuf-agent; tuf-agent --check-config FILE finds a bad configuration)" ;;
	*) want="sent a malformed message while answering status (TA_ERR_PROTOCOL)" ;;
	esac
	[ "$rc" -eq 1 ] && [ "$(lines "$tmp/err")" -eq 1 ] && grep -qF "$want" "$tmp/err" && [ ! -s "$tmp/out" ]
	check "agent sends $s: protocol error" $?
done

# notices about another request are not printed; unknown kinds are printed
agent kind status
[ "$rc" -eq 0 ] && err_is "tufctl: a kind from the future" && grep -q '^agent: fake-agent 1' "$tmp/out"
check "a notice of an unknown kind does not disturb the request" $?

# lock
agent ok lock
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "locked ci-hsm
locked hsm2" ] && req 1 'r["method"] == "lock" and r["params"] == {}'
check "lock: every token" $?
agent ok --json lock --token hsm2
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"tokens":["ci-hsm","hsm2"]}' && req 1 'r["params"] == {"token":"hsm2"}'
check "lock --token --json" $?

# key list
agent ok key list
cat >"$tmp/want" <<EOF
LABEL      TOKEN   TYPE        CERT  NOTARY-KEYID                                                      TUF-KEYID
targets-1  ci-hsm  ecdsa-p256  no    $KN  $KT
root-1     ci-hsm  ecdsa-p384  yes   $KN  $KT
token yubi: absent: its keys are not listed (insert it)
token hsm2: locked: its keys are not listed (tufctl unlock --token hsm2)
EOF
[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want"
check "key list: a table, then the tokens whose keys it cannot show" $?
agent ok --json key list
[ "$rc" -eq 0 ] && "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [k["label"] for k in d["keys"]]==["targets-1","root-1"] else 1)' "$tmp/out"
check "key list --json" $?

# key generate
agent ok key generate --label targets-2
[ "$rc" -eq 0 ] && req 1 'r["method"] == "key.generate" and r["params"] == {"label":"targets-2","type":"ecdsa-p256"}' &&
	[ "$(head -n 3 "$tmp/out")" = "label   targets-2
token   ci-hsm
type    ecdsa-p256" ] && grep -q "^notary  $KN\$" "$tmp/out" && grep -q "^tuf     $KT\$" "$tmp/out"
check "key generate: ecdsa-p256 by default" $?
agent ok --json key generate --label r --type ed25519 --token hsm2
[ "$rc" -eq 0 ] && req 1 'r["params"] == {"label":"r","type":"ed25519","token":"hsm2"}' &&
	"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["key"]["type"]=="ed25519" else 1)' "$tmp/out"
check "key generate --type --token --json" $?

# key cert
agent ok key cert --label root-1 --gun r.example/app
printf -- '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n' >"$tmp/want"
[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want" &&
	req 1 'r["method"] == "key.scope" and r["params"] == {"key":"root-1"}' &&
	req 3 'r["method"] == "key.cert" and r["params"] == {"key":"root-1","gun":"r.example/app"}'
check "key cert: PEM on stdout (the key's scope read first, covering root)" $?
agent ok key cert --label root-1 --gun r.example/app --role targets/rel
[ "$rc" -eq 0 ] && req 3 'r["method"] == "key.scope" and r["params"] == {"key":"root-1","add":{"profile":"notary","guns":["r.example/app"],"roles":["targets/rel"]}}' &&
	req 5 'r["method"] == "key.cert"'
check "key cert --role: a scope that does not cover the role is widened first" $?
agent ok --json key cert --label root-1 --gun r.example/app --days 30 --store
[ "$rc" -eq 0 ] && req 3 'r["params"] == {"key":"root-1","gun":"r.example/app","days":30,"store":True}' &&
	same_json "$tmp/out" '{"pem":"-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n","stored":True,"not_after":"2035-01-01T00:00:00Z"}'
check "key cert --days --store --json" $?

# key scope
agent ok key scope --label root-1
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "label  root-1
keyid  $KN
scope  gun *; roles root" ] && req 1 'r["method"] == "key.scope" and r["params"] == {"key":"root-1"}'
check "key scope: shows the scope" $?
agent ok key scope --label t --gun r.example/a --gun 'r.example/b*' --role targets --profile notary --add
[ "$rc" -eq 0 ] && grep -q "^scope  notary gun r.example/a, r.example/b\*; roles targets$" "$tmp/out" &&
	req 1 'r["params"] == {"key":"t","add":{"guns":["r.example/a","r.example/b*"],"roles":["targets"],"profile":"notary"}}'
check "key scope --add: the scope widened, as given" $?
agent ok --json key scope --label t --gun g --role r
[ "$rc" -eq 0 ] && req 1 'r["params"] == {"key":"t","set":{"guns":["g"],"roles":["r"]}}' &&
	same_json "$tmp/out" '{"label":"t","keyid":"'$KN'","scope":{"guns":["g"],"roles":["r"]}}'
check "key scope --json: set" $?
agent ok key scope --label t --clear
[ "$rc" -eq 0 ] && grep -q "^scope  none$" "$tmp/out" && req 1 'r["params"] == {"key":"t","clear":True}'
check "key scope --clear" $?
agent ok key generate --label s --gun g --role targets
[ "$rc" -eq 0 ] && req 1 'r["params"] == {"label":"s","type":"ecdsa-p256","scope":{"guns":["g"],"roles":["targets"]}}'
check "key generate --gun --role: the new key's scope" $?

# key show
agent ok key show --label root-1 --profile notary
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "profile  notary
keyid    $KN
scope    none
key      {\"keytype\":\"ecdsa-x509\",\"keyval\":{\"private\":null,\"public\":\"QUJD\"}}" ] &&
	req 1 'r["params"] == {"key":"root-1","profile":"notary"}'
check "key show: key ID and key object" $?
agent ok key show --label targets-1 --profile tuf
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "profile  tuf
keyid    $KT
scope    none
key      {\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":\"-----BEGIN PUBLIC KEY-----\\nQUJD\\n-----END PUBLIC KEY-----\\n\"}}" ]
check "key show: a PEM inside the key object stays escaped JSON" $?
agent ok --json key show --label root-1 --profile notary
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"profile":"notary","keyid":"'$KN'","key":{"keytype":"ecdsa-x509","keyval":{"private":None,"public":"QUJD"}},"scope":None}'
check "key show --json" $?

# sign to stdout: notice printed once, stale id ignored, split frame read
printf '{"signed":{"_type":"targets","name":"caf\303\251\\u00e9","n":"\t"},\n"signatures":[]}\n' >"$tmp/t.json"
sed "s/\"signatures\":\[\]/\"signatures\":[{\"keyid\":\"$KN\",\"sig\":\"c2ln\"}]/" "$tmp/t.json" >"$tmp/t.want"
agent ok sign --profile notary --role targets --gun r.example/app --key targets-1 --key "$KT" "$tmp/t.json"
[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/t.want" &&
	err_is "tufctl: touch your key or check its PIN pad"
check "sign: exact bytes on stdout, one touch notice, other ids ignored" $?
"$py" -c 'import json,sys
r = [json.loads(l) for l in open(sys.argv[1])][1]
want = open(sys.argv[2], "rb").read().decode()
sys.exit(0 if r["method"] == "sign" and r["params"]["file"] == want and
         r["params"]["keys"] == ["targets-1", sys.argv[3]] and r["params"]["gun"] == "r.example/app"
         and r["params"]["profile"] == "notary" and r["params"]["role"] == "targets" else 1)' \
	"$tmp/req.log" "$tmp/t.json" "$KT"
check "sign: the file's exact bytes sent as params.file" $?

# sign from stdin, tuf profile without --gun
start ok
"$tufctl" --socket "$sock" sign --profile tuf --role targets --key targets-1 - <"$tmp/t.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
stop
[ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/t.want" && req 1 '"gun" not in r["params"]'
check "sign -: file from stdin, tuf without --gun" $?

# sign -o: atomic write, mode 0644
mkdir "$tmp/o"
echo old >"$tmp/o/t.json"
chmod 600 "$tmp/o/t.json"
sha=$(sha256sum "$tmp/t.want" | cut -d' ' -f1)
agent ok sign --profile tuf --role targets --key targets-1 -o "$tmp/o/t.json" "$tmp/t.json"
[ "$rc" -eq 0 ] && cmp -s "$tmp/o/t.json" "$tmp/t.want" &&
	[ "$(stat -c %a "$tmp/o/t.json")" = 644 ] && [ "$(ls -A "$tmp/o")" = t.json ] &&
	[ "$(cat "$tmp/out")" = "wrote $tmp/o/t.json: signed by $KN; signed bytes sha256 $sha" ]
check "sign -o: replaced atomically, mode 0644, no temporary left" $?
agent ok --json sign --profile tuf --role targets --key targets-1 -o "$tmp/o/t2.json" "$tmp/t.json"
[ "$rc" -eq 0 ] && cmp -s "$tmp/o/t2.json" "$tmp/t.want" &&
	same_json "$tmp/out" '{"output":"'"$tmp/o/t2.json"'","keyids":["'$KN'"],"sha256":"'$sha'"}'
check "sign -o --json: output, keyids, sha256" $?
agent ok --json sign --profile tuf --role targets --key targets-1 "$tmp/t.json"
[ "$rc" -eq 0 ] && "$py" -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["file"] == open(sys.argv[2], "rb").read().decode() and d["keyids"] == [sys.argv[3]] else 1)' \
	"$tmp/out" "$tmp/t.want" "$KN"
check "sign --json: the result object" $?
mkdir "$tmp/o/dir"
refused "sign -o naming a directory, before connecting" "tufctl: -o '$tmp/o/dir' names a directory, not a file" \
	--socket "$nosock" sign --profile tuf --role targets --key k -o "$tmp/o/dir" "$tmp/t.json"
rmdir "$tmp/o/dir"
echo keep >"$tmp/o/t3.json"
agent error sign --profile tuf --role targets --key targets-1 -o "$tmp/o/t3.json" "$tmp/t.json"
[ "$rc" -eq 1 ] && [ "$(cat "$tmp/o/t3.json")" = keep ] && [ "$(ls -A "$tmp/o" | wc -l)" -eq 3 ] &&
	err_is "tufctl: signing targets: PIN incorrect (TA_ERR_PIN_INCORRECT): the token refused the PIN; it was not retried"
check "sign -o refused: OUT untouched, no temporary left" $?


# ---- issue #15 part 3: the user's words, --json errors, --verbose -------------------
# is_json_error FILE CODE: FILE is one line {"error":{"code":CODE,"message":M}}, M without
# "tufctl: " and without a protocol path.
is_json_error() {
	"$py" -c 'import json, sys
d = open(sys.argv[1]).read()
o = json.loads(d)
e = o["error"]
ok = (d.count("\n") == 1 and list(o) == ["error"] and sorted(e) == ["code", "message"] and
      e["code"] == sys.argv[2] and not e["message"].startswith("tufctl") and
      "params." not in e["message"] and e["message"] != "")
sys.exit(0 if ok else 1)' "$1" "$2" 2>/dev/null
}
agent error-params sign --profile tuf --role targets --key mykey "$tmp/meta.json"
[ "$rc" -eq 1 ] && [ "$(lines "$tmp/err")" -eq 1 ] && ! grep -q 'params\.\|sign:' "$tmp/err" &&
	err_is "tufctl: signing targets: key not found (TA_ERR_KEY_NOT_FOUND): key 'mykey': no such key on token 'ci'; the file: checked; the key: none"
check "agent errors in the user's words: key 'mykey', the file; no params. path, no method name" $?
agent error-params key show --label L1 --profile tuf
[ "$rc" -eq 1 ] && grep -q "^tufctl: key 'L1': key not found (TA_ERR_KEY_NOT_FOUND): .*key 'L1': none$" "$tmp/err" &&
	! grep -q 'key\.show' "$tmp/err"
check "key show's error names key 'L1', not key.show" $?
agent error-params --json key show --label L1 --profile tuf
[ "$rc" -eq 1 ] && is_json_error "$tmp/out" TA_ERR_KEY_NOT_FOUND && [ "$(lines "$tmp/err")" -eq 1 ]
check "--json: an agent error is {\"error\":{\"code\":TA_ERR_...}} on stdout, one line on stderr, exit 1" $?
agent error key list --json
[ "$rc" -eq 1 ] && is_json_error "$tmp/out" TA_ERR_PIN_INCORRECT
check "--json after the command: the error object too" $?
run --json key show --label L1
[ "$rc" -eq 2 ] && is_json_error "$tmp/out" usage && [ "$(lines "$tmp/err")" -eq 1 ]
check "--json: a usage error is code \"usage\", exit 2" $?
run --json --socket "$tmp/none.sock" status
[ "$rc" -eq 1 ] && is_json_error "$tmp/out" failed && grep -q "cannot connect" "$tmp/out"
check "--json: a connection failure is code \"failed\", exit 1" $?
printf '{"signed":{"_type":"targets","spec_version":"1.0.0","version":1,"expires":"2030-01-01T00:00:00Z","targets":{}},"signatures":[]}' >"$tmp/targets.json"
run --json canonical --profile tuf "$tmp/targets.json"
[ "$rc" -eq 0 ] && "$py" -c 'import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(0 if o["canonical"].startswith("{\"_type\":\"targets\"") and len(o["sha256"]) == 64 else 1)' "$tmp/out"
check "--json: canonical prints its bytes as a JSON string with their sha256" $?
run --json canonical --profile tuf "$tmp/nothing.json"
[ "$rc" -eq 1 ] && is_json_error "$tmp/out" failed
check "--json: an offline command's failure is an error object" $?
agent ok --verbose status
[ "$rc" -eq 0 ] && grep -q '^tufctl: agent: -> hello (id 1, ' "$tmp/err" &&
	grep -q '^tufctl: agent: -> status (id 2, ' "$tmp/err" &&
	grep -qE '^tufctl: agent: <- status: result, [0-9]+\.[0-9] ms$' "$tmp/err" && grep -q '^agent: ' "$tmp/out"
check "--verbose: each agent request and its answer's time on stderr; stdout unchanged" $?
agent ok unlock --verbose --pin-file "$tmp/pin600"
[ "$rc" -eq 0 ] && grep -q 'agent: -> unlock' "$tmp/err" && ! grep -q '12%34' "$tmp/err"
check "--verbose: unlock shows the method, never the PIN" $?
agent error-params --verbose key show --label L1 --profile tuf
[ "$rc" -eq 1 ] && grep -q '^tufctl: agent: <- key.show: error TA_ERR_KEY_NOT_FOUND, ' "$tmp/err"
check "--verbose: an error answer's name and time" $?


# notary add checks TAG as docker does (the --from-list rule), before anything
# is staged; --json on the staging commands.
H64=$(printf '%064d' 0 | tr 0 a)
for tag in 'a/b' '.x' 'sp ace' "$(printf 'x%.0s' $(seq 1 129))"; do
	run notary add r.example.com/a/b "$tag" --digest "sha256:$H64" --size 3 --trust-dir "$tmp/td" \
		--server http://127.0.0.1:9
	[ "$rc" -eq 2 ] && grep -q "is not a docker tag (1..128 of A-Z a-z 0-9 _ . -" "$tmp/err" &&
		grep -q "see 'tufctl notary add --help'" "$tmp/err" && [ ! -e "$tmp/td" ]
	check "notary add refuses the tag '$(printf '%.12s' "$tag")' as docker would, nothing staged" $?
done
run notary add r.example.com/a/b -bad --digest "sha256:$H64" --size 3
[ "$rc" -eq 2 ] && err_is "tufctl: unknown option '-b'; see 'tufctl notary add --help'"
check "notary add: an unknown short option is named as given" $?
run --json notary add r.example.com/a/b v1.0_rc-1 --digest "sha256:$H64" --size 3 --trust-dir "$tmp/td" \
	--server http://127.0.0.1:9
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"gun":"r.example.com/a/b","staged":1,"changes":[{"op":"add","role":"targets","name":"v1.0_rc-1","length":3,"sha256":"'"$H64"'"}]}'
check "notary add --json: the staged change" $?
run notary delegation remove r.example.com/a/b targets/x --trust-dir "$tmp/td" --json
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"gun":"r.example.com/a/b","staged":1,"changes":[{"op":"delegation-remove","role":"targets/x"}]}'
check "notary delegation remove --json: the staged change" $?
run --json notary reset r.example.com/a/b --trust-dir "$tmp/td"
[ "$rc" -eq 0 ] && same_json "$tmp/out" '{"gun":"r.example.com/a/b","dropped":2}'
check "notary reset --json" $?
run --json notary status r.example.com/a/b --trust-dir "$tmp/nothing"
[ "$rc" -eq 1 ] && is_json_error "$tmp/out" failed && grep -q "^tufctl: notary status: " "$tmp/err"
check "notary status --json of an unknown GUN: the error object, the notary message" $?

exit 0
