/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who owns a kernel object we set up: /run/zcioctl/KIND/NAME holds the pid and start time of
 * the process that serves it, so another zcioctl can find it (`ffs down`), and a stale file from
 * a killed owner, or one whose pid was reused, is recognised as such.
 */
#ifndef ZC_STATE_H
#define ZC_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#define STATE_DIR "/run/zcioctl"

/* STATE_DIR/KIND, made if missing: owner files and other records of that kind live there. */
int state_mkdir(const char *kind);
int state_claim(const char *kind, const char *name);	/* claim it for us; -EEXIST if a live owner has it */
pid_t state_owner(const char *kind, const char *name);	/* live owner's pid, 0 if none */
void state_release(const char *kind, const char *name);
/* Ask the owner to stop (SIGTERM) and wait up to timeout_ms for it to exit; -ETIMEDOUT otherwise. */
int state_stop_owner(const char *kind, const char *name, int timeout_ms);

#endif
