# shellcheck shell=bash
# tests/integration/notary/lib.sh — harness for tests that drive a real notary 0.7.0
# server (notary-server) and client (notary).  Source it from a bash script:
#
#	#!/bin/bash
#	set -eu
#	. "$(dirname "$0")/notary/lib.sh"      # or wherever it lives
#	nt_skip_unless_notary my-test
#	nt_server_start            # or: nt_server_start --tls
#	NT_GUN=registry.example.com/team/app
#	nt_client init "$NT_GUN" -p
#	nt_fetch root root.json
#
# Everything lives under $NT_DIR: the caller may set NT_DIR to an existing
# directory before sourcing (it is then left in place at exit), otherwise a
# fresh mktemp -d directory is made and removed at exit.  The notary client
# runs with HOME=$NT_DIR/home and an explicit trust dir, so $HOME/.notary
# and ~/.docker are never read or written.  Every URL is on 127.0.0.1.
#
# At exit (normal, error, INT, TERM) every server started here is killed and
# waited for, then the commands registered with nt_on_exit run, then the
# directory goes.  Sourcing installs the EXIT/INT/TERM traps; a caller that
# needs cleanup of its own uses nt_on_exit instead of replacing the traps
# (or calls nt_cleanup from its own EXIT trap).
#
# Functions that set variables (nt_server_start, nt_client_new_trust_dir)
# must be called directly, not inside $(...) or a pipeline.
#
# Variables:
#   NT_DIR        state directory (see above)
#   NT_URL        server base URL, http://127.0.0.1:PORT or https://...
#   NT_PID        notary-server pid;  NT_PORT its port
#   NT_LOG        the server's log file (JSON lines; reasons for 400s)
#   NT_CA         CA certificate for clients, set only after --tls
#   NT_TRUST_DIR  current notary client trust dir (nt_client_new_trust_dir)
#   NT_GUN        the GUN nt_fetch and friends use
#   NT_PASSPHRASE passphrase for every client key (default below); the
#                 NOTARY_*_PASSPHRASE variables override it per role
#   NT_CLIENT_TIMEOUT  seconds before a notary client run is killed (60)
#   NT_VERBOSE    1: echo each notary command line to stderr
#   NT_KEEP       1: do not remove a mktemp'd NT_DIR at exit (debugging:
#                 server logs, trust dirs); the servers are still stopped
#
# Token authentication (nt_server_start --auth; see that function):
#   NT_AUTH_USER NT_AUTH_PASS      a user granted pull, push and * (defaults:
#                 nt-user and a random password); set them before the call
#   NT_AUTH_RO_USER NT_AUTH_RO_PASS a user granted pull only (nt-reader)
#   NT_AUTH_REFRESH an identity (refresh) token accepted for NT_AUTH_USER
#   NT_AUTH_ANON  what anonymous token requests get: pull (default; the
#                 notary client reads anonymously) or deny (401)
#   NT_AUTH_REALM NT_AUTH_SERVICE  set by the call: the realm URL, the service
#   NT_AUTH_LOG   the issuer's log: one JSON line per token request
#   NT_AUTH_CTL   "bad N" here makes the next N tokens unusable (nt_auth_bad)
#   NT_BEARER     when set, nt__curl (nt_fetch, nt_upload...) sends it as
#                 "Authorization: Bearer"; nt_auth_login sets it
#
# Fault proxy (nt_proxy_start; tests/integration/notary/fault-proxy.py):
#   NT_PROXY_URL  http://127.0.0.1:PORT in front of the current NT_URL
#   NT_PROXY_PID  NT_PROXY_CTL  NT_PROXY_LOG (one line per request)
#
# Replay server (nt_replay_start; tests/integration/notary/replay-server.py), a hostile
# server for rollback tests:
#   NT_REPLAY_URL http://127.0.0.1:PORT, forwarding to NT_URL (--upstream)
#                 except for GUNs nt_replay_serve points at a directory
#   NT_REPLAY_PID NT_REPLAY_CTL NT_REPLAY_LOG (one line per request)

if [ -z "${BASH_VERSION:-}" ]; then
	echo "tests/integration/notary/lib.sh needs bash" >&2
	exit 1
fi

NT_PASSPHRASE=${NT_PASSPHRASE:-nt-test-passphrase}
NT_CLIENT_TIMEOUT=${NT_CLIENT_TIMEOUT:-60}
NT_VERBOSE=${NT_VERBOSE:-0}
NT_GUN=${NT_GUN:-}
NT_URL='' NT_PID='' NT_PORT='' NT_LOG='' NT_CA='' NT_TRUST_DIR=''
NT_AUTH=0 NT_AUTH_REALM='' NT_AUTH_SERVICE='' NT_AUTH_LOG='' NT_AUTH_CTL='' NT_BEARER=''
NT_PROXY_URL='' NT_PROXY_PID='' NT_PROXY_CTL='' NT_PROXY_LOG=''
NT_REPLAY_URL='' NT_REPLAY_PID='' NT_REPLAY_CTL='' NT_REPLAY_LOG=''
NT_NOTARY=${NT_NOTARY:-/usr/bin/notary}
NT_NOTARY_SERVER=${NT_NOTARY_SERVER:-/usr/bin/notary-server}
NT_PY=${NT_PY:-/usr/bin/python3}

nt__pids=()        # every server pid started by this shell
nt__exit_cmds=()   # nt_on_exit commands
nt__seq=0          # counter for unique sub-directories
nt__own_dir=0

nt__err() { echo "nt: $*" >&2; }
nt__die() { nt__err "$*"; exit 1; }

# nt__next NAME: a new empty sub-directory $NT_DIR/NAME.N, in nt__dir.
nt__next() {
	nt__seq=$((nt__seq + 1))
	nt__dir=$NT_DIR/$1.$nt__seq
	mkdir -p "$nt__dir"
}
# This folder, where the helper servers' scripts are.
nt__here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---------------------------------------------------------------- lifecycle

nt_cleanup() {
	local p c
	for p in ${nt__pids[@]+"${nt__pids[@]}"}; do
		nt__kill_wait "$p"
	done
	nt__pids=()
	NT_PID=
	for c in ${nt__exit_cmds[@]+"${nt__exit_cmds[@]}"}; do
		eval "$c" || true
	done
	nt__exit_cmds=()
	if [ "$nt__own_dir" = 1 ] && [ -n "${NT_DIR:-}" ] && [ -d "$NT_DIR" ]; then
		if [ "${NT_KEEP:-0}" = 1 ]; then
			echo "nt: NT_KEEP=1: kept $NT_DIR" >&"$nt__stderr"
		else
			rm -rf "$NT_DIR"
		fi
	fi
	nt__own_dir=0
}

# nt_on_exit 'shell command' — run at exit, after the servers are stopped.
nt_on_exit() { nt__exit_cmds+=("$1"); }

nt__on_signal() {
	trap - INT TERM
	# to the stderr of the time of sourcing: fd 2 may be redirected here
	echo "nt: interrupted (SIG$1)" >&"$nt__stderr"
	exit "$2"   # the EXIT trap does the cleanup
}

if [ -n "${NT_DIR:-}" ]; then
	mkdir -p "$NT_DIR" || nt__die "cannot create NT_DIR=$NT_DIR"
	NT_DIR=$(cd "$NT_DIR" && pwd)
else
	NT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nt.XXXXXX") || nt__die "mktemp failed"
	nt__own_dir=1
fi
mkdir -p "$NT_DIR/home"
exec {nt__stderr}>&2
trap 'nt_cleanup' EXIT
trap 'nt__on_signal INT 130' INT
trap 'nt__on_signal TERM 143' TERM

# ---------------------------------------------------------------- checks

# nt_skip_unless_notary [TEST-NAME] — exit 0 with a SKIP line (the format
# tests/run-tests counts) when notary, notary-server or curl is missing.
nt_skip_unless_notary() {
	local name=${1:-$(basename "$0" .sh)} b
	for b in "$NT_NOTARY" "$NT_NOTARY_SERVER"; do
		if [ ! -x "$b" ]; then
			echo "SKIP: $name (notary not installed)"
			exit 0
		fi
	done
	if ! command -v curl >/dev/null 2>&1; then
		echo "SKIP: $name (curl not installed)"
		exit 0
	fi
}

# ---------------------------------------------------------------- server

# Prints a free loopback TCP port.  The port is only free at the time of
# asking; nt_server_start retries when the server loses the race.
nt__free_port() {
	if [ -x "$NT_PY" ]; then
		"$NT_PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Makes a throwaway CA and a server cert for 127.0.0.1 / localhost in DIR.
nt__make_tls() {
	local d=$1
	command -v openssl >/dev/null 2>&1 || nt__die "--tls needs openssl"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 7 -subj "/CN=nt test CA" \
		>/dev/null 2>&1 || nt__die "openssl: CA generation failed"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" \
		>/dev/null 2>&1 || nt__die "openssl: server key/CSR failed"
	cat >"$d/server.ext" <<-'EOF'
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature, keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = IP:127.0.0.1, DNS:localhost
	EOF
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 7 -sha256 -extfile "$d/server.ext" \
		-out "$d/server.crt" >/dev/null 2>&1 || nt__die "openssl: server cert failed"
}

# curl with the options every call here needs: loopback only, no proxy,
# bounded time, the test CA when there is one.
nt__curl() {
	local ca=()
	[ -n "${NT_CA:-}" ] && ca=(--cacert "$NT_CA")
	[ -n "${NT_BEARER:-}" ] && ca+=(-H "Authorization: Bearer $NT_BEARER")
	curl --noproxy '*' --connect-timeout 5 --max-time 20 ${ca[@]+"${ca[@]}"} "$@"
}

# nt_server_start [--tls] [--auth] — start a notary-server (memory storage,
# local ed25519 trust service) on a free 127.0.0.1 port and wait (20 s max)
# until GET /_notary_server/health answers.  Sets NT_URL NT_PID NT_PORT
# NT_LOG and, with --tls, NT_CA (else NT_CA is emptied).  Several servers may
# run at once: save NT_URL/NT_PID/NT_CA before starting the next one.
#
# --auth: registry token authentication, as a registry's notary runs it.  A
# token issuer (tests/integration/notary/token-issuer.py, HTTPS too with --tls) starts
# first with a throwaway token CA and signing cert; the server's config gets
#   "auth": {"type": "token", "options": {"realm", "service", "issuer",
#            "rootcertbundle"}}
# so every request but the health check needs a Bearer token for
# repository:GUN:<actions> (pull; push,pull to publish; * to rotate keys).
# Sets NT_AUTH=1 NT_AUTH_REALM NT_AUTH_SERVICE NT_AUTH_LOG NT_AUTH_CTL and
# the NT_AUTH_USER/PASS... defaults (see the top of this file); nt_client
# then passes NOTARY_AUTH=base64(NT_AUTH_USER:NT_AUTH_PASS).
nt_server_start() {
	local tls=0 auth=0 d scheme port cfg deadline tlsconf="" authconf=""
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=1 ;;
		--auth) auth=1 ;;
		*) nt__die "nt_server_start: unknown option $1" ;;
		esac
		shift
	done
	nt__next server
	d=$nt__dir
	NT_CA=
	NT_AUTH=0
	scheme=http
	if [ "$tls" = 1 ]; then
		nt__make_tls "$d"
		tlsconf=", \"tls_cert_file\": \"$d/server.crt\", \"tls_key_file\": \"$d/server.key\""
		scheme=https
	fi
	if [ "$auth" = 1 ]; then
		nt__issuer_start "$d" "$tls" || return 1
		authconf=",
			  \"auth\": { \"type\": \"token\", \"options\": {
			    \"realm\": \"$NT_AUTH_REALM\", \"service\": \"$NT_AUTH_SERVICE\",
			    \"issuer\": \"nt-token-issuer\", \"rootcertbundle\": \"$d/token-ca.crt\" } }"
	fi
	cfg=$d/server.json
	NT_LOG=$d/server.log
	for _ in 1 2 3 4 5; do
		port=$(nt__free_port) || nt__die "no free port"
		cat >"$cfg" <<-EOF
			{
			  "server": { "http_addr": "127.0.0.1:$port"$tlsconf },
			  "trust_service": { "type": "local" },
			  "storage": { "backend": "memory" },
			  "logging": { "level": "info" }$authconf
			}
		EOF
		"$NT_NOTARY_SERVER" -config "$cfg" >>"$NT_LOG" 2>&1 </dev/null &
		NT_PID=$!
		nt__pids+=("$NT_PID")
		NT_PORT=$port
		NT_URL=$scheme://127.0.0.1:$port
		[ "$tls" = 1 ] && NT_CA=$d/ca.crt
		deadline=$((SECONDS + 20))
		while [ "$SECONDS" -lt "$deadline" ]; do
			if ! kill -0 "$NT_PID" 2>/dev/null; then
				break
			fi
			if nt__curl -fsS -o /dev/null --max-time 2 \
				"$NT_URL/_notary_server/health" 2>/dev/null; then
				return 0
			fi
			sleep 0.1
		done
		if kill -0 "$NT_PID" 2>/dev/null; then
			nt__kill_wait "$NT_PID"
			nt__err "notary-server did not answer on $NT_URL within 20 s; log:"
			tail -n 20 "$NT_LOG" >&2
			NT_PID='' NT_URL=''
			return 1
		fi
		wait "$NT_PID" 2>/dev/null || true
		nt__forget "$NT_PID"
		if grep -q 'address already in use' "$NT_LOG"; then
			echo "--- port $port was taken, retrying" >>"$NT_LOG"
			continue
		fi
		break
	done
	nt__err "notary-server failed to start; log ($NT_LOG):"
	tail -n 20 "$NT_LOG" >&2
	NT_PID='' NT_URL=''
	return 1
}

nt__forget() {
	local p keep=()
	for p in ${nt__pids[@]+"${nt__pids[@]}"}; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	nt__pids=(${keep[@]+"${keep[@]}"})
}

# TERM, up to 5 s, then KILL; always reaps.
nt__kill_wait() {
	local p=$1
	kill "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
	for _ in $(seq 1 50); do
		# gone, or a zombie (kill -0 still succeeds on those): wait reaps it
		ps -o stat= -p "$p" 2>/dev/null | grep -qv Z || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# nt_server_stop [PID] — stop the current server (or PID) and reap it.
nt_server_stop() {
	local p=${1:-$NT_PID}
	[ -n "$p" ] || return 0
	nt__kill_wait "$p"
	nt__forget "$p"
	if [ "$p" = "$NT_PID" ]; then
		NT_PID='' NT_URL=''
	fi
}

# nt__started WHAT PORTFILE STDERR PID — registers PID for nt_cleanup and
# waits for it to write PORTFILE; 1, with the end of STDERR, if it did not.
nt__started() {
	nt__pids+=("$4")
	nt__wait_port_file "$2" "$4" && return 0
	nt__err "$1 did not start; its output:"
	tail -n 20 "$3" >&2
	return 1
}

# Waits (20 s max) for a helper that writes its port to FILE; 1 if PID died.
nt__wait_port_file() {
	local f=$1 pid=$2 deadline=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ -s "$f" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

nt__rand() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# nt__issuer_start DIR TLS — token CA, signing cert and token-issuer.py for
# nt_server_start --auth.
nt__issuer_start() {
	local d=$1 tls=$2 scheme=http tlsconf=""
	command -v openssl >/dev/null 2>&1 || nt__die "--auth needs openssl"
	NT_AUTH_USER=${NT_AUTH_USER:-nt-user}
	NT_AUTH_PASS=${NT_AUTH_PASS:-$(nt__rand)}
	NT_AUTH_RO_USER=${NT_AUTH_RO_USER:-nt-reader}
	NT_AUTH_RO_PASS=${NT_AUTH_RO_PASS:-$(nt__rand)}
	NT_AUTH_REFRESH=${NT_AUTH_REFRESH:-$(nt__rand)}
	NT_AUTH_ANON=${NT_AUTH_ANON:-pull}
	NT_AUTH_SERVICE=nt-notary
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/token-ca.key" -out "$d/token-ca.crt" -days 7 \
		-subj "/CN=nt token CA" >/dev/null 2>&1 || nt__die "openssl: token CA failed"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/token-signer.key" -out "$d/token-signer.csr" \
		-subj "/CN=nt token signer" >/dev/null 2>&1 || nt__die "openssl: token signer failed"
	printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n' \
		>"$d/token-signer.ext"
	openssl x509 -req -in "$d/token-signer.csr" -CA "$d/token-ca.crt" \
		-CAkey "$d/token-ca.key" -CAcreateserial -days 7 -sha256 \
		-extfile "$d/token-signer.ext" -out "$d/token-signer.crt" >/dev/null 2>&1 ||
		nt__die "openssl: token signer cert failed"
	if [ "$tls" = 1 ]; then
		scheme=https
		tlsconf="\"tls_cert\": \"$d/server.crt\", \"tls_key\": \"$d/server.key\","
	fi
	NT_AUTH_LOG=$d/token.log
	NT_AUTH_CTL=$d/token.ctl
	: >"$NT_AUTH_LOG"
	rm -f "$d/token.port" "$NT_AUTH_CTL"
	# The file holds passwords: private to this user.
	(umask 077 && "$NT_PY" -c 'import json, sys
a = sys.argv
json.dump({"port": 0, "port_file": a[1], "path": "/token", "issuer": "nt-token-issuer",
           "service": a[2], "expires_in": 300, "cert": a[3], "key": a[4],
           "users": {a[5]: {"password": a[6], "actions": ["pull", "push", "*"]},
                     a[7]: {"password": a[8], "actions": ["pull"]}},
           "refresh_tokens": {a[9]: a[5]}, "anonymous": a[10], "log": a[11], "ctl": a[12]},
          open(a[13], "w"))' "$d/token.port" "$NT_AUTH_SERVICE" "$d/token-signer.crt" \
		"$d/token-signer.key" "$NT_AUTH_USER" "$NT_AUTH_PASS" "$NT_AUTH_RO_USER" \
		"$NT_AUTH_RO_PASS" "$NT_AUTH_REFRESH" "$NT_AUTH_ANON" "$NT_AUTH_LOG" \
		"$NT_AUTH_CTL" "$d/token.json") || nt__die "cannot write the token issuer config"
	if [ -n "$tlsconf" ]; then
		"$NT_PY" -c 'import json, sys
c = json.load(open(sys.argv[1])); c["tls_cert"] = sys.argv[2]; c["tls_key"] = sys.argv[3]
json.dump(c, open(sys.argv[1], "w"))' "$d/token.json" "$d/server.crt" "$d/server.key"
	fi
	"$NT_PY" "$nt__here/token-issuer.py" "$d/token.json" >>"$d/token.stderr" 2>&1 </dev/null &
	nt__started "token issuer" "$d/token.port" "$d/token.stderr" "$!" || return 1
	NT_AUTH_REALM=$scheme://127.0.0.1:$(cat "$d/token.port")/token
	NT_AUTH=1
}

# nt_auth_login [ACTIONS] — a token for repository:$NT_GUN:ACTIONS (default
# pull,push,*) as NT_AUTH_USER, into NT_BEARER: nt_fetch, nt_upload and
# friends then work against an --auth server.  NT_BEARER= to stop.
nt_auth_login() {
	local actions=${1:-pull,push,*} body
	[ "$NT_AUTH" = 1 ] || nt__die "nt_auth_login: the server has no --auth"
	body=$(NT_BEARER='' nt__curl -fsS -G -u "$NT_AUTH_USER:$NT_AUTH_PASS" \
		--data-urlencode "service=$NT_AUTH_SERVICE" \
		--data-urlencode "scope=repository:$NT_GUN:$actions" "$NT_AUTH_REALM") ||
		nt__die "nt_auth_login: the token request failed"
	NT_BEARER=$("$NT_PY" -c 'import json, sys; print(json.load(sys.stdin)["token"])' <<<"$body")
}

# nt_auth_bad N — the next N tokens the issuer hands out are refused by the
# server (wrong audience); nt_auth_bad 0 ends that.
nt_auth_bad() {
	[ "$NT_AUTH" = 1 ] || nt__die "nt_auth_bad: the server has no --auth"
	printf 'bad %s\n' "$1" >"$NT_AUTH_CTL.tmp"
	mv "$NT_AUTH_CTL.tmp" "$NT_AUTH_CTL"
}

# nt_proxy_start — tests/integration/notary/fault-proxy.py on a free 127.0.0.1 port in
# front of the current plain-http $NT_URL.  Sets NT_PROXY_URL NT_PROXY_PID
# NT_PROXY_CTL NT_PROXY_LOG.  Faults: nt_proxy_fault.
nt_proxy_start() {
	local d
	[ -n "${NT_URL:-}" ] || nt__die "nt_proxy_start: no server (call nt_server_start)"
	case $NT_URL in http://*) ;; *) nt__die "nt_proxy_start: plain http servers only" ;; esac
	nt__next proxy
	d=$nt__dir
	NT_PROXY_CTL=$d/ctl
	NT_PROXY_LOG=$d/requests.log
	rm -f "$d/port" "$NT_PROXY_CTL"
	"$NT_PY" "$nt__here/fault-proxy.py" --upstream "$NT_URL" --port-file "$d/port" \
		--ctl "$NT_PROXY_CTL" --log "$NT_PROXY_LOG" >>"$d/stderr" 2>&1 </dev/null &
	NT_PROXY_PID=$!
	nt__started "fault proxy" "$d/port" "$d/stderr" "$NT_PROXY_PID" || return 1
	# shellcheck disable=SC2034 # for the caller
	NT_PROXY_URL=http://127.0.0.1:$(cat "$d/port")
}

# nt_proxy_fault WHAT [N [MATCH]] — the next N (default 1) requests through
# the proxy whose "METHOD PATH" contains MATCH (any, when not given; e.g.
# "POST " or "/targets.") get WHAT: 503 (or any status), close, stall,
# forward-close (the server acts, the client hears nothing), corrupt (one
# byte of the answer's body changed); "clear" drops pending faults.  nt_proxy_challenge N VALUE:
# the next N 401 answers carry VALUE as WWW-Authenticate (" || " between
# several lines, "-" for none).  Both take effect from the next request on
# (the control file is read then); call them while no request is in flight.
nt_proxy_fault() {
	nt__proxy_ctl "$1 ${2:-1}${3:+ $3}"
}

nt_proxy_challenge() {
	nt__proxy_ctl "challenge $1 $2"
}

nt__proxy_ctl() {
	[ -n "${NT_PROXY_CTL:-}" ] || nt__die "no fault proxy (call nt_proxy_start)"
	{ cat "$NT_PROXY_CTL" 2>/dev/null; printf '%s\n' "$1"; } >"$NT_PROXY_CTL.tmp"
	mv "$NT_PROXY_CTL.tmp" "$NT_PROXY_CTL"
}

# nt_replay_start [--upstream] — tests/integration/notary/replay-server.py (a hostile
# server replaying recorded metadata) on a free 127.0.0.1 port; with
# --upstream, in front of the current plain-http $NT_URL, which it stands
# for until nt_replay_serve says otherwise.  Sets NT_REPLAY_URL
# NT_REPLAY_PID NT_REPLAY_CTL NT_REPLAY_LOG (one line per request).
nt_replay_start() {
	local d up=()
	if [ "${1:-}" = --upstream ]; then
		case ${NT_URL:-} in
		http://*) up=(--upstream "$NT_URL") ;;
		*) nt__die "nt_replay_start --upstream: plain http servers only" ;;
		esac
	fi
	nt__next replay
	d=$nt__dir
	NT_REPLAY_CTL=$d/ctl
	NT_REPLAY_LOG=$d/requests.log
	: >"$NT_REPLAY_CTL"
	"$NT_PY" "$nt__here/replay-server.py" serve ${up[@]+"${up[@]}"} --port-file "$d/port" \
		--ctl "$NT_REPLAY_CTL" --log "$NT_REPLAY_LOG" --lifetime 600 \
		>>"$d/stderr" 2>&1 </dev/null &
	NT_REPLAY_PID=$!
	nt__started "replay server" "$d/port" "$d/stderr" "$NT_REPLAY_PID" || return 1
	# shellcheck disable=SC2034 # for the caller
	NT_REPLAY_URL=http://127.0.0.1:$(cat "$d/port")
}

# nt_replay_serve GUN [DIR] — from the next request on, the replay server
# answers GUN's metadata from DIR (a nt_replay_record or forge-tool
# directory); without DIR, GUN goes back to the upstream.
nt_replay_serve() {
	[ -n "${NT_REPLAY_CTL:-}" ] || nt__die "no replay server (call nt_replay_start)"
	{
		awk -v g="$1" '$1 != g' "$NT_REPLAY_CTL"
		if [ -n "${2:-}" ]; then printf '%s %s\n' "$1" "$2"; fi
	} >"$NT_REPLAY_CTL.tmp"
	mv "$NT_REPLAY_CTL.tmp" "$NT_REPLAY_CTL"
}

# nt_replay_record DIR — saves what $NT_URL serves for $NT_GUN now, as a
# client fetches it, into DIR (for nt_replay_serve).
nt_replay_record() {
	local ca=()
	[ -n "${NT_CA:-}" ] && ca=(--cacert "$NT_CA")
	[ -n "${NT_URL:-}" ] || nt__die "nt_replay_record: no server (call nt_server_start)"
	[ -n "${NT_GUN:-}" ] || nt__die "nt_replay_record: NT_GUN is not set"
	"$NT_PY" "$nt__here/replay-server.py" record --server "$NT_URL" --gun "$NT_GUN" --out "$1" \
		${ca[@]+"${ca[@]}"}
}

# ---------------------------------------------------------------- client

# nt_client_new_trust_dir — a new, empty trust dir: a new "client identity"
# with no keys and no cached metadata (TOFU starts over).
nt_client_new_trust_dir() {
	nt__next trust
	NT_TRUST_DIR=$nt__dir
}

# nt_client ARGS... — the real notary client against $NT_URL with
# $NT_TRUST_DIR, never interactive (stdin is /dev/null, passphrases come
# from NOTARY_{ROOT,TARGETS,SNAPSHOT,DELEGATION}_PASSPHRASE, default
# $NT_PASSPHRASE).  Output and status are the client's.  It never sees a
# smart card: the notary client signs with any YubiKey it finds through
# ykcs11 and pcscd (the host's, or the tests' virtual card, tests/piv/),
# so its PC/SC socket is pointed at nothing.
nt_client() {
	[ -n "${NT_URL:-}" ] || nt__die "nt_client: no server (call nt_server_start)"
	[ -n "${NT_TRUST_DIR:-}" ] || nt_client_new_trust_dir
	local tls=()
	[ -n "${NT_CA:-}" ] && tls=(--tlscacert "$NT_CA")
	if [ "$NT_VERBOSE" = 1 ]; then
		echo "+ notary -s $NT_URL -d $NT_TRUST_DIR ${tls[*]} $*" >&2
	fi
	local auth=()
	[ "$NT_AUTH" = 1 ] && auth=(NOTARY_AUTH="$(printf '%s:%s' "$NT_AUTH_USER" "$NT_AUTH_PASS" | base64 -w0)")
	env HOME="$NT_DIR/home" PCSCLITE_CSOCK_NAME="$NT_DIR/no-pcscd" ${auth[@]+"${auth[@]}"} \
		NOTARY_ROOT_PASSPHRASE="${NOTARY_ROOT_PASSPHRASE:-$NT_PASSPHRASE}" \
		NOTARY_TARGETS_PASSPHRASE="${NOTARY_TARGETS_PASSPHRASE:-$NT_PASSPHRASE}" \
		NOTARY_SNAPSHOT_PASSPHRASE="${NOTARY_SNAPSHOT_PASSPHRASE:-$NT_PASSPHRASE}" \
		NOTARY_DELEGATION_PASSPHRASE="${NOTARY_DELEGATION_PASSPHRASE:-$NT_PASSPHRASE}" \
		timeout -k 5 "$NT_CLIENT_TIMEOUT" \
		"$NT_NOTARY" -s "$NT_URL" -d "$NT_TRUST_DIR" ${tls[@]+"${tls[@]}"} "$@" </dev/null
}

# nt_fresh_client ARGS... — nt_client with a brand-new trust dir, leaving
# NT_TRUST_DIR unchanged.  "nt_fresh_client list GUN" is how a consumer
# that has never seen the GUN reads it: the check that catches byte slips.
nt_fresh_client() {
	local saved=${NT_TRUST_DIR:-} rc=0
	nt_client_new_trust_dir
	nt_client "$@" || rc=$?
	NT_TRUST_DIR=$saved
	return "$rc"
}

# ---------------------------------------------------------------- raw HTTP

nt__tuf_url() {
	[ -n "${NT_URL:-}" ] || nt__die "no server (call nt_server_start)"
	[ -n "${NT_GUN:-}" ] || nt__die "NT_GUN is not set"
	echo "$NT_URL/v2/$NT_GUN/_trust/tuf"
}

# nt_get PATH OUT — GET $NT_URL/v2/$NT_GUN/_trust/tuf/PATH into OUT
# (PATH e.g. "root.json", "3.root.json", "timestamp.key").  Fails on !2xx.
nt_get() {
	local url
	url=$(nt__tuf_url)/$1
	mkdir -p "$(dirname "$2")"
	nt__curl -fsS -o "$2" "$url"
}

# nt_fetch ROLE OUT — current ROLE.json (ROLE: root, targets,
# targets/releases, snapshot, timestamp).
nt_fetch() { nt_get "$1.json" "$2"; }

# nt_fetch_by_hash ROLE HEX OUT — ROLE.<sha256 or sha512 hex>.json, the way
# the client reads everything but timestamp.
nt_fetch_by_hash() { nt_get "$1.$2.json" "$3"; }

# nt_fetch_version N ROLE OUT — N.ROLE.json (the server keeps this for root).
nt_fetch_version() { nt_get "$1.$2.json" "$3"; }

# nt_fetch_key ROLE OUT — GET ROLE.key (timestamp or snapshot): the
# server's public key as TUF key JSON.  Before a GUN's first publish every
# call makes a new key.
nt_fetch_key() { nt_get "$1.key" "$2"; }

# nt_status METHOD PATH [curl args...] — prints the HTTP status of a request
# to $NT_URL/v2/$NT_GUN/_trust/tuf/PATH; the body goes to $NT_DIR/last-body.
nt_status() {
	local m=$1 url
	url=$(nt__tuf_url)/$2
	shift 2
	nt__curl -sS -X "$m" -o "$NT_DIR/last-body" -w '%{http_code}' "$@" "$url"
}

# nt_upload ROLE=FILE... — publish files the way the client does: one
# multipart POST to .../_trust/tuf/ with a "files" part per role, filename =
# role name.  Prints the HTTP status (200 = accepted); the body (errors are
# JSON) goes to $NT_DIR/last-body.  Remember: 200 alone proves nothing,
# check with nt_fresh_client list.
nt_upload() {
	local a parts=() url
	url=$(nt__tuf_url)/
	for a in "$@"; do
		case $a in
		*=*) ;;
		*) nt__die "nt_upload: want ROLE=FILE, got $a" ;;
		esac
		parts+=(-F "files=@${a#*=};filename=${a%%=*};type=application/octet-stream")
	done
	nt__curl -sS -o "$NT_DIR/last-body" -w '%{http_code}' ${parts[@]+"${parts[@]}"} "$url"
}

# ---------------------------------------------------------------- helpers

# nt_json_ok FILE... — every FILE parses as JSON.
nt_json_ok() {
	"$NT_PY" -c 'import json, sys
for f in sys.argv[1:]:
    try:
        json.load(open(f, "rb"))
    except Exception as e:
        sys.exit("%s: %s" % (f, e))' "$@"
}

# nt_docker_env — for "docker trust inspect" (needs a --tls server): makes
# a throwaway DOCKER_CONFIG holding the CA and exports DOCKER_CONFIG and
# DOCKER_CONTENT_TRUST_SERVER.
nt_docker_env() {
	[ -n "${NT_CA:-}" ] || nt__die "nt_docker_env: docker needs nt_server_start --tls"
	nt__next docker
	export DOCKER_CONFIG=$nt__dir
	mkdir -p "$DOCKER_CONFIG/tls/127.0.0.1:$NT_PORT"
	cp "$NT_CA" "$DOCKER_CONFIG/tls/127.0.0.1:$NT_PORT/ca.crt"
	export DOCKER_CONTENT_TRUST_SERVER=$NT_URL
}
