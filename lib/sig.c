// SPDX-License-Identifier: GPL-2.0-or-later
#include "sig.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

volatile sig_atomic_t zc_stop;

static struct sigaction old_int, old_term;

static void on_stop(int sig)
{
	zc_stop = sig;
}

void sig_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a blocking read or poll returns EINTR */
	zc_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

void sig_restore(void)
{
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

void sig_block_stop(struct sig_stop_mask *m)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &m->saved);
	m->wait = m->saved;
	sigdelset(&m->wait, SIGINT);
	sigdelset(&m->wait, SIGTERM);
}

void sig_unblock_stop(const struct sig_stop_mask *m)
{
	pthread_sigmask(SIG_SETMASK, &m->saved, NULL);
}

bool sig_stop_pending(void)
{
	sigset_t pending;

	return !sigpending(&pending) && (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

int sig_poll_until_stop(int fd, const struct sig_stop_mask *m, int (*on_ready)(void *arg), void *arg,
			bool *poll_failed)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int err = 0;

	*poll_failed = false;
	while (!err && !stop_requested() && !sig_stop_pending()) {
		if (ppoll(&p, 1, NULL, &m->wait) < 0) {
			if (errno == EINTR)
				continue;
			*poll_failed = true;
			return -errno;
		}
		err = on_ready(arg);
	}
	return err;
}
