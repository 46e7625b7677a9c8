# Shared by the securesystemslib interop tests (sourced, not run).
# interop_setup NAME TOOL IMPORT: a FAIL when TOOL is not built, a SKIP when
# /usr/bin/python3 cannot run the python IMPORT (securesystemslib missing);
# else $tmp, removed on exit, and $py.
interop_setup() {
	py=/usr/bin/python3
	if [ ! -x "$2" ]; then
		echo "FAIL: $1 ($2 is not built; run make check)"
		exit 1
	fi
	if [ ! -x "$py" ] || ! "$py" -c "$3" >/dev/null 2>&1; then
		echo "SKIP: $1 (python3-securesystemslib is not installed)"
		exit 0
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT INT TERM
}
