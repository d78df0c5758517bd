#!/bin/bash
# make check with --enable-fuzz: each libFuzzer target runs every input of its committed corpus
# once (a regression run of seconds: a crash found once stays found), and the sandbox of
# fuzz_cmdline and fuzz_batch covers every library call of the binary's sources.
. "$top_srcdir/tests/lib/tap.sh"

fuzz=$top_builddir/tests/fuzz
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	target=$(basename "$dir")
	run "$fuzz/$target" "$dir"*
	expect_rc 0 "$target: its corpus of $(find "$dir" -type f | wc -l) inputs runs clean"
done

# A library call the object files make that cli_sandbox.c neither stubs nor lists as pure would
# reach the kernel from the fuzzer.
undefined=$(nm -u "$fuzz/libzcioctl_fuzz.a" | awk 'NF == 2 { print $2 }' | sort -u)
library=$(nm --defined-only "$fuzz/libzc_fuzz.a" | awk 'NF == 3 { print $3 }' | sort -u)
sandboxed=$( (sed 's/^--wrap=//' "$fuzz/cli_sandbox.wrap"
	sed -n 's/^ \* ZC_FUZZ_PURE://p' "$top_srcdir/tests/fuzz/cli_sandbox.c" | tr ' ' '\n') | sed '/^$/d' | sort -u)
loose=$(comm -12 <(echo "$undefined") <(echo "$library") | comm -23 - <(echo "$sandboxed") | tr '\n' ' ')
last_cmd="library calls of tools/zcioctl/ outside the sandbox: $loose" rc= out= err=
ok '[ -z "$loose" ]' "every library call of the binary's sources is stubbed or known pure"

done_testing
