# Shared by the benchmarks (sourced, bash). A benchmark run on the host re-runs itself in the
# guest through tests/vm/run; in the guest it measures and prints a table. Never fails on a time.
# The guest boots the bench kernel flavour (kernel/config/bench.config: no lockdep, which costs
# every server and the kernel's own path alike and so shrinks each ratio); ZCIOCTL_KERNEL_FLAVOUR
# or ZCIOCTL_KERNEL_DIR picks another.

bench_in_guest() {	# bench_in_guest "$0" "$@": exec into the guest unless already there
	local self=$1
	shift
	if [ -z "${ZC_VM_VARIANT:-}" ]; then
		top_srcdir=${top_srcdir:-$(cd "$(dirname "$self")/../.." && pwd)}
		top_builddir=${top_builddir:-$PWD}
		[ -x "$top_builddir/tools/zcioctl/zcioctl" ] ||
			{ echo "$(basename "$self"): run me from the build directory (no tools/zcioctl/zcioctl here)" >&2; exit 2; }
		export top_srcdir top_builddir
		exec "$top_srcdir/tests/vm/run" --flavour "${ZCIOCTL_KERNEL_FLAVOUR:-bench}" ${BENCH_VM_ARGS:-} -- bash "$(realpath "$self")" "$@"
	fi
	ZCIOCTL=${ZCIOCTL:-$top_builddir/tools/zcioctl/zcioctl}
	bench_tmp=$(mktemp -d)
	trap 'rm -rf "$bench_tmp"' EXIT
}

# bench_kernel: the kernel's release, and whether lock debugging weighs on the figures
bench_kernel() {
	if [ -e /proc/lockdep ]; then
		echo "$(uname -r) with lockdep (not the bench flavour: every path pays for it)"
	else
		echo "$(uname -r) without lock debugging"
	fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }'; }
