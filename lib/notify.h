/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Telling the service manager that started us how a long-running command is doing: systemd's
 * notification protocol (READY=1, STATUS=..., STOPPING=1, ERRNO=...; sd_notify(3)), sent with
 * libsystemd's sd_notify when zcioctl is built with it (./configure --with-systemd).
 */
#ifndef ZC_NOTIFY_H
#define ZC_NOTIFY_H

#include <stdbool.h>

/*
 * Send state, newline-separated VARIABLE=value assignments, to $NOTIFY_SOCKET. Returns 1 when
 * sent, 0 when no service manager listens (no NOTIFY_SOCKET), -ENOTSUP when one listens but
 * zcioctl was built without libsystemd (it would wait for READY=1 in vain), -errno when sending
 * failed.
 */
int svc_notify(const char *state);

/* Whether this build can notify (built with libsystemd). */
bool svc_notify_built(void);

#endif
