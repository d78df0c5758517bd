// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl vfio: IOMMU groups, binding to vfio-pci with a diagnosis, DMA through the IOMMU. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/errname.h"
#include "cli/json.h"
#include "fsutil.h"
#include "sig.h"
#include "state.h"
#include "vfio.h"
#include "vfio/dev.h"
#include "vfio/edu.h"
#include "vfio/pci.h"
#include "zcioctl.h"

static const char *const paths[] = { "type1", "iommufd", NULL };

/* No VFIO in the kernel: exit 3 with what it needs. */
static int need_vfio(void)
{
	if (!path_exists("/sys/bus/pci/drivers/" VFIO_PCI_DRIVER))
		return zc_unsupported(ENOENT, "the kernel needs VFIO and VFIO_PCI", "no vfio-pci driver");
	return 0;
}

/* DEV as given: the first word. Checked (resolve_dev) once the usage is known to be right. */
static int take_dev(struct args *a, const char **in)
{
	return args_take(a, "DEV", 15, in);
}

/* DEV: a PCI address that exists, into its sysfs name. */
static int resolve_dev(const char *in, char *dev, size_t len)
{
	if (vfio_pci_name(in, dev, len))
		return zc_err(ENOENT, "'lspci -D' lists the PCI devices", "PCI device %s", in);
	return 0;
}

/* A member's fields, in the object open around them. */
static void print_member_fields(const struct vfio_member *m, const char *indent)
{
	char ids[16];

	print_string(PRINT_TEXT, NULL, "%s", indent);
	print_string(PRINT_ANY, "dev", "%s", m->dev);
	snprintf(ids, sizeof(ids), "%04x:%04x", m->vendor, m->device);
	print_string(PRINT_ANY, "ids", " [%s]", ids);
	if (m->driver[0])
		print_string(PRINT_ANY, "driver", " driver %s", m->driver);
	else
		print_null(PRINT_ANY, "driver", " no driver");
	if (m->override[0])
		print_string(PRINT_ANY, "driver_override", " (driver_override %s)", m->override);
	else
		json_null("driver_override");
	json_bool("dma_safe", m->dma_safe);
	if (m->cdev[0])
		print_string(PRINT_ANY, "cdev", " cdev /dev/vfio/devices/%s", m->cdev);
	else
		json_null("cdev");
	print_nl();
}

static void print_member(const struct vfio_member *m, const char *indent)
{
	out_open_object(NULL);
	print_member_fields(m, indent);
	out_close_object();
}

static void print_group(const struct vfio_group *g)
{
	unsigned i;

	out_open_object(NULL);
	print_uint(PRINT_ANY, "group", "group %llu", g->id);
	print_string(PRINT_ANY, "type", " (%s)", g->type[0] ? g->type : "?");
	print_bool(PRINT_ANY, "noiommu", " no-IOMMU %s", g->noiommu);
	if (g->node[0])
		print_string(PRINT_ANY, "node", " %s", g->node);
	else
		print_null(PRINT_ANY, "node", " no VFIO node");
	print_bool(PRINT_ANY, "viable", ", viable %s", g->viable);
	if (g->blocker >= 0)
		print_string(PRINT_ANY, "blocked_by", " (%s is bound to a host driver)", g->m[g->blocker].dev);
	else
		json_null("blocked_by");
	print_nl();
	out_open_array("members");
	for (i = 0; i < g->n; i++)
		print_member(&g->m[i], "  ");
	out_close_array();
	out_close_object();
}

static int do_list(struct args *a)
{
	struct vfio_group *groups;
	const char *why;
	int n, i, err = args_done(a), noiommu;

	if (err)
		return err;
	n = vfio_groups(&groups);
	if (n < 0)
		return zc_err(-n, NULL, "reading " IOMMU_GROUPS);
	why = vfio_no_groups_reason();
	noiommu = vfio_noiommu_enabled();
	out_open_object(NULL);
	out_open_array("groups");
	for (i = 0; i < n; i++)
		print_group(&groups[i]);
	out_close_array();
	print_bool(PRINT_ANY, "iommufd", "iommufd (" IOMMUFD_DEV ") %s", path_exists(IOMMUFD_DEV));
	print_bool(PRINT_ANY, "noiommu_mode", ", no-IOMMU mode %s", noiommu == 1);
	print_bool(PRINT_ANY, "tainted", ", kernel tainted by it %s\n", kernel_tainted_user());
	if (why)
		print_string(PRINT_ANY, "why_none", "no IOMMU groups: %s\n", why);
	else
		json_null("why_none");
	out_close_object();
	vfio_groups_free(groups, n);
	return 0;
}

/* ---- show ---- */

static const char *region_name(unsigned index)
{
	static const char *const names[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "config", "VGA" };

	return index < sizeof(names) / sizeof(names[0]) ? names[index] : "device-specific";
}

static const char *irq_name(unsigned index)
{
	static const char *const names[] = { "INTx", "MSI", "MSI-X", "ERR", "REQ" };

	return index < sizeof(names) / sizeof(names[0]) ? names[index] : "device-specific";
}

static void print_regions(struct vfio_dev *d)
{
	unsigned i;

	out_open_array("regions");
	for (i = 0; i < d->num_regions; i++) {
		struct vfio_region r;

		if (vfio_dev_region(d, i, &r) || !r.size)
			continue;
		out_open_object(NULL);
		print_uint(PRINT_ANY, "index", "  region %llu", i);
		print_string(PRINT_ANY, "name", " %s", region_name(i));
		print_uint(PRINT_ANY, "size", ": %llu bytes", r.size);
		print_bool(PRINT_ANY, "read", ", read %s", r.flags & VFIO_REGION_INFO_FLAG_READ);
		print_bool(PRINT_ANY, "write", ", write %s", r.flags & VFIO_REGION_INFO_FLAG_WRITE);
		print_bool(PRINT_ANY, "mmap", ", mmap %s", r.flags & VFIO_REGION_INFO_FLAG_MMAP);
		print_hex(PRINT_ANY, "caps", ", caps 0x%llx", r.caps);
		if (r.caps & (1U << VFIO_REGION_INFO_CAP_SPARSE_MMAP))
			print_uint(PRINT_ANY, "sparse_areas", " (%llu sparse mmap areas)", r.sparse_areas);
		print_nl();
		out_close_object();
	}
	out_close_array();
}

static void print_irqs(struct vfio_dev *d)
{
	unsigned i;

	out_open_array("irqs");
	for (i = 0; i < d->num_irqs; i++) {
		struct vfio_irq q;

		if (vfio_dev_irq(d, i, &q) || !q.count)
			continue;
		out_open_object(NULL);
		print_string(PRINT_ANY, "name", "  interrupt %s", irq_name(i));
		print_uint(PRINT_ANY, "count", ": %llu", q.count);
		print_bool(PRINT_ANY, "eventfd", ", eventfd %s", q.flags & VFIO_IRQ_INFO_EVENTFD);
		print_bool(PRINT_ANY, "maskable", ", maskable %s\n", q.flags & VFIO_IRQ_INFO_MASKABLE);
		out_close_object();
	}
	out_close_array();
}

static void print_ranges(struct vfio_dev *d)
{
	struct zc_iova_range r[VFIO_MAX_RANGES];
	int n = vfio_dev_iova_ranges(d, r, VFIO_MAX_RANGES), i;

	out_open_array("iova_ranges");
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		print_hex(PRINT_ANY, "start", "  IOVAs 0x%llx", r[i].start);
		print_hex(PRINT_ANY, "last", "-0x%llx\n", r[i].last);
		out_close_object();
	}
	out_close_array();
}

/* /sys/kernel/iommu_groups/N/reserved_regions: "0x00000000fee00000 0x00000000feefffff msi" lines */
static void print_reserved(unsigned group)
{
	char text[1024], *line, *save = NULL;

	out_open_array("reserved_regions");
	if (!vfio_group_reserved(group, text, sizeof(text)))
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long start, end;
			char type[32];

			if (sscanf(line, "%llx %llx %31s", &start, &end, type) != 3)
				continue;
			out_open_object(NULL);
			print_hex(PRINT_ANY, "start", "  reserved 0x%llx", start);
			print_hex(PRINT_ANY, "end", "-0x%llx", end);
			print_string(PRINT_ANY, "type", " %s\n", type);
			out_close_object();
		}
	out_close_array();
}

static int do_show(struct args *a)
{
	char dev[16], recorded[64];
	const char *in;
	struct vfio_member m;
	struct vfio_dev d;
	const char *why;
	unsigned group;
	int via = 0, err;
	bool opened;
	const struct kw kws[] = {
		{ "via", KW_CHOICE, &via, .choices = paths },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)) || (err = resolve_dev(in, dev, sizeof(dev))))
		return err;
	if ((err = vfio_member_read(dev, &m)))
		return zc_err(-err, NULL, "reading %s", dev);
	out_open_object(NULL);
	print_member_fields(&m, "");
	if (!vfio_device_group(dev, &group))
		print_uint(PRINT_ANY, "group", "  IOMMU group %llu\n", group);
	else
		json_null("group");
	vfio_pci_recorded(dev, recorded, sizeof(recorded));
	if (recorded[0])
		print_string(PRINT_ANY, "recorded_driver", "  driver before 'vfio bind': %s\n", recorded);
	else
		json_null("recorded_driver");
	err = strcmp(m.driver, VFIO_PCI_DRIVER) ? -ENODEV : vfio_dev_open(&d, dev, via, &why);
	opened = !err;
	if (opened) {
		print_string(PRINT_ANY, "via", "  opened via %s", paths[via]);
		print_uint(PRINT_ANY, "num_regions", ": %llu regions", d.num_regions);
		print_uint(PRINT_ANY, "num_irqs", ", %llu interrupt types\n", d.num_irqs);
		print_regions(&d);
		print_irqs(&d);
		print_ranges(&d);
		vfio_dev_close(&d);
	} else if (err == -ENODEV) {
		print_text("  (bind it to vfio-pci to see its regions and interrupts)\n");
	}
	if (!vfio_device_group(dev, &group))
		print_reserved(group);
	out_close_object();
	if (err && err != -ENODEV)
		return zc_err(-err, err == -EBUSY ? "another process has it open" : NULL, "opening %s via %s: %s", dev,
			      paths[via], why);
	return 0;
}

/* ---- bind and unbind ---- */

static int do_bind(struct args *a)
{
	char dev[16], old[64];
	const char *why, *in;
	int err;

	if ((err = take_dev(a, &in)) || (err = args_done(a)) || (err = resolve_dev(in, dev, sizeof(dev))) ||
	    (err = need_vfio()))
		return err;
	err = vfio_pci_bind(dev, old, sizeof(old));
	switch (err) {
	case 0:
		break;
	case -EBUSY:
		return zc_err(EBUSY, "'zcioctl vfio unbind DEV' first", "%s is bound to vfio-pci already", dev);
	case -ENODEV:
		why = vfio_no_groups_reason();
		return zc_unsupported(ENODEV, why ? why : "its IOMMU does not cover it",
				      "%s has no IOMMU group, and the no-IOMMU mode is off", dev);
	case -EIO:
		return zc_err(EIO, "the kernel log says why (dmesg)", "vfio-pci did not take %s; it is back with %s", dev,
			      old[0] ? old : "no driver");
	default:
		return zc_err(-err, err == -EACCES || err == -EPERM ? "run as root" : NULL, "binding %s", dev);
	}
	out_open_object(NULL);
	print_string(PRINT_ANY, "dev", "%s bound to vfio-pci", dev);
	if (old[0])
		print_string(PRINT_ANY, "old_driver", " (was %s)", old);
	else
		print_null(PRINT_ANY, "old_driver", " (had no driver)");
	print_nl();
	out_close_object();
	return 0;
}

static int do_unbind(struct args *a)
{
	char dev[16], now[64];
	const char *in;
	bool restore = false;
	int err, holder;
	const struct kw kws[] = {
		{ "restore", KW_FLAG, &restore },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)) || (err = resolve_dev(in, dev, sizeof(dev))))
		return err;
	err = vfio_pci_unbind(dev, restore, now, sizeof(now), &holder);
	switch (err) {
	case 0:
		break;
	case -ENXIO:
		return zc_err(ENXIO, "'zcioctl vfio show DEV' says which driver it has", "%s is not bound to vfio-pci",
			      dev);
	case -EBUSY:
		return zc_err(EBUSY, "stop it first: the kernel would wait for it to close the device",
			      "%s is open in process %d", dev, holder);
	default:
		return zc_err(-err, err == -EACCES || err == -EPERM ? "run as root" : NULL, "unbinding %s", dev);
	}
	out_open_object(NULL);
	print_string(PRINT_ANY, "dev", "%s unbound from vfio-pci", dev);
	if (now[0])
		print_string(PRINT_ANY, "driver", ", now with %s\n", now);
	else
		print_null(PRINT_ANY, "driver", ", now without a driver\n");
	out_close_object();
	return 0;
}

/* ---- dma ---- */

static void print_dma(const struct edu_dma_opts *o, const struct edu_dma_result *r)
{
	double mib = r->mapped / 1048576.0, secs = r->elapsed_ns / 1e9;

	out_open_object(NULL);
	print_string(PRINT_ANY, "dev", "%s", o->dev);
	print_string(PRINT_ANY, "via", " via %s", paths[o->path]);
	print_uint(PRINT_ANY, "size", ": %llu bytes each way at IOVA", o->size);
	print_hex(PRINT_ANY, "iova", " 0x%llx", r->iova);
	print_uint(PRINT_ANY, "mapped", " (%llu bytes mapped)\n", r->mapped);
	print_uint(PRINT_ANY, "dmas", "  %llu transfers", r->n.dmas);
	print_uint(PRINT_ANY, "bytes", ", %llu bytes", r->n.bytes);
	print_uint(PRINT_ANY, "interrupts", ", %llu interrupts", r->n.interrupts);
	print_float(PRINT_ANY, "seconds", " in %.3f s", secs);
	print_float(PRINT_ANY, "map_us", "; map %.1f us", r->map_ns / 1e3);
	print_float(PRINT_ANY, "unmap_us", ", unmap %.1f us", r->unmap_ns / 1e3);
	print_float(PRINT_ANY, "map_us_per_mib", " (%.1f", mib > 0 ? r->map_ns / 1e3 / mib : 0);
	print_float(PRINT_ANY, "unmap_us_per_mib", " and %.1f us per MiB)\n", mib > 0 ? r->unmap_ns / 1e3 / mib : 0);
	if (r->verified) {
		print_bool(PRINT_ANY, "mismatch", "  verified: mismatch %s", r->mismatch);
		if (r->mismatch)
			print_uint(PRINT_ANY, "first_bad", " (first wrong byte at %llu)", r->first_bad);
		print_nl();
	}
	if (r->fault_tried) {
		print_bool(PRINT_ANY, "fault_blocked", "  a write to an unmapped IOVA: blocked by the IOMMU %s",
			   r->fault_blocked);
		if (r->fault_blocked)
			print_string(PRINT_ANY, "fault_log", " (%s)", r->fault_log);
		print_nl();
	}
	out_close_object();
}

static int do_dma(struct args *a)
{
	uint64_t size = 65536, iova = 0, map_size = 0, seed = 1, timeout = 5000;
	struct edu_dma_opts o = { 0 };
	struct edu_dma_result r;
	bool verify = false, fault = false;
	char dev[16], why[300];
	const char *in;
	int via = 0, err;
	const struct kw kws[] = {
		{ "size", KW_SIZE, &size, 1, 64ULL << 20 },
		{ "via", KW_CHOICE, &via, .choices = paths },
		{ "iova", KW_U64, &iova, 0, EDU_DMA_LIMIT - 4096 },
		{ "map-size", KW_SIZE, &map_size, 0, 128ULL << 20 },
		{ "pattern", KW_U64, &seed, 0, UINT64_MAX },
		{ "verify", KW_FLAG, &verify },
		{ "fault", KW_FLAG, &fault },
		{ "timeout", KW_U64, &timeout, 1, 600000 },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)))
		return err;
	if (iova % 4096)
		return zc_usage("argument \"%" PRIu64 "\" of \"iova\" is wrong: expected a multiple of 4096", iova);
	if ((err = resolve_dev(in, dev, sizeof(dev))) || (err = need_vfio()))
		return err;
	o.dev = dev;
	o.path = via;
	o.size = size;
	o.iova = iova;
	o.map_size = map_size;
	o.seed = seed;
	o.verify = verify;
	o.fault = fault;
	o.timeout_ms = timeout;
	sig_catch_stop();
	err = edu_dma_run(&o, &r, why, sizeof(why));
	sig_restore();
	if (!err || r.n.dmas)
		print_dma(&o, &r);
	if (err == -EOPNOTSUPP && r.noiommu)
		return zc_unsupported(EOPNOTSUPP, "boot with intel_iommu=on on a machine with an IOMMU", "%s", why);
	if (err == -ENOTTY && via == 1)
		return zc_unsupported(ENOTTY, "the kernel needs IOMMUFD and VFIO_DEVICE_CDEV", "%s", why);
	if (err)
		return zc_err(-err, NULL, "%s", why);
	if (r.mismatch)
		return zc_err(0, "the bytes the device wrote back differ from those it read", "first wrong byte at %llu",
			      (unsigned long long)r.first_bad);
	if (fault && !r.fault_blocked)
		return zc_err(0, "no DMAR fault in the kernel log", "the write to an unmapped IOVA was not reported");
	return 0;
}

/* ---- bind-process, unbind-process ---- */

/* DEV or GROUP: a PCI device (and its group), or a group by number (7, /dev/vfio/7). */
struct bind_target {
	char dev[16];		/* "" for a group */
	unsigned group;
};

static int resolve_target(const char *in, struct bind_target *t)
{
	const char *num = strncmp(in, VFIO_DEV_DIR "/", strlen(VFIO_DEV_DIR "/")) ? in : in + strlen(VFIO_DEV_DIR "/");
	size_t digits = strspn(num, "0123456789");
	char path[64];
	const char *why;

	t->dev[0] = 0;
	if (digits && !num[digits]) {
		snprintf(path, sizeof(path), IOMMU_GROUPS "/%.9s", num);
		if (digits > 9 || !path_exists(path))
			return zc_err(ENOENT, "'zcioctl vfio list' shows the groups", "IOMMU group %s", num);
		t->group = strtoul(num, NULL, 10);
		return 0;
	}
	if (resolve_dev(in, t->dev, sizeof(t->dev)))
		return 1;
	if (vfio_device_group(t->dev, &t->group)) {
		why = vfio_no_groups_reason();
		return zc_unsupported(ENODEV, why ? why : "its IOMMU does not cover it", "%s has no IOMMU group", t->dev);
	}
	return 0;
}

static void print_target(const struct bind_target *t)
{
	if (t->dev[0])
		print_string(PRINT_ANY, "dev", "%s", t->dev);
	else
		json_null("dev");
	print_uint(PRINT_ANY, "group", t->dev[0] ? " (group %llu)" : "group %llu", t->group);
}

/* The owner record of a kept bond: the holder that `unbind-process` stops once it is undone. */
static void bond_record_name(char *buf, size_t len, unsigned group, int pid)
{
	snprintf(buf, len, "bond-%u-%d", group, pid);
}

/* "ESRCH", or "0" for success */
static const char *err_text(int err, char buf[16])
{
	return err ? errno_name(-err, buf) : "0";
}

static void print_round(const char *key, const char *label, const struct edu_round *rd)
{
	out_open_object(key);
	print_string(PRINT_TEXT, NULL, "%s", label);
	print_uint(PRINT_ANY, "dmas", ": %llu transfers", rd->n.dmas);
	print_bool(PRINT_ANY, "landed", ", the bytes landed %s", rd->landed);
	print_bool(PRINT_ANY, "blocked", ", blocked by the IOMMU %s", rd->blocked);
	if (rd->blocked)
		print_string(PRINT_ANY, "fault_log", " (%s)", rd->fault_log);
	else
		json_null("fault_log");
	print_nl();
	out_close_object();
}

struct bind_run {
	struct bind_target t;
	int pid;		/* the process bound: never 0 */
	uint64_t va;		/* 0: no DMA */
	const char *ended;	/* kept: why the bond ended */
};

static void print_unbinds(const struct edu_bind_result *r)
{
	char e1[16], e2[16];

	print_string(PRINT_ANY, "unbind", "  unbind: %s", err_text(r->unbind, e1));
	print_string(PRINT_ANY, "unbind_again", ", again: %s\n", err_text(r->unbind_again, e2));
}

/* The bond and the checks around it; the unbinds too unless the bond is kept (they come later). */
static void print_bond(const struct bind_run *b, const struct edu_bind_result *r, bool kept)
{
	char e1[16], e2[16], e3[16];

	print_target(&b->t);
	print_int(PRINT_ANY, "pid", ": process %lld", b->pid);
	if (r->dma)
		print_hex(PRINT_ANY, "va", " at VA 0x%llx", b->va);
	else
		json_null("va");
	print_uint(PRINT_ANY, "pasid", ", PASID %llu", r->pasid);
	print_bool(PRINT_ANY, "same_pasid_again", " (a second bind returns it again %s)\n", r->pasid_again == r->pasid);
	json_null("holder");
	print_string(PRINT_ANY, "unbind_before_bind", "  unbind before any bind: %s", err_text(r->unbind_unbound, e1));
	if (r->dma) {
		print_string(PRINT_ANY, "bind_over_map_dma", ", bind over a MAP_DMA range: %s",
			     err_text(r->bind_over_map_dma, e2));
		print_string(PRINT_ANY, "map_dma_while_bound", ", MAP_DMA while bound: %s",
			     err_text(r->map_dma_while_bound, e3));
		print_nl();
		print_round("round", "  by virtual address", &r->round[0]);
	} else {
		print_nl();
		json_null("bind_over_map_dma");
		json_null("map_dma_while_bound");
		json_null("round");
	}
	if (r->round[1].done)
		print_round("after_hold", "  after the hold", &r->round[1]);
	else
		json_null("after_hold");
	if (!kept)
		print_unbinds(r);
}

static int process_exited(void *arg)
{
	(void)arg;
	return 1;
}

/*
 * keep: say the bond is in place (the "bound" event), then hold the container until a stop
 * signal or the bound process's exit, which the kernel's mirror follows by itself.
 */
static int keep_bond(void *arg, const struct edu_bind_result *r)
{
	struct bind_run *b = arg;
	struct sig_stop_mask m;
	bool poll_failed;
	int pidfd, err;

	out_open_object(NULL);
	print_string(PRINT_ANY, "event", "%s: ", "bound");
	print_bond(b, r, true);
	print_string(PRINT_TEXT, NULL, "  kept (SIGINT, SIGTERM or 'zcioctl vfio unbind-process %s' ends it)\n",
		     b->t.dev[0] ? b->t.dev : "GROUP");
	out_close_object();
	out_flush_line();
	pidfd = pidfd_open(b->pid, 0);
	if (pidfd < 0)
		return -errno;
	sig_block_stop(&m);
	err = sig_poll_until_stop(pidfd, &m, process_exited, NULL, &poll_failed);
	sig_unblock_stop(&m);
	close(pidfd);
	b->ended = err == 1 ? "the process exited" : "a stop signal";
	return err == 1 ? 0 : err;
}

static void print_unbound(const struct bind_run *b, const struct edu_bind_result *r)
{
	out_open_object(NULL);
	print_string(PRINT_ANY, "event", "%s: ", "unbound");
	print_target(&b->t);
	print_int(PRINT_ANY, "pid", ": process %lld", b->pid);
	print_string(PRINT_ANY, "ended", " after %s\n", b->ended);
	print_unbinds(r);
	out_close_object();
}

/* The group is held by another process: add the bond to its container, which keeps it. */
static int bind_borrowed(const struct bind_run *b)
{
	struct vfio_dev d;
	const char *why;
	uint32_t pasid;
	int holder, err;

	if ((err = vfio_container_borrow(&d, b->t.group, &holder, &why)))
		return zc_err(-err, NULL, "group %u: %s", b->t.group, why);
	err = vfio_dev_bind_process(&d, b->pid, &pasid);
	vfio_dev_close(&d);
	if (err == -ENOTTY)
		return zc_unsupported(ENOTTY, "process binding (the SVA series) never reached mainline",
				      "VFIO_IOMMU_BIND: this kernel lacks the SVA bind patch");
	if (err)
		return zc_err(-err, err == -EACCES || err == -EPERM ? "binding another process needs ptrace rights over it"
			      : NULL, "VFIO_IOMMU_BIND of process %d in the container of process %d", b->pid, holder);
	out_open_object(NULL);
	print_target(&b->t);
	print_int(PRINT_ANY, "pid", ": process %lld", b->pid);
	print_uint(PRINT_ANY, "pasid", " bound, PASID %llu", pasid);
	print_int(PRINT_ANY, "holder", ", in the container of process %lld (the bond lasts as long as it)\n", holder);
	out_close_object();
	return 0;
}

static int bind_own(struct bind_run *b, const struct edu_bind_opts *o, bool keep)
{
	struct edu_bind_result r;
	char why[300], record[48];
	int err;

	bond_record_name(record, sizeof(record), b->t.group, b->pid);
	if (keep && (err = state_claim("vfio", record)))
		return zc_err(-err, NULL, "recording the kept bond");
	sig_catch_stop();
	err = edu_bind_run(o, &r, why, sizeof(why));
	sig_restore();
	if (keep)
		state_release("vfio", record);
	if (err == -ENOTTY)
		return zc_unsupported(ENOTTY, path_exists(IOMMUFD_DEV) ? "iommufd (/dev/iommu) with a VFIO cdev is what "
				      "mainline offers instead: PASID attach from 6.15" : NULL, "%s", why);
	if (keep && b->ended) {
		print_unbound(b, &r);
	} else if (!err || r.pasid) {
		out_open_object(NULL);
		print_bond(b, &r, false);
		out_close_object();
	}
	if (err)
		return zc_err(-err, err == -EACCES || err == -EPERM ? "binding another process needs ptrace rights over it"
			      : NULL, "%s", why);
	if (r.dma && !r.round[0].landed)
		return zc_err(0, r.round[0].blocked ? "the IOMMU blocked it: was the buffer touched before the bind?" : NULL,
			      "the device's copy did not land in the process's memory");
	return 0;
}

static int do_bind_process(struct args *a)
{
	uint64_t pid = 0, va = 0, size = 4096, seed = 1, hold = 0, timeout = 5000;
	struct bind_run b = { 0 };
	struct edu_bind_opts o = { 0 };
	bool keep = false;
	const char *in;
	int err, holder;
	const struct kw kws[] = {
		{ "pid", KW_U64, &pid, 1, 4194304 },
		{ "va", KW_U64, &va, 4096, EDU_DMA_LIMIT - 8192 },
		{ "size", KW_SIZE, &size, 1, 16ULL << 20 },
		{ "pattern", KW_U64, &seed, 0, UINT64_MAX },
		{ "hold", KW_U64, &hold, 0, 3600000 },
		{ "keep", KW_FLAG, &keep },
		{ "timeout", KW_U64, &timeout, 1, 600000 },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)))
		return err;
	if (va % 4096)
		return zc_usage("argument \"%" PRIu64 "\" of \"va\" is wrong: expected a multiple of 4096", va);
	if ((err = resolve_target(in, &b.t)) || (err = need_vfio()))
		return err;
	if (va && !b.t.dev[0])
		return zc_usage("\"va\" needs a device (DEV) to drive the DMA with, not a group");
	b.pid = pid ? (int)pid : getpid();
	b.va = va;
	holder = vfio_group_holder(b.t.group);
	if (holder && (va || keep))
		return zc_err(EBUSY, "without va and keep, bind-process adds a bond to the holder's container",
			      "group %u is held by process %d", b.t.group, holder);
	if (holder)
		return bind_borrowed(&b);
	o.dev = b.t.dev[0] && va ? b.t.dev : NULL;
	o.group = b.t.group;
	o.pid = pid;
	o.va = va;
	o.size = size;
	o.seed = seed;
	o.hold_ms = hold;
	o.timeout_ms = timeout;
	if (keep) {
		o.held = keep_bond;
		o.held_arg = &b;
	}
	return bind_own(&b, &o, keep);
}

static int do_unbind_process(struct args *a)
{
	struct bind_target t;
	struct vfio_dev d;
	uint64_t pid = 0;
	char record[48];
	const char *in, *why;
	int err, holder, stopped;
	const struct kw kws[] = {
		{ "pid", KW_U64, &pid, 1, 4194304 },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)) || (err = resolve_target(in, &t)) ||
	    (err = need_vfio()))
		return err;
	if ((err = vfio_container_borrow(&d, t.group, &holder, &why)) == -ENOENT && !holder)
		return zc_err(ESRCH, "'zcioctl vfio bind-process ... keep' binds a process and holds the container",
			      "nothing is bound to group %u: no process holds it open", t.group);
	if (err)
		return zc_err(-err, NULL, "group %u: %s", t.group, why);
	if (!pid)
		pid = holder;
	err = vfio_dev_unbind_process(&d, pid);
	vfio_dev_close(&d);
	if (err == -ENOTTY)
		return zc_unsupported(ENOTTY, "process binding (the SVA series) never reached mainline",
				      "VFIO_IOMMU_UNBIND: this kernel lacks the SVA bind patch");
	if (err == -ESRCH)
		return zc_err(ESRCH, "it was never bound there, it was unbound already, or it exited",
			      "process %" PRIu64 " is not bound to the container of process %d (group %u)", pid, holder,
			      t.group);
	if (err)
		return zc_err(-err, NULL, "VFIO_IOMMU_UNBIND of process %" PRIu64 " (group %u)", pid, t.group);
	/* a `bind-process ... keep` of this very bond has nothing left to hold */
	bond_record_name(record, sizeof(record), t.group, (int)pid);
	stopped = state_owner("vfio", record) == holder && !state_stop_owner("vfio", record, 5000);
	out_open_object(NULL);
	print_target(&t);
	print_int(PRINT_ANY, "pid", ": process %lld unbound", pid);
	print_int(PRINT_ANY, "holder", " from the container of process %lld", holder);
	json_bool("holder_stopped", stopped);
	print_text(stopped ? ", which was keeping it and is stopped\n" : "\n");
	out_close_object();
	return 0;
}

static const struct cmd vfio_cmds[] = {
	{ "list", do_list, "", "IOMMU groups, their members and drivers, viability, VFIO nodes; why there are none" },
	{ "show", do_show, "DEV [via type1|iommufd]", "a device: group, regions, interrupts, reserved regions, IOVA ranges" },
	{ "bind", do_bind, "DEV", "bind a PCI device to vfio-pci (driver_override), remembering its driver" },
	{ "unbind", do_unbind, "DEV [restore]", "unbind it from vfio-pci, clear the override; restore: probe its driver" },
	{ "dma", do_dma, "DEV [size SIZE] [via type1|iommufd] [iova ADDR] [map-size SIZE] [pattern SEED] [verify] "
			 "[fault] [timeout MS]",
	  "DMA round trips through the IOMMU with QEMU's edu device, timed maps and unmaps" },
	{ "bind-process", do_bind_process,
	  "DEV|GROUP [pid PID] [va ADDR] [size SIZE] [pattern SEED] [hold MS] [keep] [timeout MS]",
	  "bind a process to the container (the SVA series' VFIO_IOMMU_BIND); va: edu DMA by virtual address" },
	{ "unbind-process", do_unbind_process, "DEV|GROUP [pid PID]",
	  "unbind a process from the container holding the group (VFIO_IOMMU_UNBIND)" },
	{ 0 },
};

const struct object vfio_object = { "vfio", vfio_cmds, NULL, "VFIO groups, devices, and DMA through an IOMMU" };
