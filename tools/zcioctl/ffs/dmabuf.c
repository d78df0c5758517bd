// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs dmabuf: the FunctionFS DMABUF ioctls one step at a time, each with its expected result. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/errname.h"
#include "cli/json.h"
#include "dmabuf.h"
#include "ffs/ffs.h"
#include "units.h"
#include "usb/ffs.h"
#include "usb/gadget.h"

#define MAX_STEP_BUFS 64

struct steps {
	const char *epfile;
	int ep;
	struct dmabuf bufs[MAX_STEP_BUFS];
	int fence_fd[MAX_STEP_BUFS];	/* sync_file of each buffer's last transfer, or -1 */
	unsigned nbufs;
	unsigned step;
	unsigned buf;			/* the buffer the current step names */
	unsigned mismatches;
};

/* The step's outcome as a word: "ok", an errno name, or a fence state ("signaled", "pending"). */
struct outcome {
	char word[24];
	char detail[96];
};

static void outcome_err(struct outcome *o, int err)
{
	char buf[16];

	snprintf(o->word, sizeof(o->word), "%s", errno_name(err < 0 ? -err : err, buf));
	if (err)
		snprintf(o->detail, sizeof(o->detail), "%s", strerror(err < 0 ? -err : err));
}

static int take_index(struct args *a, const struct steps *st, const char *op, unsigned *i)
{
	uint64_t v;
	const char *w = args_next(a);

	if (!w || parse_u64(w, 0, MAX_STEP_BUFS - 1, &v))
		return zc_usage("step %u: \"%s\" needs a buffer index from 0 to %d", st->step, op, MAX_STEP_BUFS - 1);
	if (v >= st->nbufs)
		return zc_usage("step %u: buffer %" PRIu64 " was not allocated (\"alloc N\" first)", st->step, v);
	*i = (unsigned)v;
	return 0;
}

/* An optional "KEYWORD VALUE" after a step's own arguments. */
static int take_option(struct args *a, const char *kw, bool size, uint64_t max, uint64_t *value, bool *given)
{
	const char *w = args_peek(a);
	int err;

	*given = false;
	if (!w || strcmp(w, kw))
		return 0;
	args_next(a);
	w = args_next(a);
	err = !w ? -EINVAL : size ? parse_size(w, 0, max, value) : parse_u64(w, 0, max, value);
	if (err)
		return zc_usage("\"%s\" needs a %s", kw, size ? "size like 64K" : "number");
	*given = true;
	return 0;
}

static int step_alloc(struct args *a, struct steps *st, struct outcome *o)
{
	uint64_t n, size = 64 << 10, heap = 0;
	bool given;
	const char *w = args_next(a);
	unsigned i;
	int err;

	if (!w || parse_u64(w, 1, MAX_STEP_BUFS - st->nbufs, &n))
		return zc_usage("step %u: \"alloc\" needs a count from 1 to %u", st->step, MAX_STEP_BUFS - st->nbufs);
	if ((err = take_option(a, "size", true, 256ULL << 20, &size, &given)))
		return err;
	if (args_peek(a) && !strcmp(args_peek(a), "heap")) {
		args_next(a);
		w = args_next(a);
		if (!w || (strcmp(w, "udmabuf") && strcmp(w, "system")))
			return zc_usage("step %u: \"heap\" is udmabuf or system", st->step);
		heap = !strcmp(w, "system");
	}
	for (i = 0, err = 0; i < n && !err; i++) {
		err = dmabuf_alloc(heap ? DMABUF_HEAP_SYSTEM : DMABUF_HEAP_UDMABUF, dmabuf_page_align(size),
				   &st->bufs[st->nbufs]);
		if (!err)
			st->fence_fd[st->nbufs++] = -1;
	}
	outcome_err(o, err);
	return 0;
}

static int step_attach(struct args *a, struct steps *st, struct outcome *o)
{
	(void)a;
	outcome_err(o, ffs_dmabuf_attach(st->ep, st->bufs[st->buf].fd));
	return 0;
}

static int step_detach(struct args *a, struct steps *st, struct outcome *o)
{
	(void)a;
	outcome_err(o, ffs_dmabuf_detach(st->ep, st->bufs[st->buf].fd));
	return 0;
}

static int step_transfer(struct args *a, struct steps *st, struct outcome *o)
{
	struct dmabuf *b = &st->bufs[st->buf];
	int *fence_fd = &st->fence_fd[st->buf];
	uint64_t length = 0;
	bool given;
	int err;

	if ((err = take_option(a, "length", false, UINT64_MAX, &length, &given)))
		return err;
	err = ffs_dmabuf_transfer(st->ep, b->fd, given ? length : b->size);
	outcome_err(o, err);
	/* keep the transfer's fence now: once signalled it leaves the reservation object, and
	 * with it the error it signalled with */
	if (!err) {
		if (*fence_fd >= 0)
			close(*fence_fd);
		if (dmabuf_export_sync_file(b, true, fence_fd))
			*fence_fd = -1;
	}
	return 0;
}

static int step_wait(struct args *a, struct steps *st, struct outcome *o)
{
	uint64_t timeout = 10000;
	bool given;
	int err;

	if ((err = take_option(a, "timeout", false, 3600 * 1000, &timeout, &given)))
		return err;
	outcome_err(o, dmabuf_wait_fd(st->bufs[st->buf].fd, true, (int)timeout));
	return 0;
}

/* The fence of the buffer's last transfer, else whatever fence the buffer holds now. */
static int step_status(struct args *a, struct steps *st, struct outcome *o)
{
	int sync_fd = st->fence_fd[st->buf], err = 0;
	struct fence_status fs;

	(void)a;
	if (sync_fd < 0)
		err = dmabuf_export_sync_file(&st->bufs[st->buf], true, &sync_fd);
	if (!err) {
		err = sync_file_status(sync_fd, &fs);
		if (sync_fd != st->fence_fd[st->buf])
			close(sync_fd);
	}
	if (err) {
		outcome_err(o, err);
	} else if (fs.status < 0) {
		outcome_err(o, fs.status);
		snprintf(o->detail, sizeof(o->detail), "fence of %s signalled with an error", fs.driver);
	} else {
		snprintf(o->word, sizeof(o->word), "%s", fs.status ? "signaled" : "pending");
		snprintf(o->detail, sizeof(o->detail), "%u fence(s)%s%s", fs.num_fences,
			 fs.driver[0] ? " of " : "", fs.driver);
	}
	return 0;
}

static int step_free(struct args *a, struct steps *st, struct outcome *o)
{
	(void)a;
	dmabuf_free(&st->bufs[st->buf]);
	outcome_err(o, 0);
	return 0;
}

static int step_close(struct args *a, struct steps *st, struct outcome *o)
{
	(void)a;
	outcome_err(o, st->ep >= 0 && close(st->ep) ? -errno : 0);
	st->ep = -1;
	return 0;
}

static int step_reopen(struct args *a, struct steps *st, struct outcome *o)
{
	(void)a;
	if (st->ep >= 0)
		close(st->ep);
	st->ep = open(st->epfile, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	outcome_err(o, st->ep < 0 ? -errno : 0);
	return 0;
}

static int step_sleep(struct args *a, struct steps *st, struct outcome *o)
{
	const char *w = args_next(a);
	uint64_t ms;

	if (!w || parse_u64(w, 0, 3600 * 1000, &ms))
		return zc_usage("step %u: \"sleep\" needs milliseconds", st->step);
	usleep(ms * 1000);
	outcome_err(o, 0);
	return 0;
}

static int step_unbind(struct args *a, struct steps *st, struct outcome *o)
{
	const char *w = args_next(a);

	if (!w || !gadget_name_valid(w))
		return zc_usage("step %u: \"unbind\" needs a gadget name", st->step);
	outcome_err(o, gadget_unbind(w));
	return 0;
}

struct step {
	const char *name;
	/* a usage error, or 0 with the outcome filled */
	int (*run)(struct args *a, struct steps *st, struct outcome *o);
	bool on_buffer;		/* a buffer index comes first: st->buf */
	const char *expected;	/* unless the step says otherwise; NULL: "ok" */
};

static const struct step step_table[] = {
	{ "alloc", step_alloc },
	{ "attach", step_attach, true },
	{ "detach", step_detach, true },
	{ "transfer", step_transfer, true },
	{ "wait", step_wait, true },
	{ "status", step_status, true, "signaled" },
	{ "free", step_free, true },
	{ "close", step_close },
	{ "reopen", step_reopen },
	{ "sleep", step_sleep },
	{ "unbind", step_unbind },
	{ 0 },
};

static void print_step(const struct steps *st, const char *op, const char *what, const struct outcome *o,
		       const char *expected, bool matched)
{
	out_open_object(NULL);
	print_uint(PRINT_ANY, "step", "%3llu ", st->step);
	print_string(PRINT_ANY, "op", "%s", op);
	print_string(PRINT_ANY, "args", "%s", what);
	print_string(PRINT_ANY, "result", ": %s", o->word);
	if (o->detail[0])
		print_string(PRINT_ANY, "detail", " (%s)", o->detail);
	print_string(PRINT_ANY, "expected", ", expected %s", expected);
	print_bool(PRINT_ANY, "match", ": %s\n", matched);
	out_close_object();
}

static int run_step(struct args *a, struct steps *st)
{
	const char *op = args_next(a), *expected;
	const struct step *s;
	char what[96] = "";
	struct outcome o = { "", "" };
	char **first = a->argv;
	int err;
	bool matched;

	for (s = step_table; s->name && strcmp(s->name, op); s++)
		;
	if (!s->name)
		return zc_usage("step %u: unknown step \"%s\"", st->step, op);
	if (s->on_buffer && (err = take_index(a, st, op, &st->buf)))
		return err;
	if ((err = s->run(a, st, &o)))
		return err;
	for (; first < a->argv; first++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " %s", *first);
	expected = s->expected ? s->expected : "ok";
	if (args_peek(a) && !strcmp(args_peek(a), "expect")) {
		args_next(a);
		expected = args_next(a);
		if (!expected || (errno_from_name(expected) < 0 && strcmp(expected, "signaled") && strcmp(expected, "pending")))
			return zc_usage("step %u: \"expect\" takes ok, an errno name like EINVAL, signaled or pending",
					st->step);
	}
	matched = !strcmp(o.word, expected);
	st->mismatches += !matched;
	print_step(st, op, what, &o, expected, matched);
	return 0;
}

int ffs_cmd_dmabuf(struct args *a)
{
	struct steps st = { .ep = -1 };
	unsigned i;
	int err;

	if ((err = args_take(a, "EPFILE", 4096, &st.epfile)))
		return err;
	if (args_empty(a))
		return zc_usage("no steps (try 'zcioctl ffs help')");
	/* non-blocking: a disabled endpoint or a busy buffer answers at once instead of waiting */
	st.ep = open(st.epfile, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (st.ep < 0)
		return zc_err(errno, NULL, "opening %s", st.epfile);
	out_open_array(NULL);
	while (!err && !args_empty(a)) {
		st.step++;
		err = run_step(a, &st);
	}
	out_close_array();
	if (st.ep >= 0)
		close(st.ep);
	for (i = 0; i < st.nbufs; i++) {
		if (st.fence_fd[i] >= 0)
			close(st.fence_fd[i]);
		dmabuf_free(&st.bufs[i]);
	}
	if (!err && st.mismatches)
		err = zc_err(0, NULL, "%u of %u steps did not give the expected result", st.mismatches, st.step);
	return err;
}

