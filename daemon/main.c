/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/log.h"
#include "irqbal/manager.h"
#include "irqbal/options.h"
#include "irqbal/report.h"

static void list_policies(void)
{
        for (size_t i = 0; irqbal_policies[i]; i++)
                printf("%-14s %s%s\n", irqbal_policies[i]->name, irqbal_policies[i]->description,
                       irqbal_policies[i] == policy_default() ? " (default)" : "");
}

static void print_observation(const struct manager *m)
{
        struct observation view = {
                .root = m->opts->root,
                .topo = m->topo,
                .inv = &m->obs.inv,
                .window = m->window,
                .malformed_lines = m->obs.malformed_lines,
                .policy = m->settings.policy->name,
                .plan = m->have_plan ? &m->plan : NULL,
                .peak_load = m->peak_load,
        };
        GString *out = g_string_new(NULL);

        if (m->opts->format == FORMAT_JSON)
                report_json(&view, isatty(STDOUT_FILENO), out);
        else
                report_text(&view, out);
        fputs(out->str, stdout);
        fflush(stdout);
        g_string_free(out, TRUE);
}

static void sleep_seconds(double seconds)
{
        struct timespec ts = {
                .tv_sec = (time_t) seconds,
                .tv_nsec = (long) ((seconds - (double) (time_t) seconds) * 1e9),
        };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Samples a window, plans by load, applies (unless --dry-run), shows it all and exits. Unlike
 * irqbalance's --oneshot, placement follows the measured load. */
static int oneshot(struct manager *m)
{
        int r = manager_sample(m, 0);

        if (r < 0)
                return r;
        sleep_seconds(m->opts->window);
        /* A root whose clock stands still (a frozen capture) is sampled as it is. */
        r = manager_sample(m, m->opts->window);
        if (r < 0)
                return r;
        r = manager_plan_and_apply(m);
        if (r < 0)
                return r;
        print_observation(m);
        return 0;
}

/* --check-config: what a start or a reload would find in the policy files, on this
 * machine (or the one under --root). 0 without errors. */
static int check_config(const struct options *opts)
{
        struct irqbal_root root = { .dirfd = -1 };
        struct config_diags diags = {};
        struct config conf = {};
        struct settings settings = {};
        struct topology *topo = NULL;
        _cleanup_free_ char *text = NULL;
        int r = root_open(&root, opts->root);

        if (r < 0)
                return log_error_errno(r, "Failed to open root directory %s: %m", opts->root);
        r = manager_load_configuration(&root, opts, &conf, &settings, &topo, &diags);
        text = config_diags_format(&diags);
        fputs(text ? text : "", stdout);
        if (r >= 0)
                printf("%zu file%s checked: %s.\n", conf.n_files, conf.n_files == 1 ? "" : "s",
                       diags.n ? "no errors" : "no problems found");
        else if (diags.errors)
                printf("%zu error%s: irqbald would not start, and a reload would keep the old "
                       "configuration.\n", diags.errors, diags.errors == 1 ? "" : "s");
        topology_free(topo);
        settings_done(&settings);
        config_done(&conf);
        config_diags_done(&diags);
        root_close(&root);
        return r;
}

int main(int argc, char **argv)
{
        struct options opts;
        struct manager *m = NULL;
        int r;

        r = options_parse(argc, argv, &opts);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        log_set_max_level(opts.log_level);
        if (opts.list_policies) {
                list_policies();
                options_done(&opts);
                return EXIT_SUCCESS;
        }

        if (opts.check_config) {
                r = check_config(&opts);
                options_done(&opts);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }

        r = manager_new(&opts, &m);
        if (r < 0 && !opts.oneshot)
                /* systemd shows this line in "systemctl status" (the log says more). */
                (void) sd_notifyf(0, "STATUS=Failed to start: %s\nERRNO=%i",
                                  r == -EINVAL ? "invalid configuration, see irqbald --check-config"
                                               : strerror(-r), -r);
        if (r >= 0)
                r = opts.oneshot ? oneshot(m) : manager_run(m);
        manager_free(m);
        options_done(&opts);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
