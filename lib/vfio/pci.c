// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/pci.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "state.h"
#include "vfio.h"

#define TAINT_USER 6	/* the kernel's taint bit for what userspace forced, no-IOMMU VFIO among it */

/* Drivers that leave DMA to whoever owns the group (driver_managed_dma in the kernel). */
static bool dma_safe_driver(const char *driver)
{
	static const char *const safe[] = { VFIO_PCI_DRIVER, "pci-stub", "pcieport" };
	size_t i;

	if (!driver[0])
		return true;
	for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (!strcmp(driver, safe[i]))
			return true;
	return false;
}

int vfio_pci_name(const char *in, char *dev, size_t len)
{
	char path[96];
	size_t i;

	for (i = 0; in[i]; i++)
		if (!isxdigit((unsigned char)in[i]) && in[i] != ':' && in[i] != '.')
			return -ENOENT;
	/* 00:04.0 is domain 0 */
	snprintf(dev, len, "%s%s", strlen(in) == 7 ? "0000:" : "", in);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", dev);
	return i && i < 16 && path_exists(path) ? 0 : -ENOENT;
}

/* The basename a sysfs link points to, "" when there is no link. */
static void link_name(const char *path, char *out, size_t len)
{
	if (link_basename(path, out, len))
		out[0] = 0;
}

static void read_attr(const char *dev, const char *attr, char *out, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", dev, attr);
	if (read_text(path, out, len))
		out[0] = 0;
}

int vfio_member_read(const char *dev, struct vfio_member *m)
{
	char path[128], text[32], **names;
	int n, i;

	memset(m, 0, sizeof(*m));
	snprintf(m->dev, sizeof(m->dev), "%s", dev);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", dev);
	if (!path_exists(path))
		return -ENOENT;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", dev);
	link_name(path, m->driver, sizeof(m->driver));
	read_attr(dev, "driver_override", m->override, sizeof(m->override));
	if (!strcmp(m->override, "(null)"))
		m->override[0] = 0;
	m->dma_safe = dma_safe_driver(m->driver);
	read_attr(dev, "vendor", text, sizeof(text));
	m->vendor = strtoul(text, NULL, 16);
	read_attr(dev, "device", text, sizeof(text));
	m->device = strtoul(text, NULL, 16);
	/* vfio-pci's cdev: .../vfio-dev/vfioN */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev", dev);
	n = list_dir(path, &names);
	for (i = 0; i < n; i++)
		if (!strncmp(names[i], "vfio", 4))
			snprintf(m->cdev, sizeof(m->cdev), "%s", names[i]);
	if (n >= 0)
		free_names(names, n);
	return 0;
}

int vfio_device_group(const char *dev, unsigned *group)
{
	char path[128], name[32];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", dev);
	link_name(path, name, sizeof(name));
	if (!name[0])
		return -ENOENT;
	*group = strtoul(name, NULL, 10);
	return 0;
}

void vfio_group_free(struct vfio_group *g)
{
	free(g->m);
	g->m = NULL;
	g->n = 0;
}

int vfio_group_read(unsigned id, struct vfio_group *g)
{
	char path[128], name[32], **devs;
	int n, i;

	memset(g, 0, sizeof(*g));
	g->id = id;
	g->blocker = -1;
	snprintf(path, sizeof(path), IOMMU_GROUPS "/%u/type", id);
	if (read_text(path, g->type, sizeof(g->type)))
		g->type[0] = 0;
	snprintf(path, sizeof(path), IOMMU_GROUPS "/%u/name", id);
	g->noiommu = !read_text(path, name, sizeof(name)) && !strcmp(name, "vfio-noiommu");
	snprintf(g->node, sizeof(g->node), VFIO_DEV_DIR "/%s%u", g->noiommu ? "noiommu-" : "", id);
	if (!path_exists(g->node))
		g->node[0] = 0;
	snprintf(path, sizeof(path), IOMMU_GROUPS "/%u/devices", id);
	n = list_dir(path, &devs);
	if (n < 0)
		return n;
	g->m = calloc(n ? n : 1, sizeof(*g->m));
	if (!g->m) {
		free_names(devs, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (!vfio_member_read(devs[i], &g->m[g->n]))
			g->n++;
	free_names(devs, n);
	g->viable = true;
	for (i = 0; i < (int)g->n && g->viable; i++)
		if (!g->m[i].dma_safe) {
			g->viable = false;
			g->blocker = i;
		}
	return 0;
}

static int by_number(const void *a, const void *b)
{
	const struct vfio_group *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void vfio_groups_free(struct vfio_group *groups, int n)
{
	int i;

	for (i = 0; i < n; i++)
		vfio_group_free(&groups[i]);
	free(groups);
}

int vfio_groups(struct vfio_group **groups)
{
	char **ids;
	int n = list_dir(IOMMU_GROUPS, &ids), i, err = 0;

	if (n == -ENOENT)
		n = 0, ids = NULL;
	if (n < 0)
		return n;
	*groups = calloc(n ? n : 1, sizeof(**groups));
	if (!*groups)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = vfio_group_read(strtoul(ids[i], NULL, 10), &(*groups)[i]);
	if (ids)
		free_names(ids, n);
	if (err) {
		vfio_groups_free(*groups, i);
		return err;
	}
	qsort(*groups, n, sizeof(**groups), by_number);
	return n;
}

int vfio_noiommu_enabled(void)
{
	char text[8];
	int err = read_text(VFIO_NOIOMMU_PARAM, text, sizeof(text));

	return err ? err : text[0] == 'Y' || text[0] == '1';
}

const char *vfio_no_groups_reason(void)
{
	if (!dir_is_empty(IOMMU_GROUPS) || vfio_noiommu_enabled() == 1)
		return NULL;
	if (dir_is_empty("/sys/class/iommu"))
		return "no IOMMU is active: boot with intel_iommu=on (or amd_iommu=on) on a machine that has one, "
		       "or, unsafe, vfio.enable_unsafe_noiommu_mode=1";
	return "the IOMMU made no group: no device is behind it";
}

bool kernel_tainted_user(void)
{
	uint64_t taint;

	return !read_u64_file("/proc/sys/kernel/tainted", &taint) && (taint & (1ULL << TAINT_USER));
}

/* ---- binding ---- */

static void record_path(const char *dev, char *path, size_t len)
{
	snprintf(path, len, STATE_DIR "/vfio/%s.driver", dev);
}

void vfio_pci_recorded(const char *dev, char *driver, size_t len)
{
	char path[128];

	record_path(dev, path, sizeof(path));
	if (read_text(path, driver, len))
		driver[0] = 0;
}

static int set_override(const char *dev, const char *driver)
{
	char path[128];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", dev);
	/* an empty line clears it */
	return write_text(path, driver[0] ? driver : "\n");
}

static int probe(const char *dev)
{
	return write_text("/sys/bus/pci/drivers_probe", dev);
}

static int unbind_from(const char *dev, const char *driver)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", driver);
	return write_text(path, dev);
}

int vfio_pci_bind(const char *dev, char *old, size_t len)
{
	struct vfio_member m;
	char path[128];
	unsigned group;
	int err;

	if ((err = vfio_member_read(dev, &m)))
		return err;
	snprintf(old, len, "%s", m.driver);
	if (!strcmp(m.driver, VFIO_PCI_DRIVER))
		return -EBUSY;
	if (!path_exists("/sys/bus/pci/drivers/" VFIO_PCI_DRIVER))
		return -EOPNOTSUPP;
	/* vfio-pci would refuse it: no IOMMU group and no no-IOMMU mode */
	if (vfio_device_group(dev, &group) && vfio_noiommu_enabled() != 1)
		return -ENODEV;
	if ((err = set_override(dev, VFIO_PCI_DRIVER)))
		return err;
	if (m.driver[0] && (err = unbind_from(dev, m.driver))) {
		set_override(dev, "");
		return err;
	}
	err = probe(dev);
	vfio_member_read(dev, &m);
	if (!err && strcmp(m.driver, VFIO_PCI_DRIVER))
		err = -EIO;
	if (err) {
		/* nothing half-done: no override left, the old driver (if any) probed again */
		set_override(dev, "");
		probe(dev);
		return err;
	}
	if (!state_mkdir("vfio")) {
		record_path(dev, path, sizeof(path));
		write_text(path, old[0] ? old : "\n");
	}
	return 0;
}

int vfio_group_holder(unsigned id)
{
	char node[64], comm[32];
	int pid;

	snprintf(node, sizeof(node), VFIO_DEV_DIR "/%u", id);
	pid = fd_holder(node, comm, sizeof(comm));
	if (pid <= 0) {
		snprintf(node, sizeof(node), VFIO_DEV_DIR "/noiommu-%u", id);
		pid = fd_holder(node, comm, sizeof(comm));
	}
	return pid > 0 ? pid : 0;
}

/* Whoever holds the device's group node or its cdev open: a pid, or 0. */
static int vfio_holder(const char *dev, const struct vfio_member *m)
{
	char node[64], comm[32];
	unsigned group;
	int pid = 0;

	if (!vfio_device_group(dev, &group))
		pid = vfio_group_holder(group);
	if (!pid && m->cdev[0]) {
		snprintf(node, sizeof(node), VFIO_DEV_DIR "/devices/%s", m->cdev);
		pid = fd_holder(node, comm, sizeof(comm));
	}
	return pid > 0 ? pid : 0;
}

int vfio_pci_unbind(const char *dev, bool restore, char *now, size_t len, int *holder)
{
	struct vfio_member m;
	char path[128], recorded[64];
	int err;

	now[0] = 0;
	*holder = 0;
	if ((err = vfio_member_read(dev, &m)))
		return err;
	if (strcmp(m.driver, VFIO_PCI_DRIVER))
		return -ENXIO;
	if ((*holder = vfio_holder(dev, &m)))
		return -EBUSY;
	if ((err = unbind_from(dev, VFIO_PCI_DRIVER)) || (err = set_override(dev, "")))
		return err;
	vfio_pci_recorded(dev, recorded, sizeof(recorded));
	if (restore) {
		probe(dev);
		vfio_member_read(dev, &m);
		/* a driver it had that does not match it by itself (new_id, its own override) */
		if (recorded[0] && strcmp(m.driver, recorded)) {
			snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", recorded);
			if (!m.driver[0])
				write_text(path, dev);
		}
	}
	record_path(dev, path, sizeof(path));
	unlink(path);
	vfio_member_read(dev, &m);
	snprintf(now, len, "%s", m.driver);
	return 0;
}
