/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reproducible byte stream: the byte at stream offset o depends only on (seed, o), so a
 * writer and a reader in different processes (gadget and host side) agree on every chunk
 * whatever the chunking, and a misplaced, lost or repeated chunk is caught.
 */
#ifndef ZC_PATTERN_H
#define ZC_PATTERN_H

#include <stddef.h>
#include <stdint.h>

void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t offset);
/* The offset within buf of the first byte that differs, or len when all match. */
size_t pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t offset);

#endif
