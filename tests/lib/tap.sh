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

# With a sanitizer build (.ci/run's asan_guest), ZC_SAN_DIR collects the reports of every
# process the test starts, in the background too: done_testing fails on any. Each process
# writes DIR/asan.PID or DIR/ubsan.PID.
if [ -n "${ZC_SAN_DIR:-}" ]; then
	mkdir -p "$ZC_SAN_DIR" && chmod 1777 "$ZC_SAN_DIR"	# tests run zcioctl as other users too
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$ZC_SAN_DIR/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$ZC_SAN_DIR/ubsan"
fi

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

# Under valgrind (make check-valgrind): every zcioctl the test runs goes through the wrapper.
if [ -n "${ZC_VALGRIND_DIR:-}" ]; then
	mkdir -p "$ZC_VALGRIND_DIR" && chmod 1777 "$ZC_VALGRIND_DIR"
	export ZCIOCTL_REAL=$ZCIOCTL ZCIOCTL=$top_srcdir/tests/valgrind/zcioctl
fi

# The sanitizer (and valgrind) reports of this test, as a check; they are moved aside so the next test starts clean.
sanitizer_check() {
	local reports
	[ -n "${ZC_SAN_DIR:-}${ZC_VALGRIND_DIR:-}" ] || return 0
	# valgrind 3.19 does not know BPF_LINK_CREATE (28) and BPF_PROG_BIND_MAP (35), which libbpf
	# uses to attach and to bind .rodata: warnings no suppression file can take, so a log made of
	# only those lines is no report
	reports=$(find ${ZC_SAN_DIR:+"$ZC_SAN_DIR"} ${ZC_VALGRIND_DIR:+"$ZC_VALGRIND_DIR"} -maxdepth 1 -type f \
		-size +0 ! -name '*.seen' \
		-exec grep -qvE '^--[0-9]+-- WARNING: unhandled eBPF command (28|35)$' {} \; -print 2>/dev/null)
	ok '[ -z "$reports" ]' "no sanitizer or valgrind report" || for r in $reports; do diag "$(head -n 30 "$r")"; done
	for r in $reports; do mv "$r" "$r.seen"; done
	find ${ZC_SAN_DIR:+"$ZC_SAN_DIR"} ${ZC_VALGRIND_DIR:+"$ZC_VALGRIND_DIR"} -maxdepth 1 -type f -empty -delete 2>/dev/null
}

done_testing() {
	sanitizer_check
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
