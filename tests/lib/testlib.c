/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/root.h"
#include "testlib.h"

static const char *top_srcdir(void)
{
        const char *s = getenv("TOP_SRCDIR");
        return s ? s : TOP_SRCDIR;
}

const char *tl_shared_dir(void)
{
        static char path[4096];
        const char *s = getenv("SHARED_DIR");

        if (s)
                return s;
        snprintf(path, sizeof(path), "%s/../shared", top_srcdir());
        return path;
}

char *tl_data_path(const char *rel)
{
        char *s;

        ck_assert_int_ge(asprintf(&s, "%s/tests/data/%s", top_srcdir(), rel), 0);
        return s;
}

char *tl_mkdtemp(void)
{
        const char *tmp = getenv("TMPDIR");
        char *s;

        ck_assert_int_ge(asprintf(&s, "%s/irqbal-test.XXXXXX", tmp ? tmp : "/tmp"), 0);
        ck_assert_ptr_nonnull(mkdtemp(s));
        return s;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        /* Captures unpack read-only directories; make them writable to empty them. */
        if (flag == FTW_DP)
                chmod(path, 0700);
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void tl_rmtree(const char *path)
{
        if (path)
                nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_parents(const char *path)
{
        char *copy = strdup(path);
        char *dir = dirname(copy);
        struct stat st;

        if (stat(dir, &st) < 0) {
                mkdir_parents(dir);
                ck_assert_msg(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir %s: %m", dir);
        }
        free(copy);
}

static void write_path(const char *path, const char *fmt, va_list ap)
{
        FILE *f;

        mkdir_parents(path);
        f = fopen(path, "we");
        ck_assert_msg(f, "open %s: %m", path);
        vfprintf(f, fmt, ap);
        ck_assert_int_eq(fclose(f), 0);
}

void tl_write(const char *dir, const char *rel, const char *fmt, ...)
{
        char *path;
        va_list ap;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, rel), 0);
        va_start(ap, fmt);
        write_path(path, fmt, ap);
        va_end(ap);
        free(path);
}

void tl_symlink(const char *dir, const char *rel, const char *target)
{
        char *path;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, rel), 0);
        mkdir_parents(path);
        ck_assert_msg(symlink(target, path) == 0, "symlink %s: %m", path);
        free(path);
}

char *tl_read(const char *path)
{
        FILE *f = fopen(path, "re");
        char *s = NULL;
        size_t len = 0;

        ck_assert_msg(f, "open %s: %m", path);
        ck_assert_int_ge(getdelim(&s, &len, 0, f), 0);
        fclose(f);
        return s;
}

char *tl_unpack_capture(const char *name, char **ret_tmpdir)
{
        char *tmp = tl_mkdtemp(), *cmd, *found = NULL;
        FILE *p;
        char line[4096];

        ck_assert_int_ge(asprintf(&cmd, "tar -C '%s' -xjf '%s/topologies/%s.tar.bz2' && "
                                        "find '%s' -mindepth 1 -maxdepth 1 -type d",
                                  tmp, tl_shared_dir(), name, tmp), 0);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        /* The archive holds one directory, whose name need not match the file's. */
        if (fgets(line, sizeof(line), p)) {
                line[strcspn(line, "\n")] = 0;
                found = strdup(line);
        }
        ck_assert_int_eq(pclose(p), 0);
        ck_assert_msg(found, "capture %s unpacked nothing", name);
        free(cmd);
        *ret_tmpdir = tmp;
        return found;
}

int tl_notify_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        return fd;
}

char *tl_proc_irq_file(const char *fake_root, const char *name)
{
        char *path;

        /* A guard, not a convenience: tests never touch this machine's IRQs. */
        ck_assert_msg(fake_root[0] && strcmp(fake_root, "/") != 0, "not a fake root: '%s'", fake_root);
        ck_assert_int_ge(asprintf(&path, "%s" PROC_IRQ "/%s", fake_root, name), 0);
        return path;
}

char *tl_irq_file(const char *fake_root, unsigned irq, const char *file)
{
        char name[64];

        snprintf(name, sizeof(name), "%u/%s", irq, file);
        return tl_proc_irq_file(fake_root, name);
}

void tl_write_proc_irq(const char *fake_root, const char *name, const char *fmt, ...)
{
        char *path = tl_proc_irq_file(fake_root, name);
        va_list ap;

        va_start(ap, fmt);
        write_path(path, fmt, ap);
        va_end(ap);
        free(path);
}

void tl_write_irq_file(const char *fake_root, unsigned irq, const char *file, const char *fmt, ...)
{
        char *path = tl_irq_file(fake_root, irq, file);
        va_list ap;

        va_start(ap, fmt);
        write_path(path, fmt, ap);
        va_end(ap);
        free(path);
}

void tl_write_irq_masks(const char *fake_root, unsigned irq, const char *list, const char *hex)
{
        tl_write_irq_file(fake_root, irq, "smp_affinity_list", "%s\n", list);
        tl_write_irq_file(fake_root, irq, "smp_affinity", "%s\n", hex);
}
