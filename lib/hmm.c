// SPDX-License-Identifier: GPL-2.0-or-later
#include "hmm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"
#include "kconfig.h"
#include "zc/test_hmm.h"

#define THP_SIZE (2UL << 20)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* One mirror command on [addr, addr + npages pages); cpages out. Retried on EINTR like the selftests. */
static int mirror_cmd(int fd, unsigned long request, void *addr, void *mirror, uint64_t npages, uint64_t *cpages)
{
	struct hmm_dmirror_cmd cmd = { .addr = (uintptr_t)addr, .ptr = (uintptr_t)mirror, .npages = npages };

	while (ioctl(fd, request, &cmd) < 0)
		if (errno != EINTR)
			return -errno;
	if (cpages)
		*cpages = cmd.cpages;
	return 0;
}

const char *hmm_kind_name(enum hmm_kind kind)
{
	return kind == HMM_DEVICE_COHERENT ? "device-coherent" : "device-private";
}

/* The kernel's name of a character device, from /sys/dev/char/MAJ:MIN. */
static int char_device_name(dev_t rdev, char *name, size_t len)
{
	char link[64];

	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major(rdev), minor(rdev));
	return link_basename(link, name, len);
}

/*
 * The numbers are right if CHECK_EXCLUSIVE of one page we own and never gave the device answers
 * 0; a number the driver does not know answers EINVAL, and nothing else is sent before.
 */
static int check_abi(int fd)
{
	void *page = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	if (page == MAP_FAILED)
		return -errno;
	err = mirror_cmd(fd, HMM_DMIRROR_CHECK_EXCLUSIVE, page, NULL, 1, NULL);
	munmap(page, page_size());
	return err == -EINVAL || err == -ENOTTY ? -EPROTO : err;
}

int hmm_open(const char *path)
{
	char name[256];
	struct stat st;
	int fd = open(path, O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || char_device_name(st.st_rdev, name, sizeof(name)) ||
	    strncmp(name, HMM_DMIRROR_NAME, strlen(HMM_DMIRROR_NAME)))
		err = -ENOTTY;
	else
		err = check_abi(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int hmm_list(struct hmm_device_info *out, unsigned max)
{
	char **names;
	int n = list_dir("/dev", &names), i, count = 0;

	if (n < 0)
		return n;
	for (i = 0; i < n && (unsigned)count < max; i++) {
		struct hmm_device_info *d = &out[count];
		struct stat st;
		int fd;

		if (strncmp(names[i], HMM_DMIRROR_NAME, strlen(HMM_DMIRROR_NAME)))
			continue;
		snprintf(d->path, sizeof(d->path), "/dev/%s", names[i]);
		if (stat(d->path, &st) < 0)
			continue;
		d->minor = minor(st.st_rdev);
		d->kind = d->minor < 2 ? HMM_DEVICE_PRIVATE : HMM_DEVICE_COHERENT;
		fd = hmm_open(d->path);
		d->abi = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		count++;
	}
	free_names(names, n);
	return count;
}

/* ---- memory ---- */

/* Anonymous private memory; with thp, 2 MiB aligned and asking for huge pages, else forbidding them. */
static void *map_range(size_t size, bool thp, void **base, size_t *base_len)
{
	size_t len = thp ? size + THP_SIZE : size;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = thp ? (uint8_t *)(((uintptr_t)p + THP_SIZE - 1) & ~(THP_SIZE - 1)) : p;
	madvise(aligned, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	*base = p;
	*base_len = len;
	return aligned;
}

/* The selftests' pattern: the i-th 32-bit word holds i. */
static void fill(uint32_t *words, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(*words); i++)
		words[i] = i;
}

/* AnonHugePages of the mapping that holds addr, in bytes (/proc/self/smaps). */
static uint64_t thp_bytes_at(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	unsigned long start, end, kb;
	bool inside = false;
	uint64_t bytes = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = (uintptr_t)addr >= start && (uintptr_t)addr < end;
		else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			bytes = (uint64_t)kb << 10;
	}
	fclose(f);
	return bytes;
}

/* ---- exclusive ---- */

struct round {
	const struct hmm_exclusive_opts *o;
	struct hmm_exclusive_result *r;
	int fd;
	uint8_t *mem;
	uint32_t *mirror;
	size_t ps, npages;
	struct samples exclusive, faults, normal;
	bool *held;
};

static bool page_exclusive(const struct round *x, size_t p)
{
	return mirror_cmd(x->fd, HMM_DMIRROR_CHECK_EXCLUSIVE, x->mem + p * x->ps, NULL, 1, NULL) == -EPERM;
}

/* What the device read must be what memory held: the pattern. */
static void check_mirror(struct round *x)
{
	size_t p, i, per = x->ps / sizeof(uint32_t);

	for (p = 0; p < x->npages; p++)
		for (i = 0; i < per; i++)
			if (x->mirror[p * per + i] != p * per + i) {
				x->r->mirror_mismatch++;
				break;
			}
}

/* The CPU touches the first word of each page (timed: the fault that takes it back), then checks it. */
static void cpu_access(struct round *x)
{
	size_t p, i, per = x->ps / sizeof(uint32_t);

	for (p = 0; p < x->npages; p++) {
		volatile uint32_t *w = (uint32_t *)(x->mem + p * x->ps);
		uint64_t t = now_ns();
		bool bad = false;

		if (x->o->access == HMM_ACCESS_WRITE)
			w[0]++;
		else
			(void)w[0];
		samples_add(&x->faults, now_ns() - t);
		for (i = 0; i < per && !bad; i++)
			bad = w[i] != p * per + i + (i == 0 && x->o->access == HMM_ACCESS_WRITE);
		x->r->data_errors += bad;
	}
	/* the baseline: the same access to the same pages, now ordinary mapped memory */
	for (p = 0; p < x->npages; p++) {
		volatile uint32_t *w = (uint32_t *)(x->mem + p * x->ps);
		uint64_t t = now_ns();

		if (x->o->access == HMM_ACCESS_WRITE)
			w[0]--;
		else
			(void)w[0];
		samples_add(&x->normal, now_ns() - t);
	}
}

/* Every word incremented, then checked: what both sides of a fork must see of their own copy. */
static bool increment_all(uint32_t *words, size_t size)
{
	size_t i;

	for (i = 0; i < size / sizeof(*words); i++)
		if (words[i]++ != i)
			return false;
	for (i = 0; i < size / sizeof(*words); i++)
		if (words[i] != i + 1)
			return false;
	return true;
}

static int fork_and_write(struct round *x)
{
	size_t size = x->npages * x->ps;
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(increment_all((uint32_t *)x->mem, size) ? 0 : 1);
	x->r->data_errors += !increment_all((uint32_t *)x->mem, size);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	x->r->child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

static int one_round(struct round *x, char *why, size_t why_len)
{
	const struct hmm_exclusive_opts *o = x->o;
	uint64_t cpages = 0, t;
	void *base;
	size_t base_len, p;
	int err;

	x->mem = map_range(o->size, o->thp, &base, &base_len);
	if (!x->mem) {
		snprintf(why, why_len, "mapping %zu bytes", o->size);
		return -ENOMEM;
	}
	fill((uint32_t *)x->mem, o->size);
	x->r->thp_bytes = thp_bytes_at(x->mem);
	t = now_ns();
	err = mirror_cmd(x->fd, HMM_DMIRROR_EXCLUSIVE, x->mem, x->mirror, x->npages, &cpages);
	samples_add(&x->exclusive, (now_ns() - t) / x->npages);
	x->r->exclusive_pages = cpages;
	if (err == -EBUSY) {
		x->r->busy++;
		err = 0;
	} else if (err) {
		snprintf(why, why_len, "HMM_DMIRROR_EXCLUSIVE");
	} else {
		check_mirror(x);
	}
	for (p = 0; !err && p < x->npages; p++)
		x->r->held += x->held[p] = page_exclusive(x, p);
	if (!err && o->mprotect) {
		mprotect(x->mem, o->size, PROT_READ);
		x->r->device_write = mirror_cmd(x->fd, HMM_DMIRROR_WRITE, x->mem, x->mirror, x->npages, NULL);
	}
	if (!err && o->fork)
		err = fork_and_write(x);
	else if (!err && o->access != HMM_ACCESS_NONE)
		cpu_access(x);
	for (p = 0; !err && (o->fork || o->access != HMM_ACCESS_NONE) && p < x->npages; p++)
		x->r->revoked += x->held[p] && !page_exclusive(x, p);
	munmap(base, base_len);
	return err;
}

int hmm_exclusive(const struct hmm_exclusive_opts *o, struct hmm_exclusive_result *r, char *why, size_t why_len)
{
	struct round x = { .o = o, .r = r, .ps = page_size() };
	unsigned i;
	int err = 0;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if (!o->size || o->size % x.ps || !o->repeat)
		return -EINVAL;
	x.npages = o->size / x.ps;
	r->pages = x.npages;
	x.fd = hmm_open(o->device);
	if (x.fd < 0) {
		snprintf(why, why_len, "opening %s", o->device);
		return x.fd;
	}
	x.mirror = malloc(o->size);
	x.held = calloc(x.npages, sizeof(*x.held));
	if (!x.mirror || !x.held)
		err = -ENOMEM;
	for (i = 0; !err && i < o->repeat; i++, r->rounds++)
		err = one_round(&x, why, why_len);
	samples_figures(&x.exclusive, &r->exclusive_ns);
	samples_figures(&x.faults, &r->fault_ns);
	samples_figures(&x.normal, &r->normal_ns);
	samples_free(&x.exclusive);
	samples_free(&x.faults);
	samples_free(&x.normal);
	free(x.mirror);
	free(x.held);
	close(x.fd);
	return err;
}

/* ---- race ---- */

struct writer {
	pthread_t thread;
	uint8_t *mem;
	size_t ps, npages;
	unsigned slot;			/* its counter in every page */
	volatile bool *stop;
	uint64_t increments;
};

static void *write_counters(void *arg)
{
	struct writer *w = arg;
	size_t p;

	while (!*w->stop)
		for (p = 0; p < w->npages; p++) {
			((volatile uint64_t *)(w->mem + p * w->ps))[w->slot]++;
			w->increments++;
		}
	return NULL;
}

/* Every counter must hold exactly what its writer added; the pages short of it are counted. */
static uint64_t count_lost(const struct writer *w, unsigned n)
{
	uint64_t lost = 0;
	unsigned t;
	size_t p;

	for (t = 0; t < n; t++) {
		uint64_t sum = 0;

		for (p = 0; p < w[t].npages; p++)
			sum += ((uint64_t *)(w[t].mem + p * w[t].ps))[w[t].slot];
		lost += w[t].increments - sum;
	}
	return lost;
}

static int device_passes(const struct hmm_race_opts *o, int fd, uint8_t *mem, void *mirror, size_t npages,
			 struct hmm_race_result *r)
{
	uint64_t deadline = now_ns() + (uint64_t)o->duration_ms * 1000000;

	while (o->rounds ? r->rounds < o->rounds : now_ns() < deadline) {
		int err = mirror_cmd(fd, HMM_DMIRROR_EXCLUSIVE, mem, mirror, npages, NULL);

		r->rounds++;
		if (err == -EBUSY || err == -ENOENT) {
			/* EBUSY: a page could not be taken; ENOENT: one was, but a write took it back first */
			r->busy += err == -EBUSY;
			r->raced += err == -ENOENT;
			continue;
		}
		if (err)
			return err;
		err = mirror_cmd(fd, HMM_DMIRROR_CHECK_EXCLUSIVE, mem, NULL, npages, NULL);
		if (err == -EPERM)
			r->held++;
		else if (!err)
			r->revoked++;
		else
			return err;
	}
	return 0;
}

int hmm_race(const struct hmm_race_opts *o, struct hmm_race_result *r, char *why, size_t why_len)
{
	size_t ps = page_size(), npages = o->size / ps, base_len;
	struct writer *w = calloc(o->threads, sizeof(*w));
	volatile bool stop = false;
	void *base, *mirror = malloc(o->size);
	uint8_t *mem = NULL;
	unsigned t, started = 0;
	uint64_t start;
	int fd = -1, err = 0;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if (!w || !mirror)
		err = -ENOMEM;
	else if (!npages || o->size % ps || !o->threads || o->threads > ps / sizeof(uint64_t))
		err = -EINVAL;
	else if ((fd = hmm_open(o->device)) < 0)
		err = fd;
	else if (!(mem = map_range(o->size, false, &base, &base_len)))
		err = -ENOMEM;
	if (err) {
		snprintf(why, why_len, "%s", fd < 0 && npages ? o->device : "setting up");
		goto out;
	}
	start = now_ns();
	for (t = 0; t < o->threads && !err; t++, started++) {
		w[t] = (struct writer){ .mem = mem, .ps = ps, .npages = npages, .slot = t, .stop = &stop };
		err = -pthread_create(&w[t].thread, NULL, write_counters, &w[t]);
	}
	if (!err && (err = device_passes(o, fd, mem, mirror, npages, r)))
		snprintf(why, why_len, "a device pass (HMM_DMIRROR_EXCLUSIVE/CHECK_EXCLUSIVE)");
	stop = true;
	for (t = 0; t < started; t++)
		pthread_join(w[t].thread, NULL);
	r->elapsed_ns = now_ns() - start;
	for (t = 0; t < started; t++)
		r->increments += w[t].increments;
	r->lost = count_lost(w, started);
	munmap(base, base_len);
out:
	if (fd >= 0)
		close(fd);
	free(mirror);
	free(w);
	return err;
}

/* ---- snapshot ---- */

char hmm_prot_letter(uint8_t p)
{
	char c;

	if (p == HMM_DMIRROR_PROT_ERROR)
		return 'E';
	if ((p & 0xf0) == HMM_DMIRROR_PROT_ZERO)
		c = 'z';
	else if (p & 0xf0)
		c = 'd';
	else if (p & HMM_DMIRROR_PROT_WRITE)
		c = 'w';
	else if (p & HMM_DMIRROR_PROT_READ)
		c = 'r';
	else
		c = '-';
	return p & (HMM_DMIRROR_PROT_PMD | HMM_DMIRROR_PROT_PUD) ? (char)(c - 'a' + 'A') : c;
}

static void touch(uint8_t *mem, size_t size, size_t ps, bool write)
{
	size_t off;

	for (off = 0; off < size; off += ps)
		if (write)
			mem[off] = 1;
		else
			(void)*(volatile uint8_t *)(mem + off);
}

static void fill_for_snapshot(uint8_t *mem, size_t size, size_t ps, enum hmm_fill fill)
{
	size_t quarter = size / 4 / ps * ps;

	switch (fill) {
	case HMM_FILL_NONE:
		break;
	case HMM_FILL_READ:
	case HMM_FILL_WRITE:
		touch(mem, size, ps, fill == HMM_FILL_WRITE);
		break;
	case HMM_FILL_MIXED:
		touch(mem, quarter, ps, true);
		touch(mem + quarter, quarter, ps, false);
		touch(mem + 2 * quarter, quarter, ps, true);
		mprotect(mem + 2 * quarter, quarter, PROT_READ);
		break;
	}
}

int hmm_snapshot(const struct hmm_snapshot_opts *o, uint8_t *perm, char *why, size_t why_len)
{
	size_t ps = page_size(), npages = o->size / ps, base_len;
	uint8_t *mem;
	void *base, *mirror = NULL;
	int fd, err;

	why[0] = '\0';
	if (!npages || o->size % ps)
		return -EINVAL;
	fd = hmm_open(o->device);
	if (fd < 0) {
		snprintf(why, why_len, "opening %s", o->device);
		return fd;
	}
	mem = map_range(o->size, o->thp, &base, &base_len);
	if (!mem) {
		close(fd);
		return -ENOMEM;
	}
	fill_for_snapshot(mem, o->size, ps, o->fill);
	err = 0;
	if (o->exclusive && !(mirror = malloc(o->size)))
		err = -ENOMEM;
	if (!err && o->exclusive &&
	    (err = mirror_cmd(fd, HMM_DMIRROR_EXCLUSIVE, mem, mirror, npages, NULL)))
		snprintf(why, why_len, "HMM_DMIRROR_EXCLUSIVE");
	if (!err && (err = mirror_cmd(fd, HMM_DMIRROR_SNAPSHOT, mem, perm, npages, NULL)))
		snprintf(why, why_len, "HMM_DMIRROR_SNAPSHOT");
	free(mirror);
	munmap(base, base_len);
	close(fd);
	return err;
}

void hmm_probe(struct feat *f)
{
	struct hmm_device_info d[HMM_MAX_DEVICES];
	int fd = feat_open_dev(f, HMM_DMIRROR_DEV "0", O_RDWR, "TEST_HMM", "test_hmm", 5, 14);
	int n;

	if (fd >= 0)
		close(fd);
	n = hmm_list(d, HMM_MAX_DEVICES);
	feat_attr_num(f, "devices", FA_NUM, n > 0 ? n : 0);
	if (n > 0)
		feat_attr_num(f, "abi_6_12", FA_BOOL, d[0].abi == 0);
}
