// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/sig: the loop that serves a descriptor until SIGINT/SIGTERM. A stop signal sent while the
 * descriptor has more to read ends the loop after the current call; a handler's error ends it
 * with that error; the signal mask is put back afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sig.h"
#include "tap.h"

struct reader {
	int fd;
	int calls;
	int stop_at;	/* send SIGTERM to ourselves on this call */
	int fail_at;	/* return -EPROTO on this call */
};

static int on_ready(void *arg)
{
	struct reader *r = arg;
	char c;

	if (read(r->fd, &c, 1) != 1)
		return -errno;
	r->calls++;
	if (r->calls == r->stop_at)
		kill(getpid(), SIGTERM);
	return r->calls == r->fail_at ? -EPROTO : 0;
}

static bool blocked(int sig)
{
	sigset_t now;

	pthread_sigmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, sig);
}

int main(void)
{
	struct sig_stop_mask stop;
	struct reader r = { 0 };
	bool poll_failed = true;
	int p[2], err;
	pid_t child;

	alarm(10);	/* a loop that does not stop fails the test instead of hanging it */
	if (pipe(p))
		return 1;
	r.fd = p[0];
	if (write(p[1], "abcdef", 6) != 6)
		return 1;

	sig_catch_stop();
	sig_block_stop(&stop);
	ok(blocked(SIGINT) && blocked(SIGTERM), "SIGINT and SIGTERM are blocked outside the wait");
	r.stop_at = 2;
	err = sig_poll_until_stop(p[0], &stop, on_ready, &r, &poll_failed);
	is_int(err, 0, "SIGTERM ends the loop without an error");
	is_int(r.calls, 2, "right after the call during which it came, though more is to be read");
	ok(!poll_failed, "ppoll did not fail");

	sig_unblock_stop(&stop);
	ok(stop_requested(), "the signal is taken once the mask is put back");

	sig_catch_stop();	/* a fresh flag */
	sig_block_stop(&stop);
	r.stop_at = 0;
	r.fail_at = 4;
	err = sig_poll_until_stop(p[0], &stop, on_ready, &r, &poll_failed);
	is_int(err, -EPROTO, "a handler's error ends the loop with that error");
	ok(!poll_failed, "and is not taken for a failing ppoll");
	is_int(r.calls, 4, "at the call that failed");

	/* the two bytes left are read, then the signal has to come while ppoll() sleeps */
	sig_catch_stop();
	child = fork();
	if (child == 0) {
		usleep(50 * 1000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	err = sig_poll_until_stop(p[0], &stop, on_ready, &r, &poll_failed);
	ok(err == 0 && stop_requested() && r.calls == 6, "SIGINT while waiting ends the loop at once");
	waitpid(child, NULL, 0);

	sig_unblock_stop(&stop);
	ok(!blocked(SIGINT) && !blocked(SIGTERM), "the mask is put back");
	sig_restore();
	close(p[0]);
	close(p[1]);
	return done_testing();
}
