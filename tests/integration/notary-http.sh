#!/bin/bash
# client/notary_http.c (tufctl's notary HTTP client) against the real
# notary-server 0.7.0, through tests/tools/http-tool: reads, server keys, a
# publish of a repository made by tuf/ alone (tests/tools/repo-tool) read back
# byte for byte, the error catalogue, TLS, registry token auth (Basic,
# docker's config.json "auth" and "identitytoken", anonymous, refetch once),
# odd Bearer challenges, retries and faults (tests/integration/notary/fault-proxy.py),
# and bad inputs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
tool=$(cd "$BUILD" && pwd)/tests/tools/http-tool
repotool=$(cd "$BUILD" && pwd)/tests/tools/repo-tool
if ! command -v notary >/dev/null || ! command -v notary-server >/dev/null; then
	echo "SKIP: notary-http (Debian's notary package is not installed)"
	exit 0
fi
if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	echo "SKIP: notary-http (python3-cryptography is not installed)"
	exit 0
fi
# shellcheck source=tests/integration/notary/lib.sh
. "$here/notary/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
unset TUFCTL_REGISTRY_USERNAME TUFCTL_REGISTRY_PASSWORD DOCKER_CONFIG
export HOME=$NT_DIR/home
# Quick retries: the backoff is what is lowered, never the number of tries.
export TUFCTL_HTTP_RETRY_MS=20

work=$NT_DIR/w
mkdir -p "$work"
out=$work/out err=$work/err rc=0

# run ARGS... — http-tool with ARGS; stdout in $out, stderr in $err, $rc.
run() {
	"$tool" "$@" >"$out" 2>"$err"
	rc=$?
}
pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1"
	[ -s "$err" ] && sed 's/^/    | /' "$err" | head -n 5
	return 0
}
# ok NAME — the last run succeeded.
ok() { if [ "$rc" = 0 ]; then pass "$1"; else fail "$1 (exit $rc)"; fi; }
# err NAME CODE TEXT... — the last run failed with [CODE] and every TEXT
# on stderr, in one line.
err() {
	local name=$1 code=$2 t
	shift 2
	if [ "$rc" != 1 ] || [ "$(wc -l <"$err")" != 1 ] || ! grep -qF "[$code]" "$err"; then
		fail "$name (exit $rc, want $code)"
		return
	fi
	for t in "$@"; do
		if ! grep -qF -- "$t" "$err"; then
			fail "$name (no '$t')"
			return
		fi
	done
	pass "$name"
}
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# ====================================================== plain server
nt_server_start >/dev/null || { echo "FAIL: notary-server starts"; exit 1; }
# A GUN with a port and three segments: ':' is escaped in the path, the
# slashes are not.
export NT_GUN=registry.example.com:5000/team/app
export NT_URL

run --url "$NT_URL/" open
check "open: the URL is normalised (no trailing slash)" test "$rc/$(cat "$out")" = "0/$NT_URL"

run get root
err "GET root of a new GUN: 404 is TA_ERR_NOT_FOUND" TA_ERR_NOT_FOUND "404" \
	"GET .../root.json" "'$NT_GUN'"

run key timestamp
cp "$out" "$work/ts1.key"
check "GET timestamp.key: an ed25519 TUF key" \
	grep -q '"keytype":"ed25519"' "$work/ts1.key"
run key snapshot
check "GET snapshot.key: an ed25519 TUF key" grep -q '"keytype":"ed25519"' "$out"
run key timestamp --rotate
check "POST timestamp.key (rotate): a new key" \
	eval '[ "$rc" = 0 ] && grep -q keyval "$out" && ! cmp -s "$out" "$work/ts1.key"'
run key root
err "key root: only timestamp and snapshot" TA_ERR_INVALID "not 'root'"

# ---- publish a repository made by tuf/ alone, read it back byte for byte
printf 'manifest one\n' >"$work/v1"
d1=$(sha256sum "$work/v1" | cut -d' ' -f1)
s1=$(stat -c %s "$work/v1")
run key timestamp
cp "$out" "$work/ts.key"
if "$repotool" notary "$work" "$NT_GUN" "$work/ts.key" "v1=$s1:$d1" >"$work/repo.log" 2>&1; then
	pass "repo-tool builds and signs a repository"
else
	fail "repo-tool builds and signs a repository"
	cat "$work/repo.log"
	exit 1
fi
run publish root="$work/root.json" targets="$work/targets.json" snapshot="$work/snapshot.json"
ok "publish root, targets, snapshot in one POST"
if nt_fresh_client list "$NT_GUN" >"$work/list.txt" 2>&1 &&
	grep -Eq "^v1[[:space:]]+${d1}[[:space:]]+${s1}[[:space:]]+targets" "$work/list.txt"; then
	pass "a fresh real notary client lists what was published"
else
	fail "a fresh real notary client lists what was published"
	cat "$work/list.txt"
fi
hsnap=$(sha256sum "$work/snapshot.json" | cut -d' ' -f1)
htarg=$(sha256sum "$work/targets.json" | cut -d' ' -f1)
run fetch root="$work/g.root" targets="$work/g.targets" snapshot="$work/g.snapshot" \
	timestamp="$work/g.timestamp" "snapshot.$hsnap=$work/g.snapsum" \
	"targets.$htarg=$work/g.targsum" 1.root="$work/g.1root"
ok "GET root, targets, snapshot, timestamp, checksum and version names"
same=1
for p in "root root" "targets targets" "snapshot snapshot" "snapsum snapshot" \
	"targsum targets" "1root root"; do
	set -- $p
	cmp -s "$work/g.$1" "$work/$2.json" || { same=0; echo "    $1 differs from $2.json"; }
done
check "every file read back is byte-identical to what was published" test "$same" = 1
nt_fetch timestamp "$work/curl.timestamp"
check "timestamp.json is byte-identical to what curl reads" cmp -s "$work/g.timestamp" \
	"$work/curl.timestamp"

run --max 100 get root
err "a body over the caller's max is TA_ERR_TOO_LARGE" TA_ERR_TOO_LARGE "over 100 bytes"

# ---- the error catalogue
run publish root="$work/root.json" targets="$work/targets.json" snapshot="$work/snapshot.json"
err "an identical re-publish: 400 VERSION is TA_ERR_EXISTS" TA_ERR_EXISTS "VERSION" \
	"raise the version"
/usr/bin/python3 - "$work/targets.json" "$work/bad-targets.json" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
i = b.index(b'"sig":"') + 7
c = b[i:i + 1]
open(sys.argv[2], "wb").write(b[:i] + (b"B" if c != b"B" else b"C") + b[i + 1:])
EOF
run publish targets="$work/bad-targets.json"
err "a bad signature: 400 INVALID_UPDATE is TA_ERR_VERIFY with the server's reason" \
	TA_ERR_VERIFY "refused the update: ErrBadTargets" "threshold"
run publish root="$work/nonexistent-role"
check "publish: an unreadable file is caught by the tool" test "$rc" = 1
printf '{"signed":{}}' >"$work/junk.json"
run publish "junk=$work/junk.json"
err "publish: another catalogue code is TA_ERR_FORMAT with its text" TA_ERR_FORMAT "400" \
	"INVALID_ROLE"

# ---- bad inputs to tn_server_open
run --gun 'a/../b' open
err "GUN with '..' is refused" TA_ERR_INVALID '".."'
run --gun "$(printf 'a/b\tc')" open
err "GUN with a control character is refused" TA_ERR_INVALID "control character"
run --gun '' open
err "empty GUN is refused" TA_ERR_INVALID "no GUN"
run --gun "/a/b" open
err "GUN with an empty segment is refused" TA_ERR_INVALID "empty path segment"
run --gun "$(head -c 256 /dev/zero | tr '\0' a)" open
err "GUN over 255 bytes is refused" TA_ERR_INVALID "256 bytes"
run --gun "$(printf 'a/\xff')" open
err "GUN that is not UTF-8 is refused" TA_ERR_INVALID "UTF-8"
run --url "$NT_URL/v2/" open
err "URL with a path is refused" TA_ERR_INVALID "has a path"
run --url "ftp://127.0.0.1:$NT_PORT" open
err "URL with a scheme other than http(s) is refused" TA_ERR_INVALID "not http:// or https://"
run --url "127.0.0.1:$NT_PORT" open
err "URL without a scheme is refused" TA_ERR_INVALID "not http:// or https://"
run --url "http://u:p@127.0.0.1:$NT_PORT" open
err "URL with credentials is refused" TA_ERR_INVALID "TUFCTL_REGISTRY_USERNAME"
run get '../root'
err "a metadata name with '..' is refused" TA_ERR_INVALID "not a metadata name"
run --tls-ca "$work/no-such-ca.pem" open
err "an unreadable --tls-ca is a clear error" TA_ERR_SYSTEM "no-such-ca.pem" "--tls-ca"

# ---- server down, not a notary server
down_port=$(nt__free_port)
start=$SECONDS
TUFCTL_HTTP_RETRY_MS=10 run --url "http://127.0.0.1:$down_port" open
err "server down: a clear error after 4 tries" TA_ERR_SYSTEM "cannot connect" \
	"after 4 tries" "is the server running"
echo "    (server down: answered in $((SECONDS - start)) s with TUFCTL_HTTP_RETRY_MS=10)"

# ====================================================== fault proxy
nt_proxy_start || { echo "FAIL: fault proxy starts"; exit 1; }
P=$NT_PROXY_URL
tries() { count " $1 " "$NT_PROXY_LOG"; }
rootpath=/v2/registry.example.com%3A5000/team/app/_trust/tuf/root.json
postpath=/v2/registry.example.com%3A5000/team/app/_trust/tuf/
: >"$NT_PROXY_LOG"
nt_proxy_fault 503 2 root.json
run --url "$P" get root
check "GET: 503 twice, then the answer (3 tries)" \
	eval '[ "$rc" = 0 ] && cmp -s "$out" "$work/root.json" && [ "$(tries "$rootpath")" = 3 ]'
: >"$NT_PROXY_LOG"
nt_proxy_fault 503 9 root.json
run --url "$P" get root
err "GET: 503 every time: the error says so after 4 tries" TA_ERR_PROTOCOL \
	"503 Service Unavailable" "after 4 tries" "try again later"
check "GET: exactly 4 tries" test "$(tries "$rootpath")" = 4
nt_proxy_fault clear
: >"$NT_PROXY_LOG"
nt_proxy_fault close 1 root.json
run --url "$P" get root
check "GET: a connection closed without an answer is tried again" \
	eval '[ "$rc" = 0 ] && [ "$(tries "$rootpath")" = 2 ]'
: >"$NT_PROXY_LOG"
nt_proxy_fault 503 2 /v2/
run --url "$P" open
check "ping: 503 twice, then 200 (3 tries)" \
	eval '[ "$rc" = 0 ] && [ "$(count "^GET /v2/ " "$NT_PROXY_LOG")" = 3 ]'
: >"$NT_PROXY_LOG"
nt_proxy_fault 503 1 _trust/tuf/
run --url "$P" publish targets="$work/targets.json"
err "POST: a 503 is not retried" TA_ERR_PROTOCOL "503"
check "POST: exactly 1 try after a 503" test "$(count "POST $postpath " "$NT_PROXY_LOG")" = 1
: >"$NT_PROXY_LOG"
nt_proxy_fault forward-close 1 _trust/tuf/
run --url "$P" publish targets="$work/targets.json"
err "POST: the server acted but the answer was lost: said, not retried" TA_ERR_SYSTEM \
	"may or may not have been applied"
check "POST: exactly 1 try after a lost answer" \
	test "$(count "POST $postpath " "$NT_PROXY_LOG")" = 1
: >"$NT_PROXY_LOG"
nt_proxy_fault stall 1 root.json
TUFCTL_HTTP_STALL_S=1 run --url "$P" get root
err "GET: a stalled server is TA_ERR_TIMEOUT, not retried" TA_ERR_TIMEOUT \
	"stopped answering"
check "GET: exactly 1 try after a stall" test "$(tries "$rootpath")" = 1
: >"$NT_PROXY_LOG"
nt_proxy_fault corrupt 1 "GET /v2/registry.example.com%3A5000/team/app/_trust/tuf/root."
run --url "$P" get root
check "proxy: a corrupt answer arrives with one byte changed (the caller's to catch)" \
	eval '[ "$rc" = 0 ] && [ "$(cmp -l "$out" "$work/root.json" | wc -l)" = 1 ]'
nt_server_stop "$NT_PROXY_PID"

# Not a notary server: the token issuer of a later section answers 404 to
# /v2/.  Started now, for that.
NT_AUTH_USER=nt-user NT_AUTH_PASS=s3cret-Pa55word
export NT_AUTH_USER NT_AUTH_PASS
nt_server_start --auth >/dev/null || { echo "FAIL: notary-server --auth starts"; exit 1; }
auth_url=$NT_URL
realm_base=${NT_AUTH_REALM%/token}
run --url "$realm_base" open
err "a server that is not a notary server: said" TA_ERR_PROTOCOL "404" \
	"not a notary server"

# ====================================================== token auth
NT_URL=$auth_url
export NT_GUN=registry.example.com/team/authed
u=$NT_AUTH_USER pw=$NT_AUTH_PASS
tokens() { wc -l <"$NT_AUTH_LOG" | tr -d " "; }
secrets_leaked=0
leak_check() {
	if grep -qF -- "$pw" "$err" "$out" 2>/dev/null ||
		grep -qF -- "$NT_AUTH_REFRESH" "$err" "$out" 2>/dev/null; then
		secrets_leaked=1
	fi
}

run get root
err "no credentials: GET works anonymously (404 for a new GUN)" TA_ERR_NOT_FOUND "404"
run key timestamp
err "no credentials: push needs them; the error names the variables" \
	TA_ERR_NOT_AUTHORIZED "TUFCTL_REGISTRY_USERNAME" "TUFCTL_REGISTRY_PASSWORD"

: >"$NT_AUTH_LOG"
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run key timestamp
leak_check
cp "$out" "$work/auth-ts.key"
check "Basic credentials through the Bearer flow: timestamp.key" \
	eval '[ "$rc" = 0 ] && grep -q ed25519 "$out"'
check "the token request carries service, scope and account" \
	grep -qF "\"account\": \"$u\", \"grant\": \"basic\", \"method\": \"GET\", \"scope\": [\"repository:$NT_GUN:push,pull\"], \"service\": \"nt-notary\"" "$NT_AUTH_LOG"

mkdir -p "$work/auth"
"$repotool" notary "$work/auth" "$NT_GUN" "$work/auth-ts.key" "v1=$s1:$d1" >"$work/repo.log" 2>&1 ||
	cat "$work/repo.log"
: >"$NT_AUTH_LOG"
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run publish \
	root="$work/auth/root.json" targets="$work/auth/targets.json" \
	snapshot="$work/auth/snapshot.json"
leak_check
ok "publish with token auth"
: >"$NT_AUTH_LOG"
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run fetch \
	root="$work/a.root" targets="$work/a.targets" snapshot="$work/a.snapshot"
check "one session: three GETs, one token" \
	eval '[ "$rc" = 0 ] && [ "$(tokens)" = 1 ]'
check "read back with a token: byte-identical" \
	eval 'cmp -s "$work/a.root" "$work/auth/root.json" && cmp -s "$work/a.targets" "$work/auth/targets.json"'
if nt_fresh_client list "$NT_GUN" >"$work/list.txt" 2>&1 && grep -q "^v1 " "$work/list.txt"; then
	pass "the real notary client reads it through the token issuer"
else
	fail "the real notary client reads it through the token issuer"
	cat "$work/list.txt"
fi

TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=wrong run key timestamp
err "wrong password: TA_ERR_NOT_AUTHORIZED naming the user and the variables" \
	TA_ERR_NOT_AUTHORIZED "refused the credentials for user '$u'" \
	"TUFCTL_REGISTRY_PASSWORD"
TUFCTL_REGISTRY_USERNAME=$NT_AUTH_RO_USER TUFCTL_REGISTRY_PASSWORD=$NT_AUTH_RO_PASS \
	run publish targets="$work/auth/targets.json"
err "a pull-only user cannot publish: said" TA_ERR_NOT_AUTHORIZED \
	"user '$NT_AUTH_RO_USER' is not allowed to push to '$NT_GUN'"
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run key snapshot --rotate
leak_check
check "rotating a server key asks for and gets the '*' scope" \
	eval '[ "$rc" = 0 ] && grep -qF "repository:$NT_GUN:*" "$NT_AUTH_LOG"'
TUFCTL_REGISTRY_USERNAME=$u run open
err "a user name without a password is refused" TA_ERR_INVALID "needs a password"

# ---- a token the server refuses: one refetch, never more
: >"$NT_AUTH_LOG"
nt_auth_bad 1
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run key timestamp
check "a refused token is fetched again once, then it works" \
	eval '[ "$rc" = 0 ] && [ "$(tokens)" = 2 ]'
: >"$NT_AUTH_LOG"
nt_auth_bad 5
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run key timestamp
err "tokens refused every time: TA_ERR_NOT_AUTHORIZED" TA_ERR_NOT_AUTHORIZED \
	"user '$u' is not allowed to push to"
check "tokens refused every time: exactly 2 token requests" test "$(tokens)" = 2
nt_auth_bad 0

# ---- docker's config.json
export DOCKER_CONFIG=$work/docker
mkdir -p "$DOCKER_CONFIG"
b64=$(printf '%s:%s' "$u" "$pw" | base64 -w0)
printf '{"auths":{"http://127.0.0.1:%s/v2/":{"auth":"%s"}}}\n' "$NT_PORT" "$b64" \
	>"$DOCKER_CONFIG/config.json"
: >"$NT_AUTH_LOG"
run key timestamp
leak_check
check "docker config.json \"auth\" (key http://host:port/v2/) works" \
	eval '[ "$rc" = 0 ] && grep -q "\"grant\": \"basic\"" "$NT_AUTH_LOG"'
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$NT_PORT" \
	"$(printf '%s:%s' "$u" nope | base64 -w0)" >"$DOCKER_CONFIG/config.json"
run key timestamp
err "docker config.json with a wrong password: says where it came from" \
	TA_ERR_NOT_AUTHORIZED "$DOCKER_CONFIG/config.json" "docker login"
printf '{"auths":{"127.0.0.1:%s":{"auth":"","identitytoken":"%s"}}}\n' "$NT_PORT" \
	"$NT_AUTH_REFRESH" >"$DOCKER_CONFIG/config.json"
: >"$NT_AUTH_LOG"
run key timestamp
leak_check
check "docker config.json \"identitytoken\": the OAuth refresh_token grant works" \
	eval '[ "$rc" = 0 ] && grep -q "\"grant\": \"refresh_token\"" "$NT_AUTH_LOG"'
printf '{"auths":{"127.0.0.1:%s":{"identitytoken":"not-the-token"}}}\n' "$NT_PORT" \
	>"$DOCKER_CONFIG/config.json"
run key timestamp
err "a refused identity token: said" TA_ERR_NOT_AUTHORIZED "identity token" "docker login"
printf '{"auths":{"other.example.com":{"auth":"%s"}}}\n' "$b64" >"$DOCKER_CONFIG/config.json"
run key timestamp
err "config.json without an entry for this server: anonymous, and said" \
	TA_ERR_NOT_AUTHORIZED "TUFCTL_REGISTRY_USERNAME"
printf '{"auths":{},"credsStore":"desktop"}\n' >"$DOCKER_CONFIG/config.json"
PATH=/usr/bin:/bin run key timestamp
err "config.json with a credsStore whose helper is missing: names the helper" \
	TA_ERR_SYSTEM "docker-credential-desktop" "not on PATH" "TUFCTL_REGISTRY_USERNAME"
printf '{"auths": [' >"$DOCKER_CONFIG/config.json"
run key timestamp
err "a broken config.json: said, with its path" TA_ERR_FORMAT "$DOCKER_CONFIG/config.json"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$NT_PORT" "$b64" \
	>"$DOCKER_CONFIG/config.json"
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=wrong run key timestamp
err "the caller's credentials come before config.json" TA_ERR_NOT_AUTHORIZED \
	"TUFCTL_REGISTRY_PASSWORD (or --password-stdin)"
unset DOCKER_CONFIG
check "no secret in any output" test "$secrets_leaked" = 0

# ---- odd but valid Bearer challenges, and broken ones (through the proxy)
nt_proxy_start || { echo "FAIL: fault proxy starts"; exit 1; }
P=$NT_PROXY_URL
realm=$NT_AUTH_REALM
esc_realm=$(printf '%s' "$realm" | sed 's,/,\\/,g')
ch_ok() {
	nt_proxy_fault clear
	nt_proxy_challenge 5 "$2"
	TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run --url "$P" key timestamp
	ok "challenge: $1"
}
ch_ok "scheme in any case, params in any order, extra params" \
	"bEaReR error=\"invalid_token\", service=nt-notary,  foo=\"a,b\\\"c\" , realm=\"$realm\""
ch_ok "quoted-pair escapes in the realm" "Bearer realm=\"$esc_realm\",service=\"nt-notary\""
ch_ok "Basic challenge first, in the same field" \
	"Basic realm=\"registry\", Bearer realm=\"$realm\",service=\"nt-notary\""
ch_ok "Basic challenge first, in another field" \
	"Basic realm=\"registry\" || Bearer realm=\"$realm\",service=\"nt-notary\""
ch_ok "a token68 challenge before" "Negotiate abc/def== , Bearer realm=\"$realm\",service=nt-notary"
ch_bad() {
	nt_proxy_fault clear
	nt_proxy_challenge 5 "$2"
	TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run --url "$P" key timestamp
	shift 2
	err "$name" "$@"
}
name="challenge: a realm that is not http(s) is refused"
ch_bad "" "Bearer realm=\"ftp://127.0.0.1/token\",service=\"nt-notary\"" TA_ERR_PROTOCOL \
	"not an http(s) URL"
name="challenge: an unterminated quoted string is refused"
ch_bad "" "Bearer realm=\"$realm,service=\"nt-notary" TA_ERR_PROTOCOL "malformed"
name="challenge: a realm given twice is refused"
ch_bad "" "Bearer realm=\"$realm\",realm=\"$realm\"" TA_ERR_PROTOCOL "malformed"
name="challenge: Basic only: tufctl says it speaks token auth"
ch_bad "" "Basic realm=\"registry\"" TA_ERR_PROTOCOL "no Bearer challenge"
name="challenge: none at all"
ch_bad "" "-" TA_ERR_PROTOCOL "no Bearer challenge"
nt_proxy_fault clear
nt_server_stop "$NT_PROXY_PID"

# ====================================================== TLS (with token auth)
NT_GUN=registry.example.com/team/tls
nt_server_start --tls --auth >/dev/null || { echo "FAIL: notary-server --tls --auth starts"; exit 1; }
u=$NT_AUTH_USER pw=$NT_AUTH_PASS
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run --tls-ca "$NT_CA" key timestamp
check "TLS with --tls-ca, an https token realm: timestamp.key" \
	eval '[ "$rc" = 0 ] && grep -q ed25519 "$out"'
case $NT_AUTH_REALM in https://*) pass "the realm is https" ;; *) fail "the realm is https" ;; esac
run key timestamp
err "TLS without the CA: a clear error naming --tls-ca" TA_ERR_SYSTEM "not trusted" "--tls-ca"
run --url "${NT_URL/https/http}" open
check "plain http to the TLS port fails" test "$rc" = 1
printf 'not a certificate\n' >"$work/bad-ca.pem"
run --tls-ca "$work/bad-ca.pem" open
err "a CA file that is no PEM: a clear error" TA_ERR_SYSTEM "--tls-ca"
if nt_client init "$NT_GUN" -p >"$work/init.log" 2>&1 &&
	nt_fresh_client list "$NT_GUN" >"$work/list.txt" 2>&1; then
	pass "the real notary client publishes and reads with the token issuer over TLS"
else
	fail "the real notary client publishes and reads with the token issuer over TLS"
	cat "$work/init.log" "$work/list.txt"
fi
TUFCTL_REGISTRY_USERNAME=$u TUFCTL_REGISTRY_PASSWORD=$pw run --tls-ca "$NT_CA" fetch \
	root="$work/t.root" timestamp="$work/t.ts"
nt_auth_login
nt_fetch root "$work/t.curl.root"
check "TLS + auth: root read back equals what the notary client published" \
	eval '[ "$rc" = 0 ] && cmp -s "$work/t.root" "$work/t.curl.root"'
