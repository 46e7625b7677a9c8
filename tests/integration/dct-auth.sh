#!/bin/bash
# Docker Content Trust, test 4: registry token auth.  notary-server runs
# with token authentication and the suite's token issuer
# (tests/integration/notary/token-issuer.py); tufctl publishes with Basic credentials
# through the Bearer flow, from the environment, from --password-stdin and
# from docker's config.json; wrong credentials give a clear error and
# change nothing, on the server or in the trust directory.
. "$(dirname "$0")/dct_lib.sh"

dct_up --auth root-1 targets-1
GUN=registry.example.com/team/auth
NT_GUN=$GUN
blob v1 'behind a login'
blob v2 'second login'

# No credentials: the server wants a token for push.
TUFCTL_REGISTRY_USERNAME= TUFCTL_REGISTRY_PASSWORD= HOME=$tmp/nohome \
	tufctl notary init "$GUN" --server "$NT_URL" --root-key root-1 --targets-key targets-1 \
	>"$tmp/anon.log" 2>&1
check "no credentials: refused, and the message names TUFCTL_REGISTRY_USERNAME" \
	grep -q "TUFCTL_REGISTRY_USERNAME" "$tmp/anon.log"

export TUFCTL_REGISTRY_USERNAME=$NT_AUTH_USER TUFCTL_REGISTRY_PASSWORD=$NT_AUTH_PASS
if quiet tufctl notary init "$GUN" --server "$NT_URL" --root-key root-1 --targets-key targets-1 &&
	quiet tufctl notary add "$GUN" v1 --digest "sha256:$D_v1" --size "$S_v1" &&
	quiet tufctl notary publish "$GUN"; then
	ok "credentials from the environment: init and publish through the Bearer flow"
else
	bad "credentials from the environment: init and publish through the Bearer flow" \
		"$(cat "$tmp/quiet.log")"
fi
nt_fresh_client list "$GUN" >"$tmp/l1.txt" 2>&1
check "the real client (NOTARY_AUTH) lists v1" listed "$tmp/l1.txt" v1 "$D_v1" "$S_v1"
check "the issuer saw Basic logins for $NT_AUTH_USER" grep -q "$NT_AUTH_USER" "$NT_AUTH_LOG"

# Wrong password: clear error, nothing changes.
dir=$TRUST/127.0.0.1:$NT_PORT/$GUN
quiet tufctl notary add "$GUN" v2 --digest "sha256:$D_v2" --size "$S_v2"
cat "$dir"/changes/* >"$tmp/staged.before"
tar -C "$dir" -cf "$tmp/meta.before.tar" metadata
TUFCTL_REGISTRY_PASSWORD=wrong-password tufctl notary publish "$GUN" >"$tmp/wrong.log" 2>&1
st=$?
check "wrong password: exit status 1" test "$st" = 1
check "wrong password: one line that says the credentials were refused" \
	sh -c "[ \$(wc -l <'$tmp/wrong.log') = 1 ] && grep -qi 'credential\|password\|denied\|refused' '$tmp/wrong.log'"
check "wrong password: the password is not printed" sh -c "! grep -q wrong-password '$tmp/wrong.log'"
check "wrong password: the staged change is kept" \
	sh -c "cat '$dir'/changes/* | cmp -s - '$tmp/staged.before' && grep -q v2 '$tmp/staged.before'"
tar -C "$dir" -cf "$tmp/meta.after.tar" metadata
check "wrong password: the trusted metadata is unchanged" cmp -s "$tmp/meta.before.tar" "$tmp/meta.after.tar"
nt_fresh_client list "$GUN" >"$tmp/l2.txt" 2>&1
check "wrong password: the server has no v2" sh -c "! grep -q '^v2 ' '$tmp/l2.txt'"

# --password-stdin (the user name from --username).
printf '%s\n' "$NT_AUTH_PASS" | TUFCTL_REGISTRY_PASSWORD= TUFCTL_REGISTRY_USERNAME= \
	tufctl notary publish "$GUN" --username "$NT_AUTH_USER" --password-stdin >"$tmp/stdin.log" 2>&1
check "--password-stdin publishes the staged v2" test $? = 0
nt_fresh_client list "$GUN" >"$tmp/l3.txt" 2>&1
check "the real client lists v2" listed "$tmp/l3.txt" v2 "$D_v2" "$S_v2"

# docker's config.json "auths" (a throwaway DOCKER_CONFIG).
mkdir -p "$tmp/docker"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$NT_PORT" \
	"$(printf '%s:%s' "$NT_AUTH_USER" "$NT_AUTH_PASS" | base64 -w0)" >"$tmp/docker/config.json"
blob v3 'docker login'
quiet tufctl notary add "$GUN" v3 --digest "sha256:$D_v3" --size "$S_v3"
TUFCTL_REGISTRY_USERNAME= TUFCTL_REGISTRY_PASSWORD= DOCKER_CONFIG=$tmp/docker \
	tufctl notary publish "$GUN" >"$tmp/docker.log" 2>&1
check "credentials from docker's config.json publish v3" test $? = 0
nt_fresh_client list "$GUN" >"$tmp/l4.txt" 2>&1
check "the real client lists v3" listed "$tmp/l4.txt" v3 "$D_v3" "$S_v3"

# A read-only user may list but not publish.
TUFCTL_REGISTRY_USERNAME=$NT_AUTH_RO_USER TUFCTL_REGISTRY_PASSWORD=$NT_AUTH_RO_PASS \
	tufctl notary list "$GUN" --trust-dir "$tmp/ro-trust" --server "$NT_URL" >"$tmp/ro.txt" 2>&1
check "a pull-only user lists the GUN" grep -q "^v3 " "$tmp/ro.txt"
finish
