// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the print layer: the same calls give the text and a valid JSON document. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/json.h"
#include "tap.h"

/* Run fn with stdout going to a file; return what it wrote (malloc'ed). */
static char *capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	char *buf;
	long len;

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = ftell(tmp);
	buf = calloc(1, len + 1);
	rewind(tmp);
	if (fread(buf, 1, len, tmp) != (size_t)len)
		buf[0] = '\0';
	fclose(tmp);
	return buf;
}

static void emit_device(void)
{
	out_begin();
	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "dev %s", "disk\"0\n");
	print_uint(PRINT_ANY, "size", " size %llu", 1ULL << 40);
	print_bool(PRINT_ANY, "attached", " attached %s", true);
	print_hex(PRINT_ANY, "features", " features 0x%llx", 0x130000000ULL);
	print_float(PRINT_ANY, "ratio", " ratio %.2f", 2.5);
	json_null("driver");
	out_open_array("queues");
	print_uint(PRINT_ANY, NULL, " q%llu", 0);
	print_uint(PRINT_ANY, NULL, " q%llu", 1);
	out_close_array();
	print_nl();
	out_close_object();
	out_end();
}

static void emit_batch(void)
{
	out_batch_begin();
	emit_device();
	out_begin();
	out_error("vduse", "create", "VDUSE_CREATE_DEV: File exists", 17, "a device named disk0 exists");
	out_end();
	out_begin();	/* a command that printed nothing still has its element */
	out_end();
	out_begin();	/* a streaming command: its lines become one element */
	print_uint(PRINT_ANY, "line", "%llu", 1);
	out_flush_line();
	print_uint(PRINT_ANY, "line", "%llu", 2);
	out_flush_line();
	out_end();
	out_batch_end();
}

int main(void)
{
	struct json_object *doc, *v;
	char *s;

	out_setup(false, false, stdout);
	s = capture(emit_device);
	is_str(s, "dev disk\"0\n size 1099511627776 attached yes features 0x130000000 ratio 2.50 q0 q1\n",
	       "text output follows the formats");
	free(s);

	out_setup(true, false, stdout);
	s = capture(emit_device);
	doc = json_tokener_parse(s);
	ok(doc != NULL, "JSON output parses");
	ok(json_object_object_get_ex(doc, "name", &v) && !strcmp(json_object_get_string(v), "disk\"0\n"),
	   "a string with a quote and a newline survives");
	ok(json_object_object_get_ex(doc, "size", &v) && json_object_get_uint64(v) == 1ULL << 40,
	   "numbers are numbers");
	ok(json_object_object_get_ex(doc, "features", &v) && json_object_is_type(v, json_type_int),
	   "hex values are numbers in JSON");
	ok(json_object_object_get_ex(doc, "attached", &v) && json_object_get_boolean(v), "booleans are booleans");
	ok(json_object_object_get_ex(doc, "driver", &v) && v == NULL, "null is null");
	ok(json_object_object_get_ex(doc, "queues", &v) && json_object_array_length(v) == 2, "arrays hold their items");
	json_object_put(doc);
	free(s);

	s = capture(emit_batch);
	doc = json_tokener_parse(s);
	ok(doc && json_object_is_type(doc, json_type_array) && json_object_array_length(doc) == 4,
	   "a batch is one array with an element per command");
	ok(json_object_array_length(json_object_array_get_idx(doc, 3)) == 2,
	   "a streaming command in a batch: one element, the array of its lines");
	v = json_object_array_get_idx(doc, 1);
	ok(v && json_object_object_get_ex(v, "error", &v) && json_object_object_get_ex(v, "errno", &v) &&
	   json_object_get_int(v) == 17, "an error is an object with its errno");
	json_object_put(doc);
	free(s);
	return done_testing();
}
