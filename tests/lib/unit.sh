# Reading a systemd unit the way the service manager does, for the tests that play it (sourced,
# bash): they run the unit's own lines, so what they test is the unit as built.
#   unit_for_test UNIT HELPER   the unit, its Exec lines running HELPER in place of the
#                               installed helper (whatever directory the build put in them)
#   unit_value UNIT KEY         the value of KEY= (the last one: a later line overrides)
#   unit_exec UNIT KEY NAME     the command lines of KEY= (ExecStart, ExecStop, ...), one a
#                               line, for the instance NAME
#   unit_cmd LINE               the words of one command line in cmd[]; cmd_ignore=1 when its
#                               "-" prefix says a failure is ignored
#   unit_verify UNIT MANDIR     systemd-analyze verify, man pages looked up in MANDIR: 0 when
#                               it has nothing to say, 1 with what it says in verify_out, 77
#                               when it cannot run here, with why in verify_out

unit_for_test() {
	sed "s#^\(Exec[A-Za-z]*=-\{0,1\}\)[^ ]*/vduse-service #\1$2 #" "$1"
}

unit_value() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# Specifiers: %i is the instance and %% a percent sign; any other is not filled in here, and
# fails loudly rather than running half a command.
unit_exec() {
	local line
	sed -n "s/^$2=//p" "$1" | while IFS= read -r line; do
		line=${line//%i/$3}
		[[ ${line//%%/} == *%* ]] && { echo "unit_exec: $2=$line: a specifier the tests do not fill in" >&2; return 1; }
		echo "${line//%%/%}"
	done
}

# Our unit quotes nothing and uses no prefix but "-": the others (@ + ! :) change how a line
# runs, and are refused rather than run another way.
unit_cmd() {
	local line=$1
	cmd_ignore=0
	[[ $line == -* ]] && cmd_ignore=1 && line=${line#-}
	if [[ $line == [@+!:]* || $line == *[\"\'\\]* ]]; then
		echo "unit_cmd: $line: a prefix or quoting the tests do not play" >&2
		return 1
	fi
	read -r -a cmd <<<"$line"
}

# A unit that only runs /bin/true tells whether systemd-analyze can verify anything here (a
# container may lack what it loads); verify prints unknown keys and such but exits 0, so any
# output is a finding.
unit_verify() {
	local probe
	probe=$(dirname "$1")/zc-probe.service
	if ! command -v systemd-analyze >/dev/null; then
		verify_out="systemd-analyze is not installed (apt-get install systemd)"
		return 77
	fi
	printf '[Service]\nExecStart=/bin/true\n' >"$probe"
	if ! verify_out=$(systemd-analyze verify "$probe" 2>&1) || [ -n "$verify_out" ]; then
		verify_out="systemd-analyze cannot run here: it fails a unit that only runs /bin/true: $verify_out"
		rm -f "$probe"
		return 77
	fi
	rm -f "$probe"
	verify_out=$(MANPATH=$2 systemd-analyze verify "$1" 2>&1) && [ -z "$verify_out" ]
}
