/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Runs the daemon under test and speaks sd_notify with it: READY=1 after its first
 * cycle, one datagram with X_IRQBALD_CYCLE=<n> per completed cycle, SIGUSR1 for a
 * cycle now, SIGHUP for a reload (RELOADING=1 … READY=1, systemd's protocol),
 * SIGTERM to stop (see sim/README.md). */

struct daemon {
        pid_t pid;
        int notify_fd;
        char *stderr_path;              /* its stdout and stderr */
        bool ready, exited;
        bool reloading;                 /* RELOADING=1 seen, its READY=1 not yet */
        int status;                     /* exit code, or 128 + signal */
        uint64_t cycle;                 /* the last X_IRQBALD_CYCLE seen */
        uint64_t readies;               /* READY=1 datagrams, the first one included */
        uint64_t reloads;               /* READY=1 datagrams that ended a RELOADING=1 */
        char *reload_status;            /* the STATUS= that came with the last of those
                                         * ("" without one) */
};

/* Starts ARGV (NULL-terminated) with LD_PRELOAD=SHIM (after any LD_PRELOAD already
 * set, and after the ASan runtime when this program has one), IRQBAL_SIM_ROOT=ROOT and
 * NOTIFY_SOCKET set; its output goes to ROOT/.sim/daemon.log. */
int daemon_start(struct daemon *d, const char *root, const char *shim, char *const *argv);
/* Waits up to TIMEOUT seconds for READY=1. */
int daemon_wait_ready(struct daemon *d, double timeout);
/* Sends SIGUSR1 and waits up to TIMEOUT seconds for the cycle's datagram. */
int daemon_cycle(struct daemon *d, double timeout);
/* Sends SIGHUP and waits up to TIMEOUT seconds for the READY=1 that ends the
 * daemon's RELOADING=1; its STATUS= is then in d->reload_status. -EPROTO for a
 * READY=1 without RELOADING=1 first. */
int daemon_reload(struct daemon *d, double timeout);
/* Sends SIGHUP and does not wait (real time). */
int daemon_send_reload(struct daemon *d);
/* Reads what the daemon sent without waiting; -ECHILD once it has exited. */
int daemon_poll(struct daemon *d);
/* SIGTERM, then waits up to TIMEOUT seconds (SIGKILL after that). */
int daemon_stop(struct daemon *d, double timeout);
/* Copies the daemon's output to stderr, for failures. */
void daemon_dump_output(const struct daemon *d);
void daemon_done(struct daemon *d);
