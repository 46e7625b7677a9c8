#!/bin/bash
# docker's credential helpers (issue #15): notary-server with token auth
# (tests/integration/notary/token-issuer.py, dct_up --auth); docker's
# config.json in a throwaway DOCKER_CONFIG names a helper, by "credHelpers"
# for the server's host:port or by "credsStore"; the helper is a small
# script put on PATH here (docker-credential-tufctltest), which logs its
# argument and what it read and answers as HELPER_MODE says.  tufctl runs
# it with the server on standard input and publishes with what it answers;
# a missing, failing, garbled, hanging or flooding helper is one line
# naming it (the last two stopped); a helper
# without credentials for the server leaves tufctl anonymous and says so
# without hinting at docker login; the secret never shows.
. "$(dirname "$0")/dct_lib.sh"

dct_up --auth root-1 targets-1
GUN=registry.example.com/team/helper
NT_GUN=$GUN
HOSTPORT=${NT_URL#*://}
blob v1 'through a helper'
blob v2 'through the store'
unset TUFCTL_REGISTRY_USERNAME TUFCTL_REGISTRY_PASSWORD
export DOCKER_CONFIG=$tmp/docker HELPER_LOG=$tmp/helper.log HELPER_USER=$NT_AUTH_USER \
	HELPER_SECRET=$NT_AUTH_PASS
mkdir -p "$DOCKER_CONFIG" "$tmp/bin"
cat >"$tmp/bin/docker-credential-tufctltest" <<'EOF'
#!/bin/sh
# A docker credential helper for tests: "get" only.
read -r server
printf '%s %s\n' "$1" "$server" >>"$HELPER_LOG"
case ${HELPER_MODE:-ok} in
ok) printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "$server" "$HELPER_USER" "$HELPER_SECRET" ;;
none) echo "credentials not found in native keychain"; exit 1 ;;
fail) echo "the keyring is locked"; exit 3 ;;
garbage) echo "Username=$HELPER_USER" ;;
hang) exec sleep 127 ;;
flood) exec yes '{"Username":"u","Secret":"s"}' ;;
esac
EOF
chmod 755 "$tmp/bin/docker-credential-tufctltest"
export PATH=$tmp/bin:$PATH

# ---- credHelpers for the server's host:port ------------------------------------------
printf '{"auths":{},"credHelpers":{"%s":"tufctltest","other.example.com":"nosuch"}}\n' \
	"$HOSTPORT" >"$DOCKER_CONFIG/config.json"
: >"$HELPER_LOG"
if quiet tufctl --verbose notary init "$GUN" --server "$NT_URL" --root-key root-1 \
	--targets-key targets-1 &&
	cp "$tmp/quiet.log" "$tmp/init.log" &&
	quiet tufctl notary add "$GUN" v1 --digest "sha256:$D_v1" --size "$S_v1" &&
	quiet tufctl notary publish "$GUN"; then
	ok "credHelpers: init and publish with the helper's credentials"
else
	bad "credHelpers: init and publish with the helper's credentials" "$(cat "$tmp/quiet.log")"
fi
check "the helper was run as 'get' with the server's host:port on standard input" \
	grep -qx "get $HOSTPORT" "$HELPER_LOG"
check "--verbose names the helper it runs" \
	grep -q "^tufctl: running docker-credential-tufctltest get for $HOSTPORT$" "$tmp/init.log"
check "the secret is never shown (--verbose, publish)" \
	eval '! grep -qF "$NT_AUTH_PASS" "$tmp/init.log" "$tmp/quiet.log"'
check "the issuer saw logins for the helper's user" grep -q "$NT_AUTH_USER" "$NT_AUTH_LOG"
nt_fresh_client list "$GUN" >"$tmp/l1.txt" 2>&1
check "the real client lists v1" listed "$tmp/l1.txt" v1 "$D_v1" "$S_v1"

# ---- credsStore ---------------------------------------------------------------------------
printf '{"auths":{"%s":{}},"credsStore":"tufctltest"}\n' "$HOSTPORT" >"$DOCKER_CONFIG/config.json"
: >"$HELPER_LOG"
quiet tufctl notary add "$GUN" v2 --digest "sha256:$D_v2" --size "$S_v2" &&
	quiet tufctl notary publish "$GUN"
check "credsStore: publish with the store's credentials" test $? = 0
check "credsStore: the store was asked for the server" grep -qx "get $HOSTPORT" "$HELPER_LOG"

# ---- failures: one line, naming the helper ----------------------------------------------------
publish_fails() { # NAME TEXT...: notary publish (something staged) fails so
	local name=$1 rc t
	shift
	tufctl notary add "$GUN" v9 --digest "sha256:$D_v1" --size "$S_v1" >/dev/null 2>&1
	tufctl notary publish "$GUN" >"$tmp/f.out" 2>"$tmp/f.err"
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l <"$tmp/f.err")" -ne 1 ]; then
		bad "$name" "rc=$rc" "$(cat "$tmp/f.err")"
		return
	fi
	for t in "$@"; do
		grep -qF -- "$t" "$tmp/f.err" || { bad "$name" "no '$t'" "$(cat "$tmp/f.err")"; return; }
	done
	if grep -q "docker login" "$tmp/f.err"; then
		bad "$name" "hints at docker login" "$(cat "$tmp/f.err")"
		return
	fi
	ok "$name"
}
printf '{"credsStore":"nosuch"}\n' >"$DOCKER_CONFIG/config.json"
publish_fails "a missing helper: named, not on PATH" \
	"docker-credential-nosuch" "not on PATH" "TUFCTL_REGISTRY_USERNAME"
printf '{"credsStore":"tufctltest"}\n' >"$DOCKER_CONFIG/config.json"
HELPER_MODE=fail publish_fails "a failing helper: named, with its exit status and message" \
	"docker-credential-tufctltest get failed (exit status 3: the keyring is locked)"
HELPER_MODE=garbage publish_fails "a helper answering something else: named" \
	"docker-credential-tufctltest did not answer with a JSON object holding Username and Secret"
HELPER_MODE=none publish_fails "a helper without credentials: anonymous, and says to store them there" \
	"store them in docker-credential-tufctltest, which has none for $HOSTPORT"
HELPER_MODE=flood publish_fails "a helper that writes without end: stopped, named" \
	"the credential helper docker-credential-tufctltest wrote over" "(stopped)"
HELPER_MODE=hang publish_fails "a helper that never answers: stopped after 30 s, named" \
	"the credential helper docker-credential-tufctltest did not answer within 30 s (stopped)"
check "  the hanging helper was killed" bash -c '! pgrep -f "^sleep 127$" >/dev/null'
HELPER_MODE=fail tufctl --json notary publish "$GUN" >"$tmp/j.out" 2>/dev/null
check "--json: the helper's failure as an error object naming it" \
	grep -q '^{"error":{"code":"failed","message":"notary publish: .*docker-credential-tufctltest get failed' "$tmp/j.out"
grep -qF "$NT_AUTH_PASS" "$tmp/f.err" "$tmp/f.out" "$tmp/j.out"
check "no failure shows the secret" test $? = 1

finish
