#!/bin/bash
# make-fixtures.sh [--tls] OUTDIR — build a real Notary v1 repository with the
# real notary 0.7.0 client against a throwaway notary-server, and save what
# the server serves, so tests can compare our output with the real thing.
#
# The repository (GUN in OUTDIR/gun.txt, default registry.example.com/team/app,
# override with NT_GUN):
#   targets:           v1 (notary add), v1.1 (notary addhash, --sha256),
#                      "v3&<x>" (a name that needs HTML escaping in Go JSON)
#   targets/releases:  delegation (openssl EC P-256 cert, --all-paths)
#                      holding v2
#   snapshot:          server-managed (key rotate snapshot -r), so the server
#                      signs snapshot and timestamp with ed25519 ("eddsa")
#
# OUTDIR gets:
#   root.json 1.root.json targets.json targets/releases.json snapshot.json
#   timestamp.json   - exactly the bytes GET .../_trust/tuf/<role>.json returns
#   timestamp.key snapshot.key - GET .../<role>.key (the server's public keys)
#   list.txt         - "notary list GUN" from a fresh trust dir
#   gun.txt          - the GUN (one line)
#   files/           - the target files (v1, v1.1, v2, v3)
#   delegation/      - key.pem (EC P-256, SEC1) and cert.pem of targets/releases
#   keys.txt         - "notary key list" of the publishing client
#
# Exits non-zero with a message naming the failed step.  The timestamp expires
# 14 days after the run: make fixtures at test time, do not commit them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

tls_opt=
while [ $# -gt 0 ]; do
	case $1 in
	--tls) tls_opt=--tls; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "make-fixtures: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 1 ]; then
	echo "usage: make-fixtures.sh [--tls] OUTDIR" >&2
	exit 2
fi
out=$1

for b in "$NT_NOTARY" "$NT_NOTARY_SERVER"; do
	[ -x "$b" ] || { echo "make-fixtures: $b is not installed" >&2; exit 1; }
done
for b in curl openssl "$NT_PY"; do
	command -v "$b" >/dev/null 2>&1 || { echo "make-fixtures: $b is not installed" >&2; exit 1; }
done

mkdir -p "$out" || { echo "make-fixtures: cannot create $out" >&2; exit 1; }
out=$(cd "$out" && pwd)

# step DESCRIPTION CMD... — run CMD quietly; on failure say which step, show
# its output and the end of the server log, and exit 1.
step() {
	local desc=$1
	shift
	if ! "$@" >"$NT_DIR/step.out" 2>&1; then
		{
			echo "make-fixtures: FAILED: $desc"
			echo "  command: $*"
			sed 's/^/  | /' "$NT_DIR/step.out"
			if [ -n "${NT_LOG:-}" ] && [ -f "$NT_LOG" ]; then
				echo "  server log ($NT_LOG), last lines:"
				tail -n 8 "$NT_LOG" | sed 's/^/  | /'
			fi
			[ "${NT_KEEP:-0}" = 1 ] || echo "  (NT_KEEP=1 keeps $NT_DIR for a look)"
		} >&2
		exit 1
	fi
}

NT_GUN=${NT_GUN:-registry.example.com/team/app}
gun=$NT_GUN

step "start notary-server" nt_server_start ${tls_opt:+--tls}
nt_client_new_trust_dir           # the publisher

# Target files.
mkdir -p "$out/files" "$out/delegation"
printf 'fixture target v1\n' >"$out/files/v1"
printf 'fixture target v1.1 (added by hash)\n' >"$out/files/v1.1"
printf 'fixture target v2 (delegation)\n' >"$out/files/v2"
printf 'fixture target v3&<x>\n' >"$out/files/v3"
v11_len=$(wc -c <"$out/files/v1.1")
v11_sha=$(sha256sum "$out/files/v1.1" | cut -c1-64)

# 1. New repository: root (ecdsa-x509), targets, snapshot keys made by the
#    client; timestamp key from the server.  -p publishes at once.
step "notary init" nt_client init "$gun" -p

# 2. Two tags in targets: one from a file, one from a hash and a size.
step "notary add v1" nt_client add "$gun" v1 "$out/files/v1"
step "notary addhash v1.1" nt_client addhash "$gun" v1.1 "$v11_len" --sha256 "$v11_sha"
step "notary publish (v1, v1.1)" nt_client publish "$gun"

# 3. Hand the snapshot to the server (publishes a new root by itself).
step "notary key rotate snapshot -r" nt_client key rotate "$gun" snapshot -r

# 4. Delegation targets/releases with an openssl-made key and cert.
step "openssl delegation key" openssl ecparam -name prime256v1 -genkey -noout \
	-out "$out/delegation/key.pem"
step "openssl delegation cert" openssl req -new -x509 -key "$out/delegation/key.pem" \
	-out "$out/delegation/cert.pem" -days 3650 -sha256 -subj '/CN=targets\/releases' \
	-addext basicConstraints=critical,CA:FALSE -addext keyUsage=critical,digitalSignature \
	-addext extendedKeyUsage=codeSigning
step "notary delegation add" nt_client delegation add "$gun" targets/releases \
	"$out/delegation/cert.pem" --all-paths
step "notary key import (delegation key)" nt_client key import \
	"$out/delegation/key.pem" --role targets/releases
step "notary publish (delegation)" nt_client publish "$gun"

# 5. A tag in the delegation and one whose name Go's JSON escapes.
step "notary add v2 --roles targets/releases" nt_client add "$gun" v2 "$out/files/v2" \
	--roles targets/releases
step "notary add v3&<x>" nt_client add "$gun" 'v3&<x>' "$out/files/v3"
step "notary publish (v2, v3&<x>)" nt_client publish "$gun"

# 6. What the server serves.
for r in root targets targets/releases snapshot timestamp; do
	step "GET $r.json" nt_fetch "$r" "$out/$r.json"
done
step "GET 1.root.json" nt_fetch_version 1 root "$out/1.root.json"
step "GET timestamp.key" nt_fetch_key timestamp "$out/timestamp.key"
step "GET snapshot.key" nt_fetch_key snapshot "$out/snapshot.key"

# 7. A consumer that has never seen the GUN.
fresh_list() { nt_fresh_client list "$gun" >"$out/list.txt"; }
step "notary list from a fresh trust dir" fresh_list
key_list() { nt_client key list >"$out/keys.txt"; }
step "notary key list" key_list
printf '%s\n' "$gun" >"$out/gun.txt"

# 8. Sanity: the files are what they should be (catches a broken server or
#    client rather than testing anything of ours).
step "check fixtures" "$NT_PY" - "$out" <<'EOF'
import base64, hashlib, json, os, sys
out = sys.argv[1]
def load(name):
    with open(os.path.join(out, name), "rb") as f:
        raw = f.read()
    return raw, json.loads(raw)
files = {}
for n in ["root.json", "1.root.json", "targets.json", "targets/releases.json",
          "snapshot.json", "timestamp.json", "timestamp.key", "snapshot.key"]:
    files[n] = load(n)
def b64sha256(b):
    return base64.b64encode(hashlib.sha256(b).digest()).decode()
errs = []
snap = files["snapshot.json"][1]["signed"]
for role in ("root", "targets", "targets/releases"):
    m = snap["meta"].get(role)
    if m is None:
        errs.append("snapshot meta lacks %r (keys: %s)" % (role, sorted(snap["meta"])))
        continue
    raw = files[role + ".json"][0]
    if m["length"] != len(raw) or m["hashes"]["sha256"] != b64sha256(raw):
        errs.append("snapshot meta for %s does not match the served bytes" % role)
ts = files["timestamp.json"][1]["signed"]["meta"]["snapshot"]
raw = files["snapshot.json"][0]
if ts["length"] != len(raw) or ts["hashes"]["sha256"] != b64sha256(raw):
    errs.append("timestamp meta does not match the served snapshot bytes")
for n in ("snapshot.json", "timestamp.json"):
    meths = {s["method"] for s in files[n][1]["signatures"]}
    if meths != {"eddsa"}:
        errs.append("%s signed with %s, expected server eddsa" % (n, meths))
root = files["root.json"][1]["signed"]
for kid in root["roles"]["root"]["keyids"]:
    if root["keys"][kid]["keytype"] != "ecdsa-x509":
        errs.append("root key %s is %s" % (kid, root["keys"][kid]["keytype"]))
listing = open(os.path.join(out, "list.txt")).read().split("\n")
names = {l.split()[0] for l in listing[2:] if l.strip()}
for t in ("v1", "v1.1", "v2", "v3&<x>"):
    if t not in names:
        errs.append("notary list lacks %r" % t)
if errs:
    sys.exit("\n".join(errs))
EOF

nt_server_stop "$NT_PID"
echo "make-fixtures: wrote $out (GUN $gun)"
