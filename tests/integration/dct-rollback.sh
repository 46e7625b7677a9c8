#!/bin/bash
# Docker Content Trust, test 7: tufctl never goes back in time.
# A hostile server (tests/integration/notary/replay-server.py) takes over the host:port
# tufctl trusts and serves, for one GUN, what the real notary-server served
# before (recorded here: publish v1, record, publish v2), and for another
# GUN a history forge-tool signed with its own timestamp key: an older
# timestamp, snapshot, targets or delegation, a second file of the trusted
# version, an expired timestamp, snapshot or targets, a mixed snapshot.
# Each is refused by list and publish: status 1, one line naming the role,
# the trust directory byte for byte as it was, no signature asked of the
# agent and no upload.  The legitimate flows go on working: publishing
# after a refusal, a rotation, a re-signed timestamp, delegations removed
# and made again.
. "$(dirname "$0")/dct_lib.sh"

FORGE=$BUILD/tests/tools/forge-tool
[ -x "$FORGE" ] || skip_all "$FORGE is not built"
dct_up root-1 targets-1
nt_replay_start --upstream || { bad "the replay server starts"; exit 1; }
URL=$NT_REPLAY_URL
GUN=registry.example.com/team/rollback
NT_GUN=$GUN
dir=$TRUST/127.0.0.1:${URL##*:}/$GUN
for t in v1 v2 v3 x; do blob $t "content of $t"; done
add() { quiet tufctl notary add "$1" "$2" --digest "sha256:$(eval echo \$D_$2)" --size "$(eval echo \$S_$2)"; }

# snap NAME DIR: every file of a GUN's trust directory and its sha256.
snap() { (cd "$2" && find . -type f ! -name lock | sort | xargs sha256sum) >"$tmp/$1"; }
same_as() { snap now "$2" && cmp -s "$tmp/$1" "$tmp/now"; }
signs() { grep -c '"method":"sign"' "$AUDIT"; }
posts() { grep -c "^POST /v2/$1/" "$NT_REPLAY_LOG"; }  # forwarded or not

# refused NAME GUN DIR PATTERN CMD...: CMD fails with status 1 and one
# line matching PATTERN, and the GUN's trust directory DIR is unchanged.
refused() {
	local n=$1 g=$2 d=$3 pat=$4 st
	shift 4
	snap before "$d"
	"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	echo "   said: $(cat "$tmp/err")"
	if [ "$st" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$n: refused, saying so"
	else
		bad "$n: refused, saying so" "status $st" "$(cat "$tmp/out" "$tmp/err")"
	fi
	check "$n: the trust directory is unchanged" same_as before "$d"
	check "$n: nothing listed" test ! -s "$tmp/out"
}

# ---- a real notary-server's own history, replayed ------------------------

tufctl notary init "$GUN" --server "$URL" --root-key root-1 --targets-key targets-1 >/dev/null &&
	add "$GUN" v1 && add "$GUN" v2 && quiet tufctl notary publish "$GUN" ||
	{ bad "published v1 and v2" "$(cat "$tmp/quiet.log")"; exit 1; }
nt_replay_record "$tmp/rec1" || bad "recorded the first version"
quiet tufctl notary remove "$GUN" v1 && quiet tufctl notary publish "$GUN" ||
	bad "removed v1 and published" "$(cat "$tmp/quiet.log")"
tufctl notary list "$GUN" >"$tmp/l.txt" 2>&1
check "the server now serves v2 alone" sh -c "grep -q '^v2 ' '$tmp/l.txt' && ! grep -q '^v1 ' '$tmp/l.txt'"

# The rollback attack as reported: the first version again, on the same host:port.
nt_replay_serve "$GUN" "$tmp/rec1"
refused "notary-server's older timestamp (list)" "$GUN" "$dir" \
	"the server's timestamp is version 1, older than the trusted version 2: possible rollback" \
	tufctl notary list "$GUN"
add "$GUN" v3
before_signs=$(signs) before_posts=$(posts "$GUN")
refused "notary-server's older timestamp (publish)" "$GUN" "$dir" \
	"timestamp is version 1, older than the trusted version 2" tufctl notary publish "$GUN"
check "publish on an old view: the agent was asked for no signature" test "$(signs)" = "$before_signs"
check "publish on an old view: nothing was uploaded" test "$(posts "$GUN")" = "$before_posts"

# The real server again: the staged change goes out, v1 stays removed.
nt_replay_serve "$GUN"
check "the real server back: publish succeeds" quiet tufctl notary publish "$GUN"
tufctl notary list "$GUN" >"$tmp/l.txt" 2>&1
check "... v2 and v3 are served, v1 is not" sh -c "grep -q '^v2 ' '$tmp/l.txt' &&
	grep -q '^v3 ' '$tmp/l.txt' && ! grep -q '^v1 ' '$tmp/l.txt'"
nt_replay_record "$tmp/rec3"
if quiet tufctl notary rotate "$GUN" targets; then
	ok "rotate targets: published and read back"
else
	bad "rotate targets: published and read back" "$(cat "$tmp/quiet.log")"
fi
nt_replay_serve "$GUN" "$tmp/rec3"
refused "the version before the rotation" "$GUN" "$dir" "older than the trusted version" \
	tufctl notary list "$GUN"
nt_replay_serve "$GUN"
check "the real server back: list succeeds" quiet tufctl notary list "$GUN"

# ---- a forged history, timestamp key and all ------------------------------

G2=registry.example.com/team/forged
dir2=$TRUST/127.0.0.1:${URL##*:}/$G2
"$FORGE" "$tmp/forge" "$G2" >/dev/null || { bad "forge-tool writes its scenarios"; finish; exit 1; }
lists() { # lists SCENARIO TAG...: list succeeds and shows exactly TAG...
	nt_replay_serve "$G2" "$tmp/forge/$1"
	tufctl notary list "$G2" --server "$URL" >"$tmp/l.txt" 2>&1 &&
		test "$(awk 'NR > 1 { print $1 }' "$tmp/l.txt" | sort | tr '\n' ' ')" = "$2"
}
check "forged v1 trusted on first use" lists v1 "a b r1 "
check "forged v2: b removed, r2 added" lists v2 "a r1 r2 "

attack() { # attack SCENARIO PATTERN
	nt_replay_serve "$G2" "$tmp/forge/$1"
	refused "$1" "$G2" "$dir2" "$2" tufctl notary list "$G2"
}
attack v1 "the server's timestamp is version 1, older than the trusted version 2: possible rollback"
attack old-snapshot "the server's snapshot is version 1, older than the trusted version 2"
attack old-targets "the server's targets is version 1, older than the trusted version 2"
attack old-delegation "the server's targets/releases is version 1, older than the trusted version 2"
attack fork-timestamp "the server's timestamp is version 2, the trusted version, but with other content"
attack fork-targets "the server's targets is version 2, the trusted version, but with other content"
attack expired-timestamp "the server's timestamp (version 3) expired at .*freeze"
attack expired-snapshot "the server's snapshot (version 3) expired at .*freeze"
attack expired-targets "the server's targets (version 3) expired at .*freeze"
attack mixed-snapshot "targets\.[0-9a-f]*\.json from the server does not match its hashes"

# publish refuses before asking the agent for anything.
add "$G2" x
before_signs=$(signs)
for s in old-targets expired-timestamp; do
	nt_replay_serve "$G2" "$tmp/forge/$s"
	refused "publish on $s" "$G2" "$dir2" "the server's" tufctl notary publish "$G2"
done
check "publish on forged views: the agent was asked for no signature" \
	test "$(signs)" = "$before_signs"
check "publish on forged views: nothing was uploaded" test "$(posts "$G2")" = 0

# What the server may do: re-sign the timestamp, publish, drop a
# delegation, make it again from version 1.
check "a re-signed timestamp (higher version, same snapshot) is taken" \
	lists resigned-timestamp "a r1 r2 "
check "v3 (c added) is taken" lists v3 "a c r1 r2 "
check "the delegation removed: taken" lists no-delegation "a c "
check "the delegation made again, from version 1: taken" lists delegation-back "a c r9 "
finish
