#!/bin/bash
# debian/ agrees with the rest of the tree: Build-Depends are what .ci/debian-packages lists
# (debian/update-control --check), every Debian package configure asks for is among them, and
# the package's version is configure's.
. "$top_srcdir/tests/lib/tap.sh"

run "$top_srcdir/debian/update-control" --check
ok '[ "$rc" = 0 ]' "debian/control's Build-Depends are .ci/debian-packages' build and check sections"
[ "$rc" = 0 ] || diag "$err"

build_deps=$(sed -n '/^Build-Depends:/,/^[^ ]/s/^ \([a-z0-9.+-]*\).*/\1/p' "$top_srcdir/debian/control" | sort)
# what configure's errors tell to install: ZC_REQUIRE_PKG([VAR], [modules], [Debian packages])
# and "install the Debian package NAME"
wanted=$( (sed -n 's/^[[:space:]]*ZC_REQUIRE_PKG(\[[A-Z]*\], \[[^]]*\], \[\([^]]*\)\]).*/\1/p' "$top_srcdir/configure.ac"
	grep -o 'install the Debian package [a-z0-9.+-]*' "$top_srcdir/configure.ac" | cut -d' ' -f5) |
	tr ' ' '\n' | sed '/^$/d' | sort -u)
missing=$(comm -13 <(printf '%s\n' "$build_deps") <(printf '%s\n' "$wanted") | tr '\n' ' ')
ok '[ -n "$wanted" ] && [ -z "$missing" ]' \
	"every package configure asks for is a Build-Depends ($(echo $wanted); ${missing:-none missing})"

# the release tarball must carry every patch the kernel build applies (0009 once was not)
series=$(grep -v -e '^#' -e '^[[:space:]]*$' "$top_srcdir/kernel/patches/series" | sort)
shipped=$(grep -o 'kernel/patches/[^ \\]*\.patch' "$top_srcdir/Makefile.am" | sed 's|kernel/patches/||' | sort)
unshipped=$(echo $(comm -23 <(printf '%s\n' "$series") <(printf '%s\n' "$shipped")))
ok '[ -n "$series" ] && [ -z "$unshipped" ]' \
	"Makefile.am ships every patch of kernel/patches/series (${unshipped:-none missing})"

version=$("$ZCIOCTL" -j version | jq -r .version)
changelog=$(sed -n '1s/^zcioctl (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
ok '[ "$changelog" = "$version" ]' "debian/changelog's version is configure's ($changelog, $version)"

done_testing
