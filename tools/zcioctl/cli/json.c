// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/json.h"

#include <json-c/json.h>
#include <string.h>

#define MAX_DEPTH 16

static struct {
	bool json;
	bool pretty;
	FILE *text;
	struct json_object *stack[MAX_DEPTH];	/* [0] is the command's root value */
	int depth;				/* number of open containers */
	struct json_object *batch;		/* the array of a JSON batch, or NULL */
	struct json_object *stream;		/* in a batch: the lines a streaming command flushed */
} out = { .text = NULL };

void out_setup(bool json, bool pretty, FILE *text_stream)
{
	out.json = json;
	out.pretty = pretty;
	out.text = text_stream;
}

static void write_value(struct json_object *v)
{
	int flags = out.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;

	flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
	fputs(json_object_to_json_string_ext(v, flags), stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void out_batch_begin(void)
{
	if (out.json)
		out.batch = json_object_new_array();
}

void out_batch_end(void)
{
	if (!out.batch)
		return;
	write_value(out.batch);
	json_object_put(out.batch);
	out.batch = NULL;
}

static void reset_stack(void)
{
	if (out.stack[0])
		json_object_put(out.stack[0]);
	memset(out.stack, 0, sizeof(out.stack));
	out.depth = 0;
}

void out_begin(void)
{
	reset_stack();
}

void out_end(void)
{
	struct json_object *root = out.stack[0];

	if (!out.json)
		return;
	if (out.batch && out.stream) {
		/* a streaming command's element is the array of its lines */
		if (root)
			json_object_array_add(out.stream, json_object_get(root));
		json_object_array_add(out.batch, out.stream);
		out.stream = NULL;
	} else if (out.batch) {
		/* every batch line has an element, so that element i answers line i */
		json_object_array_add(out.batch, root ? json_object_get(root) : json_object_new_object());
	} else if (root) {
		write_value(root);
	}
	reset_stack();
}

void out_flush_line(void)
{
	if (out.json && out.stack[0] && out.batch) {
		/* inside a batch the output must stay one JSON document: keep the line for out_end() */
		if (!out.stream)
			out.stream = json_object_new_array();
		json_object_array_add(out.stream, out.stack[0]);
		out.stack[0] = NULL;
	} else if (out.json && out.stack[0]) {
		write_value(out.stack[0]);
	}
	reset_stack();
	if (!out.json && out.text)
		fflush(out.text);
}

/* Put a value into the innermost open container, creating a root object if there is none. */
static void add_value(const char *key, struct json_object *v)
{
	struct json_object *parent;

	if (out.depth == 0) {
		/* top-level values go into the root object, made on first use or re-opened */
		if (!out.stack[0])
			out.stack[0] = json_object_new_object();
		out.depth = 1;
	}
	parent = out.stack[out.depth - 1];
	if (json_object_is_type(parent, json_type_array))
		json_object_array_add(parent, v);
	else
		json_object_object_add(parent, key ? key : "value", v);
}

static void open_container(const char *key, struct json_object *c)
{
	if (out.depth == 0 && !out.stack[0]) {
		out.stack[0] = c;
		out.depth = 1;
		return;
	}
	if (out.depth >= MAX_DEPTH) {
		json_object_put(c);
		return;
	}
	add_value(key, json_object_get(c));
	out.stack[out.depth++] = c;
	json_object_put(c);	/* the parent holds the reference */
}

void out_open_object(const char *key)
{
	if (out.json)
		open_container(key, json_object_new_object());
}

void out_open_array(const char *key)
{
	if (out.json)
		open_container(key, json_object_new_array());
}

static void close_container(void)
{
	/* the root stays on the stack until out_end() writes it */
	if (out.json && out.depth > 1)
		out.stack[--out.depth] = NULL;
	else if (out.json && out.depth == 1)
		out.depth = 0;
}

void out_close_object(void)
{
	close_container();
}

void out_close_array(void)
{
	close_container();
}

static bool want_json(enum print_kind kind)
{
	return out.json && (kind & PRINT_JSON);
}

static bool want_text(enum print_kind kind, const char *fmt)
{
	return !out.json && (kind & PRINT_TEXT) && fmt && out.text;
}

/*
 * The format comes from our own string literals; the attribute-free wrappers below keep the
 * compiler's format checking where it can work (in the callers' literals through -Wformat).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void print_string_(enum print_kind kind, const char *key, const char *fmt, const char *value)
{
	if (want_json(kind))
		add_value(key, value ? json_object_new_string(value) : NULL);
	else if (want_text(kind, fmt))
		fprintf(out.text, fmt, value ? value : "");
}

void print_uint_(enum print_kind kind, const char *key, const char *fmt, uint64_t value)
{
	if (want_json(kind))
		add_value(key, json_object_new_uint64(value));
	else if (want_text(kind, fmt))
		fprintf(out.text, fmt, (unsigned long long)value);
}

void print_int_(enum print_kind kind, const char *key, const char *fmt, int64_t value)
{
	if (want_json(kind))
		add_value(key, json_object_new_int64(value));
	else if (want_text(kind, fmt))
		fprintf(out.text, fmt, (long long)value);
}

void print_float_(enum print_kind kind, const char *key, const char *fmt, double value)
{
	if (want_json(kind))
		add_value(key, json_object_new_double(value));
	else if (want_text(kind, fmt))
		fprintf(out.text, fmt, value);
}

void print_bool_(enum print_kind kind, const char *key, const char *fmt, bool value)
{
	if (want_json(kind))
		add_value(key, json_object_new_boolean(value));
	else if (want_text(kind, fmt))
		fprintf(out.text, fmt, value ? "yes" : "no");
}

#pragma GCC diagnostic pop

void print_null_(enum print_kind kind, const char *key, const char *fmt)
{
	if (want_json(kind))
		add_value(key, NULL);
	else if (want_text(kind, fmt))
		fputs(fmt, out.text);
}

void print_text(const char *s)
{
	if (!out.json && out.text)
		fputs(s, out.text);
}

void print_nl(void)
{
	print_text("\n");
}

void out_error(const char *object, const char *command, const char *message, int err, const char *hint)
{
	struct json_object *root, *e;

	if (!out.json)
		return;
	/* what the command printed before failing stays, under "result" */
	root = json_object_new_object();
	e = json_object_new_object();
	if (object)
		json_object_object_add(e, "object", json_object_new_string(object));
	if (command)
		json_object_object_add(e, "command", json_object_new_string(command));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (err) {
		json_object_object_add(e, "errno", json_object_new_int(err));
		json_object_object_add(e, "strerror", json_object_new_string(strerror(err)));
	}
	if (hint)
		json_object_object_add(e, "hint", json_object_new_string(hint));
	json_object_object_add(root, "error", e);
	if (out.stack[0]) {
		json_object_object_add(root, "result", out.stack[0]);
		out.stack[0] = NULL;
	}
	reset_stack();
	out.stack[0] = root;
	out.depth = 0;
}
