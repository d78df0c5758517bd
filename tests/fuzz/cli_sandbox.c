// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sandbox fuzz_cmdline and fuzz_batch run the zcioctl binary's code in (cli_sandbox.h says
 * how it is put together). Here: the recorder that replaces every library call that would act
 * on the kernel, and the stand-ins for the system calls the object files make themselves.
 *
 * Each STUB, STUB_RUN, STUB_CLEAR, STUB_VOID and WRAP_DECL line replaces one library function
 * through `ld --wrap` (the Makefile makes the --wrap list from these lines). The stub notes the
 * call (with ZC_FUZZ_VERBOSE, on stderr), checks what the command-line layer hands the library
 * where the library trusts it (names, sizes, powers of two), keeps the function's promises on
 * its outputs (results cleared, a why written, as the real one does before it can fail), and
 * fails the way a kernel without the interface would: no kernel object is touched, and every
 * handler takes its error path. Library functions that only compute (parse_size, format_size,
 * vduse_parse_features, name checks, ...) run for real. tests/fuzz/run-corpus.sh fails when
 * the object files call a library function that is neither stubbed here nor listed as pure in
 * ZC_FUZZ_PURE below: a new kernel call must get its stub before the fuzzer can run it.
 *
 * ZC_FUZZ_PURE: cpu_time_ns dmabuf_page_align feat_find feat_probe_count feat_probes
 * ZC_FUZZ_PURE: feat_release feat_state_name feature_name fence_latency_figures fence_stats_free
 * ZC_FUZZ_PURE: ffs_event_name format_cpulist format_size free_names gadget_name_valid hmm_kind_name
 * ZC_FUZZ_PURE: hmm_prot_letter now_ns parse_cpulist parse_size parse_u64 samples_add samples_free
 * ZC_FUZZ_PURE: svc_notify_built usbhost_urbs_per_transfer
 * ZC_FUZZ_PURE: vduse_blk_features vduse_parse_features vduse_dev_path vduse_name_valid
 * ZC_FUZZ_PURE: vduse_net_features zc_stop
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_sandbox.h"
#include "fuzz.h"
#include "dmabuf.h"
#include "feature.h"
#include "fsutil.h"
#include "genl.h"
#include "hmm.h"
#include "netdev.h"
#include "notify.h"
#include "payload.h"
#include "sig.h"
#include "state.h"
#include "usb/ffs.h"
#include "usb/ffs_xfer.h"
#include "usb/gadget.h"
#include "usb/usbhost.h"
#include "failnth.h"
#include "vduse/serve.h"
#include "vduse/unserved.h"
#include "vduse/vdpa_nl.h"
#include "vduse/vduse.h"
#include "vhost/net_test.h"
#include "vhost/vdpa.h"
#include "vhost/vdpa_blk.h"
#include "vfio/dev.h"
#include "vfio/edu.h"
#include "vfio/pci.h"
#include "vhost/vhost.h"
#include "virtio/vblk.h"
#include "zcioctl.h"
#ifdef HAVE_BPF
#include "bpf/fence_stats.h"
#include "bpf/fence_trace.h"
#endif

/* stubs take the real parameters and mostly ignore them */
#pragma GCC diagnostic ignored "-Wunused-parameter"

FILE *zc_fuzz_stdin;
static bool verbose;
static unsigned n_calls;

/* The recorder: with ZC_FUZZ_VERBOSE, each library call an input reached, on stderr. */
static void record(const char *fn)
{
	n_calls++;
	if (verbose)
		fprintf(stderr, "zc_fuzz: call %u: %s\n", n_calls, fn);
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* __wrap_NAME with NAME's exact type (the assertion fails to compile when the library's changes). */
#define WRAP_DECL(type, name, params)  \
	type __wrap_##name params;     \
	_Static_assert(__builtin_types_compatible_p(__typeof__(name), __typeof__(__wrap_##name)), #name)
#define STUB(type, name, params, value)  \
	WRAP_DECL(type, name, params);   \
	type __wrap_##name params        \
	{                                \
		record(#name);           \
		return value;            \
	}
/* The same for the functions that clear their result (r) first and say why they failed (why). */
#define STUB_RUN(name, params)                                 \
	WRAP_DECL(int, name, params);                          \
	int __wrap_##name params                               \
	{                                                      \
		record(#name);                                 \
		memset(r, 0, sizeof(*r));                      \
		snprintf(why, why_len, "fuzz: no kernel");     \
		return -ENODEV;                                \
	}
/* ... and the functions whose output (out) is cleared before they can fail */
#define STUB_CLEAR(name, params, out)          \
	WRAP_DECL(int, name, params);          \
	int __wrap_##name params               \
	{                                      \
		record(#name);                 \
		memset(out, 0, sizeof(*out));  \
		return -ENODEV;                \
	}
#define STUB_VOID(name, params)        \
	WRAP_DECL(void, name, params); \
	void __wrap_##name params      \
	{                              \
		record(#name);         \
	}

/* ---- vduse ---- */
WRAP_DECL(int, vduse_create_blk, (const char *name, const struct vduse_blk_params *p));
int __wrap_vduse_create_blk(const char *name, const struct vduse_blk_params *p)
{
	record("vduse_create_blk");
	FUZZ_CHECK(vduse_name_valid(name));
	FUZZ_CHECK(p->capacity >= 512 && p->capacity % 512 == 0);
	FUZZ_CHECK(pow2(p->block_size) && p->block_size >= 512 && p->block_size <= 65536);
	FUZZ_CHECK(p->capacity % p->block_size == 0);
	FUZZ_CHECK(p->queues >= 1 && p->queues <= 64);
	FUZZ_CHECK(pow2(p->queue_size) && p->queue_size <= 32768);
	return -ENODEV;
}
WRAP_DECL(int, vduse_create_net, (const char *name, const struct vduse_net_params *p));
int __wrap_vduse_create_net(const char *name, const struct vduse_net_params *p)
{
	record("vduse_create_net");
	FUZZ_CHECK(vduse_name_valid(name));
	FUZZ_CHECK(pow2(p->queue_size) && p->queue_size <= 32768);
	FUZZ_CHECK(p->mtu == 0 || p->mtu >= 68);
	return -ENODEV;
}
WRAP_DECL(int, vduse_serve, (const struct vduse_serve_opts *o, struct vduse_serve_stats *stats, char *why,
			     size_t why_len));
int __wrap_vduse_serve(const struct vduse_serve_opts *o, struct vduse_serve_stats *stats, char *why, size_t why_len)
{
	record("vduse_serve");
	FUZZ_CHECK(vduse_name_valid(o->name));
	FUZZ_CHECK(!o->cpus || CPU_COUNT(o->cpus) > 0);
	memset(stats, 0, sizeof(*stats));
	snprintf(why, why_len, "fuzz: no kernel");
	return -ENODEV;
}
/* A machine of CPUs 0-3, whatever the host's affinity: the fuzzer's paths must not depend on it. */
WRAP_DECL(int, cpulist_allowed, (const cpu_set_t *set, int *bad, cpu_set_t *allowed));
int __wrap_cpulist_allowed(const cpu_set_t *set, int *bad, cpu_set_t *allowed)
{
	int cpu;

	record("cpulist_allowed");
	CPU_ZERO(allowed);
	for (cpu = 0; cpu < 4; cpu++)
		CPU_SET(cpu, allowed);
	*bad = -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && !CPU_ISSET(cpu, allowed)) {
			*bad = cpu;
			return -EINVAL;
		}
	return 0;
}
STUB(bool, vduse_exists, (const char *name), false)
STUB(bool, vduse_served, (const char *name), false)
STUB_CLEAR(vduse_detach_unserved, (const char *name, int (*detach)(void *arg), void *arg, struct vduse_unserved *r), r)
STUB(int, vduse_destroy, (const char *name), -ENODEV)
STUB(int, vduse_disk, (const char *name, char *disk, size_t len), -ENODEV)
STUB(int, vduse_get_attr, (const char *name, const char *attr, uint64_t *value), -ENODEV)
STUB(int, vduse_set_attr, (const char *name, const char *attr, uint64_t value), -ENODEV)
STUB(int, vduse_list, (char ***names), -ENOENT)
STUB(int, vduse_virtio_state, (const char *name, uint64_t *status, uint64_t *features), -ENODEV)
STUB(int, vduse_wait_child, (const char *name, bool net, char *out, size_t len, unsigned timeout_ms), -ENODEV)
STUB(int, vduse_netdev, (const char *name, char *ifname, size_t len), -ENODEV)
STUB(int, tap_open, (const char *name, bool vnet_hdr, int hdr_len, bool napi, struct tap *t), -ENODEV)
STUB(int, netdev_set_up, (const char *name), -ENODEV)
STUB_VOID(tap_close, (struct tap *t))
WRAP_DECL(int, vblk_backend_memory, (struct vblk_backend *b, uint64_t size));
int __wrap_vblk_backend_memory(struct vblk_backend *b, uint64_t size)
{
	record("vblk_backend_memory");
	FUZZ_CHECK(size && size % 512 == 0);
	return -ENOMEM;
}
STUB(int, vblk_backend_file, (struct vblk_backend *b, const char *path, bool readonly), -ENOENT)
STUB_VOID(vblk_backend_close, (struct vblk_backend *b))
STUB(int, genl_open, (struct genl *g, const char *family), -ENOENT)
STUB_VOID(genl_close, (struct genl *g))
STUB(int, vdpa_mgmtdev_list, (struct genl *g, struct vdpa_mgmtdev **out), -ENODEV)
STUB(int, vdpa_dev_get, (struct genl *g, const char *name, struct vdpa_dev *d), -ENODEV)
STUB(int, vdpa_dev_new_bound, (struct genl *g, const char *mgmtdev, const char *name, const char *driver), -ENODEV)
STUB(int, vdpa_dev_del, (struct genl *g, const char *name), -ENODEV)
STUB(int, vdpa_dev_driver, (const char *name, char *buf, size_t len), -ENOENT)

/* ---- vhost ---- */
STUB(int, vhost_open, (const char *path), -ENOENT)
STUB(int, vhost_get_features, (int fd, uint64_t *features), -ENODEV)
STUB(int, vhost_get_backend_features, (int fd, uint64_t *features), -ENODEV)
STUB(int, vhost_net_zcopytx, (void), -ENOENT)
STUB_RUN(vhost_net_test, (const struct vhost_net_test_opts *o, struct vhost_net_test_result *r, char *why,
			  size_t why_len))
STUB(int, vhost_vdpa_chardev, (const char *vdpa_name, char *dev, size_t len), -ENOENT)
STUB(int, vhost_vdpa_holder, (const char *chardev, char *comm, size_t len), 0)
STUB(int, vhost_vdpa_resolve, (const char *name, char *path, size_t len), -ENOENT)
STUB_RUN(vdpa_blk_run, (const struct vdpa_blk_opts *o, struct vdpa_blk_result *r, char *why, size_t why_len))
STUB(int, sink_cleanup, (void), -ENODEV)

/* ---- vfio ---- */
STUB(int, vfio_pci_name, (const char *in, char *dev, size_t len), -ENOENT)
STUB_CLEAR(vfio_member_read, (const char *dev, struct vfio_member *m), m)
STUB(int, vfio_device_group, (const char *dev, unsigned *group), -ENOENT)
STUB(int, vfio_groups, (struct vfio_group **groups), -ENODEV)
STUB_VOID(vfio_groups_free, (struct vfio_group *groups, int n))
STUB(const char *, vfio_no_groups_reason, (void), NULL)
STUB(int, vfio_noiommu_enabled, (void), -ENOENT)
STUB(bool, kernel_tainted_user, (void), false)
STUB(int, vfio_group_reserved, (unsigned group, char *buf, size_t len), -ENOENT)
WRAP_DECL(void, vfio_pci_recorded, (const char *dev, char *driver, size_t len));
void __wrap_vfio_pci_recorded(const char *dev, char *driver, size_t len)
{
	record("vfio_pci_recorded");
	driver[0] = 0;
}
WRAP_DECL(int, vfio_pci_bind, (const char *dev, char *old, size_t len));
int __wrap_vfio_pci_bind(const char *dev, char *old, size_t len)
{
	record("vfio_pci_bind");
	old[0] = 0;
	return -ENODEV;
}
WRAP_DECL(int, vfio_pci_unbind, (const char *dev, bool restore, char *now, size_t len, int *holder));
int __wrap_vfio_pci_unbind(const char *dev, bool restore, char *now, size_t len, int *holder)
{
	record("vfio_pci_unbind");
	now[0] = 0;
	*holder = 0;
	return -ENXIO;
}
WRAP_DECL(int, vfio_dev_open, (struct vfio_dev *d, const char *dev, enum vfio_path path, const char **why));
int __wrap_vfio_dev_open(struct vfio_dev *d, const char *dev, enum vfio_path path, const char **why)
{
	record("vfio_dev_open");
	memset(d, 0, sizeof(*d));
	*why = "fuzz: no kernel";
	return -ENODEV;
}
STUB_VOID(vfio_dev_close, (struct vfio_dev *d))
STUB(int, vfio_group_holder, (unsigned id), 0)
WRAP_DECL(int, vfio_container_borrow, (struct vfio_dev *d, unsigned group, int *holder, const char **why));
int __wrap_vfio_container_borrow(struct vfio_dev *d, unsigned group, int *holder, const char **why)
{
	record("vfio_container_borrow");
	memset(d, 0, sizeof(*d));
	*holder = 0;
	*why = "fuzz: no kernel";
	return -ENOENT;
}
STUB(int, vfio_dev_bind_process, (struct vfio_dev *d, int pid, uint32_t *pasid), -ENOTTY)
STUB(int, vfio_dev_unbind_process, (struct vfio_dev *d, int pid), -ENOTTY)
STUB(int, vfio_dev_iova_ranges, (struct vfio_dev *d, struct zc_iova_range *r, unsigned max), -ENODEV)
STUB_CLEAR(vfio_dev_region, (struct vfio_dev *d, unsigned index, struct vfio_region *r), r)
STUB_CLEAR(vfio_dev_irq, (struct vfio_dev *d, unsigned index, struct vfio_irq *i), i)
STUB_RUN(edu_dma_run, (const struct edu_dma_opts *o, struct edu_dma_result *r, char *why, size_t why_len))
STUB_RUN(edu_bind_run, (const struct edu_bind_opts *o, struct edu_bind_result *r, char *why, size_t why_len))

/* ---- ffs, gadgets, USB host ---- */
WRAP_DECL(int, gadget_create, (const struct gadget_config *c));
int __wrap_gadget_create(const struct gadget_config *c)
{
	record("gadget_create");
	FUZZ_CHECK(gadget_name_valid(c->name));
	return -ENOENT;
}
STUB(bool, gadget_exists, (const char *name), false)
STUB(int, gadget_mount_ffs, (const char *name, const char *dir), -ENODEV)
STUB(int, gadget_bind, (const char *name, const char *udc), -ENODEV)
STUB(int, gadget_unbind, (const char *name), -ENODEV)
STUB(int, gadget_udc, (const char *name, char *buf, size_t len), -ENODEV)
STUB(int, gadget_teardown, (const char *name), -ENODEV)
STUB(int, gadget_list, (char ***names), -ENOENT)
STUB_CLEAR(gadget_info, (const char *name, struct gadget_info *info), info)
STUB_VOID(gadget_info_free, (struct gadget_info *info))
STUB(int, ffs_write_descriptors, (int ep0, unsigned n_in, unsigned n_out, const char *interface_name), -ENODEV)
STUB(int, ffs_read_event, (int ep0, struct ffs_event *ev), -ENODEV)
STUB(int, ffs_stall, (int ep0, const struct ffs_event *setup), -ENODEV)
STUB(int, ffs_dmabuf_attach, (int ep, int dmabuf_fd), -ENODEV)
STUB(int, ffs_dmabuf_detach, (int ep, int dmabuf_fd), -ENODEV)
STUB(int, ffs_dmabuf_transfer, (int ep, int dmabuf_fd, uint64_t length), -ENODEV)
STUB_CLEAR(ffs_xfer_run, (int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r), r)
STUB_VOID(ffs_xfer_result_free, (struct ffs_xfer_result *r))
STUB(int, usbhost_open, (struct usbhost *u, const struct usbhost_match *m, int interface, int ep, bool in), -ENODEV)
STUB_VOID(usbhost_close, (struct usbhost *u))
STUB(int, usbhost_stream, (struct usbhost *u, size_t size, uint64_t count, unsigned depth, unsigned timeout_ms,
			   usbhost_chunk_fn on_chunk, void *arg, uint64_t *bytes), -ENODEV)
STUB(int, payload_open, (struct payload *p, const char *path, bool send), -ENOENT)
STUB(int, payload_fill, (struct payload *p, void *buf, size_t len, uint64_t off), -EIO)
STUB(int, payload_take, (struct payload *p, const void *buf, size_t len, size_t want, uint64_t off), -EIO)
STUB_VOID(payload_close, (struct payload *p))

/* ---- dmabufs and fences ---- */
STUB(int, dmabuf_alloc, (enum dmabuf_heap heap, size_t size, struct dmabuf *b), -ENODEV)
STUB_VOID(dmabuf_free, (struct dmabuf *b))
STUB(int, dmabuf_export_sync_file, (const struct dmabuf *b, bool write, int *fd), -ENODEV)
STUB(int, dmabuf_wait_fd, (int fd, bool write, int timeout_ms), -ENODEV)
STUB(int, sync_file_status, (int sync_fd, struct fence_status *st), -ENODEV)
#ifdef HAVE_BPF
WRAP_DECL(int, fence_trace_start, (const struct fence_trace_opts *o, struct fence_trace **out, char *why,
				   size_t why_len));
int __wrap_fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why, size_t why_len)
{
	record("fence_trace_start");
	snprintf(why, why_len, "fuzz: no kernel");
	return -ENOENT;
}
STUB(enum fence_trace_mode, fence_trace_mode, (const struct fence_trace *t), 0)
STUB(unsigned, fence_trace_events, (const struct fence_trace *t), 0)
STUB(int, fence_trace_poll, (struct fence_trace *t, int timeout_ms, int (*cb)(void *arg, const struct fence_event *e),
			     void *arg), -ENODEV)
STUB(uint64_t, fence_trace_lost, (struct fence_trace *t), 0)
STUB(uint64_t, fence_trace_taken, (const struct fence_trace *t), 0)
STUB_CLEAR(fence_trace_read, (struct fence_trace *t, struct fence_stats *out), out)
STUB_VOID(fence_trace_stop, (struct fence_trace *t))
#endif

/* ---- mm ---- */
STUB(int, hmm_list, (struct hmm_device_info *out, unsigned max), -ENOENT)
STUB_RUN(hmm_exclusive, (const struct hmm_exclusive_opts *o, struct hmm_exclusive_result *r, char *why,
			 size_t why_len))
STUB_RUN(hmm_race, (const struct hmm_race_opts *o, struct hmm_race_result *r, char *why, size_t why_len))
/* perm stands in for r: the first byte of the map */
STUB_RUN(hmm_snapshot, (const struct hmm_snapshot_opts *o, uint8_t *r, char *why, size_t why_len))

/* ---- files, state, signals, features ---- */
STUB(bool, path_exists, (const char *path), false)
STUB(bool, fail_nth_arm_from_env, (void), false)
STUB(bool, fail_nth_unreached, (long *made), false)
STUB(int, svc_notify, (const char *state), 0)	/* as without a service manager */
STUB(bool, block_in_use, (const char *disk), false)
STUB(int, state_claim, (const char *kind, const char *name), -EACCES)
STUB(pid_t, state_owner, (const char *kind, const char *name), 0)
STUB_VOID(state_release, (const char *kind, const char *name))
STUB(int, state_stop_owner, (const char *kind, const char *name, int timeout_ms), -ESRCH)
STUB_VOID(sig_catch_stop, (void))
STUB_VOID(sig_restore, (void))
STUB_VOID(sig_block_stop, (struct sig_stop_mask *m))
STUB_VOID(sig_unblock_stop, (const struct sig_stop_mask *m))
STUB(int, sig_poll_until_stop, (int fd, const struct sig_stop_mask *m, int (*on_ready)(void *arg), void *arg,
				bool *poll_failed), -ENODEV)
/* a probe that could not look: what feature prints for an interface it cannot see */
WRAP_DECL(void, feat_run, (const struct feat_probe *p, struct feat *f));
void __wrap_feat_run(const struct feat_probe *p, struct feat *f)
{
	record("feat_run");
	memset(f, 0, sizeof(*f));
	f->name = p->name;
	f->desc = p->desc;
	f->state = FEAT_UNKNOWN;
	snprintf(f->why, sizeof(f->why), "fuzz: not probed");
}

/* ---- the system calls of the object files ---- */

/* An endpoint file opens as /dev/null: commands go on to their steps, and nothing real is touched. */
int zc_fuzz_open(const char *path, int flags, ...)
{
	record("open");
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

int zc_fuzz_access(const char *path, int mode)
{
	record("access");
	errno = ENOENT;
	return -1;
}

int zc_fuzz_usleep(useconds_t usec)
{
	record("usleep");
	return 0;
}

int zc_fuzz_nanosleep(const struct timespec *req, struct timespec *rem)
{
	record("nanosleep");
	return 0;
}

/* Batch files: none (fuzz_batch feeds `-b -` through zc_fuzz_stdin). */
FILE *zc_fuzz_fopen(const char *path, const char *mode)
{
	record("fopen");
	errno = ENOENT;
	return NULL;
}

/* ---- for the harnesses ---- */

/* fuzz_cmdline and fuzz_batch: once, silence stdout and stderr (unless ZC_FUZZ_VERBOSE is set). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null;
	int fd;

	(void)argc;
	(void)argv;
	verbose = getenv("ZC_FUZZ_VERBOSE") != NULL;
	if (verbose)
		return 0;
	/* text and JSON go to stdout, errors to stderr; libFuzzer keeps its own copy of stderr */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	null = fopen("/dev/null", "we");
	if (fd < 0 || !null || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	stderr = null;
	return 0;
}

/* The lowest free descriptor: the same before and after a command, or it leaked one. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

int zc_fuzz_cli_run(int argc, char **argv)
{
	int fd = lowest_free_fd(), ret;

	memset(&g_opts, 0, sizeof(g_opts));
	optind = 0;	/* glibc: start getopt afresh */
	n_calls = 0;
	ret = zcioctl_main(argc, argv);
	FUZZ_CHECK(lowest_free_fd() == fd);
	return ret;
}

int zc_fuzz_words(const uint8_t *data, size_t size, char *buf, char **argv, int max)
{
	char *start = buf;
	int argc = 1;
	size_t i;

	argv[0] = "zcioctl";
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; size && i <= size && argc < max - 1; i++) {
		if (i < size && buf[i] != '\n' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (i == size && start == buf + size)
			break;	/* a trailing separator ends the last word, it starts no empty one */
		argv[argc++] = start;
		start = buf + i + 1;
	}
	argv[argc] = NULL;
	return argc;
}
