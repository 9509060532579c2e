/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irqbal-sim --trace writes the ground truth of every step (per-CPU load, phases, CPU
 * states, nodes), and bench/heatmap draws it as a well-formed SVG whose cells are
 * exactly the trace's loaded (CPU, step) pairs. A 3-step lockstep run of irqbald on a
 * two-node machine with an isolated CPU.
 */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testlib.h"

/* 2 nodes × 4 CPUs, CPU 7 isolated; a 2-queue NIC on node 1 whose rate doubles in
 * phase b: 2 × 1000/s × 5 µs = 0.01 CPU, then 0.02. */
static const char scenario[] =
        "[Machine]\nTopology=synthetic:pack:2 numa:1 core:2 pu:2\nIsolated=7\nSeed=3\nStep=10\n"
        "[Device eth1]\nAddress=0000:af:00.0\nNode=1\nClass=net\nQueues=2\nFirstIrq=100\n"
        "Rate=1000\nCost=5\n"
        "[Phase a]\nSteps=1\n[Phase b]\nSteps=2\nRate.eth1=2000\n";

static const char *env_or(const char *name, const char *fallback)
{
        const char *s = getenv(name);

        return s ? s : fallback;
}

static void run(const char *const *argv, char **ret_out)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        int status;

        ck_assert_msg(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, ret_out, &err,
                                   &status, &error), "cannot run %s: %s", argv[0], error ? error->message : "?");
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed:\n%s", argv[0], err);
}

/* Runs the scenario in lockstep with irqbald and --trace; returns the trace's text. */
static char *simulate(const char *dir)
{
        const char *top = env_or("TOP_BUILDDIR", TOP_BUILDDIR);
        g_autofree char *sim = g_build_filename(top, "irqbal-sim", NULL);
        g_autofree char *daemon = g_build_filename(top, "irqbald", NULL);
        g_autofree char *ini = g_build_filename(dir, "s.ini", NULL);
        g_autofree char *root = g_build_filename(dir, "root", NULL);
        g_autofree char *trace = g_build_filename(dir, "trace.tsv", NULL);
        g_autofree char *out = NULL;
        const char *argv[] = { sim, "--scenario", ini, "--root", root, "--trace", trace, "--json", "--", daemon, NULL };

        tl_write(dir, "s.ini", "%s", scenario);
        run(argv, &out);
        return tl_read(trace);
}

START_TEST(the_trace_has_every_steps_load_and_the_machine)
{
        g_autofree char *dir = tl_mkdtemp();
        g_autofree char *text = simulate(dir);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        unsigned loads = 0, phases = 0, nodes = 0, cpus = 0;

        ck_assert_str_eq(lines[0], "# irqbal-sim trace 1");
        for (size_t i = 1; lines[i] && *lines[i]; i++) {
                g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);

                if (strcmp(f[0], "machine") == 0) {
                        ck_assert_str_eq(f[1], "8");
                        ck_assert_str_eq(f[2], "10");
                        ck_assert_str_eq(f[3], "3");
                } else if (strcmp(f[0], "node") == 0) {
                        ck_assert_str_eq(f[2], nodes == 0 ? "0-3" : "4-7");
                        nodes++;
                } else if (strcmp(f[0], "phase") == 0) {
                        ck_assert_str_eq(f[1], phases == 0 ? "0" : "1");
                        ck_assert_str_eq(f[2], phases == 0 ? "a" : "b");
                        phases++;
                } else if (strcmp(f[0], "cpus") == 0) {
                        /* Nothing changes: one line, at the first step. */
                        ck_assert_str_eq(f[1], "0");
                        ck_assert_str_eq(f[2], "uuuuuuui");
                        cpus++;
                } else if (strcmp(f[0], "load") == 0) {
                        double sum = 0;

                        ck_assert_uint_eq(g_strv_length(f), 3 + 8);
                        ck_assert_uint_eq(strtoul(f[1], NULL, 10), loads);
                        for (int c = 0; c < 8; c++)
                                sum += g_ascii_strtod(f[3 + c], NULL);
                        /* What the NIC asks for, wherever it landed. */
                        ck_assert_double_eq_tol(sum, loads == 0 ? 0.01 : 0.02, 1e-9);
                        /* The bound: max(total ÷ 7 usable CPUs, one queue). */
                        ck_assert_double_eq_tol(g_ascii_strtod(f[2], NULL), loads == 0 ? 0.005 : 0.01, 1e-9);
                        loads++;
                } else {
                        ck_assert_msg(strcmp(f[0], "scenario") == 0 || strcmp(f[0], "writes") == 0,
                                      "unexpected line %s", lines[i]);
                }
        }
        ck_assert_uint_eq(loads, 3);
        ck_assert_uint_eq(phases, 2);
        ck_assert_uint_eq(nodes, 2);
        ck_assert_uint_eq(cpus, 1);
        tl_rmtree(dir);
}
END_TEST

/* What the SVG parser collects: per panel, the loaded cells it claims and those its
 * rects cover; hatched rects. */
struct svg_count {
        int depth_in_panel;             /* 0: outside a panel */
        unsigned panels;
        long claimed, covered;          /* loaded cells, summed over panels */
        int cell_width;
        unsigned iso;
};

static const char *attr(const char **names, const char **values, const char *name)
{
        for (size_t i = 0; names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return values[i];
        return NULL;
}

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names, const char **values,
                     void *data, GError **error)
{
        struct svg_count *c = data;
        const char *cls = attr(names, values, "class");

        if (c->depth_in_panel > 0) {
                c->depth_in_panel++;
                if (strcmp(element, "rect") == 0 && cls && cls[0] == 'l' && g_ascii_isdigit(cls[1])) {
                        long w = strtol(attr(names, values, "width"), NULL, 10);

                        ck_assert_int_eq(w % c->cell_width, 0);
                        c->covered += w / c->cell_width;
                }
                if (strcmp(element, "rect") == 0 && cls && strcmp(cls, "iso") == 0)
                        c->iso++;
                return;
        }
        if (strcmp(element, "g") == 0 && cls && strcmp(cls, "panel") == 0) {
                c->depth_in_panel = 1;
                c->panels++;
                c->claimed += strtol(attr(names, values, "data-loaded-cells"), NULL, 10);
                c->cell_width = (int) strtol(attr(names, values, "data-cell-width"), NULL, 10);
                ck_assert_int_gt(c->cell_width, 0);
                ck_assert_str_eq(attr(names, values, "data-steps"), "3");
                ck_assert_str_eq(attr(names, values, "data-rows"), "8");
        }
}

static void on_end(GMarkupParseContext *ctx, const char *element, void *data, GError **error)
{
        struct svg_count *c = data;

        if (c->depth_in_panel > 0)
                c->depth_in_panel--;
}

START_TEST(the_heat_map_is_a_valid_svg_with_a_cell_per_loaded_cpu_and_step)
{
        const char *top = env_or("TOP_BUILDDIR", TOP_BUILDDIR);
        g_autofree char *dir = tl_mkdtemp();
        g_autofree char *text = simulate(dir);
        g_autofree char *heatmap = g_build_filename(top, "bench", "heatmap", NULL);
        g_autofree char *trace = g_build_filename(dir, "trace.tsv", NULL);
        g_autofree char *svg_path = g_build_filename(dir, "h.svg", NULL);
        g_autofree char *svg = NULL;
        const char *argv[] = { heatmap, "-o", svg_path, "-t", "test <&>", "-l", "irqbald", trace,
                               "-l", "again", "-n", "the same trace", trace, NULL };
        static const GMarkupParser parser = { .start_element = on_start, .end_element = on_end };
        struct svg_count count = {};
        g_autoptr(GError) error = NULL;
        GMarkupParseContext *ctx;
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        long loaded = 0;

        run(argv, NULL);
        svg = tl_read(svg_path);
        ck_assert(g_str_has_prefix(svg, "<?xml"));
        ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
        ck_assert_ptr_nonnull(strstr(svg, "test &lt;&amp;&gt;"));
        /* GMarkup skips the <?xml?> declaration and checks the rest is well-formed. */
        ctx = g_markup_parse_context_new(&parser, 0, &count, NULL);
        ck_assert_msg(g_markup_parse_context_parse(ctx, svg, -1, &error) &&
                      g_markup_parse_context_end_parse(ctx, &error), "not well-formed: %s", error->message);
        g_markup_parse_context_free(ctx);

        for (size_t i = 0; lines[i] && *lines[i]; i++) {
                g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);

                if (strcmp(f[0], "load") == 0)
                        for (int c = 0; c < 8; c++)
                                loaded += g_ascii_strtod(f[3 + c], NULL) > 0;
        }
        ck_assert_uint_eq(count.panels, 2);
        ck_assert_int_gt(loaded, 0);
        ck_assert_int_eq(count.claimed, 2 * loaded);
        ck_assert_int_eq(count.covered, 2 * loaded);
        /* CPU 7 is isolated through all three steps: one hatched run per panel. */
        ck_assert_uint_eq(count.iso, 2);
        tl_rmtree(dir);
}
END_TEST

/* The peer run: real time, no daemon (irqbalance runs outside); 3 steps of 0.1 s. */
START_TEST(a_real_time_run_without_a_daemon_is_traced_too)
{
        const char *top = env_or("TOP_BUILDDIR", TOP_BUILDDIR);
        g_autofree char *dir = tl_mkdtemp();
        g_autofree char *sim = g_build_filename(top, "irqbal-sim", NULL);
        g_autofree char *ini = g_build_filename(dir, "s.ini", NULL);
        g_autofree char *root = g_build_filename(dir, "root", NULL);
        g_autofree char *trace = g_build_filename(dir, "trace.tsv", NULL);
        g_autofree char *text = NULL, *fast = g_strdup(scenario);
        const char *argv[] = { sim, "--scenario", ini, "--root", root, "--trace", trace, "--no-daemon", NULL };
        char *at = strstr(fast, "Step=10");
        unsigned loads = 0;

        memcpy(at, "Step=.1", 7);
        tl_write(dir, "s.ini", "%s", fast);
        run(argv, NULL);
        text = tl_read(trace);
        ck_assert_ptr_nonnull(strstr(text, "machine\t8\t0.1\t3\n"));
        for (const char *p = text; (p = strstr(p, "\nload\t")); p++)
                loads++;
        ck_assert_uint_eq(loads, 3);
        /* No daemon: the masks stay as the scenario set them, and nothing is written. */
        ck_assert_ptr_null(strstr(text, "\nwrites\t"));
        tl_rmtree(dir);
}
END_TEST

START_TEST(a_file_that_is_not_a_trace_is_refused_with_its_line)
{
        const char *top = env_or("TOP_BUILDDIR", TOP_BUILDDIR);
        g_autofree char *dir = tl_mkdtemp();
        g_autofree char *heatmap = g_build_filename(top, "bench", "heatmap", NULL);
        g_autofree char *bad = g_build_filename(dir, "bad.tsv", NULL);
        g_autofree char *err = NULL;
        const char *argv[] = { heatmap, bad, NULL };
        int status;

        tl_write(dir, "bad.tsv", "# irqbal-sim trace 1\nmachine\t2\t10\t1\nload\t0\t0.1\t0.1\n");
        ck_assert(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                               &status, NULL));
        ck_assert(!g_spawn_check_wait_status(status, NULL));
        ck_assert_msg(strstr(err, "bad.tsv:3: expected the bound and one load per CPU"), "%s", err);
        tl_rmtree(dir);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("heatmap");
        TCase *tc = tcase_create("heatmap");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, the_trace_has_every_steps_load_and_the_machine);
        tcase_add_test(tc, the_heat_map_is_a_valid_svg_with_a_cell_per_loaded_cpu_and_step);
        tcase_add_test(tc, a_real_time_run_without_a_daemon_is_traced_too);
        tcase_add_test(tc, a_file_that_is_not_a_trace_is_refused_with_its_line);
        suite_add_tcase(s, tc);
        return s;
}
