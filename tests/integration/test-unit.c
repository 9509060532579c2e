/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packaging as systemd, dbus-daemon and man see it: the unit passes
 * `systemd-analyze verify` and scores an exposure of at most 1.5 in
 * `systemd-analyze security`, has the service settings DESIGN.md §5 asks for and neither
 * of the two that break IRQ affinity writes; the D-Bus policy denies by default; the man pages
 * format without a warning. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "irqbal/root.h"
#include "testlib.h"

/* irqbalance's unit scores 1.6 (issue 4): ours must do better. */
#define EXPOSURE_MAX 1.5

static char *tmpdir;
static char *unit_path;
static char *man_path;

static char *src_path(const char *rel)
{
        return g_build_filename(getenv("TOP_SRCDIR") ?: TOP_SRCDIR, rel, NULL);
}

static char *build_path(const char *rel)
{
        return g_build_filename(getenv("TOP_BUILDDIR") ?: TOP_BUILDDIR, rel, NULL);
}

static bool have_program(const char *name)
{
        char *p = g_find_program_in_path(name);
        bool found = p != NULL;

        g_free(p);
        return found;
}

/* Runs ARGV with MANPATH pointing at our pages; returns the exit status, *ret_out holds
 * stdout and stderr together. */
static int run(char **argv, char **ret_out)
{
        char **envp = g_environ_setenv(g_get_environ(), "MANPATH", man_path, TRUE);
        char *out = NULL, *err = NULL;
        GError *error = NULL;
        int status = -1;

        envp = g_environ_setenv(envp, "SYSTEMD_COLORS", "0", TRUE);
        envp = g_environ_setenv(envp, "SYSTEMD_PAGER", "cat", TRUE);
        ck_assert_msg(g_spawn_sync(NULL, argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   &out, &err, &status, &error),
                      "cannot run %s: %s", argv[0], error ? error->message : "?");
        *ret_out = g_strconcat(out, err, NULL);
        g_free(out);
        g_free(err);
        g_strfreev(envp);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The unit as installed, but with ExecStart= on the irqbald built in this tree (verify
 * checks that the binary exists), and our man pages on MANPATH (verify runs man for
 * every Documentation=man: line). */
static void setup(void)
{
        char *in_path = src_path("systemd/irqbald.service.in"), *in = tl_read(in_path);
        char *sbindir = build_path(""), *unit, *page, **parts;

        tmpdir = tl_mkdtemp();
        /* TOP_BUILDDIR ends in a slash once built: drop it, ExecStart wants one. */
        if (g_str_has_suffix(sbindir, "/"))
                sbindir[strlen(sbindir) - 1] = '\0';
        parts = g_strsplit(in, "@sbindir@", -1);
        unit = g_strjoinv(sbindir, parts);
        g_strfreev(parts);
        unit_path = g_build_filename(tmpdir, "irqbald.service", NULL);
        tl_write(tmpdir, "irqbald.service", "%s", unit);

        man_path = g_build_filename(tmpdir, "man", NULL);
        page = src_path("man/irqbald.8");
        tl_symlink(tmpdir, "man/man8/irqbald.8", page);
        g_free(page);
        page = src_path("man/irqbalctl.1");
        tl_symlink(tmpdir, "man/man1/irqbalctl.1", page);
        g_free(page);
        page = src_path("man/irqbald.conf.5");
        tl_symlink(tmpdir, "man/man5/irqbald.conf.5", page);
        g_free(page);

        g_free(unit);
        g_free(sbindir);
        free(in);
        g_free(in_path);
}

static void teardown(void)
{
        tl_rmtree(tmpdir);
        free(tmpdir);
        g_free(unit_path);
        g_free(man_path);
}

/* The values of KEY= outside comments, in order. */
static GPtrArray *unit_values(const char *unit, const char *key)
{
        GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
        char **lines = g_strsplit(unit, "\n", -1);
        size_t n = strlen(key);

        for (char **l = lines; *l; l++) {
                const char *line = g_strstrip(*l);

                if (line[0] == '#' || line[0] == ';')
                        continue;
                if (strncmp(line, key, n) == 0 && line[n] == '=')
                        g_ptr_array_add(values, g_strdup(line + n + 1));
        }
        g_strfreev(lines);
        return values;
}

static void assert_setting(const char *unit, const char *key, const char *expected)
{
        GPtrArray *v = unit_values(unit, key);

        ck_assert_msg(v->len == 1, "the unit should set %s= once, sets it %u times", key, v->len);
        if (expected)
                ck_assert_str_eq(g_ptr_array_index(v, 0), expected);
        g_ptr_array_unref(v);
}

START_TEST(unit_has_the_service_settings)
{
        char *unit = tl_read(unit_path);
        GPtrArray *v;

        assert_setting(unit, "Type", "notify");
        assert_setting(unit, "BusName", "io.github.irqbald1");
        assert_setting(unit, "WatchdogSec", NULL);
        assert_setting(unit, "Restart", "on-failure");
        assert_setting(unit, "ExecReload", "/bin/kill -HUP $MAINPID");
        assert_setting(unit, "ProtectSystem", "strict");
        assert_setting(unit, "RuntimeDirectory", "irqbald");
        assert_setting(unit, "CapabilityBoundingSet", "");
        v = unit_values(unit, "ReadWritePaths");
        ck_assert_uint_eq(v->len, 1);
        ck_assert_msg(strstr(g_ptr_array_index(v, 0), PROC_IRQ),
                      "the unit must leave %s writable", PROC_IRQ);
        g_ptr_array_unref(v);
        v = unit_values(unit, "ExecStart");
        ck_assert_uint_eq(v->len, 1);
        ck_assert_msg(g_str_has_suffix(g_ptr_array_index(v, 0), "/irqbald --foreground"),
                      "ExecStart=%s", (char *) g_ptr_array_index(v, 0));
        g_ptr_array_unref(v);
        /* Anywhere, comments included: these two break IRQ affinity writes or start-up. */
        ck_assert_msg(!strstr(unit, "ProtectKernelTunables="), "the unit must not set ProtectKernelTunables=");
        ck_assert_msg(!strstr(unit, "PrivateUsers="), "the unit must not set PrivateUsers=");
        free(unit);
}
END_TEST

START_TEST(built_unit_has_every_path_substituted)
{
        char *path = build_path("systemd/irqbald.service"), *unit = tl_read(path);

        /* Not @system-service: a placeholder is @name@. */
        ck_assert_msg(!g_regex_match_simple("@[A-Za-z_]+@", unit, 0, 0),
                      "%s keeps an @…@ placeholder", path);
        ck_assert_msg(strstr(unit, "/irqbald --foreground"), "%s has no ExecStart", path);
        free(unit);
        g_free(path);
}
END_TEST

START_TEST(unit_passes_systemd_analyze_verify)
{
        char *argv[] = { "systemd-analyze", "verify", unit_path, NULL };
        char *out;
        int r;

        if (!have_program("systemd-analyze") || !have_program("man")) {
                fprintf(stderr, "# SKIP: systemd-analyze or man not installed (dev.sh installs both)\n");
                return;
        }
        r = run(argv, &out);
        ck_assert_msg(r == 0 && out[0] == '\0', "systemd-analyze verify %s: exit %d:\n%.2000s",
                      unit_path, r, out);
        g_free(out);
}
END_TEST

/* The analyser's rows that cost exposure (✗), for a failure message Check can carry. */
static char *exposed_rows(const char *out)
{
        char **lines = g_strsplit(out, "\n", -1);
        GString *rows = g_string_new(NULL);

        for (char **l = lines; *l; l++)
                if (strstr(*l, "\u2717") && rows->len < 2000)
                        g_string_append_printf(rows, "%s\n", g_strchomp(*l));
        g_strfreev(lines);
        return g_string_free(rows, FALSE);
}

START_TEST(unit_exposure_is_at_most_1_5)
{
        char *argv[] = { "systemd-analyze", "security", "--offline=yes", unit_path, NULL };
        const char *line;
        double exposure;
        char *out;
        int r;

        if (!have_program("systemd-analyze")) {
                fprintf(stderr, "# SKIP: systemd-analyze not installed\n");
                return;
        }
        r = run(argv, &out);
        ck_assert_msg(r == 0, "systemd-analyze security: exit %d:\n%.2000s", r, out);
        line = strstr(out, "Overall exposure level for irqbald.service: ");
        ck_assert_msg(line, "no exposure line in:\n%.2000s", out);
        line += strlen("Overall exposure level for irqbald.service: ");
        exposure = g_ascii_strtod(line, NULL);
        /* The analyser rounds up to a tenth: 1.5 means at most 1.5. */
        ck_assert_msg(exposure > 0 && exposure <= EXPOSURE_MAX + 1e-9,
                      "exposure %.1f > %.1f:\n%s", exposure, EXPOSURE_MAX, exposed_rows(out));
        g_free(out);
}
END_TEST

/* ---- the D-Bus policy ------------------------------------------------------------- */

struct policy_walk {
        const char *context;        /* of the <policy> we are in: "default", "root", or NULL */
        unsigned depth;
        bool root_owns, default_denies_own, default_denies_send, mandatory;
        unsigned allows;
        GString *problems;
};

static const char *attr(const char **names, const char **values, const char *name)
{
        for (size_t i = 0; names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return values[i];
        return NULL;
}

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, void *userdata, GError **error)
{
        static const char *const interfaces[] = {
                "io.github.irqbald1.Manager", "org.freedesktop.DBus.Properties",
                "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer",
                "org.freedesktop.LogControl1", NULL,
        };
        struct policy_walk *w = userdata;
        const char *own = attr(names, values, "own"), *dest = attr(names, values, "send_destination");
        const char *iface = attr(names, values, "send_interface");

        w->depth++;
        if (w->depth == 1 && strcmp(element, "busconfig") != 0)
                g_string_append_printf(w->problems, "root element <%s>, not <busconfig>\n", element);
        if (strcmp(element, "policy") == 0) {
                const char *context = attr(names, values, "context"), *user = attr(names, values, "user");

                w->context = context && strcmp(context, "default") == 0 ? "default" :
                             user && strcmp(user, "root") == 0 ? "root" : NULL;
                if (context && strcmp(context, "mandatory") == 0)
                        w->mandatory = true;
                if (!w->context && !w->mandatory)
                        g_string_append_printf(w->problems, "a <policy> for someone other than root "
                                               "or the default\n");
                return;
        }
        if (strcmp(element, "deny") == 0 && w->context && strcmp(w->context, "default") == 0) {
                if (own && strcmp(own, "io.github.irqbald1") == 0)
                        w->default_denies_own = true;
                if (dest && strcmp(dest, "io.github.irqbald1") == 0 && !iface)
                        w->default_denies_send = true;
                return;
        }
        if (strcmp(element, "allow") != 0)
                return;
        if (w->context && strcmp(w->context, "root") == 0 && own && strcmp(own, "io.github.irqbald1") == 0) {
                w->root_owns = true;
                return;
        }
        if (own)
                g_string_append_printf(w->problems, "someone other than root may own %s\n", own);
        if (!dest || strcmp(dest, "io.github.irqbald1") != 0 || !iface ||
            !g_strv_contains(interfaces, iface) || g_strv_length((char **) names) != 2)
                g_string_append_printf(w->problems, "an <allow> wider than one of our interfaces "
                                       "(send_destination=%s send_interface=%s)\n",
                                       dest ?: "(none)", iface ?: "(none)");
        else if (!w->default_denies_send)
                g_string_append(w->problems, "an <allow> before the default <deny>\n");
        else
                w->allows++;
}

static void on_end(GMarkupParseContext *ctx, const char *element, void *userdata, GError **error)
{
        struct policy_walk *w = userdata;

        w->depth--;
        if (strcmp(element, "policy") == 0) {
                w->context = NULL;
                w->mandatory = false;
        }
}

START_TEST(dbus_policy_denies_by_default)
{
        static const GMarkupParser parser = { .start_element = on_start, .end_element = on_end };
        char *path = src_path("systemd/io.github.irqbald1.conf"), *xml = tl_read(path);
        struct policy_walk w = { .problems = g_string_new(NULL) };
        GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &w, NULL);
        GError *error = NULL;

        ck_assert_msg(g_str_has_prefix(xml, "<?xml"), "%s: no XML declaration", path);
        ck_assert_msg(strstr(xml, "SPDX-License-Identifier: GPL-2.0-or-later"), "%s: no SPDX line", path);
        ck_assert_msg(g_markup_parse_context_parse(ctx, xml, -1, &error) &&
                      g_markup_parse_context_end_parse(ctx, &error),
                      "%s is not well-formed XML: %s", path, error ? error->message : "?");
        ck_assert_msg(w.problems->len == 0, "%s:\n%s", path, w.problems->str);
        ck_assert_msg(w.root_owns, "root may not own io.github.irqbald1");
        ck_assert_msg(w.default_denies_own, "the default policy does not deny owning the name");
        ck_assert_msg(w.default_denies_send, "the default policy does not deny sending to the name");
        /* Manager, Properties, Introspectable, Peer, LogControl1. */
        ck_assert_uint_eq(w.allows, 5);
        g_markup_parse_context_free(ctx);
        g_string_free(w.problems, TRUE);
        free(xml);
        g_free(path);
}
END_TEST

START_TEST(man_pages_format_without_warnings)
{
        static const char *const pages[] = {
                "man/irqbald.8", "man/irqbalctl.1", "man/irqbald.conf.5", NULL,
        };

        if (!have_program("groff")) {
                fprintf(stderr, "# SKIP: groff not installed (dev.sh installs groff-base)\n");
                return;
        }
        for (size_t i = 0; pages[i]; i++) {
                char *path = src_path(pages[i]), *out;
                char *argv[] = { "groff", "-man", "-Tutf8", "-ww", "-z", path, NULL };
                int r = run(argv, &out);

                ck_assert_msg(r == 0 && out[0] == '\0', "groff -ww %s: exit %d:\n%.2000s",
                              path, r, out);
                g_free(out);
                g_free(path);
        }
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("unit");
        TCase *tc = tcase_create("packaging");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, unit_has_the_service_settings);
        tcase_add_test(tc, built_unit_has_every_path_substituted);
        tcase_add_test(tc, unit_passes_systemd_analyze_verify);
        tcase_add_test(tc, unit_exposure_is_at_most_1_5);
        tcase_add_test(tc, dbus_policy_denies_by_default);
        tcase_add_test(tc, man_pages_format_without_warnings);
        suite_add_tcase(s, tc);
        return s;
}
