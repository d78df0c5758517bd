#!/bin/bash
# make fuzz: run each target for SECONDS, one after the other, and say how far each got.
#   run-fuzz.sh SECONDS tests/fuzz/fuzz_x...   (from the build directory)
# The working corpus of a target is tests/fuzz/work/TARGET in the build tree, kept from run to
# run, with the committed tests/fuzz/corpus/TARGET as seeds (read, never written); crashes and
# their reproducers go to tests/fuzz/artifacts/, the log to tests/fuzz/TARGET.fuzz.log.
# FUZZ_ARGS adds libFuzzer options (e.g. FUZZ_ARGS=-max_len=8192). Exits 1 if a target failed.
set -u
seconds=$1
shift
seeds=$(cd "$(dirname "$0")" && pwd)/corpus
status=0
for prog in "$@"; do
	target=$(basename "$prog")
	log=tests/fuzz/$target.fuzz.log
	mkdir -p "tests/fuzz/work/$target" tests/fuzz/artifacts
	echo "== $target: $seconds s (log: $log)"
	# shellcheck disable=SC2086
	"$prog" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="tests/fuzz/artifacts/$target-" ${FUZZ_ARGS:-} \
		"tests/fuzz/work/$target" "$seeds/$target" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "   $target: ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-cov: ?}, exit $rc"
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -E 'ERROR|SUMMARY|broken promise|artifact' "$log" | head -n 10
	fi
done
exit $status
