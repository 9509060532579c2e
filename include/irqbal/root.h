/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Every file irqbald touches is named by its absolute path on a real machine
 * ("/proc/interrupts") and reached through a root, so that tests and the simulator
 * can run the daemon on a fake tree (--root DIR). */
struct irqbal_root {
        char *path;  /* "/" or a directory without a trailing slash */
        int dirfd;
};

/* The kernel's IRQ directory (one subdirectory per IRQ, default_smp_affinity), for
 * every path built under it, the tests' included. */
#define PROC_IRQ "/proc/irq"

/* A buffer reused across reads, so that steady-state cycles do not allocate. */
struct textbuf {
        char *data;  /* NUL-terminated */
        size_t len;
        size_t cap;
};

int root_open(struct irqbal_root *root, const char *path);
void root_close(struct irqbal_root *root);
/* True when the root is the real "/" (hwloc then discovers the live machine). */
int root_is_host(const struct irqbal_root *root);

/* The path under the root, for messages and for libraries that take a path; malloc'd. */
char *root_path(const struct irqbal_root *root, const char *abspath);

int root_openat(const struct irqbal_root *root, const char *abspath, int flags);
int root_stat(const struct irqbal_root *root, const char *abspath, struct stat *ret);
int root_opendir(const struct irqbal_root *root, const char *abspath, DIR **ret);
int root_readlink(const struct irqbal_root *root, const char *abspath, char **ret);

/* Reads a whole file (procfs files report size 0, so it reads until EOF). */
int root_read_buf(const struct irqbal_root *root, const char *abspath, struct textbuf *buf);
int root_read_file(const struct irqbal_root *root, const char *abspath, char **ret);
/* Reads all of the open file FD again, from offset 0: a procfs file kept open (a
 * seq_file) generates its text anew for a read from the start. */
int textbuf_reread(int fd, struct textbuf *buf);
/* Reads up to SIZE - 1 bytes into BUF, NUL-terminated, without allocating; *RET_LEN is
 * SIZE - 1 when the file may hold more. */
int root_read_into(const struct irqbal_root *root, const char *abspath, char *buf, size_t size,
                   size_t *ret_len);
/* The first line without its newline and surrounding blanks, as a string of its own
 * size; -EFBIG when the file's first page holds no line end. */
int root_read_line(const struct irqbal_root *root, const char *abspath, char **ret);
/* Writes a string in one write(2), as sysfs and procfs want it. */
int root_write_file(const struct irqbal_root *root, const char *abspath, const char *s);

void textbuf_done(struct textbuf *buf);
