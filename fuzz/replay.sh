#!/bin/sh
# Replays each seed corpus fuzz/corpus/<name>/ through $BUILD/fuzz/<name>_replay
# (fuzz/main.c linked with the target) for tests/run-tests: one
# "PASS: fuzz-<name> (N inputs)" per corpus, or one "FAIL: fuzz-<name>/<file>"
# per input that fails, with its output.  A target aborts on a broken
# invariant; sanitizer builds also catch memory errors.  Inputs named fz-*
# were found by libFuzzer (edge-minimal merge); every crash it finds is
# added here too.  Builds nothing.
set -u

BUILD=${BUILD:-build}
corpora=$(dirname "$0")/corpus
log=$(mktemp "${TMPDIR:-/tmp}/fuzz-replay.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT INT TERM

for c in "$corpora"/*/; do
	[ -d "$c" ] || continue
	name=$(basename "$c")
	bin=$BUILD/fuzz/${name}_replay
	if [ ! -x "$bin" ]; then
		echo "FAIL: fuzz-$name ($bin is not built; run make check)"
		continue
	fi
	n=$(find "$c" -maxdepth 1 -type f | wc -l)
	if "$bin" "$c" >"$log" 2>&1; then
		echo "PASS: fuzz-$name ($n inputs)"
		continue
	fi
	# Find the inputs at fault, one by one.
	for f in "$c"*; do
		[ -f "$f" ] || continue
		if ! "$bin" "$f" >"$log" 2>&1; then
			echo "FAIL: fuzz-$name/$(basename "$f")"
			sed 's/^/    /' "$log"
		fi
	done
done
