#!/bin/bash
# `zcioctl help`, the man pages and the bash completion list the same objects and commands
# (bpftool's test_bpftool.py idea): docs that drift fail here.
. "$top_srcdir/tests/lib/tap.sh"

doc=$top_srcdir/doc
completion=$top_srcdir/completions/zcioctl

# a command may have more than one synopsis line (serve of a blk and of a net device)
sorted() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '; }

objects=$("$ZCIOCTL" -j help | jq -r '.objects[].name' | sorted)
# a build without BPF has no trace object, though its page and completion are shipped
no_bpf=$("$ZCIOCTL" -j version | jq -r 'if .features.bpf then "" else "trace" end')
comp_objects=$(bash -c ". '$completion'; echo \${!_zcioctl_commands[@]}" | tr ' ' '\n' | grep -vx "${no_bpf:-^$}" | sorted)
ok '[ "$objects" = "$comp_objects" ]' "completion objects match help ($objects)"

for obj in $objects; do
	cmds=$("$ZCIOCTL" -j "$obj" help | jq -r '.commands[].name' | sorted)
	comp=$(bash -c ". '$completion'; echo \${_zcioctl_commands[$obj]}" | sorted)
	ok '[ "$cmds" = "$comp" ]' "completion commands of $obj match help ($cmds)"
	ok 'grep -q "^\*$obj\*" "$doc/zcioctl.8.scd"' "zcioctl(8) lists the object $obj"
	page=$doc/zcioctl-$obj.8.scd
	if [ -f "$page" ]; then
		man_cmds=$(sed -n "s/^\*zcioctl $obj \([a-z-]*\)\*.*/\1/p" "$page" | sorted)
		ok '[ "$cmds" = "$man_cmds" ]' "zcioctl-$obj(8) documents the commands of help ($cmds)"
	else
		ok '[ "$cmds" = "show " ]' "$obj has no man page of its own, only a show command"
	fi
done

for page in "$doc"/zcioctl-*.8.scd; do
	obj=$(basename "$page" .8.scd); obj=${obj#zcioctl-}
	[ "$obj" = "$no_bpf" ] && continue
	ok '[[ " $objects " == *" $obj "* ]]' "the man page of $obj is for an object that exists"
done

for obj in $objects; do
	[ -f "$doc/zcioctl-$obj.8.scd" ] || continue
	ok 'grep -Eq "zcioctl-$obj\*?\(8\)" "$doc/zcioctl.8.scd"' "zcioctl(8) refers to zcioctl-$obj(8)"
done

done_testing
