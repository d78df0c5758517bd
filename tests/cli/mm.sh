#!/bin/bash
# mm argument errors on any machine, and exit 3 where the kernel has no test_hmm.
. "$top_srcdir/tests/lib/tap.sh"

expect_usage 'argument "1000" of "size" is wrong: expected a multiple of the page size' "size not whole pages" -- mm exclusive size 1000
expect_usage 'argument "0" of "size" is out of range' "size 0" -- mm exclusive size 0
expect_usage 'argument "sometimes" of "access" is wrong' "a bad access" -- mm exclusive access sometimes
expect_usage '"fork" and "mprotect" are separate' "fork with mprotect" -- mm exclusive fork mprotect
expect_usage 'argument "0" of "threads" is out of range' "race with no thread" -- mm race threads 0
expect_usage 'unexpected argument "x"' "show takes nothing" -- mm show x

if [ ! -e /dev/hmm_dmirror0 ]; then
	for c in "show" "exclusive" "race rounds 1"; do
		zc mm $c
		expect_rc 3 "mm ${c%% *} on a kernel without test_hmm exits 3"
	done
	expect_err 'no /dev/hmm_dmirror0.*TEST_HMM' "and says what is missing"
	zc -j mm exclusive
	ok 'printf "%s" "$out" | jq -e ".error.errno == 2 and .error.command == \"exclusive\"" >/dev/null' "-j: the error is a JSON object"
else
	skip "this kernel has test_hmm: the guest tests cover it"
fi

done_testing
