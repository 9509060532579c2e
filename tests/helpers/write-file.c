/* SPDX-License-Identifier: GPL-2.0-or-later */
/* write-file ROOT REL TEXT: writes TEXT to ROOT/REL the way irqbald does (openat on a
 * directory fd of the root, then one write(2)), so that tests can run it under the
 * kernel-write shim. Exits 0 on success, with the write's errno when the write fails,
 * and 125 when it cannot even try. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        size_t len;
        ssize_t n;
        int dirfd, fd;

        if (argc != 4) {
                fprintf(stderr, "usage: %s ROOT REL TEXT\n", argv[0]);
                return 125;
        }
        dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                fprintf(stderr, "%s: %m\n", argv[1]);
                return 125;
        }
        fd = openat(dirfd, argv[2], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s/%s: %m\n", argv[1], argv[2]);
                return 125;
        }
        len = strlen(argv[3]);
        n = write(fd, argv[3], len);
        if (n < 0) {
                int e = errno;

                fprintf(stderr, "write %s/%s: %s\n", argv[1], argv[2], strerrorname_np(e));
                return e;
        }
        close(fd);
        close(dirfd);
        return (size_t) n == len ? 0 : 125;
}
