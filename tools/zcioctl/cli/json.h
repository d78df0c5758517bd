/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One print layer for text and JSON, in the manner of iproute2's print_*(PRINT_ANY, ...):
 * each call names the JSON key and the text format of the same value, so the two outputs
 * cannot drift. JSON is built with json-c (escaping, UTF-8, number formats) and written when
 * the command's output ends. The text format must be a string literal of ours, never data.
 */
#ifndef ZC_JSON_H
#define ZC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum print_kind {
	PRINT_TEXT = 1,	/* only in text mode */
	PRINT_JSON = 2,	/* only in JSON mode */
	PRINT_ANY = 3,	/* both */
};

void out_setup(bool json, bool pretty, FILE *text_stream);

/* A batch in JSON mode collects each command's value into one array, written by out_batch_end(). */
void out_batch_begin(void);
void out_batch_end(void);

/* Bracket one command's output: in JSON mode out_end() writes the value (or adds it to the batch). */
void out_begin(void);
void out_end(void);
/* For streams of events (JSON lines): write the value built so far as one line and start anew. */
void out_flush_line(void);

void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);

/*
 * print_X(kind, key, fmt, value): fmt is a string literal with exactly one conversion for the
 * value (%s for strings and booleans, "yes"/"no"; %llu, %lld, %llx, %f). The dead printf in
 * each macro lets the compiler check the format against the value's type.
 */
#define print_string(kind, key, fmt, value) \
	do { if (0) printf(fmt, (const char *)(value)); print_string_(kind, key, fmt, value); } while (0)
#define print_uint(kind, key, fmt, value) \
	do { if (0) printf(fmt, (unsigned long long)(value)); print_uint_(kind, key, fmt, value); } while (0)
#define print_hex(kind, key, fmt, value) print_uint(kind, key, fmt, value)
#define print_int(kind, key, fmt, value) \
	do { if (0) printf(fmt, (long long)(value)); print_int_(kind, key, fmt, value); } while (0)
#define print_float(kind, key, fmt, value) \
	do { if (0) printf(fmt, (double)(value)); print_float_(kind, key, fmt, value); } while (0)
#define print_bool(kind, key, fmt, value) \
	do { if (0) printf(fmt, ""); print_bool_(kind, key, fmt, value); } while (0)
/* fmt has no conversion: what text mode prints for a missing value */
#define print_null(kind, key, fmt) \
	do { if (0) printf(fmt); print_null_(kind, key, fmt); } while (0)

void print_string_(enum print_kind kind, const char *key, const char *fmt, const char *value);
void print_uint_(enum print_kind kind, const char *key, const char *fmt, uint64_t value);
void print_int_(enum print_kind kind, const char *key, const char *fmt, int64_t value);
void print_float_(enum print_kind kind, const char *key, const char *fmt, double value);
void print_bool_(enum print_kind kind, const char *key, const char *fmt, bool value);
void print_null_(enum print_kind kind, const char *key, const char *fmt);

/* Values that only JSON shows. */
#define json_string(key, value) print_string_(PRINT_JSON, key, NULL, value)
#define json_uint(key, value) print_uint_(PRINT_JSON, key, NULL, value)
#define json_int(key, value) print_int_(PRINT_JSON, key, NULL, value)
#define json_bool(key, value) print_bool_(PRINT_JSON, key, NULL, value)
#define json_null(key) print_null_(PRINT_JSON, key, NULL)

/* Text only: a literal string, or a newline. */
void print_text(const char *s);
void print_nl(void);

/* The error object of JSON mode: {"error": {...}} in place of the command's value. */
void out_error(const char *object, const char *command, const char *message, int err, const char *hint);

#endif
