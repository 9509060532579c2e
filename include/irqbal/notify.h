/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The per-cycle STATUS= to the service manager over one socket kept open.
 * sd_notify() opens, sets up and closes a socket for every message: a dozen system
 * calls, more than the rest of a steady cycle makes (issue #8). Rare messages (READY,
 * RELOADING, STOPPING, WATCHDOG) still go through sd_notify(). */
struct notifier {
        int fd;         /* connected to $NOTIFY_SOCKET, or -1 */
        int state;      /* enum in notify.c: not tried yet, connected, use sd_notify() */
};

void notifier_init(struct notifier *n);
void notifier_done(struct notifier *n);

/* Sends TEXT ("STATUS=…\n…") like sd_notify(0, TEXT): 1 when sent, 0 when there is no
 * $NOTIFY_SOCKET, or -errno. An address this module does not speak (anything but a
 * path or an abstract "@name") goes through sd_notify() every time. */
int notifier_send(struct notifier *n, const char *text);
