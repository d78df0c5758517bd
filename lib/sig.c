// SPDX-License-Identifier: GPL-2.0-or-later
#include "sig.h"

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
