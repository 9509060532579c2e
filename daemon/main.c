/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irqbal/log.h"
#include "irqbal/observer.h"
#include "irqbal/options.h"
#include "irqbal/report.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
        stop_requested = 1;
}

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Sleeps SECONDS unless a stop signal arrives first. */
static void sleep_seconds(double seconds)
{
        struct timespec ts = {
                .tv_sec = (time_t) seconds,
                .tv_nsec = (long) ((seconds - (double) (time_t) seconds) * 1e9),
        };

        while (!stop_requested && nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void print_observation(const struct options *opts, const struct topology *topo,
                              const struct observer *obs, double window)
{
        struct observation view = {
                .root = opts->root,
                .topo = topo,
                .inv = &obs->inv,
                .window = window,
                .malformed_lines = obs->malformed_lines,
        };
        GString *out = g_string_new(NULL);

        if (opts->format == FORMAT_JSON)
                report_json(&view, isatty(STDOUT_FILENO), out);
        else
                report_text(&view, out);
        fputs(out->str, stdout);
        fflush(stdout);
        g_string_free(out, TRUE);
}

static int run(const struct options *opts)
{
        struct topology_options topts = { .spec = opts->topology, .banned = opts->banned };
        struct irqbal_root root;
        struct topology *topo = NULL;
        struct observer obs;
        double last, window;
        int r;

        r = root_open(&root, opts->root);
        if (r < 0)
                return log_error_errno(r, "Failed to open root directory %s: %m", opts->root);
        r = topology_load(&root, &topts, &topo);
        if (r < 0) {
                log_error_errno(r, "Failed to load the topology: %m");
                root_close(&root);
                return r;
        }
        observer_init(&obs, &root, topo);

        r = observer_read(&obs, 0);
        last = now_seconds();
        while (r >= 0 && !stop_requested) {
                sleep_seconds(opts->oneshot ? opts->window : opts->interval);
                if (stop_requested)
                        break;
                window = now_seconds() - last;
                last += window;
                r = observer_read(&obs, window);
                if (r < 0)
                        break;
                print_observation(opts, topo, &obs, window);
                if (opts->oneshot)
                        break;
        }

        observer_done(&obs);
        topology_free(topo);
        root_close(&root);
        return r;
}

int main(int argc, char **argv)
{
        struct options opts;
        int r;

        r = options_parse(argc, argv, &opts);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        log_set_max_level(opts.log_level);

        /* Balancing (writing affinities) is not built yet: only observing is. */
        if (!opts.dry_run) {
                log_error("irqbald: writing IRQ affinities is not implemented in this version; "
                          "run with --dry-run to see what the daemon observes.");
                options_done(&opts);
                return EXIT_FAILURE;
        }

        signal(SIGTERM, on_stop_signal);
        signal(SIGINT, on_stop_signal);
        r = run(&opts);
        options_done(&opts);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
