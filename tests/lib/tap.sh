# Shell TAP helpers for tests/cli and tests/vm (sourced, bash).
#   run CMD...        runs CMD, keeping $out, $err and $rc
#   ok COND DESC      COND is a shell command (eval'ed)
#   expect_rc N DESC, expect_out REGEX DESC, expect_err REGEX DESC
#   done_testing      prints the plan, exits non-zero if any test failed

tap_n=0
tap_failed=0
tap_tmp=$(mktemp -d)
trap 'rm -rf "$tap_tmp"' EXIT

ZCIOCTL=${ZCIOCTL:-zcioctl}

run() {
	"$@" >"$tap_tmp/out" 2>"$tap_tmp/err"
	rc=$?
	out=$(cat "$tap_tmp/out")
	err=$(cat "$tap_tmp/err")
	last_cmd="$*"
	return 0
}

zc() { run "$ZCIOCTL" "$@"; }

tap_result() {
	local pass=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$pass" = 1 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
		echo "#   command: ${last_cmd:-}"
		echo "#   rc=${rc:-} stdout: $(printf %s "${out:-}" | head -c 600 | tr '\n' '|')"
		echo "#   stderr: $(printf %s "${err:-}" | head -c 600 | tr '\n' '|')"
	fi
}

ok() {
	local cond=$1
	shift
	if eval "$cond"; then tap_result 1 "$@"; else tap_result 0 "$@"; fi
}

expect_rc() {
	local want=$1
	shift
	if [ "$rc" = "$want" ]; then tap_result 1 "$@"; else tap_result 0 "$* (exit $rc, want $want)"; fi
}

expect_out() {
	local re=$1
	shift
	if printf '%s\n' "$out" | grep -Eq -- "$re"; then tap_result 1 "$@"; else tap_result 0 "$* (stdout lacks /$re/)"; fi
}

expect_err() {
	local re=$1
	shift
	if printf '%s\n' "$err" | grep -Eq -- "$re"; then tap_result 1 "$@"; else tap_result 0 "$* (stderr lacks /$re/)"; fi
}

# expect_usage REGEX DESC -- ARGS...: zcioctl ARGS is a usage error (exit 2) that says REGEX
expect_usage() {
	local re=$1 desc=$2
	shift 3
	zc "$@"
	expect_rc 2 "$desc: exit 2"
	expect_err "$re" "$desc: the message names it"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

diag() { printf '# %s\n' "$@"; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
