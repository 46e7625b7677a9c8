# Shared by the shell tests (sourced, not run: the name has no dash):
# where they are ($here, $top, an absolute $BUILD) and the lines they print,
# ok NAME -> "PASS: NAME", bad NAME [DETAIL...] -> "FAIL: NAME" with the
# details indented below it; $failures counts the FAILs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac

failures=0
ok() { echo "PASS: $1"; }
bad() {
	echo "FAIL: $1"
	shift
	[ $# -gt 0 ] && printf '   %s\n' "$@"
	failures=$((failures + 1))
}
