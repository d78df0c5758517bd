// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The collector: each interface's module probes itself (udmabuf_probe() in dmabuf.c,
 * vduse_probe() in vduse/vduse.c, ...); this file lists them and gives them one way to record
 * what they found and why something is missing.
 */
#include "config.h"
#include "feature.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/probe.h"
#include "dmabuf.h"
#include "fsutil.h"
#include "hmm.h"
#include "kconfig.h"
#include "tracefs.h"
#include "usb/probe.h"
#include "vduse/vdpa_nl.h"
#include "vhost/vdpa.h"
#include "vduse/vduse.h"
#include "vfio.h"
#include "vhost/vhost.h"

const struct feat_probe feat_probes[] = {
	{ "udmabuf", "DMABUFs from memfd pages (/dev/udmabuf)", udmabuf_probe },
	{ "dma_heap", "DMA-BUF heaps (/dev/dma_heap)", dma_heap_probe },
	{ "sync_file", "sync_file fences and sw_sync", sync_file_probe },
	{ "functionfs", "USB FunctionFS with DMABUF import", ffs_probe },
	{ "usb_gadget", "configfs USB gadgets and device controllers", gadget_probe },
	{ "vduse", "VDUSE devices (/dev/vduse/control)", vduse_probe },
	{ "vdpa", "vDPA bus over generic netlink", vdpa_probe },
	{ "vhost_net", "vhost-net (/dev/vhost-net)", vhost_net_probe },
	{ "vhost_vdpa", "vhost-vdpa: userspace drivers of vDPA devices (/dev/vhost-vdpa-N)", vhost_vdpa_probe },
	{ "vfio", "VFIO containers and groups (/dev/vfio/vfio)", vfio_probe },
	{ "iommufd", "iommufd (/dev/iommu)", iommufd_probe },
	{ "vfio_bind_process", "VFIO process binding (PASID, the SVA series)", vfio_bind_process_probe },
	{ "test_hmm", "device-exclusive access via test_hmm (/dev/hmm_dmirrorN)", hmm_probe },
	{ "bpf", "BPF programs for tracing", bpf_probe },
	{ "btf", "kernel BTF (/sys/kernel/btf/vmlinux)", btf_probe },
	{ "dma_fence_events", "dma_fence tracepoints in tracefs", dma_fence_events_probe },
};
const unsigned feat_probe_count = sizeof(feat_probes) / sizeof(feat_probes[0]);

const struct feat_probe *feat_find(const char *name)
{
	unsigned i;

	for (i = 0; i < feat_probe_count; i++)
		if (!strcmp(feat_probes[i].name, name))
			return &feat_probes[i];
	return NULL;
}

void feat_run(const struct feat_probe *p, struct feat *f)
{
	memset(f, 0, sizeof(*f));
	f->name = p->name;
	f->desc = p->desc;
	f->state = FEAT_UNKNOWN;
	p->run(f);
}

void feat_release(struct feat *f)
{
	unsigned i;

	for (i = 0; i < f->nattrs; i++)
		free(f->attrs[i].str);
	f->nattrs = 0;
}

const char *feat_state_name(enum feat_state s)
{
	static const char *const names[] = {
		[FEAT_PRESENT] = "present",
		[FEAT_ABSENT] = "absent",
		[FEAT_NO_ACCESS] = "no_access",
		[FEAT_UNKNOWN] = "unknown",
	};

	return names[s];
}

/* ---- recording results ---- */

void feat_set(struct feat *f, enum feat_state s, const char *fmt, ...)
{
	va_list ap;

	f->state = s;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

static struct feat_attr *new_attr(struct feat *f, const char *key, enum feat_attr_type t)
{
	struct feat_attr *a;

	if (f->nattrs == FEAT_MAX_ATTRS)
		return NULL;
	a = &f->attrs[f->nattrs++];
	memset(a, 0, sizeof(*a));
	a->key = key;
	a->type = t;
	return a;
}

void feat_attr_num(struct feat *f, const char *key, enum feat_attr_type t, uint64_t v)
{
	struct feat_attr *a = new_attr(f, key, t);

	if (a)
		a->num = v;
}

void feat_attr_str(struct feat *f, const char *key, const char *s)
{
	struct feat_attr *a = new_attr(f, key, FA_STR);

	if (a)
		a->str = strdup(s);
}

/* Items are kept '\0'-separated in one allocation. */
void feat_attr_list(struct feat *f, const char *key, char *const *names, int n)
{
	struct feat_attr *a = new_attr(f, key, FA_LIST);
	size_t len = 0, off = 0;
	int i;

	if (!a)
		return;
	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	a->str = malloc(len ? len : 1);
	if (!a->str)
		return;
	for (i = 0; i < n; i++) {
		strcpy(a->str + off, names[i]);
		off += strlen(names[i]) + 1;
	}
	a->nitems = n;
}

void feat_attr_dir_list(struct feat *f, const char *key, const char *dir)
{
	char **names;
	int n = list_dir(dir, &names);

	if (n < 0)
		return;
	feat_attr_list(f, key, names, n);
	free_names(names, n);
}

void feat_attr_u64_file(struct feat *f, const char *key, const char *path)
{
	uint64_t v;

	if (!read_u64_file(path, &v))
		feat_attr_num(f, key, FA_NUM, v);
}

void feat_attr_bool_file(struct feat *f, const char *key, const char *path)
{
	char buf[16];

	if (!read_text(path, buf, sizeof(buf)))
		feat_attr_num(f, key, FA_BOOL, buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1');
}

void feat_set_absent(struct feat *f, const char *path, const char *sym, const char *module, unsigned major,
		     unsigned minor)
{
	if (!kernel_at_least(major, minor)) {
		feat_set(f, FEAT_ABSENT, "kernel %s is too old (needs %u.%u)", kernel_release(), major, minor);
		return;
	}
	switch (kconfig_get(sym)) {
	case KCONFIG_NOT_SET:
		feat_set(f, FEAT_ABSENT, "kernel built without CONFIG_%s", sym);
		break;
	case KCONFIG_MODULE:
		feat_set(f, FEAT_ABSENT, "module %s is not loaded (modprobe %s)", module, module);
		break;
	default:
		feat_set(f, FEAT_ABSENT, "no %s", path);
		break;
	}
}

int feat_open_dev(struct feat *f, const char *path, int flags, const char *sym, const char *module, unsigned major,
		  unsigned minor)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0) {
		feat_set(f, FEAT_PRESENT, "%s", "");
		return fd;
	}
	if (errno == ENOENT)
		feat_set_absent(f, path, sym, module, major, minor);
	else if (errno == EACCES || errno == EPERM)
		feat_set(f, FEAT_NO_ACCESS, "no permission to open %s (run as root)", path);
	else
		feat_set(f, FEAT_ABSENT, "cannot open %s: %s", path, strerror(errno));
	return -1;
}
