// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl vfio: IOMMU groups, binding to vfio-pci with a diagnosis, DMA through the IOMMU. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/errname.h"
#include "cli/json.h"
#include "fsutil.h"
#include "sig.h"
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

/* ---- bind-process ---- */

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

static int do_bind_process(struct args *a)
{
	uint64_t pid = 0, va = 0x8000000, size = 4096, seed = 1, hold = 0, timeout = 5000;
	struct edu_bind_opts o = { 0 };
	struct edu_bind_result r;
	char dev[16], why[300], e1[16], e2[16], e3[16];
	const char *in;
	int err;
	const struct kw kws[] = {
		{ "pid", KW_U64, &pid, 1, 4194304 },
		{ "va", KW_U64, &va, 4096, EDU_DMA_LIMIT - 8192 },
		{ "size", KW_SIZE, &size, 1, 16ULL << 20 },
		{ "pattern", KW_U64, &seed, 0, UINT64_MAX },
		{ "hold", KW_U64, &hold, 0, 3600000 },
		{ "timeout", KW_U64, &timeout, 1, 600000 },
		{ 0 },
	};

	if ((err = take_dev(a, &in)) || (err = args_parse_kw(a, kws)))
		return err;
	if (va % 4096)
		return zc_usage("argument \"%" PRIu64 "\" of \"va\" is wrong: expected a multiple of 4096", va);
	if ((err = resolve_dev(in, dev, sizeof(dev))) || (err = need_vfio()))
		return err;
	o.dev = dev;
	o.pid = pid;
	o.va = va;
	o.size = size;
	o.seed = seed;
	o.hold_ms = hold;
	o.timeout_ms = timeout;
	sig_catch_stop();
	err = edu_bind_run(&o, &r, why, sizeof(why));
	sig_restore();
	if (err == -ENOTTY)
		return zc_unsupported(ENOTTY, path_exists(IOMMUFD_DEV) ? "iommufd (/dev/iommu) with a VFIO cdev is what "
				      "mainline offers instead: PASID attach from 6.15" : NULL, "%s", why);
	if (!err || r.pasid) {
		out_open_object(NULL);
		print_string(PRINT_ANY, "dev", "%s", dev);
		print_int(PRINT_ANY, "pid", ": process %lld", pid ? (long long)pid : (long long)getpid());
		print_hex(PRINT_ANY, "va", " at VA 0x%llx", va);
		print_uint(PRINT_ANY, "pasid", ", PASID %llu", r.pasid);
		print_bool(PRINT_ANY, "same_pasid_again", " (a second bind returns it again %s)\n", r.pasid_again == r.pasid);
		print_string(PRINT_ANY, "unbind_before_bind", "  unbind before any bind: %s", err_text(r.unbind_unbound, e1));
		print_string(PRINT_ANY, "bind_over_map_dma", ", bind over a MAP_DMA range: %s",
			     err_text(r.bind_over_map_dma, e2));
		print_string(PRINT_ANY, "map_dma_while_bound", ", MAP_DMA while bound: %s\n",
			     err_text(r.map_dma_while_bound, e3));
		print_round("round", "  by virtual address", &r.round[0]);
		if (r.round[1].done)
			print_round("after_hold", "  after the hold", &r.round[1]);
		else
			json_null("after_hold");
		print_string(PRINT_ANY, "unbind", "  unbind: %s", err_text(r.unbind, e1));
		print_string(PRINT_ANY, "unbind_again", ", again: %s\n", err_text(r.unbind_again, e2));
		out_close_object();
	}
	if (err)
		return zc_err(-err, err == -EACCES || err == -EPERM ? "binding another process needs ptrace rights over it"
			      : NULL, "%s", why);
	if (!r.round[0].landed)
		return zc_err(0, r.round[0].blocked ? "the IOMMU blocked it: was the buffer touched before the bind?" : NULL,
			      "the device's copy did not land in the process's memory");
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
	{ "bind-process", do_bind_process, "DEV [pid PID] [va ADDR] [size SIZE] [pattern SEED] [hold MS] [timeout MS]",
	  "bind a process to the container (the SVA series' VFIO_IOMMU_BIND): edu DMA by virtual address" },
	{ 0 },
};

const struct object vfio_object = { "vfio", vfio_cmds, NULL, "VFIO groups, devices, and DMA through an IOMMU" };
