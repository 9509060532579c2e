/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "irqbal/notify.h"

enum {
        NOTIFIER_UNTRIED,
        NOTIFIER_CONNECTED,
        NOTIFIER_SD_NOTIFY,     /* no socket of ours: sd_notify() decides */
};

void notifier_init(struct notifier *n)
{
        *n = (struct notifier) { .fd = -1, .state = NOTIFIER_UNTRIED };
}

void notifier_done(struct notifier *n)
{
        if (n->fd >= 0)
                close(n->fd);
        notifier_init(n);
}

/* Connects to $NOTIFY_SOCKET when it is a path or an abstract name ("@…"). */
static int notifier_connect(struct notifier *n)
{
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t len;
        size_t l;
        int fd;

        if (!e || !(e[0] == '/' || e[0] == '@') || (l = strlen(e)) < 2 || l >= sizeof(sa.sun_path))
                return -EAFNOSUPPORT;
        memcpy(sa.sun_path, e, l);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + l + (e[0] == '/'));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, len) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        n->fd = fd;
        n->state = NOTIFIER_CONNECTED;
        return 0;
}

int notifier_send(struct notifier *n, const char *text)
{
        size_t len = strlen(text);

        if (n->state == NOTIFIER_UNTRIED && notifier_connect(n) < 0)
                n->state = NOTIFIER_SD_NOTIFY;
        if (n->state == NOTIFIER_CONNECTED) {
                if (send(n->fd, text, len, MSG_NOSIGNAL) == (ssize_t) len)
                        return 1;
                /* The manager re-executed (a new socket under the same name), or went:
                 * connect again once, else leave it to sd_notify(). */
                notifier_done(n);
                if (notifier_connect(n) == 0 && send(n->fd, text, len, MSG_NOSIGNAL) == (ssize_t) len)
                        return 1;
                n->state = NOTIFIER_SD_NOTIFY;
        }
        return sd_notify(0, text);
}
