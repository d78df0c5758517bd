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

/*
 * Waiting for a file descriptor without missing a stop signal: SIGINT and SIGTERM stay blocked
 * except inside ppoll(), so none can come between the check of the flag and a wait that would
 * not end. The mask is the calling thread's; threads it starts afterwards inherit it, so the
 * signals reach only that ppoll().
 */
struct sig_stop_mask {
	sigset_t saved;		/* the thread's mask before sig_block_stop() */
	sigset_t wait;		/* that mask without SIGINT and SIGTERM: the one inside ppoll() */
};

void sig_block_stop(struct sig_stop_mask *m);
/*
 * A stop signal waits, blocked: ppoll() returns at once while its fd is readable, with no chance
 * to take it, so loops that keep finding work must ask.
 */
bool sig_stop_pending(void);
/* Put back the mask sig_block_stop() found. */
void sig_unblock_stop(const struct sig_stop_mask *m);
/*
 * Call on_ready(arg) each time fd is readable, until SIGINT/SIGTERM (returns 0) or a failure:
 * the first non-zero return of on_ready, or -errno of ppoll() (then *poll_failed is set, so the
 * caller can say which). Stop signals must be blocked (sig_block_stop) and caught
 * (sig_catch_stop); on_ready should not block. A stop signal that comes while fd stays readable
 * ends the loop too, after the current on_ready; it is taken when the mask is put back.
 */
int sig_poll_until_stop(int fd, const struct sig_stop_mask *m, int (*on_ready)(void *arg), void *arg,
			bool *poll_failed);

#endif
