/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The floor (bench/README.md): the least work any balancer must do per cycle on a
 * machine — open, read and parse /proc/stat once — and nothing else. It reads through
 * the same root, buffer and parser as irqbald (root_read_buf, procstat_parse), so that
 * irqbald's cycle cost can be given as a multiple of it.
 *
 *   floor [--root DIR] [--file ABSPATH] [--raw] [--every SECONDS] [--keep-open] COUNT
 *
 * --file reads another file instead (e.g. /proc/interrupts, to measure what one read of
 * it costs); --raw only reads, without parsing (implied for files other than /proc/stat).
 * --every sleeps between reads, one per SECONDS like a daemon's cycle: each read then
 * starts cold (caches, TLB, the wake-up itself), as a balancer's cycle does, where
 * back-to-back reads in a loop share everything warm.
 * --keep-open opens the file once and reads it again from offset 0 each time, as
 * irqbald does with the host's /proc/stat (a seq_file generates its text anew).
 * Prints one line of key=value: reads, bytes per read, CPU ns per read (process CPU time,
 * user + system), wall ns per read. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/log.h"
#include "irqbal/procstat.h"
#include "irqbal/root.h"

#define PROC_STAT "/proc/stat"

static uint64_t now_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void usage(void)
{
        printf("Usage: floor [--root DIR] [--file ABSPATH] [--raw] [--every SECONDS] COUNT\n\n"
               "Reads and parses DIR/proc/stat COUNT times, as one irqbald cycle must at least.\n\n"
               "  --root DIR      the machine's root (default /)\n"
               "  --file ABSPATH  read this file under the root instead of /proc/stat\n"
               "  --raw           read only, do not parse\n"
               "  --every SECONDS one read per SECONDS, sleeping in between (a daemon's cycle)\n"
               "  --keep-open     open once, then read again from offset 0 each time\n");
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "root", required_argument, NULL, 'r' },
                { "file", required_argument, NULL, 'f' },
                { "raw",  no_argument,       NULL, 'R' },
                { "every", required_argument, NULL, 'e' },
                { "keep-open", no_argument,  NULL, 'k' },
                { "help", no_argument,       NULL, 'h' },
                {}
        };
        const char *rootdir = "/", *file = PROC_STAT;
        struct irqbal_root root = {};
        struct textbuf buf = {};
        struct procstat st = {};
        uint64_t cpu0, wall0, cpu, wall, every_ns = 0;
        struct timespec next;
        unsigned long count;
        bool raw = false, keep_open = false;
        int kept_fd = -1;
        size_t bytes = 0;
        char *end;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0)
                switch (c) {
                case 'r':
                        rootdir = optarg;
                        break;
                case 'f':
                        file = optarg;
                        break;
                case 'R':
                        raw = true;
                        break;
                case 'k':
                        keep_open = true;
                        break;
                case 'e': {
                        double v;

                        errno = 0;
                        v = strtod(optarg, &end);
                        if (errno || *end || !(v > 0 && v < 3600)) {
                                log_error("--every: expected seconds, got %s.", optarg);
                                return 2;
                        }
                        every_ns = (uint64_t) (v * 1e9);
                        break;
                }
                case 'h':
                        usage();
                        return 0;
                default:
                        return 2;
                }
        if (optind != argc - 1) {
                usage();
                return 2;
        }
        errno = 0;
        count = strtoul(argv[optind], &end, 10);
        if (errno || *end || count == 0) {
                log_error("COUNT: expected a positive number, got %s.", argv[optind]);
                return 2;
        }
        if (strcmp(file, PROC_STAT) != 0)
                raw = true;
        r = root_open(&root, rootdir);
        if (r < 0) {
                log_error_errno(r, "Failed to open root %s: %m", rootdir);
                return 1;
        }

        if (keep_open) {
                kept_fd = root_openat(&root, file, O_RDONLY);
                if (kept_fd < 0) {
                        log_error_errno(kept_fd, "Failed to open %s under %s: %m", file, rootdir);
                        return 1;
                }
        }

        cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        wall0 = now_ns(CLOCK_MONOTONIC);
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (unsigned long i = 0; i < count; i++) {
                if (every_ns) {
                        uint64_t t = (uint64_t) next.tv_sec * 1000000000ULL + (uint64_t) next.tv_nsec + every_ns;

                        next = (struct timespec) { .tv_sec = (time_t) (t / 1000000000ULL),
                                                   .tv_nsec = (long) (t % 1000000000ULL) };
                        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
                                ;
                }
                r = keep_open ? textbuf_reread(kept_fd, &buf) : root_read_buf(&root, file, &buf);
                if (r < 0) {
                        log_error_errno(r, "Failed to read %s under %s: %m", file, rootdir);
                        return 1;
                }
                bytes = buf.len;
                if (!raw) {
                        r = procstat_parse(buf.data, file, &st);
                        if (r < 0) {
                                log_error_errno(r, "Failed to parse %s under %s: %m", file, rootdir);
                                return 1;
                        }
                }
        }
        cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        wall = now_ns(CLOCK_MONOTONIC) - wall0;

        printf("file=%s reads=%lu bytes=%zu parsed=%s nintr=%zu ncpus=%zu cpu_ns_per_read=%.0f wall_ns_per_read=%.0f\n",
               file, count, bytes, raw ? "no" : "yes", st.nintr, st.ncpus,
               (double) cpu / (double) count, (double) wall / (double) count);
        procstat_done(&st);
        if (keep_open)
                close(kept_fd);
        textbuf_done(&buf);
        root_close(&root);
        return 0;
}
