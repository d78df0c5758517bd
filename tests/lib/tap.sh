# Shell TAP helpers for tests/cli and tests/vm (sourced, bash).
#   run CMD...        runs CMD, keeping $out, $err and $rc; when CMD is zcioctl with -j or -p
#                     (or runs it: setpriv ... "$ZCIOCTL" -j ...), a failing check if its
#                     output does not follow its schema (doc/json)
#   ok COND DESC      COND is a shell command (eval'ed)
#   expect_rc N DESC, expect_out REGEX DESC, expect_err REGEX DESC
#   expect_schema FILE ARGS...   FILE is what `zcioctl ARGS` wrote (a background job's JSON lines)
#   done_testing      prints the plan, exits non-zero if any test failed

tap_n=0
tap_failed=0
tap_tmp=$(mktemp -d)
trap 'rm -rf "$tap_tmp"' EXIT

ZCIOCTL=${ZCIOCTL:-zcioctl}
PYTHON3=${PYTHON3:-python3}
tap_json_check=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/json-check
tap_schema_off=""	# why the JSON is not checked (no jsonschema module), once found out
tap_schema_failed=0	# schema failures this shell reported (a subshell's count in $tap_tmp/schema-failed)
tap_schema_shell=""	# the shell ($BASHPID) whose coprocess SCHEMA is json-check --serve

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
	run_schema_check "$@"
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

# ok COND DESC: a check; its status is the check's, for `ok ... || diag ...`
ok() {
	local cond=$1
	shift
	if eval "$cond"; then
		tap_result 1 "$@"
	else
		tap_result 0 "$@"
		return 1
	fi
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

# The arguments of zcioctl in CMD... into zc_argv, if CMD runs it and asks for JSON: -j, -p or
# their long names among the options before the object (json-check reads them exactly).
zc_json_argv() {
	zc_argv=()
	while [ $# -gt 0 ] && [ "$1" != "$ZCIOCTL" ] && [ "${1##*/}" != zcioctl ]; do shift; done
	[ $# -gt 0 ] || return 1
	shift
	zc_argv=("$@")
	while [ $# -gt 0 ]; do
		case $1 in
		--json|--pretty|--j*|--p*) return 0 ;;
		-b|--batch) shift ;;
		--*) ;;
		-*[jp]*) return 0 ;;
		-?*) ;;
		*) return 1 ;;
		esac
		shift
	done
	return 1
}

schema_unavailable() {
	tap_schema_off="no $PYTHON3 with the jsonschema module (apt-get install python3-jsonschema)"
	diag "JSON output not checked against doc/json: $tap_schema_off"
}

# One json-check --serve for the whole test, started on first use: python3 and jsonschema take
# seconds to load in the guest, a check then a few milliseconds. A subshell cannot use the
# coprocess (bash closes its pipes there) and starts a json-check of its own for each check.
schema_server() {
	local line
	[ "$tap_schema_shell" = "$BASHPID" ] && return 0
	[ -n "$tap_schema_shell" ] && return 1
	tap_schema_shell=$BASHPID
	coproc SCHEMA { exec "$PYTHON3" "$tap_json_check" --serve 2>"$tap_tmp/json-check.err"; }
	read -r -u "${SCHEMA[0]}" line && [ "$line" = ready ] && return 0
	schema_unavailable
	return 1
}

# schema_ask FILE ARGS...: the server's verdict on FILE, as json-check --argv ARGS <FILE would give it
schema_ask() {
	local file=$1 n status line
	shift
	# bash closes the pipes of a coprocess that ended: no write into a pipe nobody reads (SIGPIPE)
	[ -n "${SCHEMA[1]:-}" ] && printf '%s\0' "$#" "$file" "$@" >&"${SCHEMA[1]}" &&
		read -r -u "${SCHEMA[0]}" n status || {
		schema_problems="json-check --serve stopped: $(cat "$tap_tmp/json-check.err" 2>/dev/null)"
		return 1
	}
	schema_problems=""
	while [ "$n" -gt 0 ] && read -r -u "${SCHEMA[0]}" line; do
		schema_problems+="$line"$'\n'
		n=$((n - 1))
	done
	return "$status"
}

# schema_check FILE ARGS...: json-check of FILE against what `zcioctl ARGS` prints; its
# complaints in $schema_problems. Status 0 valid, 1 not, 2 not checked ($tap_schema_off says why).
schema_check() {
	local file=$1
	shift
	[ -n "$tap_schema_off" ] && return 2
	if schema_server; then
		schema_ask "$file" "$@"
		return
	fi
	[ -n "$tap_schema_off" ] && return 2
	schema_problems=$("$PYTHON3" "$tap_json_check" --argv "$@" <"$file" 2>&1)
	case $? in
	0) return 0 ;;
	77|126|127) schema_unavailable; return 2 ;;
	*) return 1 ;;
	esac
}

schema_failed() {
	tap_result 0 "$1"
	printf '%s\n' "$schema_problems" | head -n 12 | sed 's/^/#   /'
	tap_schema_failed=$((tap_schema_failed + 1))
	echo "$1" >>"$tap_tmp/schema-failed"
}

# After run: zcioctl's JSON follows its schema. Output cut short by a kill or a timeout may
# be empty; exit statuses 0 to 3 always come with a JSON value.
run_schema_check() {
	zc_json_argv "$@" || return 0
	[ ! -s "$tap_tmp/out" ] && [ "$rc" -gt 3 ] && return 0
	schema_check "$tap_tmp/out" "${zc_argv[@]}"
	[ $? = 1 ] && schema_failed "zcioctl ${zc_argv[*]}: the JSON follows its schema"
	return 0
}

expect_schema() {
	local file=$1 status
	shift
	schema_check "$file" "$@"
	status=$?
	case $status in
	0) tap_result 1 "${file##*/}: the JSON of zcioctl ${*:1:4} follows its schema" ;;
	1) schema_failed "${file##*/}: the JSON of zcioctl ${*:1:4} follows its schema" ;;
	*) skip "${file##*/}: $tap_schema_off" ;;
	esac
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
	# uses to attach and to bind .rodata, nor VDUSE_DEV_INJECT_CONFIG_IRQ (0x8113, _IO: it has
	# no argument, so no value can be mistracked): warnings no suppression file can take, so a
	# log made of only those lines is no report
	reports=$(find ${ZC_SAN_DIR:+"$ZC_SAN_DIR"} ${ZC_VALGRIND_DIR:+"$ZC_VALGRIND_DIR"} -maxdepth 1 -type f \
		-size +0 ! -name '*.seen' \
		-exec grep -qvE '^--[0-9]+-- WARNING: unhandled eBPF command (28|35)$|^==[0-9]+== (Warning: noted but unhandled ioctl 0x8113 with no size/direction hints\.|   This could cause spurious value errors to appear\.|   See README_MISSING_SYSCALL_OR_IOCTL for guidance on writing a proper wrapper\.)$' {} \; -print 2>/dev/null)
	ok '[ -z "$reports" ]' "no sanitizer or valgrind report" || for r in $reports; do diag "$(head -n 30 "$r")"; done
	for r in $reports; do mv "$r" "$r.seen"; done
	find ${ZC_SAN_DIR:+"$ZC_SAN_DIR"} ${ZC_VALGRIND_DIR:+"$ZC_VALGRIND_DIR"} -maxdepth 1 -type f -empty -delete 2>/dev/null
}

done_testing() {
	local failed_here
	# a schema failure in a subshell ($(zc ...)) could not count in this shell's numbers
	failed_here=$(cat "$tap_tmp/schema-failed" 2>/dev/null | wc -l)
	if [ "$failed_here" -gt "$tap_schema_failed" ]; then
		tap_result 0 "$((failed_here - tap_schema_failed)) JSON outputs in subshells follow their schemas"
	fi
	sanitizer_check
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
