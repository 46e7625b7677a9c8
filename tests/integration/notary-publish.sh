#!/bin/bash
# The other way round: a root (with a root certificate from our builder),
# targets and snapshot made and signed by tuf/ alone are POSTed to the real
# notary-server as the notary client does (one multipart request), and a
# fresh real notary client lists the tags with the right digests and sizes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
repotool=$(cd "$BUILD" && pwd)/tests/tools/repo-tool
if ! command -v notary >/dev/null || ! command -v notary-server >/dev/null; then
	echo "SKIP: notary-publish (Debian's notary package is not installed)"
	exit 0
fi
# shellcheck source=tests/integration/notary/lib.sh
. "$here/notary/lib.sh"

nt_server_start >/dev/null || { echo "FAIL: notary-server starts"; exit 1; }
NT_GUN=registry.example.com/team/ours
export NT_GUN
work=$NT_DIR/ours
mkdir -p "$work"

printf 'manifest one\n' >"$work/v1"
printf 'manifest two, longer\n' >"$work/v2"
d1=$(sha256sum "$work/v1" | cut -d' ' -f1)
d2=$(sha256sum "$work/v2" | cut -d' ' -f1)
s1=$(stat -c %s "$work/v1")
s2=$(stat -c %s "$work/v2")

nt_fetch_key timestamp "$work/timestamp.key" || { echo "FAIL: server timestamp key"; exit 1; }
if "$repotool" notary "$work" "$NT_GUN" "$work/timestamp.key" "v1=$s1:$d1" "v2=$s2:$d2" \
	>"$work/tool.log" 2>&1; then
	echo "PASS: tuf/ builds and signs root, targets and snapshot"
else
	echo "FAIL: tuf/ builds and signs root, targets and snapshot"; cat "$work/tool.log"; exit 1
fi

status=$(nt_upload root="$work/root.json" targets="$work/targets.json" \
	snapshot="$work/snapshot.json")
if [ "$status" = 200 ]; then
	echo "PASS: notary-server accepts the publish (HTTP 200)"
else
	echo "FAIL: notary-server accepts the publish (HTTP $status: $(cat "$NT_DIR/last-body"))"
	exit 1
fi

# 200 proves nothing (FORMATS, "the byte-exactness trap"): read it back.
if nt_fresh_client list "$NT_GUN" >"$work/list.txt" 2>&1; then
	echo "PASS: a fresh notary client (empty trust dir) reads the repository"
else
	echo "FAIL: a fresh notary client (empty trust dir) reads the repository"
	cat "$work/list.txt"
	exit 1
fi
for t in "v1 $d1 $s1" "v2 $d2 $s2"; do
	set -- $t
	if grep -Eq "^$1[[:space:]]+$2[[:space:]]+$3[[:space:]]+targets" "$work/list.txt"; then
		echo "PASS: tag $1 listed with its digest and size"
	else
		echo "FAIL: tag $1 listed with its digest and size"; cat "$work/list.txt"
	fi
done

# The server serves back exactly the bytes we sent.
for role in root targets snapshot; do
	nt_fetch "$role" "$work/served.$role.json"
	if cmp -s "$work/served.$role.json" "$work/$role.json"; then
		echo "PASS: served $role.json is byte-identical to ours"
	else
		echo "FAIL: served $role.json is byte-identical to ours"
	fi
done
