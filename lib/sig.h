/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stopping long-running commands cleanly: SIGINT and SIGTERM set a flag and interrupt the
 * blocking call (no SA_RESTART), so loops notice, undo what they set up and return.
 */
#ifndef ZC_SIG_H
#define ZC_SIG_H

#include <signal.h>
#include <stdbool.h>

extern volatile sig_atomic_t zc_stop;

void sig_catch_stop(void);
void sig_restore(void);

static inline bool stop_requested(void)
{
	return zc_stop != 0;
}

#endif
