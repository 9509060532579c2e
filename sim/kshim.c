/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libirqbal-kshim.so: an LD_PRELOAD library that makes writes to a fake root's
 * /proc/irq/N/smp_affinity{,_list} fail the way the kernel's do, so that tests and the
 * simulator run the unmodified daemon on plain files.
 *
 * Contract (sim/ and the tests rely on it):
 * - IRQBAL_SIM_ROOT=<absolute dir> selects the fake root; unset, the shim does nothing.
 *   It is read again whenever it changes, so a test may switch roots between cases.
 * - Tracked: <root>/proc/irq/<N>/smp_affinity_list (cpulist), .../smp_affinity (hex
 *   mask) and <root>/proc/irq/default_smp_affinity, opened for writing with open,
 *   open64, openat, openat64 (or their _FORTIFY_SOURCE variants). The fd's real path
 *   comes from /proc/self/fd at open time.
 * - A write to an IRQ file fails with errno, writing nothing, when (first match wins):
 *   1. <root>/.sim/irq/<N>/refuse exists: it holds an errno name (EPERM EIO EBUSY
 *      EAGAIN ENOSPC EINVAL); "EBUSY 2" fails the next 2 writes, counting down in the
 *      file and removing it at zero;
 *   2. the mask does not parse or is empty: EINVAL;
 *   3. no CPU of the mask is in <root>/sys/devices/system/cpu/online: EINVAL;
 *   4. every CPU of the mask is in the cpulist <root>/.sim/vectors_full: ENOSPC.
 *   Otherwise the file is truncated (the kernel's file has no stale tail), written, and
 *   "<N> <mask>\n" is appended to <root>/.sim/writes.log. A refused write is appended
 *   to <root>/.sim/refused.log as "<N> <mask> <ERRNO name>\n".
 * - A write to default_smp_affinity is truncated, written and logged as
 *   "default <mask>".
 *
 * A daemon built with AddressSanitizer wants its runtime first in LD_PRELOAD: callers
 * prepend it (LD_PRELOAD="libasan.so.N <this library>"); tests/unit/test-apply.c finds
 * the loaded runtime's path with dladdr(). The shim itself is built without sanitizers,
 * since an ASan library cannot be preloaded into a process that is not. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel's largest NR_CPUS (x86 MAXSMP). */
#define MAX_CPUS 8192
#define WORD_BITS 64
#define DEFAULT_AFFINITY (-1)

struct mask {
        uint64_t bits[MAX_CPUS / WORD_BITS];
};

struct tracked {
        bool active;
        bool hex;    /* smp_affinity / default_smp_affinity: hex mask, else a cpulist */
        int irq;     /* or DEFAULT_AFFINITY */
        /* The file it was opened on: an fd closed behind our back (fclose, dup2) and
         * reused for something else must not be taken for it. */
        dev_t dev;
        ino_t ino;
};

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);

static char *env_copy;               /* IRQBAL_SIM_ROOT as last seen */
static char root[PATH_MAX];          /* its realpath, "" when unset or unusable */
static struct tracked *fds;
static size_t n_fds;

static void resolve_symbols(void)
{
        if (real_write)
                return;
        real_open = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open");
        real_openat = (int (*)(int, const char *, int, ...)) dlsym(RTLD_NEXT, "openat");
        real_write = (ssize_t (*)(int, const void *, size_t)) dlsym(RTLD_NEXT, "write");
        real_close = (int (*)(int)) dlsym(RTLD_NEXT, "close");
}

/* The root, re-resolved only when the variable changed; NULL when inactive. */
static const char *sim_root(void)
{
        const char *env = getenv("IRQBAL_SIM_ROOT");

        if (!env || !*env) {
                free(env_copy);
                env_copy = NULL;
                root[0] = 0;
                return NULL;
        }
        if (!env_copy || strcmp(env, env_copy) != 0 || !root[0]) {
                free(env_copy);
                env_copy = strdup(env);
                if (!realpath(env, root))
                        root[0] = 0;
        }
        return root[0] ? root : NULL;
}

static void untrack(int fd)
{
        if (fd >= 0 && (size_t) fd < n_fds)
                fds[fd].active = false;
}

/* Classifies a path below the root: returns true for a tracked file. */
static bool classify(const char *path, struct tracked *ret)
{
        const char *r = sim_root(), *p;
        size_t len;
        char *end;
        long irq;

        if (!r)
                return false;
        len = strlen(r);
        if (strncmp(path, r, len) != 0 || strncmp(path + len, "/proc/irq/", 10) != 0)
                return false;
        p = path + len + 10;
        if (strcmp(p, "default_smp_affinity") == 0) {
                *ret = (struct tracked) { .active = true, .hex = true, .irq = DEFAULT_AFFINITY };
                return true;
        }
        if (*p < '0' || *p > '9')
                return false;
        errno = 0;
        irq = strtol(p, &end, 10);
        if (errno || irq > INT_MAX)
                return false;
        if (strcmp(end, "/smp_affinity_list") == 0)
                *ret = (struct tracked) { .active = true, .hex = false, .irq = (int) irq };
        else if (strcmp(end, "/smp_affinity") == 0)
                *ret = (struct tracked) { .active = true, .hex = true, .irq = (int) irq };
        else
                return false;
        return true;
}

/* O_TRUNC would empty an affinity file before the write is judged, and a refused write
 * must leave the old mask (as the kernel does). So writable opens under the root go to
 * the real open without it, and track() truncates every file that is not ours. */
static int open_flags(int flags)
{
        if ((flags & O_ACCMODE) != O_RDONLY && sim_root())
                return flags & ~O_TRUNC;
        return flags;
}

/* Called after every successful open: remembers the fd when it is one of ours. */
static int track(int fd, int flags)
{
        char link[64], path[PATH_MAX];
        struct tracked t;
        struct stat st;
        ssize_t n;
        int saved = errno;

        if (fd < 0)
                return fd;
        untrack(fd);
        if ((flags & O_ACCMODE) == O_RDONLY || !sim_root())
                return fd;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n > 0) {
                path[n] = 0;
                if (classify(path, &t) && fstat(fd, &st) == 0) {
                        if ((size_t) fd >= n_fds) {
                                size_t want = (size_t) fd + 64;
                                struct tracked *p = realloc(fds, want * sizeof(*p));

                                /* Going on would silently bypass the kernel's rules. */
                                if (!p)
                                        abort();
                                memset(p + n_fds, 0, (want - n_fds) * sizeof(*p));
                                fds = p;
                                n_fds = want;
                        }
                        t.dev = st.st_dev;
                        t.ino = st.st_ino;
                        fds[fd] = t;
                }
        }
        if ((flags & O_TRUNC) && ((size_t) fd >= n_fds || !fds[fd].active))
                (void) ftruncate(fd, 0);
        errno = saved;
        return fd;
}

static void mask_set(struct mask *m, unsigned cpu)
{
        m->bits[cpu / WORD_BITS] |= UINT64_C(1) << (cpu % WORD_BITS);
}

/* CPUs A to B: whole words at once, as the masks read on every write ("0-1023") are
 * ranges, and this code runs inside the daemon being measured. */
static void mask_set_range(struct mask *m, unsigned a, unsigned b)
{
        while (a <= b)
                if (a % WORD_BITS == 0 && b - a + 1 >= WORD_BITS) {
                        m->bits[a / WORD_BITS] = UINT64_MAX;
                        a += WORD_BITS;
                } else
                        mask_set(m, a++);
}

static bool mask_empty(const struct mask *m)
{
        for (size_t i = 0; i < MAX_CPUS / WORD_BITS; i++)
                if (m->bits[i])
                        return false;
        return true;
}

static bool mask_intersects(const struct mask *a, const struct mask *b)
{
        for (size_t i = 0; i < MAX_CPUS / WORD_BITS; i++)
                if (a->bits[i] & b->bits[i])
                        return true;
        return false;
}

static bool mask_subset(const struct mask *a, const struct mask *b)
{
        for (size_t i = 0; i < MAX_CPUS / WORD_BITS; i++)
                if (a->bits[i] & ~b->bits[i])
                        return false;
        return true;
}

static bool parse_number(const char **p, unsigned *ret)
{
        unsigned long v = 0;

        if (**p < '0' || **p > '9')
                return false;
        while (**p >= '0' && **p <= '9') {
                v = v * 10 + (unsigned long) (**p - '0');
                if (v >= MAX_CPUS)
                        return false;
                (*p)++;
        }
        *ret = (unsigned) v;
        return true;
}

/* The kernel's bitmap_parselist: "0-3,8,10-11", with the "A-B:U/G" stride form. */
static bool parse_cpulist(const char *s, struct mask *m)
{
        const char *p = s;

        *m = (struct mask) {};
        for (;;) {
                unsigned a, b, used = 1, group = 1;

                if (!parse_number(&p, &a))
                        return false;
                b = a;
                if (*p == '-') {
                        p++;
                        if (!parse_number(&p, &b) || b < a)
                                return false;
                        if (*p == ':') {
                                p++;
                                if (!parse_number(&p, &used) || *p++ != '/' ||
                                    !parse_number(&p, &group) || used == 0 || used > group)
                                        return false;
                        }
                }
                if (used == group)
                        mask_set_range(m, a, b);
                else
                        for (unsigned cpu = a; cpu <= b; cpu++)
                                if ((cpu - a) % group < used)
                                        mask_set(m, cpu);
                if (*p != ',')
                        break;
                p++;
        }
        return *p == 0;
}

/* The kernel's bitmap_parse: comma-separated groups of up to 8 hex digits. */
static bool parse_hexmask(const char *s, struct mask *m)
{
        size_t len = strlen(s), digits = 0;
        unsigned bit = 0;

        *m = (struct mask) {};
        if (len == 0)
                return false;
        for (size_t i = len; i-- > 0;) {
                char c = s[i];
                unsigned v;

                if (c == ',') {
                        if (digits == 0 || i == 0)
                                return false;
                        bit += (unsigned) (8 - digits) * 4;
                        digits = 0;
                        continue;
                }
                if (c >= '0' && c <= '9')
                        v = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v = (unsigned) (c - 'A' + 10);
                else
                        return false;
                if (++digits > 8)
                        return false;
                for (unsigned b = 0; b < 4; b++)
                        if (v & (1u << b)) {
                                if (bit + b >= MAX_CPUS)
                                        return false;
                                mask_set(m, bit + b);
                        }
                bit += 4;
        }
        return true;
}

/* PATH = <root>/REL; false when it does not fit. */
static bool under_root(char path[static PATH_MAX], const char *rel)
{
        int n = snprintf(path, PATH_MAX, "%s/%s", root, rel);

        return n > 0 && n < PATH_MAX;
}

/* Reads a small file under the root into BUF, without a trailing newline. */
static bool read_root_file(const char *rel, char *buf, size_t size)
{
        char path[PATH_MAX];
        ssize_t n;
        int fd;

        if (!under_root(path, rel))
                return false;
        fd = real_open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        n = read(fd, buf, size - 1);
        real_close(fd);
        if (n < 0)
                return false;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return true;
}

static bool read_root_cpulist(const char *rel, struct mask *m)
{
        char buf[16384];

        return read_root_file(rel, buf, sizeof(buf)) && parse_cpulist(buf, m);
}

static int errno_from_name(const char *name)
{
        static const struct { const char *name; int value; } table[] = {
                { "EPERM", EPERM }, { "EIO", EIO }, { "EBUSY", EBUSY },
                { "EAGAIN", EAGAIN }, { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL },
        };

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strcmp(name, table[i].name) == 0)
                        return table[i].value;
        return EINVAL;  /* a typo in a test's refuse file must not pass silently */
}

/* Rule 1: the refuse file; returns the errno to fail with, or 0. */
static int refusal(int irq)
{
        char rel[64], buf[64], path[PATH_MAX], name[16];
        unsigned long count;
        int e, fd, k;

        snprintf(rel, sizeof(rel), ".sim/irq/%d/refuse", irq);
        if (!read_root_file(rel, buf, sizeof(buf)))
                return 0;
        k = sscanf(buf, "%15s %lu", name, &count);
        if (k < 1)
                return EINVAL;
        e = errno_from_name(name);
        if (k < 2 || (e != EBUSY && e != EAGAIN))
                return e;
        if (!under_root(path, rel))
                return e;
        if (count <= 1) {
                unlink(path);
                return count == 1 ? e : 0;
        }
        fd = real_open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd >= 0) {
                int len = snprintf(buf, sizeof(buf), "%s %lu\n", name, count - 1);

                real_write(fd, buf, (size_t) len);
                real_close(fd);
        }
        return e;
}

/* The errno the kernel would give for writing TEXT to the tracked file, or 0. */
static int kernel_verdict(const struct tracked *t, const char *text)
{
        struct mask m, online, full;
        int e;

        if (t->irq == DEFAULT_AFFINITY)
                return 0;
        e = refusal(t->irq);
        if (e)
                return e;
        if (!(t->hex ? parse_hexmask(text, &m) : parse_cpulist(text, &m)) || mask_empty(&m))
                return EINVAL;
        if (!read_root_cpulist("sys/devices/system/cpu/online", &online) ||
            !mask_intersects(&m, &online))
                return EINVAL;
        if (read_root_cpulist(".sim/vectors_full", &full) && mask_subset(&m, &full))
                return ENOSPC;
        return 0;
}

static void log_write(const struct tracked *t, const char *text, const char *log)
{
        char path[PATH_MAX], line[16384];
        int fd, len;

        if (!under_root(path, ".sim"))
                return;
        (void) mkdir(path, 0755);
        if (!under_root(path, log))
                return;
        fd = real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        if (t->irq == DEFAULT_AFFINITY)
                len = snprintf(line, sizeof(line), "default %s\n", text);
        else
                len = snprintf(line, sizeof(line), "%d %s\n", t->irq, text);
        if (len > 0 && (size_t) len < sizeof(line))
                real_write(fd, line, (size_t) len);
        real_close(fd);
}

ssize_t write(int fd, const void *buf, size_t count)
{
        const struct tracked *t;
        char text[16384];
        struct stat st;
        size_t len;
        ssize_t n;
        int e;

        resolve_symbols();
        if (fd < 0 || (size_t) fd >= n_fds || !fds[fd].active || !sim_root())
                return real_write(fd, buf, count);
        t = &fds[fd];
        if (fstat(fd, &st) < 0 || st.st_dev != t->dev || st.st_ino != t->ino) {
                untrack(fd);
                return real_write(fd, buf, count);
        }
        if (count >= sizeof(text)) {
                errno = EINVAL;
                return -1;
        }
        /* The kernel ignores surrounding blanks and the newline `echo` adds. */
        memcpy(text, buf, count);
        len = count;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
                len--;
        text[len] = 0;
        e = kernel_verdict(t, text + strspn(text, " \t"));
        if (e) {
                char refused[sizeof(text) + 32];

                /* Attempts count too: a daemon that keeps hammering a managed IRQ must
                 * show in the simulator's figures. */
                snprintf(refused, sizeof(refused), "%s %s", text + strspn(text, " \t"),
                         strerrorname_np(e));
                log_write(t, refused, ".sim/refused.log");
                errno = e;
                return -1;
        }
        if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return -1;
        n = real_write(fd, buf, count);
        if (n >= 0) {
                int saved = errno;

                log_write(t, text + strspn(text, " \t"), ".sim/writes.log");
                errno = saved;
        }
        return n;
}

/* open's mode argument is only there with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode)                                                   \
        do {                                                                    \
                if ((flags) & (O_CREAT | O_TMPFILE)) {                          \
                        va_list ap;                                             \
                        va_start(ap, flags);                                    \
                        mode = va_arg(ap, mode_t);                              \
                        va_end(ap);                                             \
                }                                                               \
        } while (0)

int open(const char *path, int flags, ...)
{
        mode_t mode = 0;

        MODE_ARG(flags, mode);
        resolve_symbols();
        return track(real_open(path, open_flags(flags), mode), flags);
}

int open64(const char *path, int flags, ...)
{
        mode_t mode = 0;

        MODE_ARG(flags, mode);
        resolve_symbols();
        return track(real_open(path, open_flags(flags) | O_LARGEFILE, mode), flags);
}

int openat(int dirfd, const char *path, int flags, ...)
{
        mode_t mode = 0;

        MODE_ARG(flags, mode);
        resolve_symbols();
        return track(real_openat(dirfd, path, open_flags(flags), mode), flags);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
        mode_t mode = 0;

        MODE_ARG(flags, mode);
        resolve_symbols();
        return track(real_openat(dirfd, path, open_flags(flags) | O_LARGEFILE, mode), flags);
}

/* With _FORTIFY_SOURCE, calls whose flags are not a constant go through these. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

int __open_2(const char *path, int flags)
{
        return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
        return open64(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
        return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
        return openat64(dirfd, path, flags);
}

int close(int fd)
{
        resolve_symbols();
        untrack(fd);
        return real_close(fd);
}
