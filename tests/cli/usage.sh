#!/bin/bash
# Usage errors exit 2, name the bad argument and keep the one error form.
. "$top_srcdir/tests/lib/tap.sh"

zc; expect_rc 2 "no object is a usage error"
expect_err '^zcioctl: missing OBJECT' "it says the object is missing"

zc bogus; expect_rc 2 "an unknown object exits 2"
expect_err '"bogus"' "the error names the unknown object"

zc feat; expect_rc 2 "prefixes of objects are not accepted"

zc feature bogus; expect_rc 2 "an unknown command exits 2"
expect_err '^zcioctl: feature: unknown command "bogus"' "the error names object and command"

zc feature probe no_such_iface; expect_rc 2 "an unknown interface name exits 2"
expect_err '^zcioctl: feature probe: unknown interface "no_such_iface"' "the error has the OBJECT COMMAND: form"

zc feature probe ""; expect_rc 2 "an empty argument exits 2"

zc version show extra; expect_rc 2 "an extra argument exits 2"
expect_err 'unexpected argument "extra"' "the extra argument is named"

zc feature list "$(head -c 300 /dev/zero | tr '\0' x)"; expect_rc 2 "a 300-character argument exits 2"

zc --no-such-option feature; expect_rc 2 "an unknown option exits 2"

zc -b /dev/null feature; expect_rc 2 "-b with a command on the line exits 2"
zc -j --no-such-option feature
ok '[ "$rc" = 2 ] && printf "%s" "$out" | jq -e ".error.message | test(\"unknown option .--no-such-option.\")" >/dev/null' \
	"-j: an unknown option is a JSON error object too"
zc -b
ok '[ "$rc" = 2 ] && printf "%s" "$err" | grep -q "missing argument of option \"-b\""' "-b without a file names the option"
zc -j -b /dev/null feature
ok '[ "$rc" = 2 ] && printf "%s" "$out" | jq -e ".[0].error.message | test(\"unexpected .feature.\")" >/dev/null' \
	"-j: -b with a command on the line is a JSON error object, in the batch's array"

zc -b /nonexistent/batch; expect_rc 1 "a missing batch file fails with 1"
expect_err 'opening batch file /nonexistent/batch: No such file or directory' "the error says which file and why"

zc help; expect_rc 0 "help exits 0"
expect_out '^Usage: zcioctl' "help prints the usage"
zc -h; expect_rc 0 "-h exits 0"
zc feature help; expect_rc 0 "OBJECT help exits 0"
expect_out 'probe \[INTERFACE\.\.\.\]' "object help shows the synopsis"
zc -V; expect_rc 0 "-V exits 0"
expect_out '^zcioctl [0-9]+\.[0-9]+\.[0-9]+' "-V prints the version"

zc feature probe vfio_bind_process; expect_rc 3 "a named interface this kernel lacks exits 3"

done_testing
