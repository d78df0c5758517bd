// SPDX-License-Identifier: GPL-2.0-or-later
#include "notify.h"

#include <errno.h>
#include <stdlib.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#ifdef HAVE_LIBSYSTEMD
int svc_notify(const char *state)
{
	/* keep NOTIFY_SOCKET in the environment: a server notifies more than once (ready, status, stopping) */
	return sd_notify(0, state);
}

bool svc_notify_built(void)
{
	return true;
}
#else
int svc_notify(const char *state)
{
	(void)state;
	return getenv("NOTIFY_SOCKET") ? -ENOTSUP : 0;
}

bool svc_notify_built(void)
{
	return false;
}
#endif
