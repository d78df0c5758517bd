// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vabuf ADDR SIZE SEED: a process whose memory a device reaches by virtual address (zcioctl
 * vfio bind-process). Maps 2 * SIZE bytes at ADDR (MAP_FIXED_NOREPLACE: below edu's 256 MiB
 * DMA limit), fills the first half with the pattern of SEED and zeroes the second, prints
 * "ready", then waits: SIGUSR1 unmaps the buffer (prints "unmapped"), SIGTERM ends it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pattern.h"

static volatile sig_atomic_t unmap_now, quit;

static void on_usr1(int sig) { (void)sig; unmap_now = 1; }
static void on_term(int sig) { (void)sig; quit = 1; }

int main(int argc, char **argv)
{
	unsigned long addr, size;
	unsigned long long seed;
	struct sigaction sa = { 0 };
	sigset_t block, old;
	uint8_t *p;

	if (argc != 4) {
		fprintf(stderr, "usage: vabuf ADDR SIZE SEED\n");
		return 2;
	}
	addr = strtoul(argv[1], NULL, 0);
	size = strtoul(argv[2], NULL, 0);
	seed = strtoull(argv[3], NULL, 0);
	p = mmap((void *)addr, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (p == MAP_FAILED || (unsigned long)p != addr) {
		perror("vabuf: mmap");
		return 1;
	}
	pattern_fill(p, size, seed, 0);
	memset(p + size, 0, size);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	while (!quit) {
		sigsuspend(&old);
		if (unmap_now && p) {
			munmap(p, 2 * size);
			p = NULL;
			printf("unmapped\n");
			fflush(stdout);
		}
	}
	return 0;
}
