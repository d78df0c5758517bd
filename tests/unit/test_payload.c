// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/payload: the pattern agrees with itself whatever the chunking, verify finds the first
 * wrong or missing byte, a data file is read with zeros past its end and written at the stream
 * offsets, and "nodata" neither produces nor looks at anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload.h"
#include "tap.h"

#define LEN 3000

static uint8_t sent[LEN], got[LEN];
static char dir[] = "/tmp/test_payload.XXXXXX";

static void send_stream(struct payload *tx, size_t chunk)
{
	size_t off;

	for (off = 0; off < LEN; off += chunk)
		payload_fill(tx, sent + off, LEN - off < chunk ? LEN - off : chunk, off);
}

static void take_stream(struct payload *rx, const uint8_t *buf, size_t chunk)
{
	size_t off;

	for (off = 0; off < LEN; off += chunk) {
		size_t n = LEN - off < chunk ? LEN - off : chunk;

		payload_take(rx, buf + off, n, n, off);
	}
}

static void test_pattern(void)
{
	struct payload tx = { .seed = 7 }, rx = { .seed = 7, .verify = true }, other = { .seed = 8, .verify = true };

	is_int(payload_open(&tx, NULL, true), 0, "the pattern needs no file");
	payload_open(&rx, NULL, false);
	send_stream(&tx, 1000);
	take_stream(&rx, sent, 1500);
	ok(!rx.mismatch, "sent in 1000-byte chunks, verified in 1500-byte chunks: the same bytes");

	memcpy(got, sent, LEN);
	got[1234] ^= 1;
	got[2345] ^= 1;
	take_stream(&rx, got, 1000);
	ok(rx.mismatch, "a flipped bit is found");
	is_int(rx.first_bad, 1234, "at its stream offset, the first of two");

	payload_open(&rx, NULL, false);
	ok(!rx.mismatch, "opening again forgets the earlier finding");

	payload_open(&other, NULL, false);
	take_stream(&other, sent, LEN);
	ok(other.mismatch && other.first_bad < 8, "another seed is another stream (wrong from byte %llu)",
	   (unsigned long long)other.first_bad);
}

static void test_short(void)
{
	struct payload quiet = { .seed = 1 }, rx = { .seed = 1, .verify = true };
	uint8_t buf[200];

	payload_open(&quiet, NULL, false);
	memset(buf, 0xa5, sizeof(buf));
	payload_take(&quiet, buf, sizeof(buf), sizeof(buf), 0);
	ok(!quiet.mismatch, "without verify, wrong bytes are not looked at");
	payload_take(&quiet, buf, 100, 200, 400);
	ok(quiet.mismatch, "but a short arrival is a mismatch, verify or not");
	is_int(quiet.first_bad, 500, "at the first missing byte");

	payload_open(&rx, NULL, false);
	payload_fill(&rx, buf, sizeof(buf), 1000);
	buf[50] ^= 0xff;
	payload_take(&rx, buf, 100, 200, 1000);
	is_int(rx.first_bad, 1050, "a wrong byte before the end of a short arrival comes first");
}

static void test_file(void)
{
	struct payload tx = { .seed = 3 }, rx = { 0 };
	char src[64], dst[64];
	uint8_t file[2500], buf[1000];
	int fd, zeros = 1;
	size_t i;

	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	for (i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(i * 7);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, file, sizeof(file)) == (ssize_t)sizeof(file), "a 2500-byte source file");
	close(fd);

	is_int(payload_open(&tx, src, true), 0, "opened to send from");
	memset(buf, 0xee, sizeof(buf));
	is_int(payload_fill(&tx, buf, sizeof(buf), 2000), 0, "the chunk at 2000");
	ok(!memcmp(buf, file + 2000, 500), "its first 500 bytes are the file's last");
	for (i = 500; i < sizeof(buf); i++)
		zeros &= buf[i] == 0;
	ok(zeros, "and past the end of the file come zeros");
	payload_close(&tx);
	is_int(tx.fd, -1, "closed");

	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, file, sizeof(file)) == (ssize_t)sizeof(file), "an old 2500-byte file where the data goes");
	close(fd);
	is_int(payload_open(&rx, dst, false), 0, "opened to receive into");
	payload_take(&rx, file + 1000, 1000, 1000, 1000);
	payload_take(&rx, file + 2000, 100, 1000, 0);
	payload_close(&rx);
	ok(!rx.mismatch, "what goes to a file is not checked, short or not");
	fd = open(dst, O_RDONLY);
	memset(got, 0, sizeof(got));
	is_int(read(fd, got, sizeof(got)), 2000, "the file was replaced: it ends where the data did");
	close(fd);
	ok(!memcmp(got, file + 2000, 100) && !memcmp(got + 1000, file + 1000, 1000),
	   "every chunk is at its stream offset, in whatever order it came");

	is_int(payload_open(&tx, "/nonexistent/src", true), -ENOENT, "a missing source file: -ENOENT");
	unlink(src);
	unlink(dst);
}

static void test_none(void)
{
	struct payload p = { .seed = 5, .verify = true, .none = true };
	uint8_t buf[64];
	size_t i;
	int untouched = 1;

	payload_open(&p, NULL, true);
	memset(buf, 0x5a, sizeof(buf));
	is_int(payload_fill(&p, buf, sizeof(buf), 0), 0, "nodata: fill succeeds");
	for (i = 0; i < sizeof(buf); i++)
		untouched &= buf[i] == 0x5a;
	ok(untouched, "without touching the buffer");
	payload_take(&p, buf, 10, sizeof(buf), 0);
	ok(!p.mismatch, "and nothing received is looked at, not even its length");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_pattern();
	test_short();
	test_file();
	test_none();
	rmdir(dir);
	return done_testing();
}
