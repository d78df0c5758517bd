/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A userspace virtio-blk or virtio-net device behind VDUSE (which one, the device's record from
 * `create` says; lib/vduse/serve_net.c has the net side): the control message loop (SET_STATUS,
 * UPDATE_IOTLB, GET_VQ_STATE) in the calling thread, the virtqueues in threads woken by eventfd
 * kicks, interrupts injected with VDUSE_VQ_INJECT_IRQ. A blk device's requests are handled by
 * several threads as they arrive and completed in the order they were taken (serve_blk.c).
 *
 * Restart after a crash: the kernel keeps the device, its rings and the driver's requests while
 * nobody serves it. Requests are completed in order on each queue, so the ring's used index is
 * exactly where a new server resumes: everything the driver made available past it is taken
 * (again) and completed, each completed request once. A small record of our own
 * (/run/zcioctl/vduse/NAME.inflight) says how far the last server had taken each queue, which
 * tells how many requests were in flight when it died.
 */
#ifndef ZC_VDUSE_SERVE_H
#define ZC_VDUSE_SERVE_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/vblk.h"

enum vduse_serve_event {
	VDUSE_SERVE_READY,	/* the device is open: attach it now */
	VDUSE_SERVE_STARTED,	/* the driver set DRIVER_OK: queues served */
	VDUSE_SERVE_RESUMED,	/* a driver was already running: queues served from where they were */
	VDUSE_SERVE_RESET,	/* the driver reset the device: queues stopped */
	VDUSE_SERVE_STOPPING,	/* SIGINT or SIGTERM: the requests in flight are being completed */
};

/* A net device's frames; errors are chains the driver got wrong or the tap refused. */
struct vnet_counters {
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t tx_errors, rx_errors;
	uint64_t rx_buffers;	/* receive buffers the frames took: more than frames with MRG_RXBUF */
	uint64_t rx_spilled;	/* frames longer than the buffers taken for them: copied in part or whole */
	uint64_t tx_unsent;	/* chains a killed server had taken, completed unsent on resume */
	uint64_t offload_errors;	/* the tap refused the offloads the driver took (TUNSETOFFLOAD) */
};

struct vduse_serve_stats {
	struct vblk_counters blk;
	struct vnet_counters net;
	uint64_t kicks;			/* eventfd wakeups */
	uint64_t irqs;			/* interrupts injected */
	uint64_t polled;		/* requests found by busy polling, without a kick */
	uint64_t in_flight_peak;	/* blk: the most requests a queue had taken and not completed */
	uint64_t held;			/* blk: requests done before an earlier one, held back to complete in order */
	uint64_t messages;		/* control messages answered */
	uint64_t iotlb_updates;
	uint64_t iotlb_maps;		/* regions mmap'ed */
	uint64_t resets;
	uint64_t resubmitted;		/* requests a dead server had taken and not completed */
	uint64_t features;		/* negotiated, once the driver is running */
	unsigned vqs;			/* virtqueues of the device */
	unsigned served_vqs;		/* of which the driver enabled */
	bool resumed;
};

struct vduse_serve_opts {
	const char *name;
	const struct vblk_backend *backend;	/* a blk device's, else NULL */
	/* a net device's: a tap with IFF_VNET_HDR and a 12-byte header (tap_open()), else -1 */
	int tap_fd;
	unsigned threads;	/* groups of threads, each serving every threads-th queue; 0 means 1 */
	unsigned io_threads;	/* threads of each group; 0: one per CPU, up to 4 */
	unsigned poll_us;	/* an idle thread looks for more requests this long before sleeping; 0: sleep at once */
	/*
	 * The CPUs to run on, or NULL: I/O thread n (across groups, in order) is pinned to the n-th
	 * CPU of the set, round; the calling thread, which answers the control messages, runs on any
	 * of them until vduse_serve() returns (then on what sched_getaffinity() said at the start:
	 * CPUs offline then are not given back). With io_threads 0, a blk group has a thread per CPU
	 * of the set, up to 4. Every CPU must be one the caller may run on (-EINVAL otherwise).
	 */
	const cpu_set_t *cpus;
	/* called from the control thread; stats are a snapshot */
	void (*on_event)(void *arg, enum vduse_serve_event ev, const struct vduse_serve_stats *stats);
	void *arg;
};

/*
 * Serve until SIGINT or SIGTERM (0) or a failure (-errno, with why filled): -ENOENT no such
 * device, -EBUSY somebody serves it already, -EMEDIUMTYPE a net device without a tap or a blk
 * device without a backend (or one whose type was not recorded), -EINVAL a CPU of cpus the
 * caller may not run on (offline, or outside its affinity). In-flight requests are completed
 * before return.
 */
int vduse_serve(const struct vduse_serve_opts *o, struct vduse_serve_stats *stats, char *why, size_t why_len);

#endif
