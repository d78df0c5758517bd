// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"
#include "feature.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vduse.h>
#include <linux/vfio.h>
#include <linux/vhost.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifdef HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#endif

#include "fsutil.h"
#include "kconfig.h"
#include "vduse/vdpa_nl.h"

/* ---- recording results ---- */

static void set_state(struct feat *f, enum feat_state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_state(struct feat *f, enum feat_state s, const char *fmt, ...)
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

static void attr_num(struct feat *f, const char *key, enum feat_attr_type t, uint64_t v)
{
	struct feat_attr *a = new_attr(f, key, t);

	if (a)
		a->num = v;
}

static void attr_str(struct feat *f, const char *key, const char *s)
{
	struct feat_attr *a = new_attr(f, key, FA_STR);

	if (a)
		a->str = strdup(s);
}

/* A list attribute from names; items are kept '\0'-separated in one allocation. */
static void attr_list(struct feat *f, const char *key, char **names, int n)
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

static void attr_dir_list(struct feat *f, const char *key, const char *dir)
{
	char **names;
	int n = list_dir(dir, &names);

	if (n < 0)
		return;
	attr_list(f, key, names, n);
	free_names(names, n);
}

static void attr_u64_file(struct feat *f, const char *key, const char *path)
{
	uint64_t v;

	if (!read_u64_file(path, &v))
		attr_num(f, key, FA_NUM, v);
}

static void attr_bool_file(struct feat *f, const char *key, const char *path)
{
	char buf[16];

	if (!read_text(path, buf, sizeof(buf)))
		attr_num(f, key, FA_BOOL, buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1');
}

/*
 * Why an interface that should show up at `path` does not: the kernel is too old, was built
 * without it, or has it as a module that is not loaded.
 */
static void set_absent(struct feat *f, const char *path, const char *sym, const char *module,
		       unsigned major, unsigned minor)
{
	if (!kernel_at_least(major, minor)) {
		set_state(f, FEAT_ABSENT, "kernel %s is too old (needs %u.%u)", kernel_release(), major, minor);
		return;
	}
	switch (kconfig_get(sym)) {
	case KCONFIG_NOT_SET:
		set_state(f, FEAT_ABSENT, "kernel built without CONFIG_%s", sym);
		break;
	case KCONFIG_MODULE:
		set_state(f, FEAT_ABSENT, "module %s is not loaded (modprobe %s)", module, module);
		break;
	default:
		set_state(f, FEAT_ABSENT, "no %s", path);
		break;
	}
}

/*
 * Open a device node: FEAT_PRESENT with the fd, or the state that says why not. `path` missing
 * is reported through set_absent() with the Kconfig symbol and module that provide it.
 */
static int open_dev(struct feat *f, const char *path, int flags, const char *sym, const char *module,
		    unsigned major, unsigned minor)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0) {
		set_state(f, FEAT_PRESENT, "%s", "");
		return fd;
	}
	if (errno == ENOENT)
		set_absent(f, path, sym, module, major, minor);
	else if (errno == EACCES || errno == EPERM)
		set_state(f, FEAT_NO_ACCESS, "no permission to open %s (run as root)", path);
	else
		set_state(f, FEAT_ABSENT, "cannot open %s: %s", path, strerror(errno));
	return -1;
}

/* ---- probes ---- */

static bool dir_is_empty(const char *path)
{
	char **names;
	int n = list_dir(path, &names);

	if (n > 0)
		free_names(names, n);
	return n == 0;
}


static void probe_udmabuf(struct feat *f)
{
	int fd = open_dev(f, "/dev/udmabuf", O_RDWR, "UDMABUF", "udmabuf", 5, 2);

	if (fd >= 0)
		close(fd);
	if (f->state == FEAT_PRESENT || f->state == FEAT_NO_ACCESS)
		attr_u64_file(f, "size_limit_mb", "/sys/module/udmabuf/parameters/size_limit_mb");
}

static void probe_dma_heap(struct feat *f)
{
	int fd = open_dev(f, "/dev/dma_heap/system", O_RDONLY, "DMABUF_HEAPS_SYSTEM", "system_heap", 5, 6);

	if (fd >= 0)
		close(fd);
	attr_dir_list(f, "heaps", "/dev/dma_heap");
}

static void probe_sync_file(struct feat *f)
{
	enum kconfig_state k = kconfig_get("SYNC_FILE");
	bool sw_sync = path_exists("/sys/kernel/debug/sync/sw_sync");

	if (k == KCONFIG_BUILTIN || k == KCONFIG_MODULE || sw_sync)
		set_state(f, FEAT_PRESENT, "%s", "");
	else if (k == KCONFIG_NOT_SET)
		set_state(f, FEAT_ABSENT, "kernel built without CONFIG_SYNC_FILE");
	else
		set_state(f, FEAT_UNKNOWN, "no kernel config to read (/proc/config.gz or /boot/config-%s)",
			  kernel_release());
	/* sw_sync is the fence producer tests use; it lives in debugfs, which only root can see */
	if (sw_sync)
		attr_num(f, "sw_sync", FA_BOOL, 1);
	else if (access("/sys/kernel/debug/sync", F_OK) && errno == EACCES)
		attr_str(f, "sw_sync", "unknown (debugfs needs root)");
	else if (dir_is_empty("/sys/kernel/debug"))
		attr_str(f, "sw_sync", "unknown (debugfs is not mounted)");
	else
		attr_num(f, "sw_sync", FA_BOOL, 0);
}

static bool filesystem_known(const char *fs)
{
	char line[128];
	bool found = false;
	FILE *p = fopen("/proc/filesystems", "re");

	if (!p)
		return false;
	while (!found && fgets(line, sizeof(line), p)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		found = !strcmp(name, fs);
	}
	fclose(p);
	return found;
}

static void probe_functionfs(struct feat *f)
{
	enum kconfig_state k = kconfig_get("USB_CONFIGFS_F_FS");

	/* f_fs registers its file system with the first function instance, so the kernel config
	 * is the better witness; a module is loaded on demand by configfs */
	if (filesystem_known("functionfs") || k == KCONFIG_BUILTIN || k == KCONFIG_MODULE)
		set_state(f, FEAT_PRESENT, "%s", "");
	else if (k == KCONFIG_UNKNOWN)
		set_state(f, FEAT_UNKNOWN, "no functionfs yet and no kernel config to read");
	else
		set_absent(f, "functionfs", "USB_CONFIGFS_F_FS", "usb_f_fs", 3, 3);
	/* DMABUF import has no probe short of a bound gadget: FUNCTIONFS_DMABUF_ATTACH came in 6.9 */
	attr_num(f, "dmabuf", FA_BOOL, kernel_at_least(6, 9));
}

static void probe_usb_gadget(struct feat *f)
{
	const char *dir = "/sys/kernel/config/usb_gadget";

	if (path_exists(dir))
		set_state(f, FEAT_PRESENT, "%s", "");
	else if (!filesystem_known("configfs"))
		set_absent(f, dir, "CONFIGFS_FS", "configfs", 2, 6);
	else if (!path_exists("/sys/kernel/config/"))
		set_state(f, FEAT_ABSENT, "configfs is not mounted (mount -t configfs none /sys/kernel/config)");
	else
		set_absent(f, dir, "USB_CONFIGFS", "libcomposite", 3, 11);
	attr_dir_list(f, "udcs", "/sys/class/udc");
	if (f->state == FEAT_PRESENT && (!f->nattrs || f->attrs[f->nattrs - 1].nitems == 0))
		snprintf(f->why, sizeof(f->why), "no USB device controller (dummy_hcd or a board's UDC)");
}

static void probe_vduse(struct feat *f)
{
	int fd = open_dev(f, "/dev/vduse/control", O_RDWR, "VDPA_USER", "vduse", 5, 15);
	uint64_t version;

	if (fd < 0)
		return;
	if (ioctl(fd, VDUSE_GET_API_VERSION, &version) == 0)
		attr_num(f, "api_version", FA_NUM, version);
	close(fd);
	/* no read-only way to ask which device types are allowed: blk since 5.15, net since 6.7 */
	{
		char *types[] = { "blk", "net" };

		attr_list(f, "device_types", types, kernel_at_least(6, 7) ? 2 : 1);
	}
}

static void probe_vdpa(struct feat *f)
{
	struct vdpa_mgmtdev *m;
	struct genl g;
	char *names[16];
	char buf[16][132];
	int n, i, err;

	err = genl_open(&g, "vdpa");
	if (err == -ENOENT) {
		set_absent(f, "generic netlink family vdpa", "VDPA", "vdpa", 5, 12);
		return;
	}
	if (err) {
		set_state(f, FEAT_UNKNOWN, "generic netlink: %s", strerror(-err));
		return;
	}
	n = vdpa_mgmtdev_list(&g, &m);
	genl_close(&g);
	if (n < 0) {
		set_state(f, n == -EPERM ? FEAT_NO_ACCESS : FEAT_UNKNOWN, "listing management devices: %s",
			  strerror(-n));
		return;
	}
	set_state(f, FEAT_PRESENT, "%s", n ? "" : "no management device (load vduse or vdpa_sim)");
	for (i = 0; i < n && i < 16; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s%s%s", m[i].bus, m[i].bus[0] ? "/" : "", m[i].name);
		names[i] = buf[i];
	}
	attr_list(f, "mgmtdevs", names, i);
	free(m);
}

static void probe_vhost_net(struct feat *f)
{
	int fd = open_dev(f, "/dev/vhost-net", O_RDWR, "VHOST_NET", "vhost_net", 2, 6);
	uint64_t features;

	if (fd >= 0) {
		if (ioctl(fd, VHOST_GET_FEATURES, &features) == 0)
			attr_num(f, "features", FA_HEX, features);
		close(fd);
	}
	attr_u64_file(f, "experimental_zcopytx", "/sys/module/vhost_net/parameters/experimental_zcopytx");
}

static void probe_vfio(struct feat *f)
{
	int fd = open_dev(f, "/dev/vfio/vfio", O_RDWR, "VFIO", "vfio", 3, 6);

	attr_bool_file(f, "noiommu_mode", "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	if (fd < 0)
		return;
	attr_num(f, "api_version", FA_NUM, (uint64_t)ioctl(fd, VFIO_GET_API_VERSION));
	attr_num(f, "type1", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0);
	attr_num(f, "type1v2", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0);
	attr_num(f, "noiommu", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) > 0);
	close(fd);
	{
		char **names;
		int n = list_dir("/dev/vfio", &names), i, groups = 0;

		for (i = 0; i < n; i++)
			groups += strcmp(names[i], "vfio") != 0 && strcmp(names[i], "devices") != 0;
		if (n >= 0)
			free_names(names, n);
		attr_num(f, "groups", FA_NUM, groups);
	}
}

static void probe_iommufd(struct feat *f)
{
	int fd = open_dev(f, "/dev/iommu", O_RDWR, "IOMMUFD", "iommufd", 6, 2);

	if (fd >= 0)
		close(fd);
	/* PASID attach through VFIO_DEVICE_ATTACH_IOMMUFD_PT is the mainline form of process binding */
	attr_num(f, "pasid_attach", FA_BOOL, kernel_at_least(6, 15));
}

static void probe_vfio_bind_process(struct feat *f)
{
	/* The 2018 SVA series never merged; no mainline kernel answers VFIO_IOMMU_BIND. */
	set_state(f, FEAT_ABSENT, "VFIO_IOMMU_BIND is not in mainline: the SVA series was not merged, "
		  "iommufd PASID attach replaces it");
}

static void probe_test_hmm(struct feat *f)
{
	int fd = open_dev(f, "/dev/hmm_dmirror0", O_RDWR, "TEST_HMM", "test_hmm", 5, 14);
	char **names;
	int n, i, mirrors = 0;

	if (fd >= 0)
		close(fd);
	n = list_dir("/dev", &names);
	for (i = 0; i < n; i++)
		mirrors += !strncmp(names[i], "hmm_dmirror", 11);
	if (n >= 0)
		free_names(names, n);
	attr_num(f, "devices", FA_NUM, mirrors);
}

#ifdef HAVE_BPF
/* CapEff of this process has capability `cap` */
static bool has_capability(unsigned cap)
{
	unsigned long long eff = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return cap < 64 && (eff >> cap) & 1;
}

#define CAP_SYS_ADMIN_BIT 21
#define CAP_BPF_BIT 39

static int silent_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * libbpf's generic probe of "tracing" programs has no attach target and says no where tp_btf
 * works: load "return 0" as a tp_btf program on dma_fence_init itself, which is what trace uses.
 */
static int probe_tp_btf(void)
{
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "btf_trace_dma_fence_init", BTF_KIND_TYPEDEF);
	btf__free(btf);
	if (id <= 0)
		return 0;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "zc_probe", "GPL", ret0, 2, &opts);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void probe_bpf(struct feat *f)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_libbpf);
	int tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL);
	int raw = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
	int tracing = probe_tp_btf();
	int ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	libbpf_set_print(old);
	/* without privilege libbpf's probes say "unsupported", not EPERM */
	if (tp == -EPERM || raw == -EPERM || (tp == 0 && !has_capability(CAP_BPF_BIT) && !has_capability(CAP_SYS_ADMIN_BIT)))
		set_state(f, FEAT_NO_ACCESS, "loading BPF programs needs root or CAP_BPF+CAP_PERFMON");
	else if (tp == 1)
		set_state(f, FEAT_PRESENT, "%s", "");
	else if (tp == -ENOSYS)
		set_absent(f, "the bpf() system call", "BPF_SYSCALL", "bpf", 4, 7);
	else
		set_state(f, FEAT_ABSENT, "tracepoint programs do not load: %s", tp < 0 ? strerror(-tp) : "unsupported");
	if (f->state != FEAT_PRESENT)
		return;
	attr_num(f, "tracepoint", FA_BOOL, tp == 1);
	attr_num(f, "raw_tracepoint", FA_BOOL, raw == 1);
	attr_num(f, "tp_btf", FA_BOOL, tracing == 1);
	attr_num(f, "ringbuf", FA_BOOL, ringbuf == 1);
}

static const char *const fence_events[] = {
	"dma_fence_emit", "dma_fence_init", "dma_fence_destroy", "dma_fence_enable_signal",
	"dma_fence_signaled", "dma_fence_wait_start", "dma_fence_wait_end",
};
#define N_FENCE_EVENTS (sizeof(fence_events) / sizeof(fence_events[0]))

/* BTF is world-readable where present, so even without root we learn which tracepoints exist. */
static void probe_btf(struct feat *f)
{
	struct btf *btf;
	char *found[N_FENCE_EVENTS];
	char name[64];
	unsigned i, n = 0;

	if (!path_exists("/sys/kernel/btf/vmlinux")) {
		set_absent(f, "/sys/kernel/btf/vmlinux", "DEBUG_INFO_BTF", "btf", 5, 4);
		return;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		set_state(f, errno == EACCES ? FEAT_NO_ACCESS : FEAT_ABSENT, "loading vmlinux BTF: %s", strerror(errno));
		return;
	}
	set_state(f, FEAT_PRESENT, "%s", "");
	for (i = 0; i < N_FENCE_EVENTS; i++) {
		snprintf(name, sizeof(name), "btf_trace_%s", fence_events[i]);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0)
			found[n++] = (char *)fence_events[i];
	}
	attr_list(f, "dma_fence_tracepoints", found, n);
	btf__free(btf);
}
#endif

static void probe_dma_fence_events(struct feat *f)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events/dma_fence",
					    "/sys/kernel/debug/tracing/events/dma_fence" };
	unsigned i;
	bool denied = false;

	for (i = 0; i < 2; i++) {
		if (path_exists(dirs[i])) {
			set_state(f, FEAT_PRESENT, "%s", "");
			attr_str(f, "tracefs", dirs[i]);
			attr_dir_list(f, "events", dirs[i]);
			return;
		}
		denied |= errno == EACCES;
	}
	if (denied)
		set_state(f, FEAT_NO_ACCESS, "tracefs needs root (the BTF probe lists the tracepoints)");
	else if (!path_exists("/sys/kernel/tracing/events") && !path_exists("/sys/kernel/debug/tracing/events"))
		set_state(f, FEAT_ABSENT, "tracefs is not mounted (mount -t tracefs none /sys/kernel/tracing)");
	else
		set_absent(f, dirs[0], "DMA_SHARED_BUFFER", "dma-buf", 3, 17);
}

const struct feat_probe feat_probes[] = {
	{ "udmabuf", "DMABUFs from memfd pages (/dev/udmabuf)", probe_udmabuf },
	{ "dma_heap", "DMA-BUF heaps (/dev/dma_heap)", probe_dma_heap },
	{ "sync_file", "sync_file fences and sw_sync", probe_sync_file },
	{ "functionfs", "USB FunctionFS with DMABUF import", probe_functionfs },
	{ "usb_gadget", "configfs USB gadgets and device controllers", probe_usb_gadget },
	{ "vduse", "VDUSE devices (/dev/vduse/control)", probe_vduse },
	{ "vdpa", "vDPA bus over generic netlink", probe_vdpa },
	{ "vhost_net", "vhost-net (/dev/vhost-net)", probe_vhost_net },
	{ "vfio", "VFIO containers and groups (/dev/vfio/vfio)", probe_vfio },
	{ "iommufd", "iommufd (/dev/iommu)", probe_iommufd },
	{ "vfio_bind_process", "VFIO process binding (PASID, the SVA series)", probe_vfio_bind_process },
	{ "test_hmm", "device-exclusive access via test_hmm (/dev/hmm_dmirrorN)", probe_test_hmm },
#ifdef HAVE_BPF
	{ "bpf", "BPF programs for tracing", probe_bpf },
	{ "btf", "kernel BTF (/sys/kernel/btf/vmlinux)", probe_btf },
#endif
	{ "dma_fence_events", "dma_fence tracepoints in tracefs", probe_dma_fence_events },
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
