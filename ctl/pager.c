/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <systemd/sd-login.h>
#include <termios.h>
#include <unistd.h>

#include "pager.h"

/* less: quit if the output fits on one screen (F), pass colours through (R), chop
 * long lines rather than wrap them (S), leave the screen as it is on exit (X), say
 * where in the output we are (M), and quit on Ctrl-C (K). systemd's tools use the same. */
#define LESS_DEFAULT "FRSXMK"

/* What a terminal that does not say its size has. */
#define DEFAULT_ROWS 24
#define DEFAULT_COLUMNS 80

/* 1, 0, or -EINVAL: the spellings systemd accepts for its boolean variables. */
static int parse_bool(const char *s)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (g_ascii_strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

/* The pager the environment asks for, or NULL for the defaults; *RET_OFF when it asks
 * for none ("" or "cat"). */
static const char *pager_from_env(bool *ret_off)
{
        static const char *const vars[] = { "IRQBALCTL_PAGER", "SYSTEMD_PAGER", "PAGER" };

        *ret_off = false;
        for (size_t i = 0; i < G_N_ELEMENTS(vars); i++) {
                const char *e = getenv(vars[i]);

                if (!e)
                        continue;
                e += strspn(e, " \t");
                if (!*e || strcmp(e, "cat") == 0)
                        *ret_off = true;
                return e;
        }
        return NULL;
}

/* Whether less must run in its secure mode (no shell escapes, no editor, no log file):
 * when irqbalctl runs as root for someone else (sudo, pkexec, su), "!sh" in the pager
 * would hand them a root shell. $IRQBALCTL_PAGERSECURE or $SYSTEMD_PAGERSECURE decide
 * when set, and then the pager from the environment is trusted (*RET_TRUSTED); else
 * secure mode goes with only less, as systemctl does. */
static bool secure_mode(bool *ret_trusted)
{
        static const char *const vars[] = { "IRQBALCTL_PAGERSECURE", "SYSTEMD_PAGERSECURE" };
        uid_t owner;

        for (size_t i = 0; i < G_N_ELEMENTS(vars); i++) {
                const char *e = getenv(vars[i]);
                int b = e ? parse_bool(e) : -EINVAL;

                if (b >= 0) {
                        *ret_trusted = true;
                        return b;
                }
        }
        *ret_trusted = false;
        /* Without root privileges the pager can give nothing the user does not have. */
        if (geteuid() != 0)
                return false;
        /* No logind session (or it is someone else's): we cannot tell who is typing. */
        return sd_pid_get_owner_uid(0, &owner) < 0 || owner != 0;
}

size_t pager_rows(const char *output, size_t len, unsigned columns)
{
        size_t rows = 0;

        if (columns == 0)
                columns = DEFAULT_COLUMNS;
        while (len > 0) {
                const char *nl = memchr(output, '\n', len);
                size_t n = nl ? (size_t) (nl - output) : len;

                /* An empty line still takes a row; a long one wraps. */
                rows += n == 0 ? 1 : (n + columns - 1) / columns;
                if (!nl)
                        break;
                output += n + 1;
                len -= n + 1;
        }
        return rows;
}

static bool fits_on_terminal(const struct pager *p)
{
        struct winsize ws = {};
        unsigned rows = DEFAULT_ROWS, columns = DEFAULT_COLUMNS;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
                rows = ws.ws_row;
                columns = ws.ws_col;
        } else if (getenv("LINES")) {
                rows = (unsigned) atoi(getenv("LINES"));
        }
        /* The shell's prompt takes the last row. */
        return pager_rows(p->data, p->len, columns) < rows;
}

int pager_begin(struct pager *p, enum pager_mode mode)
{
        bool off;

        *p = (struct pager) { .mode = mode };
        if (mode == PAGER_NEVER || !isatty(STDOUT_FILENO))
                return 0;
        (void) pager_from_env(&off);
        if (off)
                return 0;
        p->buf = open_memstream(&p->data, &p->len);
        if (!p->buf)
                return -errno;
        fflush(stdout);
        /* glibc's stdout is a plain variable: the verbs' printf()s land in the buffer. */
        p->real_stdout = stdout;
        stdout = p->buf;
        return 1;
}

/* In the pager's process: execs the pager, or copies its input if none can run, so
 * that the output is never lost. */
static _Noreturn void run_pager(int fd, char **env_argv, bool secure)
{
        char buf[4096];
        ssize_t n;

        if (fd == STDIN_FILENO)
                (void) fcntl(fd, F_SETFD, 0);
        else if (dup2(fd, STDIN_FILENO) < 0)
                _exit(EXIT_FAILURE);
        else
                close(fd);
        /* Ours are the defaults, not the user's choice. */
        if (!getenv("LESS"))
                setenv("LESS", LESS_DEFAULT, 1);
        if (secure)
                setenv("LESSSECURE", "1", 1);
        if (env_argv) {
                execvp(env_argv[0], env_argv);
                fprintf(stderr, "irqbalctl: cannot run the pager %s (%s), trying less.\n",
                        env_argv[0], strerror(errno));
        }
        execlp("less", "less", NULL);
        /* Only less has a secure mode. */
        if (!secure)
                execlp("more", "more", NULL);
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                if (write(STDOUT_FILENO, buf, (size_t) n) != n)
                        break;
        _exit(EXIT_SUCCESS);
}

/* Writes it all unless the reader went away (the user quit the pager): that is not an
 * error. */
static int write_all(int fd, const char *s, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, s, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return errno == EPIPE ? 0 : -errno;
                s += w;
                n -= (size_t) w;
        }
        return 0;
}

/* 0 after paging, 1 when no pager could start (the caller prints directly), or -errno
 * when writing to it failed. */
static int page(const struct pager *p)
{
        struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit, old_pipe;
        bool off, trusted, secure = secure_mode(&trusted);
        const char *env = pager_from_env(&off);
        char **env_argv = NULL;
        int fds[2], r, status;
        pid_t pid;

        /* Split like a shell would, without one (as systemd does): "sed s/^/X:/" works,
         * a pipeline does not. A pager from the environment is not run in secure mode
         * unless the environment also said that is fine. */
        if (env && (!secure || trusted) && !g_shell_parse_argv(env, NULL, &env_argv, NULL))
                fprintf(stderr, "irqbalctl: cannot parse the pager '%s', using less.\n", env);
        if (pipe2(fds, O_CLOEXEC) < 0) {
                g_strfreev(env_argv);
                return 1;
        }
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                g_strfreev(env_argv);
                return 1;
        }
        if (pid == 0) {
                close(fds[1]);
                run_pager(fds[0], env_argv, secure);
        }
        g_strfreev(env_argv);
        close(fds[0]);
        /* Ctrl-C and Ctrl-\ are the pager's to handle (less quits with K); if they
         * killed us, the pager would be left with the terminal. A quit pager closes
         * the pipe: EPIPE, not SIGPIPE. */
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        sigaction(SIGPIPE, &ignore, &old_pipe);
        r = write_all(fds[1], p->data, p->len);
        close(fds[1]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
        return r;
}

int pager_end(struct pager *p)
{
        int r = 0;

        if (!p->real_stdout)
                return 0;
        fflush(stdout);
        stdout = p->real_stdout;
        p->real_stdout = NULL;
        if (fclose(p->buf) != 0)
                r = -errno;
        p->buf = NULL;
        if (r == 0 && p->len > 0) {
                r = p->mode == PAGER_ALWAYS || !fits_on_terminal(p) ? page(p) : 1;
                /* It fits, or no pager could start: straight out. */
                if (r > 0) {
                        r = 0;
                        if (fwrite(p->data, 1, p->len, stdout) != p->len || fflush(stdout) != 0)
                                r = -errno;
                }
        }
        free(p->data);
        p->data = NULL;
        p->len = 0;
        return r;
}
