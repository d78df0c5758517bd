// SPDX-License-Identifier: GPL-2.0-or-later
#include "hmm.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"

void hmm_probe(struct feat *f)
{
	int fd = feat_open_dev(f, HMM_DMIRROR_DEV "0", O_RDWR, "TEST_HMM", "test_hmm", 5, 14);
	char **names;
	int n, i, mirrors = 0;

	if (fd >= 0)
		close(fd);
	n = list_dir("/dev", &names);
	for (i = 0; i < n; i++)
		mirrors += !strncmp(names[i], HMM_DMIRROR_NAME, strlen(HMM_DMIRROR_NAME));
	if (n >= 0)
		free_names(names, n);
	feat_attr_num(f, "devices", FA_NUM, mirrors);
}
