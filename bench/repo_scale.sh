#!/bin/bash
# bench/repo_scale.sh [TARGETS [BINS]]: a TUF 1.0 repository at PyPI's scale
# (PEP 458: 1,000,000 targets, 16,384 succinct hash bins by default), every
# key on a SoftHSM2 token behind tuf-agent, made by tufctl repo:
#   add      tufctl repo add DIR --from-list (TARGETS lines, no file copies)
#   publish  the first publish: every bin, targets, snapshot, timestamp signed
#   add 1    one more target (a real file)
#   publish  the incremental publish: only its bin, snapshot and timestamp
# with wall time, peak RSS (GNU time) and the signatures the agent made (its
# audit log); then, over the published metadata, parse + canonicalise +
# SHA-256 (bench_repo_canon, the DOM path tufctl and the agent use) against
# SHA-256 alone over the same bytes, and securesystemslib's json.loads +
# encode_canonical over the same files (Debian's python3).  Goals (issue
# #12): canonicalise+hash within 4x of SHA-256; incremental publish under
# 1 s re-signing 3 files; peak RSS under 1 GiB.
set -euo pipefail
BUILD=${BUILD:-build}
export LC_ALL=C
N=${1:-1000000}
BINS=${2:-16384}
py=/usr/bin/python3
bench=repo_scale
# shellcheck source=bench/agent_lib.sh
. "$(dirname "$0")/agent_lib.sh"
[ -x /usr/bin/time ] || { echo "repo_scale: SKIP (GNU time is not installed)"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/repo-scale.XXXXXX")
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
bench_agent scale "sessions = 4"
T() { "$BUILD/tufctl" --socket "$sock" "$@"; }
tufctl=$(cd "$(dirname "$BUILD/tufctl")" && pwd)/tufctl
for k in root targets snapshot timestamp bins; do T key generate --label "$k" >/dev/null; done
R=$tmp/repo
T repo init "$R" --root-key root --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1
T repo delegate "$R" --bins "$BINS" --key bins >/dev/null 2>&1

"$py" - "$N" >"$tmp/list" <<'PY'
import hashlib, sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    h = hashlib.sha256(b"%d" % i).hexdigest()
    out.write("packages/%s/%s/pkg%d-1.0.%d.tar.gz %d %s\n" % (h[:2], h[2:4], i, i % 97, 1000 + i % 100000, h))
PY

# timed LABEL CMD...: wall seconds and peak RSS (KiB) into $row_s / $row_kb.
timed() {
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>&1 ||
		{ echo "repo_scale: $1 ... failed:"; tail -5 "$tmp/out"; exit 1; }
	read -r row_s row_kb <"$tmp/time"
}
sigs() { grep -c '"result":"ok"' "$tmp/audit.log" 2>/dev/null || true; }

printf '%-32s %10s %12s %10s\n' "tufctl repo ($N targets, $BINS bins)" "seconds" "peak RSS MiB" "signatures"
s0=$(sigs)
timed "$tufctl" --socket "$sock" repo add "$R" --from-list "$tmp/list"
printf '%-32s %10s %12d %10s\n' "add --from-list" "$row_s" $((row_kb / 1024)) 0
timed "$tufctl" --socket "$sock" repo publish "$R"
s1=$(sigs)
printf '%-32s %10s %12d %10d\n' "publish (first)" "$row_s" $((row_kb / 1024)) $((s1 - s0))
echo "one more" >"$tmp/one"
timed "$tufctl" --socket "$sock" repo add "$R" packages/zz/extra-1.0.tar.gz "$tmp/one"
printf '%-32s %10s %12d %10s\n' "add 1 target" "$row_s" $((row_kb / 1024)) 0
timed "$tufctl" --socket "$sock" repo publish "$R"
s2=$(sigs)
printf '%-32s %10s %12d %10d\n' "publish (one changed bin)" "$row_s" $((row_kb / 1024)) $((s2 - s1))
printf 'agent peak RSS: %d MiB\n' $(( $(awk '/VmHWM/ {print $2}' /proc/"$agent"/status) / 1024 ))

# Canonicalise + hash, over the newest version of every file.
mkdir "$tmp/meta"
"$py" - "$R" "$tmp/meta" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
newest = {}
for n in os.listdir(src):
    if not n.endswith(".json") or not n.split(".")[0].isdigit():
        continue
    v, role = n.split(".", 1)
    if int(v) > newest.get(role, (0, ""))[0]:
        newest[role] = (int(v), n)
for role, (v, n) in newest.items():
    os.link(os.path.join(src, n), os.path.join(dst, n))
PY
c=$("$BUILD/bench/bench_repo_canon" "$tmp/meta")
s=$("$py" - "$tmp/meta" <<'PY'
import json, os, sys, time
from securesystemslib.formats import encode_canonical
d = sys.argv[1]
files = [open(os.path.join(d, n), "rb").read() for n in os.listdir(d)]
total = sum(len(f) for f in files)
t0 = time.perf_counter()
for f in files:
    encode_canonical(json.loads(f)["signed"]).encode("utf-8")
print("%.1f" % (total / 1e6 / (time.perf_counter() - t0)))
PY
)
read -r _ files _ bytes _ stream _ tree _ sha <<<"$c"
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '\nmetadata: %s files, %s MB (the newest version of each)\n' "$files" "$(div "$bytes" 1000000)"
printf '%-54s %8s %14s\n' 'canonical bytes of "signed" + SHA-256' "MB/s" "SHA-256 / this"
printf '%-54s %8s %14s\n' "SHA-256 alone over the same bytes" "$sha" "1.00"
printf '%-54s %8s %14s\n' "tuf/stream.h (what the agent signs)" "$stream" "$(div "$sha" "$stream")"
printf '%-54s %8s %14s\n' "tuf/meta.h parse + shape check + tree canonical" "$tree" "$(div "$sha" "$tree")"
printf '%-54s %8s %14s\n' "securesystemslib 0.26 (json.loads + encode_canonical)" "$s" "$(div "$sha" "$s")"
printf 'tuf/stream.h against securesystemslib: %sx faster\n' "$(div "$stream" "$s")"
