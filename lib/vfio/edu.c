// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/edu.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"
#include "sig.h"
#include "vfio/pci.h"
#include "why.h"

#define REG_IDENT 0x00
#define EDU_IDENT_MASK 0xff	/* 0x010000ed: version in the top byte, 0xed below */
#define REG_IRQ_ACK 0x64
#define REG_DMA_SRC 0x80
#define REG_DMA_DST 0x88
#define REG_DMA_CNT 0x90
#define REG_DMA_CMD 0x98
#define CMD_RUN 0x1
#define CMD_TO_RAM 0x2
#define CMD_IRQ 0x4
#define DMA_IRQ 0x100
#define EDU_BUF 0x40000
#define PAGE 4096ULL

struct edu {
	struct vfio_dev d;
	struct vfio_region bar, config;
	int efd;
	struct edu_counts *c;
	struct edu_dma_result *r;	/* edu_dma_run() */
	unsigned timeout_ms;
	char *why;
	size_t why_len;
};

/* the why of a failure into the caller's buffer, and err */
#define fail(e, err, ...) why_fail((e)->why, (e)->why_len, err, __VA_ARGS__)

bool edu_xfer_safe(uint64_t iova, uint32_t dev_off, uint32_t len)
{
	return len >= 1 && dev_off < EDU_BUF_SIZE && len <= EDU_MAX_XFER - dev_off && iova < EDU_DMA_LIMIT &&
	       len <= EDU_DMA_LIMIT - iova;
}

/* The device may master the bus: without it QEMU drops its DMA without a word. */
static int enable_bus_master(struct edu *e)
{
	uint16_t cmd;
	off_t at = (off_t)(e->config.offset + PCI_COMMAND);

	if (pread(e->d.fd, &cmd, sizeof(cmd), at) != sizeof(cmd))
		return -errno ?: -EIO;
	cmd |= PCI_COMMAND_MASTER;
	return pwrite(e->d.fd, &cmd, sizeof(cmd), at) == sizeof(cmd) ? 0 : (-errno ?: -EIO);
}

static int edu_open(struct edu *e, const char *dev, enum vfio_path path)
{
	const char *step;
	uint32_t ident;
	int err;

	if ((err = vfio_dev_open(&e->d, dev, path, &step)))
		return fail(e, err, "%s", step);
	if (e->d.noiommu)
		return fail(e, -EOPNOTSUPP, "the group is a no-IOMMU one: the device would need physical addresses, "
			    "which VFIO does not give; DMA needs an IOMMU");
	if ((err = vfio_dev_region(&e->d, VFIO_PCI_BAR0_REGION_INDEX, &e->bar)) ||
	    (err = vfio_dev_region(&e->d, VFIO_PCI_CONFIG_REGION_INDEX, &e->config)))
		return fail(e, err, "VFIO_DEVICE_GET_REGION_INFO");
	if ((err = vfio_dev_read32(&e->d, &e->bar, REG_IDENT, &ident)))
		return fail(e, err, "reading BAR0");
	if ((ident & EDU_IDENT_MASK) != 0xed)
		return fail(e, -ENODEV, "BAR0 reads 0x%08x at 0: not QEMU's edu device", ident);
	if ((err = enable_bus_master(e)))
		return fail(e, err, "enabling bus mastering");
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->efd < 0)
		return fail(e, -errno, "eventfd");
	if ((err = vfio_dev_irq_eventfd(&e->d, VFIO_PCI_MSI_IRQ_INDEX, e->efd)))
		return fail(e, err, "VFIO_DEVICE_SET_IRQS (MSI)");
	return 0;
}

static void edu_close(struct edu *e)
{
	if (e->efd >= 0) {
		vfio_dev_irq_eventfd(&e->d, VFIO_PCI_MSI_IRQ_INDEX, -1);
		close(e->efd);
	}
	vfio_dev_close(&e->d);
}

/* Wait for the completion interrupt, then acknowledge it in the device. */
static int wait_irq(struct edu *e)
{
	struct pollfd p = { .fd = e->efd, .events = POLLIN };
	eventfd_t v;
	uint32_t cmd;
	int n = poll(&p, 1, e->timeout_ms), err;

	if (n < 0)
		return fail(e, -errno, "waiting for the DMA interrupt");
	if (n == 0)
		return fail(e, -ETIMEDOUT, "no DMA interrupt in %u ms", e->timeout_ms);
	eventfd_read(e->efd, &v);
	e->c->interrupts++;
	if ((err = vfio_dev_write32(&e->d, &e->bar, REG_IRQ_ACK, DMA_IRQ)) ||
	    (err = vfio_dev_read32(&e->d, &e->bar, REG_DMA_CMD, &cmd)))
		return fail(e, err, "acknowledging the interrupt");
	return cmd & CMD_RUN ? fail(e, -EIO, "the interrupt came with the DMA still running") : 0;
}

/* One transfer between the device buffer at dev_off and iova, refused unless QEMU survives it. */
static int xfer(struct edu *e, bool to_ram, uint64_t iova, uint32_t dev_off, uint32_t len)
{
	uint64_t src = to_ram ? EDU_BUF + dev_off : iova, dst = to_ram ? iova : EDU_BUF + dev_off;
	int err;

	if (!edu_xfer_safe(iova, dev_off, len))
		return fail(e, -EINVAL, "a transfer of %u bytes at device offset %u, IOVA 0x%llx: edu takes 1 to %u "
			    "bytes ending inside its buffer, below 256 MiB (QEMU 7.2 aborts otherwise)", len, dev_off,
			    (unsigned long long)iova, EDU_MAX_XFER);
	if ((err = vfio_dev_write32(&e->d, &e->bar, REG_DMA_SRC, (uint32_t)src)) ||
	    (err = vfio_dev_write32(&e->d, &e->bar, REG_DMA_DST, (uint32_t)dst)) ||
	    (err = vfio_dev_write32(&e->d, &e->bar, REG_DMA_CNT, len)) ||
	    (err = vfio_dev_write32(&e->d, &e->bar, REG_DMA_CMD, CMD_RUN | CMD_IRQ | (to_ram ? CMD_TO_RAM : 0))))
		return fail(e, err, "writing the DMA registers");
	if ((err = wait_irq(e)))
		return err;
	e->c->dmas++;
	e->c->bytes += len;
	return 0;
}

/* ---- where the buffer goes ---- */

static int pick_iova(struct edu *e, const struct edu_dma_opts *o, uint64_t span)
{
	struct edu_dma_result *r = e->r;
	int i;

	r->nranges = vfio_dev_iova_ranges(&e->d, r->ranges, VFIO_MAX_RANGES);
	if (r->nranges < 0)
		return fail(e, r->nranges, "the IOVA ranges of the IOMMU");
	if (o->iova) {
		r->iova = o->iova;
	} else {
		r->iova = 0;
		for (i = 0; i < r->nranges && !r->iova; i++) {
			uint64_t at = r->ranges[i].start < (1ULL << 20) ? 1ULL << 20 : (r->ranges[i].start + PAGE - 1) & ~(PAGE - 1);

			if (at <= r->ranges[i].last && r->ranges[i].last - at >= span - 1)
				r->iova = at;
		}
	}
	if (r->iova % PAGE)
		return fail(e, -EINVAL, "IOVA 0x%llx is not page aligned", (unsigned long long)r->iova);
	if (!r->iova || r->iova >= EDU_DMA_LIMIT || span > EDU_DMA_LIMIT - r->iova)
		return fail(e, -ERANGE, "%llu bytes at IOVA 0x%llx do not fit below edu's 28-bit DMA limit (256 MiB)",
			    (unsigned long long)span, (unsigned long long)r->iova);
	return 0;
}

/* ---- the fault test: the kernel log says what the IOMMU blocked ---- */

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* A DMA remapping fault logged since fd was opened, into line; waits up to ms for it. */
static bool kmsg_fault(int fd, char *line, size_t len, unsigned ms)
{
	char rec[1024];
	unsigned waited;

	for (waited = 0; waited <= ms; waited += 20) {
		ssize_t n;

		while ((n = read(fd, rec, sizeof(rec) - 1)) > 0) {
			char *text = strchr(rec, ';');

			rec[n] = 0;
			/* "DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0x... [fault reason ...]" */
			if (text && strstr(text, "DMAR") && strstr(text, "fault addr")) {
				text[strcspn(text, "\n")] = 0;
				snprintf(line, len, "%s", text + 1);
				return true;
			}
		}
		usleep(20 * 1000);
	}
	return false;
}

static int fault_test(struct edu *e, uint64_t hole)
{
	int fd = kmsg_open(), err;

	e->r->fault_tried = true;
	/* the device writes; the IOMMU finds no translation and drops it */
	err = xfer(e, true, hole, 0, 64);
	if (fd >= 0) {
		e->r->fault_blocked = kmsg_fault(fd, e->r->fault_log, sizeof(e->r->fault_log), 1000);
		close(fd);
	}
	return err;
}

/* ---- the run ---- */

static int round_trip(struct edu *e, const struct edu_dma_opts *o, const uint8_t *in, uint64_t size_r)
{
	uint64_t off;
	int err;

	for (off = 0; off < o->size; off += EDU_MAX_XFER) {
		uint32_t len = o->size - off < EDU_MAX_XFER ? o->size - off : EDU_MAX_XFER;

		if (stop_requested())
			return fail(e, -EINTR, "after %llu bytes", (unsigned long long)off);
		if ((err = xfer(e, false, e->r->iova + off, 0, len)) ||
		    (err = xfer(e, true, e->r->iova + size_r + off, 0, len)))
			return err;
	}
	if (o->verify) {
		size_t bad = pattern_check(in, o->size, o->seed, 0);

		e->r->verified = true;
		e->r->mismatch = bad < o->size;
		e->r->first_bad = bad;
	}
	return 0;
}

int edu_dma_run(const struct edu_dma_opts *o, struct edu_dma_result *r, char *why, size_t why_len)
{
	struct edu e = { .efd = -1, .r = r, .c = &r->n, .timeout_ms = o->timeout_ms, .why = why, .why_len = why_len };
	uint64_t size_r = (o->size + PAGE - 1) & ~(PAGE - 1), t0;
	uint8_t *buf = MAP_FAILED;
	int err;

	memset(r, 0, sizeof(*r));
	why[0] = 0;
	if (!o->size)
		return fail(&e, -EINVAL, "a size of 0: edu cannot move nothing");
	r->mapped = 2 * size_r > o->map_size ? 2 * size_r : (o->map_size + PAGE - 1) & ~(PAGE - 1);
	err = edu_open(&e, o->dev, o->path);
	r->noiommu = e.d.noiommu;
	if (err || (err = pick_iova(&e, o, r->mapped + (o->fault ? 2 * PAGE : 0))))
		goto out;
	buf = mmap(NULL, r->mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		err = fail(&e, -errno, "%llu bytes of memory", (unsigned long long)r->mapped);
		goto out;
	}
	pattern_fill(buf, o->size, o->seed, 0);
	memset(buf + size_r, 0, size_r);
	t0 = now_ns();
	err = vfio_dev_map(&e.d, r->iova, buf, r->mapped);
	r->map_ns = now_ns() - t0;
	if (err) {
		err = fail(&e, err, "mapping %llu bytes at IOVA 0x%llx (%s)", (unsigned long long)r->mapped,
			   (unsigned long long)r->iova, o->path == VFIO_TYPE1 ? "VFIO_IOMMU_MAP_DMA" : "IOMMU_IOAS_MAP");
		goto out;
	}
	t0 = now_ns();
	err = round_trip(&e, o, buf + size_r, size_r);
	r->elapsed_ns = now_ns() - t0;
	if (!err && o->fault)
		err = fault_test(&e, r->iova + r->mapped + PAGE);
	t0 = now_ns();
	if (vfio_dev_unmap(&e.d, r->iova, r->mapped) && !err)
		err = fail(&e, -EIO, "unmapping IOVA 0x%llx", (unsigned long long)r->iova);
	r->unmap_ns = now_ns() - t0;
out:
	edu_close(&e);
	if (buf != MAP_FAILED)
		munmap(buf, r->mapped);
	return err;
}

/* ---- process binding ---- */

/* The device half of the process's buffer, read back: whether it holds the pattern. */
static bool landed(const struct edu_bind_opts *o, uint8_t *scratch)
{
	struct iovec local = { scratch, o->size }, remote = { (void *)(uintptr_t)(o->va + o->size), o->size };

	if (!o->pid)
		memcpy(scratch, (void *)(uintptr_t)(o->va + o->size), o->size);
	else if (process_vm_readv(o->pid, &local, 1, &remote, 1, 0) != (ssize_t)o->size)
		return false;	/* unmapped, or the process is gone */
	return pattern_check(scratch, o->size, o->seed, 0) == o->size;
}

/* va into the window and out to va + size, chunk by chunk; a blocked transfer still completes. */
static int bind_round(struct edu *e, const struct edu_bind_opts *o, struct edu_round *rd, uint8_t *scratch)
{
	int fd = kmsg_open(), err = 0;
	uint64_t off;

	e->c = &rd->n;
	for (off = 0; off < o->size && !err; off += EDU_MAX_XFER) {
		uint32_t len = o->size - off < EDU_MAX_XFER ? o->size - off : EDU_MAX_XFER;

		if (!(err = xfer(e, false, o->va + off, 0, len)))
			err = xfer(e, true, o->va + o->size + off, 0, len);
	}
	if (fd >= 0) {
		rd->blocked = kmsg_fault(fd, rd->fault_log, sizeof(rd->fault_log), 500);
		close(fd);
	}
	rd->landed = !err && landed(o, scratch);
	rd->done = !err;
	return err;
}

/* Our own buffer for a bind of ourselves, where the device can reach it. */
static void *own_buffer(const struct edu_bind_opts *o)
{
	uint8_t *p = mmap((void *)(uintptr_t)o->va, 2 * o->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p != o->va) {	/* a kernel that ignores NOREPLACE put it elsewhere */
		munmap(p, 2 * o->size);
		return NULL;
	}
	pattern_fill(p, o->size, o->seed, 0);
	memset(p + o->size, 0, o->size);
	return p;
}

/*
 * MAP_DMA and the bond must not overlap: before the bind, a MAP_DMA at the buffer's address
 * makes the bind fail; once bound, a MAP_DMA of a user address fails.
 */
static int map_dma_checks(struct edu *e, const struct edu_bind_opts *o, struct edu_bind_result *r, bool before)
{
	void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t pasid;
	int err;

	if (page == MAP_FAILED)
		return fail(e, -errno, "a page for the MAP_DMA checks");
	if (before) {
		err = vfio_dev_map(&e->d, o->va, page, PAGE);
		if (!err) {
			r->bind_over_map_dma = vfio_dev_bind_process(&e->d, o->pid, &pasid);
			if (!r->bind_over_map_dma)	/* it should not have: take it back */
				vfio_dev_unbind_process(&e->d, o->pid);
			err = vfio_dev_unmap(&e->d, o->va, PAGE);
		}
	} else {
		r->map_dma_while_bound = vfio_dev_map(&e->d, EDU_DMA_LIMIT - PAGE, page, PAGE);
		err = r->map_dma_while_bound ? 0 : vfio_dev_unmap(&e->d, EDU_DMA_LIMIT - PAGE, PAGE);
	}
	munmap(page, PAGE);
	return err ? fail(e, err, "MAP_DMA around the bind") : 0;
}

static int bind_steps(struct edu *e, const struct edu_bind_opts *o, struct edu_bind_result *r, uint8_t *scratch)
{
	int err;

	/* a fresh container has no bond: unbinding must say so */
	r->unbind_unbound = vfio_dev_unbind_process(&e->d, o->pid);
	if (r->unbind_unbound == -ENOTTY)
		return fail(e, -ENOTTY, "VFIO_IOMMU_BIND: this kernel lacks the SVA bind patch (process binding never "
			    "reached mainline; iommufd's PASID attach replaces it)");
	if (r->dma && (err = map_dma_checks(e, o, r, true)))
		return err;
	if ((err = vfio_dev_bind_process(&e->d, o->pid, &r->pasid)))
		return fail(e, err, "VFIO_IOMMU_BIND of %s", o->pid ? "the process" : "ourselves");
	if (r->dma && (err = map_dma_checks(e, o, r, false)))
		return err;
	if ((err = vfio_dev_bind_process(&e->d, o->pid, &r->pasid_again)))
		return fail(e, err, "a second VFIO_IOMMU_BIND of the same process");
	if (r->dma && (err = bind_round(e, o, &r->round[0], scratch)))
		return err;
	if (r->dma && o->hold_ms) {
		/*
		 * the process may unmap its buffer or exit meanwhile; a stop signal ends the wait.
		 * poll(NULL, 0, ms) is also what a test watching /proc/PID/syscall can tell apart
		 * from every other wait here.
		 */
		poll(NULL, 0, (int)o->hold_ms);
		if ((err = bind_round(e, o, &r->round[1], scratch)))
			return err;
	}
	/* the caller keeps the bond; on an error it still goes below, then the container with it */
	if (o->held && (err = o->held(o->held_arg, r)))
		fail(e, err, "keeping the bond");
	r->unbind = vfio_dev_unbind_process(&e->d, o->pid);
	r->unbind_again = vfio_dev_unbind_process(&e->d, o->pid);
	return err;
}

/* The group alone in a container of ours: the bind, no device, no DMA. */
static int bind_group(struct edu *e, const struct edu_bind_opts *o, struct edu_bind_result *r)
{
	const char *step;
	int err = vfio_group_open(&e->d, o->group, &step);

	if (err)
		return fail(e, err, "group %u: %s", o->group, step);
	err = e->d.noiommu ? fail(e, -EOPNOTSUPP, "group %u is a no-IOMMU one: there is no IOMMU domain to mirror "
				  "a process into", o->group)
			   : bind_steps(e, o, r, NULL);
	vfio_dev_close(&e->d);
	return err;
}

int edu_bind_run(const struct edu_bind_opts *o, struct edu_bind_result *r, char *why, size_t why_len)
{
	struct edu_counts none;
	struct edu e = { .efd = -1, .c = &none, .timeout_ms = o->timeout_ms, .why = why, .why_len = why_len };
	uint8_t *own = NULL, *scratch = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	why[0] = 0;
	if (!o->dev)
		return bind_group(&e, o, r);
	r->dma = true;
	if (!o->size || o->va % PAGE || o->va < PAGE || o->va >= EDU_DMA_LIMIT || 2 * o->size > EDU_DMA_LIMIT - o->va)
		return fail(&e, -ERANGE, "the buffer (2 x %llu bytes at 0x%llx) must be page aligned, below edu's 256 MiB",
			    (unsigned long long)o->size, (unsigned long long)o->va);
	scratch = malloc(o->size);
	if (!scratch)
		return fail(&e, -ENOMEM, "%llu bytes", (unsigned long long)o->size);
	if (!o->pid && !(own = own_buffer(o))) {
		err = fail(&e, -errno ?: -EEXIST, "mapping our buffer at 0x%llx", (unsigned long long)o->va);
		goto out;
	}
	if (!(err = edu_open(&e, o->dev, VFIO_TYPE1)))
		err = bind_steps(&e, o, r, scratch);
	edu_close(&e);
out:
	if (own)
		munmap(own, 2 * o->size);
	free(scratch);
	return err;
}
