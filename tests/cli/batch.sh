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
