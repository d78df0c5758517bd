#!/bin/bash
# Every command's -j output parses with jq, and errors are JSON objects too.
. "$top_srcdir/tests/lib/tap.sh"

check_json() {
	zc -j "$@"
	ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e . >/dev/null' "-j $* is valid JSON"
}

check_json help
for obj in $("$ZCIOCTL" -j help | jq -r '.objects[].name'); do
	check_json "$obj" help
	for cmd in $("$ZCIOCTL" -j "$obj" help | jq -r '.commands[].name'); do
		case $obj/$cmd in
		help/show|version/show|feature/probe|feature/list) check_json "$obj" "$cmd" ;;
		esac
	done
done

zc -j version
ok 'printf "%s" "$out" | jq -e ".json_schema | type == \"number\"" >/dev/null' "version -j carries the JSON schema version"
ok 'printf "%s" "$out" | jq -e "[.features.bpf, .features.systemd] | all(type == \"boolean\")" >/dev/null' \
	"version -j lists build features (bpf, systemd)"

zc -p version
ok '[ "$(printf "%s" "$out" | wc -l)" -gt 3 ] && printf "%s" "$out" | jq -e . >/dev/null' "-p indents valid JSON"

zc -j bogus
expect_rc 2 "a JSON-mode usage error still exits 2"
ok 'printf "%s" "$out" | jq -e ".error.message | test(\"bogus\")" >/dev/null' "the error is a JSON object naming the argument"
expect_err '^zcioctl: unknown object' "the error is on stderr as well"

zc -j feature probe vfio_bind_process
ok 'printf "%s" "$out" | jq -e ".features[0].present == false and (.features[0].reason | length > 0)" >/dev/null' \
	"an absent interface has a reason in JSON"

done_testing
