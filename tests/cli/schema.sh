#!/bin/bash
# doc/json: valid schemas, a file per object with a definition per command, a version that
# follows every change; and the checker the other tests use catches what it must.
. "$top_srcdir/tests/lib/tap.sh"

schemas=$top_srcdir/doc/json
version_c=$top_srcdir/tools/zcioctl/version.c

if ! "$PYTHON3" -c 'import jsonschema' 2>/dev/null; then
	skip "no $PYTHON3 with the jsonschema module (apt-get install python3-jsonschema)"
	done_testing
	exit
fi

check() { "$PYTHON3" "$tap_json_check" "$@"; }

# ---- the version: a sum per version in version.c, the last one of the files as they are

# each file's name, then the file, in C-locale order
schema_sum() {
	(cd "$schemas" && for f in $(LC_ALL=C ls -- *.json); do echo "$f"; cat "$f"; done) | sha256sum | cut -d' ' -f1
}

sum=$(schema_sum)
version=$(sed -n 's/^#define JSON_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$version_c")
records=$(sed -n 's/^ \* json-schema-sum \([0-9]*\) \([0-9a-f]\{64\}\)$/\1 \2/p' "$version_c")
ok '[ "$(tail -n 1 <<<"$records")" = "$version $sum" ]' \
	"doc/json has the sum recorded for JSON_SCHEMA_VERSION $version (after a change: a new version, and ' * json-schema-sum NEW $sum' in version.c)"
ok '[ "$(cut -d" " -f1 <<<"$records")" = "$(cut -d" " -f1 <<<"$records" | sort -nu)" ]' \
	"each recorded version is higher than the one before"
ok '[ "$(cut -d" " -f2 <<<"$records" | sort | uniq -d)" = "" ]' "each recorded sum belongs to one version"
zc -j version
ok '[ "$(jq -r .json_schema <<<"$out")" = "$version" ]' "zcioctl -j version says json_schema $version"

# ---- the schemas, and a file per object with a definition per command of its help

run check --list
expect_rc 0 "every schema is JSON Schema 2020-12 and every \$ref leads somewhere"
listed=$out
no_bpf=$("$ZCIOCTL" -j version | jq -r 'if .features.bpf then "" else "trace" end')
for obj in $("$ZCIOCTL" -j help | jq -r '.objects[].name'); do
	help=$("$ZCIOCTL" -j "$obj" help)
	want="$obj $(jq -r '.default_command // "-"' <<<"$help") $(jq -r '[.commands[].name] | join(" ")' <<<"$help")"
	ok '[ "$(grep "^$obj " <<<"$listed")" = "$want" ]' "doc/json/$obj.json: its default and a definition per command ($want)"
done
for obj in $(cut -d' ' -f1 <<<"$listed"); do
	[ "$obj" = "$no_bpf" ] && continue
	ok '"$ZCIOCTL" -j help | jq -e --arg o "$obj" "any(.objects[]; .name == \$o)" >/dev/null' \
		"doc/json/$obj.json is the schema of an object that exists"
done
ok 'grep -q "doc/json/zcioctl.json" "$top_srcdir/doc/zcioctl.8.scd"' "zcioctl(8) names the shared schema"
for page in "$top_srcdir"/doc/zcioctl-*.8.scd; do
	obj=${page##*/zcioctl-}
	obj=${obj%.8.scd}
	ok 'sed -n "/^# JSON/,/^# /p" "$page" | grep -q "doc/json/$obj.json"' "zcioctl-$obj(8) names its schema in its JSON section"
done

# ---- the checker: what a schema must catch, on the real output of version

"$ZCIOCTL" -j version >"$tap_tmp/version.json"
catches() {	# catches DESC JQ-FILTER [SED-SCRIPT]: the altered output of version fails the check
	local desc=$1
	jq -c "$2" "$tap_tmp/version.json" | sed "${3:-}" >"$tap_tmp/altered.json"
	run check version show "$tap_tmp/altered.json"
	expect_rc 1 "json-check catches $desc"
}
run check version show "$tap_tmp/version.json"
expect_rc 0 "json-check takes the output of version as it is"
catches "a renamed key" '.features.bpf2 = .features.bpf | del(.features.bpf)'
catches "an added key" '.extra = 1'
catches "a missing key" 'del(.version)'
catches "a string for a boolean" '.features.bpf = "yes"'
catches "a count printed as a double" '.' 's/"json_schema":\([0-9]*\)/"json_schema":\1.0/'
catches "another schema version" '.json_schema += 1'
catches "a bad error object" '{"error": {"message": "m", "errno": 2}}'
catches "an error whose result does not follow the command's schema" '{"error": {"message": "m"}, "result": {"x": 1}}'
run check version bogus "$tap_tmp/version.json"
expect_rc 1 "json-check wants an error object for an unknown command"
printf '{"error": {"object": "version", "command": "show", "message": "m", "errno": 2, "strerror": "No such file or directory"}}\n' \
	>"$tap_tmp/error.json"
run check version show "$tap_tmp/error.json"
expect_rc 0 "json-check takes an error object in place of the output"
printf '{"json_schema": NaN}\n' >"$tap_tmp/nan.json"
run check version show "$tap_tmp/nan.json"
expect_rc 1 "json-check refuses NaN, which is not JSON"
cat "$tap_tmp/version.json" "$tap_tmp/version.json" >"$tap_tmp/two.json"
run check version show "$tap_tmp/two.json"
expect_rc 1 "json-check refuses two documents for a command that prints one"
printf '%s\n' '{"event":"ready","name":"d0","queues":1,"cpus":null}' '{"event":"reset","name":"d0"}' >"$tap_tmp/lines.json"
run check vduse serve "$tap_tmp/lines.json"
expect_rc 0 "json-check takes JSON lines that each follow the schema"
printf '%s\n' '{"event":"ready","name":"d0","queues":1,"cpus":null}' '{"error":{"message":"m"}}' '{"event":"reset","name":"d0"}' \
	>"$tap_tmp/lines.json"
run check vduse serve "$tap_tmp/lines.json"
expect_rc 1 "json-check refuses an error object before the last of the JSON lines"
"$ZCIOCTL" -p version >"$tap_tmp/pretty.json"
run check -p version show "$tap_tmp/pretty.json"
expect_rc 0 "json-check reads -p's indented output"
run check --argv -j --pretty version <"$tap_tmp/pretty.json"
expect_rc 0 "json-check --argv finds the object, the command and --pretty among zcioctl's arguments"

# ---- the hook of tap.sh: zc checks what it ran, and a subshell's failure still counts

zc_json_argv setpriv --reuid=65534 "$ZCIOCTL" -p vduse list
status=$?
ok '[ $status = 0 ] && [ "${zc_argv[*]}" = "-p vduse list" ]' "run finds zcioctl's arguments after a wrapper"
zc_json_argv "$ZCIOCTL" -b file vduse list
status=$?
ok '[ $status = 1 ]' "run leaves zcioctl without -j or -p alone"
jq -c '.extra = 1' "$tap_tmp/version.json" >"$tap_tmp/altered.json"
schema_check "$tap_tmp/version.json" -j version
status=$?
schema_check "$tap_tmp/altered.json" -j version
status="$status $?"
ok '[ "$status" = "0 1" ] && [ "$tap_schema_shell" = "$BASHPID" ] && grep -q extra <<<"$schema_problems"' \
	"the checks of run go through one json-check --serve, which finds the added key"
ok '[ "$(schema_check "$tap_tmp/altered.json" -j version; echo $?)" = 1 ]' \
	"a subshell, without the server's pipes, checks with a json-check of its own"
(
	schema_problems="(a test of the hook)"
	schema_failed "a failure in a subshell" >/dev/null
)
ok '[ "$(wc -l <"$tap_tmp/schema-failed")" = 1 ]' "a schema failure in a subshell is on record for done_testing"
rm -f "$tap_tmp/schema-failed"

done_testing
