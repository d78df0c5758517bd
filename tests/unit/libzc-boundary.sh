#!/bin/bash
# libzc (lib/) acts on the kernel and returns 0 or -errno: it never prints, never exits, and
# never calls the command-line layer (tools/zcioctl/cli). Checked on the built archive, so an
# include that slips through a macro or a header is caught too.
. "$top_srcdir/tests/lib/tap.sh"

libzc=$top_builddir/lib/libzc.a
libcli=$top_builddir/tools/zcioctl/libcli.a

# Undefined symbols, "object symbol" a line.
undefined() { nm -A -u "$1" 2>/dev/null | awk '{ n = split($1, p, ":"); print p[n - 1], $NF }'; }
# Global functions and data an archive defines.
defined() { nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }'; }
# ok with the offending lines as diagnostics
none() {
	local what=$1 found=$2
	ok '[ -z "$found" ]' "$what"
	[ -z "$found" ] || printf '%s\n' "$found" | sed 's/^/#   /'
}

ok '[ -s "$libzc" ] && [ -s "$libcli" ]' "the archives are built"

# stdio output, the exits, and libc's printing error functions. One exception: lib/hmm.c's
# copy-on-write scenario forks, and its child ends with _exit(); nothing else may end a process.
output='v?(f|d)?printf|__(v?f|v?d)?printf_chk|puts|fputs|putchar|putc|fputc|fwrite|perror|err|errx|warn|warnx|error|exit|_exit|_Exit|abort|stdout|stderr'
none "no object of libzc prints or exits" \
	"$(undefined "$libzc" | awk -v re="^($output)\$" '$2 ~ re && !($1 ~ /hmm\.o$/ && $2 == "_exit")')"

# anything the command-line layer defines: print layer, errors, argument walker
none "no object of libzc calls the command-line layer" \
	"$(undefined "$libzc" | awk 'NR == FNR { cli[$1] = 1; next } ($2 in cli)' <(defined "$libcli") -)"

# json-c belongs to the print layer: the library returns C structures
none "no object of libzc uses json-c" "$(undefined "$libzc" | awk '$2 ~ /^json_/')"

done_testing
