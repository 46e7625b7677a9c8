#!/bin/bash
# tufctl notary, issue #15: the batch form and its neighbours, against the
# real notary-server and client (dct_lib.sh).
#   add GUN --from-list FILE|-: a list staged whole (comments, blank lines,
#     CRLF, tabs, roles), or not at all: every kind of bad line refused with
#     its line number and nothing staged; stdin; duplicates refused;
#   status (staged changes, published versions; --json) and reset;
#   remove of a tag staged by a list; publish says what it changed;
#   the published GUN read by a fresh real notary client;
#   TUFCTL_SERVER instead of --server (--server wins);
#   libcurl loaded only for commands that talk HTTP (hidden: offline
#     commands work, the others say what to install);
#   a policy refusal over max-expiry names --expiry N (as another uid).
. "$(dirname "$0")/dct_lib.sh"

BUILDER=65534
rule="[allow \"ci\"]
uid = $BUILDER
operations = sign, key.list, key.show
keys = targets-*
roles = targets, targets/*
gun = registry.example.com/ci/*
max-expiry = 90d"
dct_conf "$rule"
agent_start "$tmp/agent.conf" || { bad "agent starts"; exit 1; }
nt_server_start >/dev/null || { bad "notary-server starts"; exit 1; }
key_gen root-1 && key_gen targets-1 || { bad "keys generated"; exit 1; }

GUN=registry.example.com/ci/batch
NT_GUN=$GUN
h() { printf 'manifest %s' "$1" | sha256sum | cut -d' ' -f1; }
# staged_n: how many changes are staged for GUN (status --json).
staged_n() { tufctl --json notary status "$GUN" | jget - 'len(d["changes"])'; }

# TUFCTL_SERVER: init without --server.
export TUFCTL_SERVER=$NT_URL
check "init takes the server from TUFCTL_SERVER" \
	quiet tufctl notary init "$GUN" --root-key root-1 --targets-key targets-1
check "the trust directory is the variable's server's" \
	test -f "$TRUST/127.0.0.1:$NT_PORT/$GUN/server.json"

# ---- a good list ----------------------------------------------------------------------
{
	printf '# tags built by job 42\n\n'
	for i in 1 2 3; do printf 'v%s sha256:%s %s\n' "$i" "$(h "$i")" "${#i}"; done
	printf '  \tv4\tsha256:%s   1 targets  \r\n' "$(h 4)"   # blanks, tabs, CRLF, a role
	printf '   # an indented comment\n'
	printf 'v5 sha256:%s 0' "$(h 5)"                        # no final newline, size 0
} >"$tmp/list.txt"
if tufctl notary add "$GUN" --from-list "$tmp/list.txt" >"$tmp/add.log" 2>&1; then
	ok "add --from-list stages a list with comments, blanks, tabs and CRLF"
else
	bad "add --from-list stages a list with comments, blanks, tabs and CRLF" "$(cat "$tmp/add.log")"
fi
check "it says how many tags it staged" grep -q "^staged: 5 tags of $GUN" "$tmp/add.log"
check "status shows the 5 changes" test "$(staged_n)" = 5
check "one change file for the whole list" \
	test "$(find "$TRUST/127.0.0.1:$NT_PORT/$GUN/changes" -name '*.json' | wc -l)" = 1

# ---- bad lists: the line named, nothing staged -----------------------------------------
good="v9 sha256:$(h 9) 10"
# refused NAME WANT LINES...: a list of LINES (printf %b) is refused, the
# message matches WANT, and nothing more is staged.
refused() {
	local what=$1 want=$2
	shift 2
	printf '%b' "$@" >"$tmp/bad.txt"
	if tufctl notary add "$GUN" --from-list "$tmp/bad.txt" >"$tmp/bad.log" 2>&1; then
		bad "$what is refused" "$(cat "$tmp/bad.log")"
		return
	fi
	if grep -q -- "$want" "$tmp/bad.log" && grep -q "nothing staged" "$tmp/bad.log" &&
		[ "$(wc -l <"$tmp/bad.log")" = 1 ] && [ "$(staged_n)" = 5 ]; then
		ok "$what is refused: one line, the line number, nothing staged"
	else
		bad "$what is refused: one line, the line number, nothing staged" "$(cat "$tmp/bad.log")"
	fi
}
refused "a truncated line" "bad.txt:2: 2 fields" "$good\nv10 sha256:$(h 10)\n"
refused "a cut digest" "bad.txt:2: .*wrong length" "$good\nv10 sha256:$(h 10 | cut -c1-40) 5\n"
refused "a digest that is not hex" "bad.txt:1: .*not sha256:" "v10 sha256:$(h 10 | sed 's/^./g/') 5\n$good\n"
refused "an upper-case digest" "bad.txt:1: .*lowercase" "v10 sha256:$(h 10 | tr a-f A-F) 5\n"
refused "a digest without sha256:" "bad.txt:1: " "v10 $(h 10) 5\n"
refused "an oversized size" "bad.txt:2: size '9007199254740992'" "$good\nv10 sha256:$(h 10) 9007199254740992\n"
refused "a negative size" "bad.txt:1: size '-1'" "v10 sha256:$(h 10) -1\n"
refused "a size that is not decimal" "bad.txt:1: size '0x10'" "v10 sha256:$(h 10) 0x10\n"
refused "trailing garbage" "bad.txt:3: trailing 'x'" "$good\n\nv10 sha256:$(h 10) 5 targets x\n"
refused "a trailing comment" "bad.txt:1: trailing '#'" "v10 sha256:$(h 10) 5 targets # no\n"
refused "invalid UTF-8" "bad.txt:2: not UTF-8" "$good\nv\xff1 sha256:$(h 10) 5\n"
refused "a tag docker refuses" "bad.txt:1: '.v1' is not a docker tag" ".v1 sha256:$(h 10) 5\n"
refused "a tag over 128 bytes" "bad.txt:1: .*not a docker tag" "$(printf 'a%.0s' $(seq 129)) sha256:$(h 10) 5\n"
refused "a role that is not a targets role" "bad.txt:1: 'root' is not a targets role" "v10 sha256:$(h 10) 5 root\n"
refused "a malformed delegation" "bad.txt:1: .*not a targets role" "v10 sha256:$(h 10) 5 targets/../x\n"
refused "a tag given twice" "bad.txt:3: tag 'v9' of targets is on line 1 already" "$good\nv10 sha256:$(h 10) 5\nv9 sha256:$(h 9) 10 targets\n"
refused "an empty file" "holds no tags" ""
refused "a list of comments" "holds no tags" "# nothing\n\n   \n"
refused "a NUL byte" "bad.txt:1: a NUL" "v10\0 sha256:$(h 10) 5\n"
tufctl notary add "$GUN" --from-list "$tmp/nope.txt" >"$tmp/bad.log" 2>&1
check "a missing list is an error (status 1)" test $? = 1
tufctl notary add "$GUN" v1 --from-list "$tmp/list.txt" >"$tmp/bad.log" 2>&1
check "--from-list with a TAG is a usage error (status 2)" test $? = 2
tufctl notary add "$GUN" --from-list "$tmp/list.txt" --digest "sha256:$(h 1)" >"$tmp/bad.log" 2>&1
check "--from-list with --digest is a usage error (status 2)" test $? = 2
check "nothing was staged by any of them" test "$(staged_n)" = 5

# ---- standard input, remove, status ---------------------------------------------------
printf 'v6 sha256:%s 1\nv7 sha256:%s 1\n' "$(h 6)" "$(h 7)" |
	tufctl --json notary add "$GUN" --from-list - >"$tmp/stdin.json" 2>&1
check "--from-list - reads standard input (--json)" \
	test "$(jget "$tmp/stdin.json" 'd["staged"]')" = 2
check "remove of a listed tag" quiet tufctl notary remove "$GUN" v2
tufctl --json notary status "$GUN" >"$tmp/status.json"
check "status --json: v2's add is gone, its remove staged, the rest kept" test \
	"$(jget "$tmp/status.json" '" ".join(c["op"] + ":" + c["name"] for c in d["changes"])')" = \
	"add:v1 add:v3 add:v4 add:v5 add:v6 add:v7 remove:v2"
check "status --json: init staged, nothing published yet" test \
	"$(jget "$tmp/status.json" '[d["init"], d["published"], d["server"]]')" = "[true, [], \"$NT_URL\"]"
tufctl notary status "$GUN" >"$tmp/status.txt" 2>&1
check "status lists the staged changes" \
	grep -q "^  add v4 sha256:$(h 4) 1 targets\$" "$tmp/status.txt"

# ---- publish ---------------------------------------------------------------------------
if tufctl notary publish "$GUN" >"$tmp/pub.log" 2>&1; then
	ok "publish"
else
	bad "publish" "$(cat "$tmp/pub.log")"
fi
check "publish lists the tags it added" \
	grep -q "^  targets: added 6: v1, v3, v4, v5, v6, v7;" "$tmp/pub.log"
if nt_fresh_client list "$GUN" >"$tmp/list.out" 2>&1; then
	ok "a fresh real notary client reads the GUN"
else
	bad "a fresh real notary client reads the GUN" "$(cat "$tmp/list.out")"
fi
for i in 1 3 4 6 7; do
	listed "$tmp/list.out" "v$i" "$(h "$i")" 1 || break
done && listed "$tmp/list.out" v5 "$(h 5)" 0 && ! grep -q '^v2 ' "$tmp/list.out"
check "it lists the six tags with their digests and sizes, not v2" test $? = 0
tufctl --json notary status "$GUN" >"$tmp/status2.json"
check "status after publish: nothing staged, targets v1 known" test \
	"$(jget "$tmp/status2.json" \
	'[len(d["changes"])] + [p["version"] for p in d["published"] if p["role"] == "targets"]')" = "[0, 1]"
printf 'v1 sha256:%s 2\nv8 sha256:%s 1\n' "$(h 11)" "$(h 8)" >"$tmp/l2.txt"
quiet tufctl notary add "$GUN" --from-list "$tmp/l2.txt"
quiet tufctl notary remove "$GUN" v3
tufctl --json notary publish "$GUN" >"$tmp/pub.json" 2>&1
check "publish --json: added, removed and changed per role" test \
	"$(jget "$tmp/pub.json" 'd["roles"]["targets"]')" = \
	'{"added": ["v8"], "removed": ["v3"], "changed": ["v1"]}'

# ---- reset -----------------------------------------------------------------------------
quiet tufctl notary add "$GUN" --from-list "$tmp/list.txt"
quiet tufctl notary remove "$GUN" v9
tufctl --json notary reset "$GUN" >"$tmp/reset.json" 2>&1
check "reset --json drops every staged change" test "$(jget "$tmp/reset.json" 'd["dropped"]')" = 6
check "status: nothing staged after reset" test "$(staged_n)" = 0
tufctl notary publish "$GUN" >"$tmp/pub3.log" 2>&1
check "publish after reset has nothing to do" grep -q "nothing to publish" "$tmp/pub3.log"

# ---- TUFCTL_SERVER and --server -------------------------------------------------------
TUFCTL_SERVER=http://127.0.0.1:1 tufctl notary list "$GUN" --server "$NT_URL" >"$tmp/srv.log" 2>&1
check "--server wins over TUFCTL_SERVER" grep -q "^v1 " "$tmp/srv.log"
TUFCTL_SERVER=http://127.0.0.1:1 tufctl notary status "$GUN" >"$tmp/srv2.log" 2>&1
check "TUFCTL_SERVER names the server (another one: no trust data there)" \
	grep -q "no trust data for '$GUN' from 127.0.0.1:1" "$tmp/srv2.log"
unset TUFCTL_SERVER
check "without TUFCTL_SERVER the one server known is used" quiet tufctl notary status "$GUN"

# ---- libcurl only for commands that talk HTTP -----------------------------------------
check "tufctl is not linked with libcurl" sh -c "! ldd '$TUFCTL' | grep -q libcurl"
curl_so=$(ldconfig -p | awk '/libcurl.so.4 / { print $NF; exit }')
if [ "$(id -u)" = 0 ] && [ -n "$curl_so" ] && unshare -m true 2>/dev/null; then
	# nocurl CMD...: CMD with libcurl.so.4 hidden (an empty file over it).
	nocurl() {
		unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$curl_so" \
			"$TUFCTL" --socket "$SOCK" "$@"
	}
	nocurl notary status "$GUN" >"$tmp/nc.log" 2>&1
	check "without libcurl, offline commands work (status)" test $? = 0
	printf 'v20 sha256:%s 1\n' "$(h 20)" >"$tmp/l3.txt"
	nocurl notary add "$GUN" --from-list "$tmp/l3.txt" >"$tmp/nc.log" 2>&1
	check "without libcurl, add --from-list works" test $? = 0
	nocurl notary publish "$GUN" >"$tmp/nc.log" 2>&1
	rc=$?
	check "without libcurl, publish fails with one line saying what to install" \
		sh -c "[ $rc = 1 ] && [ \$(wc -l <'$tmp/nc.log') = 1 ] && grep -q 'cannot load libcurl.*install libcurl4' '$tmp/nc.log'"
	quiet tufctl notary reset "$GUN"
else
	echo "SKIP: libcurl hidden in a mount namespace (needs root and unshare)"
fi

# ---- max-expiry: the refusal names --expiry --------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	quiet tufctl notary publish "$GUN" # (nothing staged: trust data current)
	bhome=$tmp/builder
	mkdir -p "$bhome"
	chown "$BUILDER:$BUILDER" "$bhome"
	chmod 0711 "$tmp"
	chmod 0755 "$(dirname "$SOCK")"
	chmod 0666 "$SOCK"
	as_builder() {
		setpriv --reuid="$BUILDER" --regid="$BUILDER" --clear-groups \
			env HOME="$bhome" XDG_DATA_HOME="$bhome/xdg" TUFCTL_SERVER="$NT_URL" \
			"$TUFCTL" --socket "$SOCK" "$@"
	}
	printf 'ci-1 sha256:%s 4\n' "$(h ci)" | as_builder notary add "$GUN" --from-list - \
		>"$tmp/ci.log" 2>&1
	as_builder notary publish "$GUN" >"$tmp/ci.log" 2>&1
	check "a publish over the rule's max-expiry is refused, naming --expiry 90" \
		grep -q "over max-expiry 90d; sign for at most that: give --expiry 90" "$tmp/ci.log"
	if as_builder notary publish "$GUN" --expiry 90 >"$tmp/ci2.log" 2>&1; then
		ok "with --expiry 90 the builder's publish goes through"
	else
		bad "with --expiry 90 the builder's publish goes through" "$(cat "$tmp/ci.log" "$tmp/ci2.log")"
	fi
else
	echo "SKIP: max-expiry (needs root and setpriv)"
fi
finish
