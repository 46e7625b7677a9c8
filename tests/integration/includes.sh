#!/bin/sh
# The dependency direction of DESIGN.md and no include circle in agent/, client/ or tuf/
# (scripts/check-includes, also run by make lint), as part of make check.
cd "$(dirname "$0")/../.." || exit 2
if out=$(scripts/check-includes 2>&1); then
	echo "PASS: $out"
else
	printf '%s\n' "$out"
	echo "FAIL: scripts/check-includes"
	exit 1
fi
