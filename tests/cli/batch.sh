#!/bin/bash
# Batch mode: one command a line, stop at the first failure unless --force, one JSON array.
. "$top_srcdir/tests/lib/tap.sh"

batch=$tap_tmp/batch
cat >"$batch" <<'LINES'
# a comment, then a blank line

version
bogus object
feature list
LINES

zc -b "$batch"
expect_rc 2 "the batch stops with the failing line's exit code"
expect_err 'batch stopped at line 4' "it says where it stopped"
ok '! printf "%s" "$out" | grep -q "^udmabuf"' "lines after the failure did not run"

zc --force -b "$batch"
expect_rc 2 "--force runs on and still exits with the first failure"
expect_out '^udmabuf' "the line after the failure ran"

zc -j -b "$batch"
ok 'printf "%s" "$out" | jq -e "length == 2 and (.[1].error | type == \"object\")" >/dev/null' \
	"JSON batch without --force: one array, an element per line run"

zc -j --force -b "$batch"
ok 'printf "%s" "$out" | jq -e "length == 3 and .[0].version and .[1].error and (.[2] | type == \"array\")" >/dev/null' \
	"JSON batch with --force: an element for every line"

# A mix of results and failures: one array, an element per line run, in order, each the
# value or the error object of its line's command.
cat >"$batch" <<'LINES'
version
help
vduse bogus-command
vfio show 99:99.9
vduse show nodev
feature probe "unterminated
feature list
version show extra
vfio bind-process
LINES
zc -j --force -b "$batch"
expect_rc 2 "a JSON batch of results and failures exits with the first failure's status"
ok 'jq -e "length == 9" <<<"$out" >/dev/null' "one array, an element for each of the 9 lines"
ok 'jq -e "[.[] | type == \"object\" and has(\"error\")] == [false, false, true, true, true, true, false, true, true]" <<<"$out" >/dev/null' \
	"results and error objects in the order of the lines"
ok 'jq -e ".[0].json_schema and .[1].objects and (.[6] | type == \"array\")" <<<"$out" >/dev/null' \
	"the results are those of version, help and feature list"
ok 'jq -e ".[2].error.object == \"vduse\" and (.[2].error | has(\"command\") | not) and .[3].error.errno == 2" <<<"$out" >/dev/null' \
	"the error objects name what failed: an unknown command, a missing device (ENOENT)"
ok 'jq -e ".[5].error | (has(\"object\") or has(\"command\") | not) and (.message | test(\"line 6\"))" <<<"$out" >/dev/null' \
	"a line that does not split names its line, and no command of an earlier line"
ok 'jq -e ".[7].error.command == \"show\" and .[8].error.command == \"bind-process\"" <<<"$out" >/dev/null' \
	"usage errors name their command"

zc -j -b "$tap_tmp/none"
expect_rc 1 "a batch file that cannot be opened: exit 1"
ok 'jq -e "length == 1 and .[0].error.errno == 2" <<<"$out" >/dev/null' "in JSON still one array, with the error"
zc -j -b "$batch" extra
ok '[ "$rc" = 2 ] && jq -e "length == 1 and (.[0].error.message | test(\"extra\"))" <<<"$out" >/dev/null' \
	"words after -b FILE: a usage error, in an array too"

printf 'version\nversion\n' >"$batch"
run sh -c "\"$ZCIOCTL\" -j -b - <\"$batch\""
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "length == 2" >/dev/null' "-b - reads standard input"

printf 'feature probe "unterminated\n' >"$batch"
zc -b "$batch"
expect_rc 2 "an unterminated quote is a usage error"
expect_err 'line 1: unterminated quote' "it names the line"

printf 'feature probe "vfio_bind_process"\n' >"$batch"
zc -b "$batch"
expect_rc 3 "quoted words reach the command, and exit 3 passes through"

printf 'version\0 junk\nversion\n' >"$batch"
zc -b "$batch"
expect_rc 2 "a NUL byte in a line is a usage error, not a line cut short"
expect_err 'line 1: a NUL byte' "it names the line"

done_testing
