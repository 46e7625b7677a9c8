#!/bin/bash
# The systemd units (systemd/), checked three ways:
#  - systemd-analyze verify on every unit, system and user, with their
#    Documentation= pages looked up in man/; the units' paths, user, group
#    and directories agree with the agent, sysusers.d and tmpfiles.d;
#  - systemd-analyze security --offline: the system service's exposure is
#    printed and must be 2.0 or less;
#  - sysusers.d and tmpfiles.d applied to a scratch root (never the host's);
#  - socket activation end to end with systemd-socket-activate and the
#    socket unit's settings: the first connection, a signer's, starts the
#    agent, which runs as an unprivileged user, reports READY=1, and signs;
#    the socket has the unit's mode and group; a uid outside the group
#    cannot connect, and a member that no rule names is turned away.
#
# The socket's group: the unit says tuf-signers.  When the host has that
# group (tuf-agent is installed), the test uses it.  Otherwise it uses a
# throwaway numeric gid that no group in the group database has: the
# socket, the signer's process and the agent's policy all work with
# numbers, so nothing is added to /etc/group and nothing can be left behind,
# even when the test is killed.  The agent's user and the clients are
# throwaway numeric uids the same way (setpriv, as root).
. "$(dirname "$0")/test_lib.sh"
AGENT=$BUILD/tuf-agent
TUFCTL=$BUILD/tufctl
PY=/usr/bin/python3
MAX_EXPOSURE=2.0

skip() { echo "SKIP: $1 ($2)"; }

command -v systemd-analyze >/dev/null || { skip systemd-units "systemd-analyze is not installed (package systemd)"; exit 0; }
[ -x "$AGENT" ] && [ -x "$TUFCTL" ] || { skip systemd-units "$AGENT or $TUFCTL is not built"; exit 0; }

# Short: a socket path must fit in 108 bytes.
tmp=$(mktemp -d /tmp/ta-units-XXXXXX)
ssa_pid='' notify_pid=''
cleanup() {
	for p in $ssa_pid $notify_pid; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ "$failures" -ne 0 ] && [ -f "$tmp/activate.log" ]; then
		echo "--- agent log (last 40 lines)"
		tail -n 40 "$tmp/activate.log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# unit_value FILE KEY: the last value of KEY= in FILE.
unit_value() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# ---- the units, with this build's paths -------------------------------------
# make install writes them with the install paths; here ExecStart= points at
# the built agent so that verify can check it is executable.
mkdir -p "$tmp/system" "$tmp/user" "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8" "$tmp/xdg"
render() {
	sed -e "s|@SBINDIR@|$BUILD|g" -e "s|@BINDIR@|$BUILD|g" -e "s|@SYSCONFDIR@|/etc|g" "$1"
}
for u in tuf-agent.socket tuf-agent.service; do
	render "$top/systemd/$u.in" >"$tmp/system/$u"
	render "$top/systemd/user/$u.in" >"$tmp/user/$u"
done
if grep -n '@[A-Z]*@' "$tmp"/system/* "$tmp"/user/* >"$tmp/left.txt"; then
	bad "units: every @VARIABLE@ is replaced" "$(cat "$tmp/left.txt")"
else
	ok "units: every @VARIABLE@ is replaced"
fi
cp "$top/man/tufctl.1" "$tmp/man/man1/"
cp "$top/man/tuf-agent.conf.5" "$tmp/man/man5/"
cp "$top/man/tuf-agent.8" "$tmp/man/man8/"

# ---- systemd-analyze verify ---------------------------------------------------
# Any message at all is a failure: verify reports unknown keys and bad
# values as warnings and still exits 0.  Documentation= pages are looked up
# in man/ when man is installed.
man_opt=--man=no
command -v man >/dev/null && man_opt=--man=yes
verify() { # NAME [--user] DIR
	local name=$1 dir=${*: -1} scope=
	[ $# -eq 3 ] && scope=--user
	if (cd "$dir" && MANPATH="$tmp/man" XDG_RUNTIME_DIR="$tmp/xdg" \
		systemd-analyze $scope verify "$man_opt" ./tuf-agent.socket ./tuf-agent.service) \
		>"$tmp/verify.log" 2>&1 && [ ! -s "$tmp/verify.log" ]; then
		ok "$name"
	else
		bad "$name" "$(cat "$tmp/verify.log")"
	fi
}
verify "systemd-analyze verify: system socket and service ($man_opt)" "$tmp/system"
verify "systemd-analyze verify: user socket and service ($man_opt)" --user "$tmp/user"

# ---- what the units say agrees with the agent and the snippets -----------------
sock_unit=$tmp/system/tuf-agent.socket
svc_unit=$tmp/system/tuf-agent.service
listen=$(unit_value "$sock_unit" ListenStream)
mode=$(unit_value "$sock_unit" SocketMode)
group=$(unit_value "$sock_unit" SocketGroup)
"$AGENT" --help >"$tmp/help.txt" 2>&1
if grep -q " $listen); ignored under socket activation" "$tmp/help.txt" &&
	[ "$listen" = /run/tuf-agent/agent.sock ]; then
	ok "system socket: ListenStream=$listen is the agent's and tufctl's default"
else
	bad "system socket: ListenStream=$listen is the agent's and tufctl's default" "$(cat "$tmp/help.txt")"
fi
ulisten=$(unit_value "$tmp/user/tuf-agent.socket" ListenStream)
check_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
check_eq "user socket: ListenStream is \$XDG_RUNTIME_DIR/tuf-agent/agent.sock, mode 0600 in 0700" \
	"$ulisten $(unit_value "$tmp/user/tuf-agent.socket" SocketMode) $(unit_value "$tmp/user/tuf-agent.socket" DirectoryMode)" \
	"%t/tuf-agent/agent.sock 0600 0700"
check_eq "system socket: root:tuf-signers 0660 in a 0755 directory" \
	"$(unit_value "$sock_unit" SocketUser):$group $mode $(unit_value "$sock_unit" DirectoryMode)" \
	"root:tuf-signers 0660 0755"
check_eq "system service: Type=notify, ExecStart= the agent with /etc/tuf-agent/tuf-agent.conf" \
	"$(unit_value "$svc_unit" Type) $(unit_value "$svc_unit" ExecStart)" \
	"notify $BUILD/tuf-agent --config /etc/tuf-agent/tuf-agent.conf"
check_eq "system service: User=/Group=tuf-agent, StateDirectory=tuf-agent, LoadCredentialEncrypted=pin" \
	"$(unit_value "$svc_unit" User):$(unit_value "$svc_unit" Group) $(unit_value "$svc_unit" StateDirectory) $(unit_value "$svc_unit" LoadCredentialEncrypted)" \
	"tuf-agent:tuf-agent tuf-agent pin:tuf-agent.pin"

# ---- systemd-analyze security --------------------------------------------------
# The exposure of the system service; the user service's is printed for
# information (a user manager cannot set up most of the sandbox).
exposure() { # DIR [--user]
	(cd "$1" && XDG_RUNTIME_DIR="$tmp/xdg" systemd-analyze ${2:-} security --offline=true \
		./tuf-agent.service) 2>&1 | sed -n 's/.*Overall exposure level for tuf-agent.service: \([0-9.]*\).*/\1/p'
}
score=$(exposure "$tmp/system")
uscore=$(exposure "$tmp/user" --user)
echo "system service exposure: ${score:-?} (at most $MAX_EXPOSURE); user service: ${uscore:-?}"
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	ok "systemd-analyze security: system service exposure $score <= $MAX_EXPOSURE"
else
	(cd "$tmp/system" && systemd-analyze security --offline=true ./tuf-agent.service) >"$tmp/sec.txt" 2>&1
	bad "systemd-analyze security: system service exposure ${score:-unknown} <= $MAX_EXPOSURE" \
		"$(grep -v '✓' "$tmp/sec.txt")"
fi

# ---- sysusers.d and tmpfiles.d, in a scratch root ---------------------------------
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	root=$tmp/root
	mkdir -p "$root/etc"
	if systemd-sysusers --root="$root" "$top/systemd/tuf-agent.sysusers" >"$tmp/sysusers.log" 2>&1; then
		pw=$(grep '^tuf-agent:' "$root/etc/passwd" | cut -d: -f1,6,7)
		agid=$(grep '^tuf-agent:' "$root/etc/passwd" | cut -d: -f4)
		check_eq "sysusers.d: user tuf-agent, home /var/lib/tuf-agent, no login shell" \
			"$pw" "tuf-agent:/var/lib/tuf-agent:/usr/sbin/nologin"
		check_eq "sysusers.d: groups tuf-agent (its primary) and tuf-signers, nobody in tuf-signers" \
			"$(grep -c '^tuf-agent:x:'"$agid"':$' "$root/etc/group") $(grep -c '^tuf-signers:x:[0-9]*:$' "$root/etc/group")" "1 1"
	else
		bad "sysusers.d: systemd-sysusers --root accepts it" "$(cat "$tmp/sysusers.log")"
	fi
	if [ "$(id -u)" != 0 ]; then
		skip "tmpfiles.d" "needs root (it gives directories their owners)"
	elif systemd-tmpfiles --root="$root" --create "$top/systemd/tuf-agent.tmpfiles" >"$tmp/tmpfiles.log" 2>&1; then
		auid=$(grep '^tuf-agent:' "$root/etc/passwd" | cut -d: -f3)
		check_eq "tmpfiles.d: /run/tuf-agent root 0755 (as the socket unit), /var/lib/tuf-agent tuf-agent 0700" \
			"$(stat -c '%u:%g %a' "$root/run/tuf-agent") $(stat -c '%u:%g %a' "$root/var/lib/tuf-agent")" \
			"0:0 755 $auid:$agid 700"
	else
		bad "tmpfiles.d: systemd-tmpfiles --root --create accepts it" "$(cat "$tmp/tmpfiles.log")"
	fi
else
	skip "sysusers.d and tmpfiles.d" "systemd-sysusers or systemd-tmpfiles is not installed"
fi

# ---- socket activation end to end ---------------------------------------------------
activation() {
	local why=
	SOFTHSM=
	for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
		/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
		[ -r "$m" ] && { SOFTHSM=$m; break; }
	done
	if [ "$(id -u)" != 0 ]; then why="needs root (setpriv to other uids)"
	elif ! command -v systemd-socket-activate >/dev/null; then why="systemd-socket-activate is not installed"
	elif ! command -v setpriv >/dev/null; then why="setpriv is not installed"
	elif [ -z "$SOFTHSM" ] || ! command -v softhsm2-util >/dev/null; then why="SoftHSM2 is not installed"
	elif ! command -v openssl >/dev/null || [ ! -x "$PY" ]; then why="openssl or $PY is missing"
	fi
	if [ -n "$why" ]; then
		skip "socket activation" "$why"
		return
	fi
	activation_run
}

# free_id DB START: a number from START up that neither the user nor the
# group database has (DB says which one the caller means).
free_id() {
	local n=$2
	while getent passwd "$n" >/dev/null || getent group "$n" >/dev/null; do
		n=$((n + 1))
	done
	echo "$n"
}

activation_run() {
	local AU SU MU OU SG st pid
	AU=$(free_id passwd 61500)               # the agent (User=tuf-agent)
	SU=$(free_id passwd $((AU + 1)))          # a signer: in the group, and a rule
	MU=$(free_id passwd $((SU + 1)))          # a member that no rule names
	OU=$(free_id passwd $((MU + 1)))          # an outsider: not in the group
	if SG=$(getent group "$group" | cut -d: -f3) && [ -n "$SG" ]; then
		echo "socket group: $group (gid $SG, the host's)"
	else
		SG=$(free_id group $((OU + 1)))
		echo "socket group: $group is not on this host; throwaway gid $SG stands for it"
	fi
	chmod 0711 "$tmp"
	mkdir -p "$tmp/tokens" "$tmp/audit" "$tmp/signer"
	export SOFTHSM2_CONF=$tmp/softhsm2.conf
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$tmp/tokens" >"$SOFTHSM2_CONF"
	chmod 644 "$SOFTHSM2_CONF"
	softhsm2-util --init-token --free --label ci --pin 123456 --so-pin 12345678 >/dev/null 2>&1 ||
		{ skip "socket activation" "softhsm2-util cannot make a token"; return; }
	printf '123456\n' >"$tmp/pin"
	chmod 600 "$tmp/pin"
	cat >"$tmp/agent.conf" <<EOF
[agent]
audit = $tmp/audit/audit.log
state-directory = $tmp/state

[token "ci"]
module = $SOFTHSM
uri = pkcs11:token=ci
pin = file:$tmp/pin
sessions = 2

[allow "signer"]
uid = $SU
keys = targets-ci
roles = targets
operations = sign, key.list, key.show, status
EOF
	chmod 644 "$tmp/agent.conf"

	# The key, made beforehand by root through a plain (not activated) agent.
	"$AGENT" --config "$tmp/agent.conf" --socket "$tmp/setup.sock" >"$tmp/setup.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do [ -S "$tmp/setup.sock" ] && break; sleep 0.1; done
	"$TUFCTL" --socket "$tmp/setup.sock" key generate --label targets-ci >/dev/null 2>&1 &&
		"$TUFCTL" --socket "$tmp/setup.sock" --json key show --label targets-ci --profile tuf \
			>"$tmp/key.json" 2>>"$tmp/setup.log"
	st=$?
	kill -TERM "$pid"
	wait "$pid"
	if [ "$st" -ne 0 ]; then
		bad "socket activation: a key is made beforehand" "$(cat "$tmp/setup.log")"
		return
	fi
	# The service's user owns the token's files and its PIN file; the audit
	# log starts empty.
	rm -f "$tmp/audit/audit.log"
	chown -R "$AU:$AU" "$tmp/tokens" "$tmp/audit" "$tmp/pin" "$tmp/state"
	chmod 600 "$tmp/pin"
	chown "$SU:$SU" "$tmp/signer"
	cat >"$tmp/targets.json" <<EOF
{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2035-01-01T00:00:00Z","targets":{}},"signatures":[]}
EOF
	chmod 644 "$tmp/targets.json"

	# NOTIFY_SOCKET: what a Type=notify service tells systemd.
	"$PY" - "$tmp/notify" "$AU" "$tmp/notify.txt" <<'PY' &
import os, socket, sys
path, uid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chown(path, uid, -1)
s.settimeout(30)
with open(out, "a") as f:
    try:
        while True:
            f.write(s.recv(4096).decode() + "\n")
            f.flush()
    except socket.timeout:
        pass
PY
	notify_pid=$!
	for _ in $(seq 1 50); do [ -S "$tmp/notify" ] && break; sleep 0.1; done

	# The agent as the service's user: no groups, no capabilities.  A leak
	# check cannot ptrace a non-dumpable process of another uid: leaks are
	# the root-run agent tests' business.
	local sock=$tmp/run/agent.sock
	mkdir -p "$tmp/run"
	chmod "$(unit_value "$sock_unit" DirectoryMode)" "$tmp/run"
	systemd-socket-activate -l "$sock" -E NOTIFY_SOCKET="$tmp/notify" -E SOFTHSM2_CONF \
		-E ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		-E UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		setpriv --reuid="$AU" --regid="$AU" --clear-groups --inh-caps=-all --bounding-set=-all \
		-- "$AGENT" --config "$tmp/agent.conf" >"$tmp/activate.log" 2>&1 &
	ssa_pid=$!
	for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
	# What systemd does with SocketUser=, SocketGroup= and SocketMode=.
	chown "root:$SG" "$sock" && chmod "$mode" "$sock"
	check_eq "activation: before any connection, nothing runs but the listener" \
		"$(cat /proc/$ssa_pid/comm 2>/dev/null)$(test -e "$tmp/audit/audit.log" && echo ' audit')" \
		"systemd-socket-"

	# The first connection: the signer signs.
	if setpriv --reuid="$SU" --regid="$SU" --groups="$SG" -- \
		"$TUFCTL" --socket "$sock" sign --profile tuf --role targets --key targets-ci \
		-o "$tmp/signer/targets.signed.json" "$tmp/targets.json" >"$tmp/sign.log" 2>&1; then
		ok "activation: the first connection starts the agent, which signs for a member of $group"
	else
		bad "activation: the first connection starts the agent, which signs for a member of $group" \
			"$(cat "$tmp/sign.log")"
	fi
	"$TUFCTL" canonical --profile tuf "$tmp/targets.json" >"$tmp/canonical.bin" 2>/dev/null
	"$PY" - "$tmp/key.json" "$tmp/signer/targets.signed.json" "$tmp" <<'PY' >"$tmp/sig.txt" 2>&1
import binascii, json, sys
key, signed, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
sigs = signed["signatures"]
assert [s["keyid"] for s in sigs] == [key["keyid"]], (sigs, key["keyid"])
open(t + "/pub.pem", "w").write(key["key"]["keyval"]["public"])
open(t + "/sig.der", "wb").write(binascii.unhexlify(sigs[0]["sig"]))
print("ok")
PY
	if [ "$(cat "$tmp/sig.txt")" = ok ] &&
		openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/canonical.bin" >/dev/null 2>&1; then
		ok "activation: the signature is the key's, over the canonical bytes (openssl)"
	else
		bad "activation: the signature is the key's, over the canonical bytes (openssl)" "$(cat "$tmp/sig.txt")"
	fi
	check_eq "activation: the agent runs as the service's user, with no capabilities" \
		"$(cat /proc/$ssa_pid/comm 2>/dev/null) $(awk '/^Uid:/ { print $2 } /^CapEff:/ { print $2 }' /proc/$ssa_pid/status 2>/dev/null | tr '\n' ' ')" \
		"tuf-agent $AU 0000000000000000 "
	check_eq "activation: the socket keeps the unit's owner, group and mode (root:$SG $mode)" \
		"$(stat -c '%u:%g %a' "$sock")" "0:$SG ${mode#0}"
	for _ in $(seq 1 50); do grep -q '^READY=1' "$tmp/notify.txt" 2>/dev/null && break; sleep 0.1; done
	if grep -q '^READY=1' "$tmp/notify.txt" && grep -q '^STATUS=serving 1 token(s)' "$tmp/notify.txt"; then
		ok "activation: sd_notify READY=1 and STATUS=serving 1 token(s) (Type=notify)"
	else
		bad "activation: sd_notify READY=1 and STATUS=serving 1 token(s) (Type=notify)" \
			"$(cat "$tmp/notify.txt" 2>/dev/null)"
	fi

	# The socket's group is who may connect; the policy is what they may do.
	setpriv --reuid="$OU" --regid="$OU" --clear-groups -- "$TUFCTL" --socket "$sock" status \
		>"$tmp/out.log" 2>&1
	st=$?
	if [ "$st" = 1 ] && grep -q 'Permission denied.*its group' "$tmp/out.log"; then
		ok "activation: a uid outside $group cannot connect (and is told to ask for the group)"
	else
		bad "activation: a uid outside $group cannot connect (and is told to ask for the group)" \
			"exit $st" "$(cat "$tmp/out.log")"
	fi
	setpriv --reuid="$MU" --regid="$MU" --groups="$SG" -- "$TUFCTL" --socket "$sock" status \
		>"$tmp/out.log" 2>&1
	st=$?
	if [ "$st" = 1 ] && grep -q "\"uid\":$MU" "$tmp/audit/audit.log" 2>/dev/null; then
		ok "activation: a member of $group that no rule names is turned away, and audited"
	else
		bad "activation: a member of $group that no rule names is turned away, and audited" \
			"exit $st" "$(cat "$tmp/out.log")"
	fi
	check_eq "activation: the signature is audited for the signer's uid" \
		"$(grep -c "\"method\":\"sign\".*\"result\":\"ok\".*\"uid\":$SU" "$tmp/audit/audit.log" 2>/dev/null)" 1

	# systemctl stop: SIGTERM drains and exits 0, saying STOPPING=1.
	kill -TERM "$ssa_pid"
	wait "$ssa_pid"
	st=$?
	ssa_pid=
	for _ in $(seq 1 20); do grep -q '^STOPPING=1' "$tmp/notify.txt" && break; sleep 0.1; done
	check_eq "activation: SIGTERM stops the agent with status 0 after STOPPING=1" \
		"$st $(grep -c '^STOPPING=1' "$tmp/notify.txt")" "0 1"
}
activation

[ "$failures" -eq 0 ]
