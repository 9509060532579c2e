/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "driver.h"

/* How often a wait looks whether the daemon died. */
#define POLL_MS 50

/* Defined only when this program is built with AddressSanitizer. */
extern void __asan_init(void) __attribute__((weak));

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An abstract socket: nothing to clean up, and no path length limit from ROOT. */
static int open_notify_socket(char **ret_name)
{
        static unsigned counter;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_autofree char *name = g_strdup_printf("irqbal-sim/%d/%u", (int) getpid(), counter++);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return log_error_errno(errno, "Failed to create the notify socket: %m");
        memcpy(sa.sun_path + 1, name, strlen(name));
        if (bind(fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) < 0) {
                int r = negative_errno();

                close(fd);
                return log_error_errno(r, "Failed to bind the notify socket: %m");
        }
        *ret_name = g_strdup_printf("@%s", name);
        return fd;
}

/* A daemon built with ASan refuses to start unless the ASan runtime comes first in
 * LD_PRELOAD; a simulator built in the same tree has the same runtime loaded. */
static char *preload_list(const char *shim)
{
        const char *before = getenv("LD_PRELOAD");
        GString *s = g_string_new(NULL);
        Dl_info info;

        if (__asan_init && dladdr((void *) __asan_init, &info) && info.dli_fname &&
            (!before || !strstr(before, info.dli_fname)))
                g_string_append_printf(s, "%s ", info.dli_fname);
        if (before && *before)
                g_string_append_printf(s, "%s ", before);
        g_string_append(s, shim);
        return g_string_free(s, false);
}

int daemon_start(struct daemon *d, const char *root, const char *shim, char *const *argv)
{
        g_autofree char *socket_name = NULL, *preload = NULL;
        int out;
        pid_t pid;

        *d = (struct daemon) { .notify_fd = -1 };
        d->stderr_path = g_build_filename(root, ".sim", "daemon.log", NULL);
        if (access(shim, R_OK) < 0)
                return log_error_errno(errno, "Cannot use the kernel shim %s (build it with make, or "
                                       "give --shim): %m", shim);
        d->notify_fd = open_notify_socket(&socket_name);
        if (d->notify_fd < 0)
                return d->notify_fd;
        out = open(d->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
                return log_error_errno(errno, "Failed to create %s: %m", d->stderr_path);
        preload = preload_list(shim);
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                close(out);
                return log_error_errno(errno, "Failed to fork: %m");
        }
        if (pid == 0) {
                if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
                        _exit(127);
                setenv("LD_PRELOAD", preload, 1);
                setenv("IRQBAL_SIM_ROOT", root, 1);
                setenv("NOTIFY_SOCKET", socket_name, 1);
                execvp(argv[0], argv);
                fprintf(stderr, "irqbal-sim: cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(out);
        d->pid = pid;
        log_debug("Started %s as PID %d (LD_PRELOAD=%s).", argv[0], (int) pid, preload);
        return 0;
}

/* One datagram is one state change: its STATUS= belongs to its READY=1, whatever
 * the order of the lines. */
static void handle_datagram(struct daemon *d, char *text)
{
        bool ready = false, reloading = false;
        const char *status = NULL;
        char *save = NULL;

        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strcmp(line, "READY=1") == 0) {
                        ready = true;
                } else if (strcmp(line, "RELOADING=1") == 0) {
                        reloading = true;
                } else if (g_str_has_prefix(line, "X_IRQBALD_CYCLE=")) {
                        uint64_t n = g_ascii_strtoull(line + 16, NULL, 10);

                        if (n > d->cycle)
                                d->cycle = n;
                } else if (g_str_has_prefix(line, "STATUS=")) {
                        status = line + 7;
                        log_debug("Daemon: %s", status);
                }
        }
        if (reloading)
                d->reloading = true;
        if (!ready)
                return;
        d->ready = true;
        d->readies++;
        if (d->reloading) {
                d->reloading = false;
                d->reloads++;
                g_free(d->reload_status);
                d->reload_status = g_strdup(status ? status : "");
        }
}

static void reap(struct daemon *d, bool block)
{
        int st;
        pid_t p;

        if (d->exited || d->pid <= 0)
                return;
        p = waitpid(d->pid, &st, block ? 0 : WNOHANG);
        if (p != d->pid)
                return;
        d->exited = true;
        d->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int daemon_poll(struct daemon *d)
{
        char buf[4096];
        ssize_t n;

        while ((n = recv(d->notify_fd, buf, sizeof(buf) - 1, 0)) >= 0) {
                buf[n] = 0;
                handle_datagram(d, buf);
        }
        reap(d, false);
        return d->exited ? -ECHILD : 0;
}

/* What a wait waits for, with the counts from before the signal that asked for it. */
struct wait {
        enum { WAIT_READY, WAIT_CYCLE, WAIT_RELOAD } kind;
        const char *what;
        uint64_t cycle, readies, reloads;
};

/* 1 once it arrived, 0 not yet, -EPROTO when the daemon answered out of protocol. */
static int arrived(const struct daemon *d, const struct wait *w)
{
        switch (w->kind) {
        case WAIT_READY:
                return d->ready;
        case WAIT_CYCLE:
                return d->cycle > w->cycle;
        case WAIT_RELOAD:
                if (d->reloads > w->reloads)
                        return 1;
                /* Without RELOADING=1 first, a READY=1 cannot be told from a stray one:
                 * say so now rather than time out. */
                return d->readies > w->readies ? -EPROTO : 0;
        }
        return 0;
}

static int wait_for(struct daemon *d, const struct wait *w, double timeout)
{
        double deadline = now() + timeout;

        for (;;) {
                struct pollfd p = { .fd = d->notify_fd, .events = POLLIN };
                int r = daemon_poll(d), a = arrived(d, w);

                if (a > 0)
                        return 0;
                if (a < 0)
                        return log_error_errno(a, "The daemon sent READY=1 without RELOADING=1 before it "
                                               "while the simulator waited for %s (systemd's reload "
                                               "protocol); its output (%s):", w->what, d->stderr_path);
                if (r < 0)
                        return log_error_errno(ECHILD, "The daemon exited with status %d while the simulator "
                                               "waited for %s; its output (%s):", d->status, w->what,
                                               d->stderr_path);
                if (now() > deadline)
                        return log_error_errno(ETIMEDOUT, "The daemon sent no %s within %.0f s; its output (%s):",
                                               w->what, timeout, d->stderr_path);
                (void) poll(&p, 1, POLL_MS);
        }
}

int daemon_wait_ready(struct daemon *d, double timeout)
{
        struct wait w = { .kind = WAIT_READY, .what = "READY=1" };

        return wait_for(d, &w, timeout);
}

static int send_signal(struct daemon *d, int sig)
{
        if (kill(d->pid, sig) < 0)
                return log_error_errno(errno, "Failed to send %s to the daemon (PID %d): %m",
                                       sig == SIGHUP ? "SIGHUP" : "SIGUSR1", (int) d->pid);
        return 0;
}

int daemon_cycle(struct daemon *d, double timeout)
{
        struct wait w = { .kind = WAIT_CYCLE, .what = "X_IRQBALD_CYCLE after SIGUSR1", .cycle = d->cycle };
        int r = send_signal(d, SIGUSR1);

        return r < 0 ? r : wait_for(d, &w, timeout);
}

int daemon_reload(struct daemon *d, double timeout)
{
        struct wait w = { .kind = WAIT_RELOAD, .what = "READY=1 after RELOADING=1 (SIGHUP)" };
        int r;

        /* Whatever came before the signal does not answer it. */
        (void) daemon_poll(d);
        w.readies = d->readies;
        w.reloads = d->reloads;
        r = send_signal(d, SIGHUP);
        return r < 0 ? r : wait_for(d, &w, timeout);
}

int daemon_send_reload(struct daemon *d)
{
        return send_signal(d, SIGHUP);
}

int daemon_stop(struct daemon *d, double timeout)
{
        double deadline = now() + timeout;

        if (d->pid <= 0 || d->exited)
                return 0;
        (void) kill(d->pid, SIGTERM);
        while (daemon_poll(d) == 0) {
                if (now() > deadline) {
                        log_error("The daemon did not stop within %.0f s of SIGTERM; killing it.", timeout);
                        (void) kill(d->pid, SIGKILL);
                        reap(d, true);
                        return -ETIMEDOUT;
                }
                usleep(POLL_MS * 1000);
        }
        return 0;
}

void daemon_dump_output(const struct daemon *d)
{
        g_autofree char *text = NULL;

        if (d->stderr_path && g_file_get_contents(d->stderr_path, &text, NULL, NULL))
                fputs(text, stderr);
}

void daemon_done(struct daemon *d)
{
        if (d->pid > 0 && !d->exited) {
                (void) kill(d->pid, SIGKILL);
                reap(d, true);
        }
        if (d->notify_fd >= 0)
                close(d->notify_fd);
        g_free(d->stderr_path);
        g_free(d->reload_status);
        *d = (struct daemon) { .notify_fd = -1 };
}
