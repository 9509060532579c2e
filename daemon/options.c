/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/options.h"
#include "irqbal/policy.h"

/* Interrupt rates drift over seconds; a cycle far below one second measures noise and
 * one beyond an hour never reacts. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0
#define INTERVAL_DEFAULT 10.0
/* Long enough to see the busy IRQs of an idle machine, short enough for a command. */
#define WINDOW_DEFAULT 1.0


void options_help(FILE *f)
{
        fprintf(f,
"Usage: irqbald [OPTIONS]\n"
"\n"
"Spreads hardware interrupts over the CPUs of this machine: keeps each device's IRQs\n"
"on its NUMA node, off isolated and banned CPUs, and balanced by measured load.\n"
"\n"
"  -r, --root=DIR          Read and write every /proc, /sys, /etc/irqbald and\n"
"                          /run/irqbald path under DIR (default /). A DIR holding a\n"
"                          sysfs capture also gives hwloc the machine's topology.\n"
"  -t, --topology=SPEC     Use this topology instead of discovering it: an hwloc XML\n"
"                          file, or synthetic:\"pack:2 numa:2 core:8 pu:2\".\n"
"  -o, --oneshot           Sample once, report (and with balancing, place) and exit.\n"
"  -n, --dry-run           Never write an affinity: show what is seen and planned.\n"
"  -f, --foreground        Accepted for irqbalance's command line: irqbald never\n"
"                          forks (systemd runs it as Type=notify), logs to stderr.\n"
"  -i, --interval=SECONDS  Time between balancing cycles (default %g).\n"
"  -w, --window=SECONDS    How long --oneshot samples interrupt rates (default %g).\n"
"  -b, --ban-cpus=LIST     Never place movable IRQs on these CPUs (cpulist, 2-5,8).\n"
"  -p, --policy=NAME       Balancing policy (default balanced; see --list-policies).\n"
"      --list-policies     List the built-in policies and exit.\n"
"      --hysteresis=SHARE  A move must cut the busiest CPU's load by this share\n"
"                          of it, 0 to 1 (default 0.1): noise never moves IRQs.\n"
"      --pack-thresholds=LOW:HIGH\n"
"                          pack gathers IRQs below LOW CPUs' worth of interrupt\n"
"                          load and spreads them above HIGH (default 0.5:1).\n"
"      --housekeeping-cpus=LIST\n"
"                          CPUs the housekeeping policy puts every IRQ on (default:\n"
"                          the usable CPUs, which exclude isolated ones).\n"
"      --no-restore        On exit, leave IRQs where irqbald put them instead of\n"
"                          restoring the masks they had before.\n"
"      --override-pins     Re-place IRQs that someone else pinned (by default an\n"
"                          IRQ whose mask changed behind irqbald's back is left alone).\n"
"      --no-bus            Do not offer the D-Bus API (irqbalctl then cannot reach\n"
"                          this daemon); for a second instance on a fake root.\n"
"      --check-config      Check /etc/irqbald/irqbald.conf and the policy.d drop-ins\n"
"                          (under --root) against this machine, print every problem\n"
"                          with file:line and exit 1 if there is an error.\n"
"  -F, --format=FORMAT     Output of --oneshot/--dry-run: text (default) or json.\n"
"  -l, --log-level=LEVEL   err, warning, notice, info (default) or debug.\n"
"  -h, --help              Show this help and exit.\n"
"  -V, --version           Show the version and exit.\n",
                INTERVAL_DEFAULT, WINDOW_DEFAULT);
}

static int parse_seconds(const char *arg, const char *option, double *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || !isfinite(v) || v < INTERVAL_MIN || v > INTERVAL_MAX) {
                fprintf(stderr, "irqbald: --%s=%s: expected seconds between %g and %g.\n",
                        option, arg, INTERVAL_MIN, INTERVAL_MAX);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int set_string(char **field, const char *arg)
{
        free(*field);
        *field = strdup(arg);
        return *field ? 0 : -ENOMEM;
}

enum {
        ARG_LIST_POLICIES = 0x100,
        ARG_HYSTERESIS,
        ARG_NO_RESTORE,
        ARG_OVERRIDE_PINS,
        ARG_PACK_THRESHOLDS,
        ARG_HOUSEKEEPING_CPUS,
        ARG_CHECK_CONFIG,
        ARG_NO_BUS,
};

static int parse_thresholds(const char *arg, double *low, double *high)
{
        char *end, *end2;
        double l, h;

        errno = 0;
        l = strtod(arg, &end);
        if (errno || end == arg || *end != ':')
                goto fail;
        h = strtod(end + 1, &end2);
        if (errno || end2 == end + 1 || *end2 || !isfinite(l) || !isfinite(h) || l < 0 || h < l)
                goto fail;
        *low = l;
        *high = h;
        return 0;
fail:
        fprintf(stderr, "irqbald: --pack-thresholds=%s: expected LOW:HIGH in CPUs' worth of "
                "load with LOW <= HIGH, like 0.5:1.\n", arg);
        return -EINVAL;
}

static int parse_share(const char *arg, double *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || !isfinite(v) || v < 0 || v > 1) {
                fprintf(stderr, "irqbald: --hysteresis=%s: expected a share between 0 and 1 "
                        "(0.1 = 10 %%).\n", arg);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

int options_parse(int argc, char **argv, struct options *ret)
{
        static const struct option longopts[] = {
                { "root",       required_argument, NULL, 'r' },
                { "topology",   required_argument, NULL, 't' },
                { "oneshot",    no_argument,       NULL, 'o' },
                { "dry-run",    no_argument,       NULL, 'n' },
                { "foreground", no_argument,       NULL, 'f' },
                { "interval",   required_argument, NULL, 'i' },
                { "window",     required_argument, NULL, 'w' },
                { "ban-cpus",   required_argument, NULL, 'b' },
                { "format",     required_argument, NULL, 'F' },
                { "policy",     required_argument, NULL, 'p' },
                { "list-policies", no_argument,    NULL, ARG_LIST_POLICIES },
                { "hysteresis", required_argument, NULL, ARG_HYSTERESIS },
                { "no-restore", no_argument,       NULL, ARG_NO_RESTORE },
                { "override-pins", no_argument,    NULL, ARG_OVERRIDE_PINS },
                { "pack-thresholds", required_argument, NULL, ARG_PACK_THRESHOLDS },
                { "housekeeping-cpus", required_argument, NULL, ARG_HOUSEKEEPING_CPUS },
                { "check-config", no_argument,     NULL, ARG_CHECK_CONFIG },
                { "no-bus",     no_argument,       NULL, ARG_NO_BUS },
                { "log-level",  required_argument, NULL, 'l' },
                { "help",       no_argument,       NULL, 'h' },
                { "version",    no_argument,       NULL, 'V' },
                {}
        };
        struct policy_params defaults;
        struct options o = {
                .interval = INTERVAL_DEFAULT,
                .window = WINDOW_DEFAULT,
                .format = FORMAT_TEXT,
                .log_level = LOG_INFO,
                .banned = hwloc_bitmap_alloc(),
                .restore_on_exit = true,
                .respect_external_pins = true,
                .housekeeping = hwloc_bitmap_alloc(),
        };
        int c, r = 0;

        /* The policies' own defaults, explained where they are set. */
        policy_params_default(&defaults);
        o.hysteresis = defaults.hysteresis;
        o.pack_low = defaults.pack_low;
        o.pack_high = defaults.pack_high;

        if (!o.banned || !o.housekeeping) {
                options_done(&o);
                return -ENOMEM;
        }
        optind = 0;
        opterr = 1;
        while (r == 0 && (c = getopt_long(argc, argv, "r:t:onfi:w:b:F:l:p:hV", longopts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        r = set_string(&o.root, optarg);
                        break;
                case 't':
                        r = set_string(&o.topology, optarg);
                        break;
                case 'o':
                        o.oneshot = true;
                        break;
                case 'n':
                        o.dry_run = true;
                        break;
                case 'f':
                        o.foreground = true;
                        break;
                case 'i':
                        r = parse_seconds(optarg, "interval", &o.interval);
                        o.given |= OPTION_GIVEN_INTERVAL;
                        break;
                case 'w':
                        r = parse_seconds(optarg, "window", &o.window);
                        break;
                case 'b':
                        r = cpulist_parse(optarg, o.banned);
                        o.given |= OPTION_GIVEN_BANNED;
                        if (r < 0)
                                fprintf(stderr, "irqbald: --ban-cpus=%s: not a CPU list "
                                        "(write it like 2-5,8).\n", optarg);
                        break;
                case 'F':
                        if (strcmp(optarg, "text") == 0)
                                o.format = FORMAT_TEXT;
                        else if (strcmp(optarg, "json") == 0)
                                o.format = FORMAT_JSON;
                        else {
                                fprintf(stderr, "irqbald: --format=%s: expected text or json.\n",
                                        optarg);
                                r = -EINVAL;
                        }
                        break;
                case 'l':
                        o.log_level = log_level_from_string(optarg);
                        if (o.log_level < 0) {
                                fprintf(stderr, "irqbald: --log-level=%s: expected err, warning, "
                                        "notice, info or debug.\n", optarg);
                                r = -EINVAL;
                        }
                        break;
                case 'p':
                        r = set_string(&o.policy, optarg);
                        o.given |= OPTION_GIVEN_POLICY;
                        break;
                case ARG_CHECK_CONFIG:
                        o.check_config = true;
                        break;
                case ARG_NO_BUS:
                        o.no_bus = true;
                        break;
                case ARG_LIST_POLICIES:
                        o.list_policies = true;
                        break;
                case ARG_HYSTERESIS:
                        r = parse_share(optarg, &o.hysteresis);
                        o.given |= OPTION_GIVEN_HYSTERESIS;
                        break;
                case ARG_NO_RESTORE:
                        o.restore_on_exit = false;
                        o.given |= OPTION_GIVEN_RESTORE;
                        break;
                case ARG_OVERRIDE_PINS:
                        o.respect_external_pins = false;
                        o.given |= OPTION_GIVEN_PINS;
                        break;
                case ARG_PACK_THRESHOLDS:
                        r = parse_thresholds(optarg, &o.pack_low, &o.pack_high);
                        o.given |= OPTION_GIVEN_PACK;
                        break;
                case ARG_HOUSEKEEPING_CPUS:
                        r = cpulist_parse(optarg, o.housekeeping);
                        o.given |= OPTION_GIVEN_HOUSEKEEPING;
                        if (r == 0 && hwloc_bitmap_iszero(o.housekeeping))
                                r = -EINVAL;
                        if (r < 0)
                                fprintf(stderr, "irqbald: --housekeeping-cpus=%s: not a CPU list "
                                        "(write it like 0-1).\n", optarg);
                        break;
                case 'h':
                        options_help(stdout);
                        r = 1;
                        break;
                case 'V':
                        printf("irqbald %s\n", PACKAGE_VERSION);
                        r = 1;
                        break;
                default:
                        /* getopt already said what was wrong. */
                        fprintf(stderr, "Try 'irqbald --help'.\n");
                        r = -EINVAL;
                }
        }
        if (r == 0 && optind < argc) {
                fprintf(stderr, "irqbald: unexpected argument '%s'. Try 'irqbald --help'.\n",
                        argv[optind]);
                r = -EINVAL;
        }
        if (r == 0 && !o.root)
                r = set_string(&o.root, "/");
        if (r != 0) {
                options_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

void options_done(struct options *o)
{
        free(o->root);
        free(o->topology);
        free(o->policy);
        if (o->banned)
                hwloc_bitmap_free(o->banned);
        if (o->housekeeping)
                hwloc_bitmap_free(o->housekeeping);
        *o = (struct options) {};
}
