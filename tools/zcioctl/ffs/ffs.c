// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs: FunctionFS gadgets, DMABUF zero-copy transfers, and the USB host side. */
#include "config.h"

#include "ffs/ffs.h"
#include "zcioctl.h"

static const struct cmd ffs_cmds[] = {
	{ "up", ffs_cmd_up,
	  "NAME [vid ID] [pid ID] [manufacturer S] [product S] [serial S] [in N] [out N] "
	  "[speed full|high|super] [udc NAME|auto] [mount DIR]",
	  "create a FunctionFS gadget, bind it and serve ep0 until SIGINT/SIGTERM" },
	{ "down", ffs_cmd_down, "NAME", "stop the 'ffs up' of NAME and remove everything it made" },
	{ "list", ffs_cmd_list, "", "list the configfs gadgets, their UDC, functions and owner" },
	{ "transfer", ffs_cmd_transfer,
	  "EPFILE [size SIZE] [count N] [buffers N] [heap udmabuf|system] "
	  "[pattern SEED | file PATH | nodata] [verify] [mode dmabuf|copy] [wait poll|sync-file] "
	  "[timeout MS] [trace]",
	  "move data through a data endpoint with DMABUFs (zero copy) or read/write" },
	{ "dmabuf", ffs_cmd_dmabuf, "EPFILE STEP [expect RESULT]...",
	  "drive the DMABUF ioctls step by step: alloc N [size SIZE] [heap H], attach I, detach I, "
	  "transfer I [length L], wait I [timeout MS], status I, free I, close, reopen, sleep MS, unbind GADGET" },
	{ "peer", ffs_cmd_peer,
	  "[VID:PID] [bus B dev D] [interface N] [ep ADDR] [read|write] [size SIZE] [count N] "
	  "[depth N] [pattern SEED | file PATH | nodata] [verify] [timeout MS]",
	  "the USB host side: bulk transfers to or from the gadget through libusb" },
	{ 0 },
};

const struct object ffs_object = { "ffs", ffs_cmds, NULL, "FunctionFS gadgets and DMABUF transfers" };
