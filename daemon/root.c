/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqbal/macro.h"
#include "irqbal/root.h"

int root_open(struct irqbal_root *root, const char *path)
{
        _cleanup_free_ char *resolved = NULL;

        if (!path || !*path)
                path = "/";
        resolved = realpath(path, NULL);
        if (!resolved)
                return negative_errno();

        root->dirfd = open(resolved, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root->dirfd < 0)
                return negative_errno();
        root->path = TAKE_PTR(resolved);
        return 0;
}

void root_close(struct irqbal_root *root)
{
        if (root->dirfd >= 0)
                close(root->dirfd);
        root->dirfd = -1;
        free(root->path);
        root->path = NULL;
}

int root_is_host(const struct irqbal_root *root)
{
        return strcmp(root->path, "/") == 0;
}

/* Absolute paths become relative to the root's directory fd. */
static const char *relative(const char *abspath)
{
        while (*abspath == '/')
                abspath++;
        return *abspath ? abspath : ".";
}

char *root_path(const struct irqbal_root *root, const char *abspath)
{
        char *s;

        if (root_is_host(root))
                return strdup(abspath);
        if (asprintf(&s, "%s/%s", root->path, relative(abspath)) < 0)
                return NULL;
        return s;
}

int root_openat(const struct irqbal_root *root, const char *abspath, int flags)
{
        int fd = openat(root->dirfd, relative(abspath), flags | O_CLOEXEC);

        return fd < 0 ? negative_errno() : fd;
}

int root_stat(const struct irqbal_root *root, const char *abspath, struct stat *ret)
{
        if (fstatat(root->dirfd, relative(abspath), ret, 0) < 0)
                return negative_errno();
        return 0;
}

int root_opendir(const struct irqbal_root *root, const char *abspath, DIR **ret)
{
        int fd = root_openat(root, abspath, O_RDONLY | O_DIRECTORY);
        DIR *d;

        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        *ret = d;
        return 0;
}

int root_readlink(const struct irqbal_root *root, const char *abspath, char **ret)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(root->dirfd, relative(abspath), buf, sizeof(buf) - 1);

        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int textbuf_reserve(struct textbuf *buf, size_t want)
{
        char *p;
        size_t cap;

        if (want <= buf->cap)
                return 0;
        cap = buf->cap ? buf->cap : 4096;
        while (cap < want)
                cap *= 2;
        p = realloc(buf->data, cap);
        if (!p)
                return -ENOMEM;
        buf->data = p;
        buf->cap = cap;
        return 0;
}

void textbuf_done(struct textbuf *buf)
{
        free(buf->data);
        *buf = (struct textbuf) {};
}

/* Reads FD into BUF until SIZE bytes or the end of the file, from its position or, with
 * OFFSET >= 0, from OFFSET on (pread); the count, or -errno. */
static ssize_t read_up_to(int fd, char *buf, size_t size, off_t offset)
{
        size_t len = 0;

        while (len < size) {
                ssize_t n = offset < 0 ? read(fd, buf + len, size - len) :
                                         pread(fd, buf + len, size - len, offset + (off_t) len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        return (ssize_t) len;
}

/* All of FD into BUF: from its position, or with FROM_START from offset 0. */
static int read_all(int fd, bool from_start, struct textbuf *buf)
{
        int r;

        buf->len = 0;
        for (;;) {
                size_t room;
                ssize_t n;

                r = textbuf_reserve(buf, buf->len + 4096);
                if (r < 0)
                        return r;
                room = buf->cap - buf->len - 1;
                n = read_up_to(fd, buf->data + buf->len, room, from_start ? (off_t) buf->len : -1);
                if (n < 0)
                        return (int) n;
                buf->len += (size_t) n;
                if ((size_t) n < room)
                        break;
        }
        buf->data[buf->len] = 0;
        return 0;
}

int root_read_buf(const struct irqbal_root *root, const char *abspath, struct textbuf *buf)
{
        _cleanup_close_ int fd = root_openat(root, abspath, O_RDONLY);

        if (fd < 0)
                return fd;
        return read_all(fd, false, buf);
}

int textbuf_reread(int fd, struct textbuf *buf)
{
        return read_all(fd, true, buf);
}

int root_read_file(const struct irqbal_root *root, const char *abspath, char **ret)
{
        struct textbuf buf = {};
        int r = root_read_buf(root, abspath, &buf);

        if (r < 0) {
                textbuf_done(&buf);
                return r;
        }
        *ret = buf.data;
        return 0;
}

int root_read_into(const struct irqbal_root *root, const char *abspath, char *buf, size_t size,
                   size_t *ret_len)
{
        _cleanup_close_ int fd = root_openat(root, abspath, O_RDONLY);
        ssize_t n;

        if (fd < 0)
                return fd;
        n = read_up_to(fd, buf, size - 1, -1);
        if (n < 0)
                return (int) n;
        buf[n] = 0;
        *ret_len = (size_t) n;
        return 0;
}

/* One-line files (sysfs attributes, /proc/irq/N/…, /proc/uptime) hold at most a page.
 * The line is returned at its own size: some are kept for each IRQ (chip name,
 * trigger), and a whole-file read buffer is 8 KiB. */
#define LINE_FILE_MAX 4096

int root_read_line(const struct irqbal_root *root, const char *abspath, char **ret)
{
        char buf[LINE_FILE_MAX + 1], *start, *end;
        size_t len = 0;
        int r;

        r = root_read_into(root, abspath, buf, sizeof(buf), &len);
        if (r < 0)
                return r;
        end = memchr(buf, '\n', len);
        /* A full page and no line in it: not a one-line file. */
        if (!end && len == LINE_FILE_MAX)
                return -EFBIG;
        if (!end)
                end = buf + len;
        for (start = buf; *start == ' ' || *start == '\t'; start++)
                ;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        *ret = strndup(start, (size_t) (end - start));
        return *ret ? 0 : -ENOMEM;
}

int root_write_file(const struct irqbal_root *root, const char *abspath, const char *s)
{
        /* O_TRUNC as a shell's ">" does: procfs and sysfs ignore it, a plain file in a
         * fake root must not keep a stale tail after a shorter write. */
        _cleanup_close_ int fd = root_openat(root, abspath, O_WRONLY | O_TRUNC);
        size_t len = strlen(s);
        ssize_t n;

        if (fd < 0)
                return fd;
        n = write(fd, s, len);
        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EIO;
        return 0;
}
