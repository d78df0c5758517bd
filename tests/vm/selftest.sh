#!/bin/bash
# The guest runner itself: a failing guest test, a kernel WARN, a test past its time limit and a
# hung guest must each fail the run; a clean command passes and its exit status comes back.
. "$top_srcdir/tests/lib/tap.sh"
vm=$top_srcdir/tests/vm/run
# the guest sees the host's files but not its /tmp: keep the test scripts in the build tree
scratch=$top_builddir/vm-selftest.$$
mkdir -p "$scratch"
trap 'rm -rf "$scratch" "$tap_tmp"' EXIT

run "$vm" -- true
expect_rc 0 "a clean command passes"

run "$vm" -- sh -c 'exit 7'
expect_rc 7 "the command's exit status comes back"

run "$vm" -- sh -c 'echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT'
expect_rc 1 "a WARN injected through lkdtm fails the run"
# the guest's output, its stderr included, comes back on stdout
expect_out 'WARNING: CPU: .* lkdtm_WARNING' "the report shows the WARNING with its place"

cat >"$scratch/broken.sh" <<'T'
echo "ok 1 - fine"
echo "not ok 2 - deliberately broken"
echo "1..2"
exit 1
T
run "$vm" --tap "$scratch/broken.sh"
ok '[ "$rc" != 0 ]' "a deliberately broken guest test fails the run"
expect_out '^not ok 2 - broken: deliberately broken' "its failing check is reported with the test's name"
expect_out '^ok 3 - broken: kernel log clean' "the kernel log of that test is checked"

cat >"$scratch/warn.sh" <<'T'
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
echo "ok 1 - the test itself passes"
echo "1..1"
T
run "$vm" --tap "$scratch/warn.sh"
ok '[ "$rc" != 0 ]' "a WARN during a passing test fails the run"
expect_out '^not ok 2 - warn: kernel log clean' "the WARN is charged to the test that caused it"

cat >"$scratch/hang.sh" <<'T'
# vm-test-timeout: 12
echo "ok 1 - started"
sleep 600
T
run "$vm" --tap "$scratch/hang.sh"
ok '[ "$rc" != 0 ]' "a guest test that outlives its time limit fails the run"
expect_out '^not ok 2 - hang: finished within 12 s' "and is named"
expect_out '^#  +[0-9]+ +[0-9]+ +[0-9]+ +[A-Za-z+]+ +[a-z_0-9-]+ +sleep 600$' \
	"with the processes it had running and where they waited, taken before the cut"

run "$vm" --timeout 20 -- sleep 600
ok '[ "$rc" != 0 ]' "a hung guest is stopped by the watchdog"
expect_err 'did not finish within 20 s' "the watchdog says so"

done_testing
