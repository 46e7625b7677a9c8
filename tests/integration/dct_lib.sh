# shellcheck shell=bash
# Shared set-up for the Docker Content Trust tests (tests/dct-*.sh):
# tests/integration/agent_lib.sh (a SoftHSM2 token, the agent) plus tests/integration/notary/lib.sh
# (the real notary-server and client), both cleaned up at exit.
#
# Gives, besides what those two give:
#   dct_start [AGENT_VAR=VALUE...]  token "dct", the agent on it (PIN file)
#   tufctl ARGS...     build/tufctl on the agent's socket, with the trust
#                      directory $TRUST (XDG_DATA_HOME=$tmp/xdg)
#   key_gen LABEL      a P-256 key on the token through tufctl
#   blob NAME TEXT     a file; sets D_NAME (sha256 hex) and S_NAME (size)
#   dct_publish_v1 GUN GUN with tag v1 published, a new client trusting it
#   dct_publish_followed GUN TAG PUBLISHED FOLLOWS FRESH  TAG published, read
#                      by that client and by a fresh one
#   listed FILE TAG DIGEST SIZE [ROLE]  the real client's list shows it
. "$(dirname "$0")/agent_lib.sh"
if [ ! -x /usr/bin/notary ] || [ ! -x /usr/bin/notary-server ]; then
	skip_all "Debian's notary package is not installed"
fi
[ -x "$TUFCTL" ] || skip_all "$TUFCTL is not built"
NT_DIR=$tmp/nt
# shellcheck source=tests/integration/notary/lib.sh
. "$here/notary/lib.sh"
trap 'nt_cleanup; cleanup' EXIT
export XDG_DATA_HOME=$tmp/xdg
TRUST=$XDG_DATA_HOME/tufctl/notary

# dct_conf [RULES]: $tmp/agent.conf for a fresh token dct, then RULES.
dct_conf() {
	make_token dct || skip_all "softhsm2-util cannot make a token"
	{
		agent_block
		token_block dct "$SOFTHSM" "file:$tmp/pin"
		[ $# -eq 0 ] || printf '\n%s\n' "$1"
	} >"$tmp/agent.conf"
}

# dct_builder_rule NAME UID: the README's build-server rule: UID signs
# targets (and delegations) for registry.example.com/ci/* with targets-* keys.
dct_builder_rule() {
	cat <<EOF2
[allow "$1"]
uid = $2
operations = sign, key.list, key.show
keys = targets-*
roles = targets, targets/*
gun = registry.example.com/ci/*
EOF2
}

# dct_start [VAR=VALUE...]: the agent on dct_conf's configuration.
dct_start() {
	dct_conf
	agent_start "$tmp/agent.conf" "$@"
}

# dct_up [--tls|--auth] KEY...: the agent (dct_start), KEY... generated on
# its token and notary-server started (over TLS, with token auth); a FAIL
# and exit at the first step that fails.
dct_up() {
	local opt= what="notary-server starts" k
	case ${1:-} in
	--tls) opt=--tls what="notary-server starts (TLS)"; shift ;;
	--auth) opt=--auth what="notary-server starts with token auth"; shift ;;
	esac
	dct_start || { bad "agent starts"; exit 1; }
	for k in "$@"; do
		key_gen "$k" || { bad "keys generated"; exit 1; }
	done
	nt_server_start $opt >/dev/null || { bad "$what"; exit 1; }
}

# dct_needs_setpriv: skips the test unless it can run clients as other uids.
dct_needs_setpriv() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (setpriv to another uid)"
	command -v setpriv >/dev/null || skip_all "setpriv is not installed"
}

# dct_shared_start: the agent on $tmp/agent.conf, its socket open to the
# group $BUILDER, and notary-server; a FAIL and exit when either fails.
dct_shared_start() {
	agent_start "$tmp/agent.conf" || { bad "agent starts"; exit 1; }
	chmod 0711 "$tmp"
	chgrp "$BUILDER" "$(dirname "$SOCK")" "$SOCK"
	nt_server_start >/dev/null || { bad "notary-server starts"; exit 1; }
}

tufctl() {
	"$TUFCTL" --socket "$SOCK" "$@"
}

key_gen() {
	tufctl key generate --label "$1" --type "${2:-ecdsa-p256}" >/dev/null
}

# blob NAME TEXT: $tmp/blobs/NAME; D_NAME and S_NAME.
blob() {
	mkdir -p "$tmp/blobs"
	printf '%s' "$2" >"$tmp/blobs/$1"
	printf -v "D_$1" '%s' "$(sha256sum "$tmp/blobs/$1" | cut -d' ' -f1)"
	printf -v "S_$1" '%s' "$(stat -c %s "$tmp/blobs/$1")"
}

# dct_publish_listed WHAT GUN TAG CMD...: CMD... (tufctl, run as some
# builder) adds TAG, a blob made here, to GUN and publishes it (ok or bad
# WHAT); then a fresh real notary client lists the tag.  Leaves NT_GUN=GUN.
dct_publish_listed() {
	local what=$1 gun=$2 tag=$3 d s
	shift 3
	blob "$tag" 'built by CI'
	d=D_$tag s=S_$tag
	"$@" notary add "$gun" "$tag" --digest "sha256:${!d}" --size "${!s}" --server "$NT_URL" \
		>"$tmp/b.log" 2>&1
	if "$@" notary publish "$gun" >>"$tmp/b.log" 2>&1; then
		ok "$what"
	else
		bad "$what" "$(cat "$tmp/b.log")"
	fi
	NT_GUN=$gun
	nt_fresh_client list "$gun" >"$tmp/list-$tag.txt" 2>&1
	check "a fresh real client lists the builder's tag" \
		listed "$tmp/list-$tag.txt" "$tag" "${!d}" "${!s}"
}

# dct_publish_v1 GUN: GUN made with root-1 and targets-1 (keys dct_up
# generated), tag v1 (blob v1) added and published, a FAIL and exit if not;
# then a real client with a new trust directory ($OLD_TRUST) lists it into
# $tmp/l0.txt.  Leaves NT_GUN=GUN.
dct_publish_v1() {
	NT_GUN=$1
	quiet tufctl notary init "$1" --server "$NT_URL" --root-key root-1 --targets-key targets-1 &&
		quiet tufctl notary add "$1" v1 --digest "sha256:$D_v1" --size "$S_v1" &&
		quiet tufctl notary publish "$1" ||
		{ bad "GUN published with root-1" "$(cat "$tmp/quiet.log")"; exit 1; }
	nt_client_new_trust_dir
	OLD_TRUST=$NT_TRUST_DIR
	nt_client list "$1" >"$tmp/l0.txt" 2>&1
}

# dct_publish_followed GUN TAG PUBLISHED FOLLOWS FRESH: tag TAG (blob TAG)
# added to GUN and published (check PUBLISHED); the real client trusting
# what it did at dct_publish_v1 ($OLD_TRUST) lists it (FOLLOWS), and so
# does a fresh client (FRESH).
dct_publish_followed() {
	local gun=$1 tag=$2 d s
	d=D_$tag s=S_$tag
	quiet tufctl notary add "$gun" "$tag" --digest "sha256:${!d}" --size "${!s}" &&
		quiet tufctl notary publish "$gun"
	check "$3" test $? = 0
	NT_TRUST_DIR=$OLD_TRUST
	nt_client list "$gun" >"$tmp/follow-$tag.txt" 2>&1
	check "$4" listed "$tmp/follow-$tag.txt" "$tag" "${!d}" "${!s}"
	nt_fresh_client list "$gun" >"$tmp/fresh-$tag.txt" 2>&1
	check "$5" listed "$tmp/fresh-$tag.txt" "$tag" "${!d}" "${!s}"
}

# listed FILE TAG DIGEST SIZE [ROLE]: notary list output has the line.
listed() {
	grep -Eq "^$2[[:space:]]+$3[[:space:]]+$4[[:space:]]+${5:-targets}([[:space:]]|\$)" "$1"
}
