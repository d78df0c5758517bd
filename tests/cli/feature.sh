#!/bin/bash
# zcioctl feature on the machine it runs on: every interface gets a state, absence a reason,
# and it works without root.
. "$top_srcdir/tests/lib/tap.sh"

zc -j feature
expect_rc 0 "feature exits 0"
names=$("$ZCIOCTL" feature list | awk '{ print $1 }' | sort | tr '\n' ' ')
probed=$(printf '%s' "$out" | jq -r '.features[].name' | sort | tr '\n' ' ')
ok '[ -n "$names" ] && [ "$names" = "$probed" ]' "every listed interface is probed"
ok 'printf "%s" "$out" | jq -e "all(.features[]; .state | IN(\"present\", \"absent\", \"no_access\", \"unknown\"))" >/dev/null' \
	"every state is one of the four"
ok 'printf "%s" "$out" | jq -e "all(.features[] | select(.state != \"present\"); .reason | length > 0)" >/dev/null' \
	"every interface that is not usable says why"

zc feature
expect_rc 0 "text mode exits 0"
ok '[ "$(printf "%s\n" "$out" | grep -c "^[a-z_]*: ")" -ge "$(echo $names | wc -w)" ]' "text mode has a line per interface"

if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$ZCIOCTL" -j feature
	expect_rc 0 "feature runs without root"
	ok 'printf "%s" "$out" | jq -e "all(.features[]; .state != \"present\" or .name != \"vduse\")" >/dev/null' \
		"without root vduse is not reported usable"
	ok 'printf "%s" "$out" | jq -e "[.features[] | select(.state == \"no_access\")] | all(.reason | test(\"permission|root|CAP_\"))" >/dev/null' \
		"no_access says it is about permission"
else
	skip "not root: cannot drop to an unprivileged user"
fi

done_testing
