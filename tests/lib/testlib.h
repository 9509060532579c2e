/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <check.h>
#include <stdbool.h>

#include "irqbal/macro.h"

/* Each test program defines its suite; tests/lib/check-main.c runs it and speaks TAP. */
Suite *test_suite(void);

/* ../shared next to the source tree (override with $SHARED_DIR). */
const char *tl_shared_dir(void);
/* $TOP_SRCDIR/tests/data/REL, malloc'd. */
char *tl_data_path(const char *rel);

/* A fresh directory under $TMPDIR; tl_rmtree() removes it and everything below. */
char *tl_mkdtemp(void);
void tl_rmtree(const char *path);

/* Writes DIR/REL (creating parent directories) with printf-formatted content. */
void tl_write(const char *dir, const char *rel, const char *fmt, ...) _printf_(3, 4);
/* Creates a symlink DIR/REL -> TARGET (creating parent directories). */
void tl_symlink(const char *dir, const char *rel, const char *target);
/* Reads a whole file; aborts the test if it cannot. */
char *tl_read(const char *path);
/* Unpacks a topology capture NAME.tar.bz2 from ../shared/topologies into a new
 * temporary directory (*ret_tmpdir, for tl_rmtree) and returns the directory inside
 * it that holds the capture's sys/ and proc/. */
char *tl_unpack_capture(const char *name, char **ret_tmpdir);
/* A datagram socket bound at PATH, as systemd's NOTIFY_SOCKET: the test reads what the
 * daemon sends with sd_notify(). Aborts the test if it cannot. */
int tl_notify_socket(const char *path);
/* NAME ("default_smp_affinity", "26") in FAKE_ROOT's PROC_IRQ (irqbal/root.h), malloc'd:
 * the code under test runs with a root, so its IRQ files are these, never the
 * machine's. */
char *tl_proc_irq_file(const char *fake_root, const char *name);
/* IRQ/FILE in FAKE_ROOT's PROC_IRQ, malloc'd. */
char *tl_irq_file(const char *fake_root, unsigned irq, const char *file);
/* Writes those two (creating directories) with printf-formatted content. */
void tl_write_proc_irq(const char *fake_root, const char *name, const char *fmt, ...) _printf_(3, 4);
void tl_write_irq_file(const char *fake_root, unsigned irq, const char *file, const char *fmt, ...)
        _printf_(4, 5);
/* Gives IRQ under FAKE_ROOT the masks of an IRQ nobody placed yet: smp_affinity_list
 * LIST and smp_affinity HEX. */
void tl_write_irq_masks(const char *fake_root, unsigned irq, const char *list, const char *hex);
