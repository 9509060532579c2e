/* SPDX-License-Identifier: GPL-2.0-or-later */
/* irqbal-sim: plays the kernel of a simulated machine on a fake root, runs the daemon
 * under test on it, and measures the placement it gets (see sim/README.md). */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/json.h"
#include "irqbal/log.h"
#include "irqbal/root.h"
#include "driver.h"
#include "figures.h"
#include "machine.h"
#include "rootfs.h"
#include "scenario.h"

/* The daemon's own timer must never fire in lockstep: the simulator decides when a
 * cycle runs. */
#define LOCKSTEP_INTERVAL "3600"
#define DEFAULT_TIMEOUT 30.0

enum mode { MODE_FAST, MODE_LOCKSTEP, MODE_REALTIME };

struct sim_options {
        const char *scenario;
        const char *root;
        const char *topology;
        const char *shim;
        const char *trace;              /* --trace FILE, or NULL */
        long long seed;                 /* -1: the scenario's */
        long steps;                     /* 0: the scenario's */
        double duration;                /* 0: the scenario's */
        double timeout;
        enum mode mode;
        bool no_daemon;
        bool json;
        bool raw;
        char **command;                 /* NULL: no daemon */
};

static void help(void)
{
        printf("Usage: irqbal-sim --scenario FILE --root DIR [OPTIONS] [-- COMMAND [ARGS…]]\n\n"
               "Plays the kernel of the scenario's machine on the fake root DIR. With a COMMAND\n"
               "(irqbald), runs it on DIR and prints placement figures per phase.\n\n"
               "  --scenario FILE    the machine and its phases (see sim/README.md)\n"
               "  --root DIR         where to lay out proc/ and sys/ (new, empty or an old root)\n"
               "  --topology SPEC    hwloc XML file or synthetic:\"…\" (overrides the scenario's)\n"
               "  --seed N           noise seed (overrides the scenario's)\n"
               "  --steps N          simulate N steps (the last phase goes on if needed)\n"
               "  --lockstep         signal a cycle after every step (default with COMMAND)\n"
               "  --realtime         one step per Step= seconds of wall clock, no signals\n"
               "  --no-daemon        real time without COMMAND: keep the files up to date\n"
               "  --duration S       run S simulated seconds\n"
               "  --shim PATH        the kernel-write shim (default: sim/libirqbal-kshim.so next\n"
               "                     to this program)\n"
               "  --raw              run COMMAND as given (irqbald's options are appended\n"
               "                     otherwise: --root --topology --foreground --no-bus\n"
               "                     [--interval])\n"
               "  --timeout S        how long to wait for the daemon (default 30)\n"
               "  --json             figures as JSON instead of a table\n"
               "  --trace FILE       write every step's per-CPU load to FILE (any mode), as\n"
               "                     tab-separated lines, the first field saying what a line is:\n"
               "                       scenario PATH · machine NCPUS STEP_SECONDS SEED ·\n"
               "                       node ID CPULIST (each NUMA node) ·\n"
               "                       phase STEP NAME (the phase starting at STEP; from 0) ·\n"
               "                       cpus STEP STATES (from STEP on, a character per CPU: u\n"
               "                         usable, i isolated/nohz_full, o offline, - absent) ·\n"
               "                       load STEP BOUND L0 … (in CPUs: 1.0 = one CPU busy with\n"
               "                         interrupts; the lower bound, then each CPU's load) ·\n"
               "                       writes STEP N (affinity writes after STEP; -1: start-up)\n"
               "                     bench/heatmap draws it\n"
               "  --log-level LEVEL  err, warning, notice, info or debug\n");
}

static int parse_options(int argc, char **argv, struct sim_options *o)
{
        enum { ARG_LOCKSTEP = 0x100, ARG_REALTIME, ARG_NO_DAEMON, ARG_SHIM, ARG_RAW, ARG_TIMEOUT,
               ARG_JSON, ARG_SEED, ARG_DURATION, ARG_TRACE };
        static const struct option options[] = {
                { "scenario",  required_argument, NULL, 's' },
                { "root",      required_argument, NULL, 'r' },
                { "topology",  required_argument, NULL, 't' },
                { "steps",     required_argument, NULL, 'n' },
                { "seed",      required_argument, NULL, ARG_SEED },
                { "duration",  required_argument, NULL, ARG_DURATION },
                { "lockstep",  no_argument,       NULL, ARG_LOCKSTEP },
                { "realtime",  no_argument,       NULL, ARG_REALTIME },
                { "no-daemon", no_argument,       NULL, ARG_NO_DAEMON },
                { "shim",      required_argument, NULL, ARG_SHIM },
                { "raw",       no_argument,       NULL, ARG_RAW },
                { "timeout",   required_argument, NULL, ARG_TIMEOUT },
                { "json",      no_argument,       NULL, ARG_JSON },
                { "trace",     required_argument, NULL, ARG_TRACE },
                { "log-level", required_argument, NULL, 'l' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        bool realtime = false, lockstep = false;
        int c, level;
        char *end;

        *o = (struct sim_options) { .seed = -1, .timeout = DEFAULT_TIMEOUT };
        while ((c = getopt_long(argc, argv, "+s:r:t:n:l:h", options, NULL)) >= 0) {
                switch (c) {
                case 's': o->scenario = optarg; break;
                case 'r': o->root = optarg; break;
                case 't': o->topology = optarg; break;
                case ARG_SHIM: o->shim = optarg; break;
                case ARG_LOCKSTEP: lockstep = true; break;
                case ARG_REALTIME: realtime = true; break;
                case ARG_NO_DAEMON: o->no_daemon = true; break;
                case ARG_RAW: o->raw = true; break;
                case ARG_JSON: o->json = true; break;
                case ARG_TRACE: o->trace = optarg; break;
                case 'n':
                        o->steps = strtol(optarg, &end, 10);
                        if (*end || o->steps <= 0)
                                return log_error_errno(EINVAL, "--steps: expected a positive number, got %s.", optarg);
                        break;
                case ARG_SEED:
                        o->seed = strtoll(optarg, &end, 10);
                        if (*end || o->seed < 0 || o->seed > UINT32_MAX)
                                return log_error_errno(EINVAL, "--seed: expected 0 … 4294967295, got %s.", optarg);
                        break;
                case ARG_DURATION:
                case ARG_TIMEOUT: {
                        double v = g_ascii_strtod(optarg, &end);

                        if (*end || !(v > 0) || !isfinite(v))
                                return log_error_errno(EINVAL, "--%s: expected seconds, got %s.",
                                                       c == ARG_DURATION ? "duration" : "timeout", optarg);
                        *(c == ARG_DURATION ? &o->duration : &o->timeout) = v;
                        break;
                }
                case 'l':
                        level = log_level_from_string(optarg);
                        if (level < 0)
                                return log_error_errno(EINVAL, "--log-level: unknown level %s.", optarg);
                        log_set_max_level(level);
                        break;
                case 'h':
                        help();
                        exit(EXIT_SUCCESS);
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc)
                o->command = argv + optind;
        if (!o->scenario || !o->root)
                return log_error_errno(EINVAL, "--scenario and --root are required (see --help).");
        if (lockstep && realtime)
                return log_error_errno(EINVAL, "--lockstep and --realtime exclude each other.");
        if (o->no_daemon && o->command)
                return log_error_errno(EINVAL, "--no-daemon takes no command.");
        if (lockstep && !o->command)
                return log_error_errno(EINVAL, "--lockstep needs a daemon command after --.");
        o->mode = realtime || o->no_daemon ? MODE_REALTIME : o->command ? MODE_LOCKSTEP : MODE_FAST;
        return 0;
}

/* Loads the topology without reading the host: an empty root means "all CPUs online,
 * none isolated", which the machine then changes as the scenario says. */
static int load_topology(const char *spec, struct topology **ret)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *tmp = g_dir_make_tmp("irqbal-sim-XXXXXX", &error);
        struct topology_options topts = { .spec = spec };
        struct irqbal_root root;
        int r;

        if (!tmp)
                return log_error_errno(EIO, "Failed to create a temporary directory: %s", error->message);
        r = root_open(&root, tmp);
        if (r == 0) {
                r = topology_load(&root, &topts, ret);
                root_close(&root);
        }
        (void) g_rmdir(tmp);
        if (r < 0)
                return log_error_errno(r, "Failed to load the topology %s: %m", spec);
        return 0;
}

static char *default_shim(void)
{
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = exe ? g_path_get_dirname(exe) : g_strdup(".");
        char *built = g_build_filename(dir, "sim", "libirqbal-kshim.so", NULL);

        if (access(built, R_OK) == 0)
                return built;
        g_free(built);
        /* Installed side by side. */
        return g_build_filename(dir, "libirqbal-kshim.so", NULL);
}

static char **daemon_argv(const struct sim_options *o, const char *root, const char *topology)
{
        GPtrArray *a = g_ptr_array_new();

        for (char **p = o->command; *p; p++)
                g_ptr_array_add(a, g_strdup(*p));
        if (!o->raw) {
                /* --no-bus: a simulated machine's daemon must not take the system bus
                 * name from (or lose it to) this machine's own irqbald. */
                const char *extra[] = { "--root", root, "--topology", topology, "--foreground",
                                        "--no-bus" };

                for (size_t i = 0; i < G_N_ELEMENTS(extra); i++)
                        g_ptr_array_add(a, g_strdup(extra[i]));
                if (o->mode == MODE_LOCKSTEP) {
                        g_ptr_array_add(a, g_strdup("--interval"));
                        g_ptr_array_add(a, g_strdup(LOCKSTEP_INTERVAL));
                }
        }
        g_ptr_array_add(a, NULL);
        return (char **) g_ptr_array_free(a, false);
}

/* The phase of step I; once the scenario's steps are used up, the last one goes on. */
static size_t phase_of(const struct scenario *s, long i, bool *ret_first)
{
        long start = 0;

        for (size_t p = 0; p < s->n_phases; p++) {
                if (i < start + (long) s->phases[p].steps || p == s->n_phases - 1) {
                        *ret_first = i == start;
                        return p;
                }
                start += (long) s->phases[p].steps;
        }
        *ret_first = false;
        return 0;
}

static long total_steps(const struct sim_options *o, const struct scenario *s)
{
        long n = 0;

        if (o->steps)
                return o->steps;
        if (o->duration)
                return (long) ceil(o->duration / s->step);
        for (size_t p = 0; p < s->n_phases; p++)
                n += (long) s->phases[p].steps;
        return n;
}

static double monotonic(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int collect_writes(struct rootfs *rf, struct machine *m, struct figures *f)
{
        struct rootfs_writes w;
        int r = rootfs_read_writes(rf, m, &w);

        if (r == 0)
                figures_add_writes(f, &w);
        return r;
}

struct run {
        const struct sim_options *o;
        struct scenario *sc;
        struct machine *m;
        struct rootfs *rf;
        struct daemon d;
        bool have_daemon;
        struct figures fig;
};

/* A phase starts with its files, then the reload that reads them, then the machine's
 * events: a reload sees the files of its phase, and the phase's first cycle runs on
 * the configuration it loaded. */
static int begin_phase(struct run *run, size_t p)
{
        const struct sc_phase *phase = &run->sc->phases[p];
        int r = rootfs_write_files(run->rf, run->sc, (int) p);

        if (r < 0)
                return r;
        if (phase->reload && !run->have_daemon)
                log_info("Phase %s: Reload=yes, but the simulator runs no daemon to reload.", phase->name);
        if (phase->reload && run->have_daemon) {
                if (run->o->mode == MODE_LOCKSTEP) {
                        r = daemon_reload(&run->d, run->o->timeout);
                        if (r < 0)
                                return r;
                        figures_set_reload_status(&run->fig, p, run->d.reload_status);
                } else {
                        /* Real time: the daemon's own pace, nothing to wait for. */
                        r = daemon_send_reload(&run->d);
                        if (r < 0)
                                return r;
                }
        }
        return machine_begin_phase(run->m, phase);
}

static int run_steps(struct run *run)
{
        long n = total_steps(run->o, run->sc);
        double t0 = monotonic();
        size_t current = (size_t) -1;
        int r;

        for (long i = 0; i < n; i++) {
                bool first;
                size_t p = phase_of(run->sc, i, &first);

                if (run->o->mode == MODE_REALTIME) {
                        double wait = t0 + (double) (i + 1) * run->sc->step - monotonic();

                        if (wait > 0)
                                g_usleep((gulong) (wait * 1e6));
                        if (run->have_daemon && daemon_poll(&run->d) < 0)
                                return log_error_errno(ECHILD, "The daemon exited with status %d; its output (%s):",
                                                       run->d.status, run->d.stderr_path);
                }
                /* The daemon's writes of the last cycle first: the phase's events (an
                 * offline, a pin) then act on the masks it chose, as a kernel would. */
                r = collect_writes(run->rf, run->m, &run->fig);
                if (r < 0)
                        return r;
                if (first && p != current) {
                        if (current != (size_t) -1)
                                machine_end_phase(run->m);
                        r = begin_phase(run, p);
                        if (r < 0)
                                return r;
                        current = p;
                }
                machine_step(run->m, run->sc->phases[p].noise);
                r = rootfs_write_state(run->rf, run->m);
                if (r < 0)
                        return r;
                figures_record_step(&run->fig, p, run->m);
                if (run->o->mode == MODE_LOCKSTEP) {
                        r = daemon_cycle(&run->d, run->o->timeout);
                        if (r < 0)
                                return r;
                }
        }
        return collect_writes(run->rf, run->m, &run->fig);
}

/* SIGTERM; the daemon restores the masks it changed, which the machine takes in. */
static int stop_daemon(struct run *run)
{
        struct rootfs_writes w;
        int r = daemon_stop(&run->d, run->o->timeout);

        run->fig.daemon = true;
        run->fig.daemon_status = run->d.status;
        if (r < 0)
                return r;
        r = rootfs_read_writes(run->rf, run->m, &w);
        if (r < 0)
                return r;
        run->fig.shutdown = w;
        figures_check_restore(&run->fig, run->m);
        return rootfs_write_state(run->rf, run->m);
}

static int run_simulation(struct run *run)
{
        const struct sim_options *o = run->o;
        const char *spec = o->topology ? o->topology : run->sc->topology;
        struct topology *topo = NULL;
        g_auto(GStrv) argv = NULL;
        int r;

        if (!spec)
                return log_error_errno(EINVAL, "%s: no Topology= in [Machine]; give --topology.", o->scenario);
        if (o->seed >= 0)
                run->sc->seed = (uint32_t) o->seed;
        r = load_topology(spec, &topo);
        if (r < 0)
                return r;
        r = machine_new(run->sc, topo, &run->m);
        if (r < 0)
                return r;
        r = rootfs_create(o->root, run->m, &run->rf);
        if (r < 0)
                return r;
        /* The daemon's configuration is in place before it starts, as on a real boot. */
        r = rootfs_write_files(run->rf, run->sc, -1);
        if (r < 0)
                return r;
        figures_init(&run->fig, run->sc);
        if (o->trace) {
                r = figures_trace_open(&run->fig, run->m, o->trace);
                if (r < 0)
                        return r;
        }
        if (o->command) {
                g_autofree char *shim = o->shim ? g_strdup(o->shim) : default_shim();

                argv = daemon_argv(o, run->rf->dir, spec);
                r = daemon_start(&run->d, run->rf->dir, shim, argv);
                if (r < 0)
                        return r;
                run->have_daemon = true;
                /* A peer run with --raw (irqbalance) may never say READY. */
                if (o->mode == MODE_LOCKSTEP || !o->raw) {
                        r = daemon_wait_ready(&run->d, o->timeout);
                        if (r < 0)
                                return r;
                }
        }
        r = run_steps(run);
        if (r < 0)
                return r;
        return run->have_daemon ? stop_daemon(run) : 0;
}

static void print_figures(const struct run *run)
{
        if (run->o->json) {
                g_autoptr(GString) out = g_string_new(NULL);

                figures_to_json(&run->fig, out);
                fputs(out->str, stdout);
        } else
                figures_print_table(&run->fig, stdout);
}

int main(int argc, char **argv)
{
        struct sim_options o;
        struct run run = { .o = &o, .d = { .notify_fd = -1 } };
        int r;

        log_set_max_level(LOG_NOTICE);
        r = parse_options(argc, argv, &o);
        if (r < 0)
                return EXIT_FAILURE;
        r = scenario_load(o.scenario, &run.sc);
        if (r < 0)
                return EXIT_FAILURE;
        r = run_simulation(&run);
        if (r < 0 && run.have_daemon)
                daemon_dump_output(&run.d);
        if (r == 0)
                r = figures_trace_close(&run.fig);
        if (r == 0)
                print_figures(&run);
        if (run.fig.steps)
                figures_done(&run.fig);
        daemon_done(&run.d);
        rootfs_free(run.rf);
        machine_free(run.m);
        scenario_free(run.sc);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
