#!/bin/bash
# The Debian package, built as CI or a user would build it (dpkg-buildpackage -us -uc -b) from a
# copy of this tree: the host tests run in the build and the guest tests do not; lintian has no
# error or warning; unpacked into a scratch root (dpkg -x), the binary runs, man finds its pages
# there, bash completes from its completion, systemd-analyze verifies its unit, and Depends
# names the package of every library the binary links. A whole build: not in make check, but
# `make check-deb` and .ci/run.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/unit.sh"

start=$SECONDS
# The package build runs the host tests, never this one; a make that ran us hands its command
# line (TESTS=tests/pkg/deb.sh) down through MAKEFLAGS, so the build gets a clean make.
if [ -n "${ZC_PKG_BUILD:-}" ]; then
	ok false "tests/pkg/deb.sh inside a package build: it would build the package again"
	done_testing
fi
need=$(for t in dpkg-buildpackage dh lintian man; do command -v $t >/dev/null || echo $t; done)
if [ -n "$need" ]; then
	ok false "the tools to build and check a package: missing $(echo $need) (apt-get install \$(grep -v '^#' .ci/debian-packages))"
	done_testing
fi

# A copy of the tree as git sees it (tracked and new files, as they are now), or of all of it
# when this is a release tarball; dpkg-buildpackage cleans it before it builds.
version=$(sed -n '1s/^zcioctl (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
src=$tap_tmp/zcioctl-$version
mkdir -p "$src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$src"
else
	cp -a "$top_srcdir/." "$src"
fi

# one job unless DEB_BUILD_OPTIONS asks for more: the machines this runs on share their cores
case " ${DEB_BUILD_OPTIONS:-} " in *" parallel="*) ;; *) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=1" ;; esac
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TESTS ZC_PKG_BUILD=1 dpkg-buildpackage -us -uc -b) \
	>"$tap_tmp/build.log" 2>&1
rc=$?
build_s=$((SECONDS - start))
ok '[ "$rc" = 0 ]' "dpkg-buildpackage -us -uc -b builds it ($build_s s)"
[ "$rc" = 0 ] || { diag "$(tail -n 40 "$tap_tmp/build.log")"; done_testing; }
log=$tap_tmp/build.log
ok 'grep -q "^# FAIL: *0$" "$log" && grep -q "^PASS: tests/cli/service.sh" "$log" && grep -q "^PASS: tests/unit/" "$log"' \
	"the host tests ran in the build: $(sed -n 's/^# PASS: *//p' "$log") passed"
ok 'grep -q "guest tests: *no" "$log" && ! grep -q "^[A-Z]*: tests/vm/" "$log"' "the guest tests did not"

changes=$(ls "$tap_tmp"/zcioctl_"$version"_*.changes)
deb=$(ls "$tap_tmp"/zcioctl_"$version"_*.deb)
run lintian --fail-on error,warning --info -- "$changes"
ok '[ "$rc" = 0 ] && ! printf "%s\n" "$out" | grep -q "^[EW]: "' "lintian: no error, no warning"
[ -z "$out" ] || diag "lintian: $(printf '%s' "$out" | tr '\n' '|')"

root=$tap_tmp/root
dpkg -x "$deb" "$root"
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./#/#' | grep -v '/$' | sort)
diag "the package installs: $(echo $files)"
for f in /usr/sbin/zcioctl /usr/share/man/man8/zcioctl.8.gz /usr/share/man/man8/zcioctl-vduse.8.gz \
	/usr/share/bash-completion/completions/zcioctl /lib/systemd/system/zcioctl-vduse@.service \
	/usr/libexec/zcioctl/vduse-service /usr/share/doc/zcioctl/README.md.gz \
	/usr/share/doc/zcioctl/examples/disk0.conf /usr/share/doc/zcioctl/copyright \
	/usr/share/zcioctl/json/zcioctl.json /usr/share/zcioctl/json/vduse.json; do
	ok 'printf "%s\n" "$files" | grep -qx "$f"' "it installs $f"
done
pages=$(ls "$top_srcdir"/doc/*.8.scd | wc -l)
ok '[ "$(printf "%s\n" "$files" | grep -c "^/usr/share/man/man8/zcioctl.*\.8\.gz$")" = "$pages" ]' "all $pages man pages"

run "$root/usr/sbin/zcioctl" version
ok '[ "$rc" = 0 ] && [ "$(printf "%s\n" "$out" | head -n 1)" = "zcioctl $version" ]' "usr/sbin/zcioctl version: $(printf '%s' "$out" | head -n 1)"
run "$root/usr/sbin/zcioctl" -j version
ok 'printf "%s" "$out" | jq -e ".features.systemd and .features.bpf" >/dev/null' "built with systemd (sd_notify) and BPF"
run env MANPATH="$root/usr/share/man" man -w zcioctl-vduse
ok '[ "$out" = "$root/usr/share/man/man8/zcioctl-vduse.8.gz" ]' "man -w zcioctl-vduse finds the page in the scratch root"
run env MANPATH="$root/usr/share/man" MANWIDTH=80 man zcioctl-vduse
ok 'printf "%s" "$out" | grep -q "^SERVICE"' "and it reads, with its SERVICE section"
run bash -c '. /usr/share/bash-completion/bash_completion && . "$1" &&
	f=$(complete -p zcioctl | sed -n "s/.*-F \([^ ]*\) .*/\1/p") && COMP_WORDS=(zcioctl vd) COMP_CWORD=1 &&
	COMP_LINE="zcioctl vd" && COMP_POINT=${#COMP_LINE} && $f zcioctl vd zcioctl && echo "${COMPREPLY[*]}"' \
	_ "$root/usr/share/bash-completion/completions/zcioctl"
ok '[ "$rc" = 0 ] && [ "$out" = vduse ]' "the completion loads in bash and completes 'zcioctl vd' to vduse"

unit_for_test "$root/lib/systemd/system/zcioctl-vduse@.service" "$root/usr/libexec/zcioctl/vduse-service" \
	>"$tap_tmp/zcioctl-vduse@t0.service"
unit_verify "$tap_tmp/zcioctl-vduse@t0.service" "$root/usr/share/man"
case $? in
77) skip "systemd-analyze verify: $verify_out" ;;
*) ok '[ -z "$verify_out" ]' "systemd-analyze verify of its unit: no error, no warning${verify_out:+: $verify_out}" ;;
esac
ok 'grep -q "^ExecStart=/usr/libexec/zcioctl/vduse-service serve %i$" "$root/lib/systemd/system/zcioctl-vduse@.service" &&
	grep -q "^AssertPathExists=/etc/zcioctl/vduse/%i.conf$" "$root/lib/systemd/system/zcioctl-vduse@.service" &&
	grep -q "^ZCIOCTL=\${ZCIOCTL:-/usr/sbin/zcioctl}$" "$root/usr/libexec/zcioctl/vduse-service"' \
	"the unit and its helper name the installed paths (/usr/libexec, /etc, /usr/sbin)"

# each library the binary links comes from a package Depends names
pkg_of_lib() {
	local path
	path=$(ldconfig -p | awk -v so="$1" '$1 == so { print $NF; exit }')
	[ -n "$path" ] || return 1
	# with a merged /usr, dpkg knows a library under one of its two names
	{ dpkg -S "$path" || dpkg -S "${path#/usr}" || dpkg -S "/usr$path"; } 2>/dev/null | head -n 1 | cut -d: -f1
}
depends=$(dpkg-deb -f "$deb" Depends)
diag "Depends: $depends"
missing=""
for so in $(objdump -p "$root/usr/sbin/zcioctl" | awk '/NEEDED/ { print $2 }'); do
	pkg=$(pkg_of_lib "$so")
	case ", $depends," in
	*", $pkg "* | *", $pkg,"*) [ -n "$pkg" ] || missing="$missing $so" ;;
	*) missing="$missing $so(${pkg:-no package})" ;;
	esac
done
ok '[ -z "$missing" ] && [[ $depends == *libsystemd0* ]]' "Depends names the package of every library it links${missing:+: not$missing}"

diag "build and checks: $((SECONDS - start)) s"
done_testing
