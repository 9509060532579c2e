/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/config.h"
#include "irqbal/cpuset.h"
#include "irqbal/topology.h"
#include "testlib.h"

/* Files are laid out in a fake root; messages name them as on the machine. */
#define MAIN "etc/irqbald/irqbald.conf"
#define ETC "etc/irqbald/policy.d/"
#define RUN "run/irqbald/policy.d/"
#define ULL "usr/local/lib/irqbald/policy.d/"
#define UL "usr/lib/irqbald/policy.d/"

static const char *const levels[] = { UL, ULL, RUN, ETC };   /* lowest precedence first */

static char *root_dir;

static void setup(void)
{
        /* Files the tests write must not come out group-writable under a umask of 002:
         * the loader would refuse them. */
        umask(022);
        root_dir = tl_mkdtemp();
}

static void teardown(void)
{
        tl_rmtree(root_dir);
        free(root_dir);
        root_dir = NULL;
}

/* Starts over with an empty root, for tests that try case after case. */
static void reset_root(void)
{
        teardown();
        root_dir = tl_mkdtemp();
}

static char *under_root(const char *rel)
{
        char *s;

        ck_assert_int_ge(asprintf(&s, "%s/%s", root_dir, rel), 0);
        return s;
}

/* Compares findings as printed. Check cannot carry a long message, so a mismatch names
 * the first line that differs, and both texts go to stderr whole. */
static void assert_text(const char *got, const char *want)
{
        const char *g = got, *w = want;
        unsigned line = 1;

        if (strcmp(got, want) == 0)
                return;
        fprintf(stderr, "# got:\n%s# expected:\n%s", got, want);
        for (;;) {
                size_t gl = strcspn(g, "\n"), wl = strcspn(w, "\n");

                if (gl != wl || strncmp(g, w, gl) != 0 || !g[gl] || !w[wl])
                        break;
                g += gl + 1;
                w += wl + 1;
                line++;
        }
        ck_abort_msg("findings differ at line %u:\n got:  %.*s\n want: %.*s", line,
                     (int) strcspn(g, "\n"), *g ? g : "(end)",
                     (int) strcspn(w, "\n"), *w ? w : "(end)");
}

/* Loads the files under the root into CONF; returns the findings as printed. */
static char *load(struct config *conf, int *ret_r)
{
        struct irqbal_root root;
        struct config_diags diags = {};
        char *text;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        *ret_r = config_load(&root, conf, &diags);
        text = config_diags_format(&diags);
        ck_assert_ptr_nonnull(text);
        /* -EINVAL exactly when there is an error. */
        ck_assert_int_eq(*ret_r == -EINVAL, diags.errors > 0);
        config_diags_done(&diags);
        root_close(&root);
        return text;
}

/* Loads and expects exactly the findings TEXT and the return value R. */
static void expect(int r, const char *text)
{
        struct config conf;
        int got;
        char *s = load(&conf, &got);

        assert_text(s, text);
        ck_assert_int_eq(got, r);
        free(s);
        config_done(&conf);
}

/* One drop-in with TEXT alone in a fresh root; its findings must be EXPECTED. */
static void expect_dropin(const char *text, const char *expected)
{
        reset_root();
        tl_write(root_dir, ETC "50-t.conf", "%s", text);
        expect(strstr(expected, ": error: ") ? -EINVAL : 0, expected);
}

#define T "/etc/irqbald/policy.d/50-t.conf"

static bool set_is(hwloc_const_bitmap_t set, const char *list)
{
        char *s;
        bool eq;

        if (!set)
                return false;
        s = cpulist_format(set);
        eq = strcmp(s, list) == 0;
        free(s);
        return eq;
}

static bool origin_is(const struct config_origin *o, const char *file, unsigned line)
{
        return o->file && strcmp(o->file, file) == 0 && o->line == line;
}

/* ---- Nothing there ------------------------------------------------------------------ */

START_TEST(no_files_mean_the_defaults_and_no_findings)
{
        struct config conf;
        int r;
        char *s = load(&conf, &r);

        ck_assert_int_eq(r, 0);
        assert_text(s, "");
        ck_assert_uint_eq(conf.n_files, 0);
        ck_assert_uint_eq(conf.n_rules, 0);
        ck_assert_uint_eq(conf.n_masked, 0);
        ck_assert_ptr_null(conf.daemon.policy);
        ck_assert_ptr_null(conf.daemon.policy_origin.file);
        ck_assert_ptr_null(conf.daemon.interval_origin.file);
        ck_assert_double_eq(conf.daemon.interval, 10.0);
        ck_assert(conf.daemon.ban_isolated && conf.daemon.restore_on_exit &&
                  conf.daemon.respect_external_pins);
        ck_assert_double_eq(conf.daemon.hysteresis, 0.1);
        ck_assert_double_eq(conf.daemon.pack_low, 0.5);
        ck_assert_double_eq(conf.daemon.pack_high, 1.0);
        ck_assert_ptr_null(conf.daemon.banned_cpus);
        ck_assert_ptr_null(conf.daemon.housekeeping_cpus);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(zeroed_structs_are_safe_to_free_and_format)
{
        struct config conf = {};
        struct config_diags diags = {};
        char *s;

        config_done(&conf);
        config_done(&conf);
        s = config_diags_format(&diags);
        assert_text(s, "");
        free(s);
        config_diags_done(&diags);

        config_diag_add(&diags, CONFIG_WARNING, "/etc/irqbald/irqbald.conf", 0, "whole %s", "file");
        config_diag_add(&diags, CONFIG_ERROR, T, 7, "line %d", 7);
        ck_assert_uint_eq(diags.n, 2);
        ck_assert_uint_eq(diags.errors, 1);
        s = config_diags_format(&diags);
        assert_text(s, "/etc/irqbald/irqbald.conf: warning: whole file\n"
                            T ":7: error: line 7\n");
        free(s);
        config_diags_done(&diags);
        ck_assert_uint_eq(diags.n, 0);
        ck_assert_uint_eq(diags.errors, 0);
}
END_TEST

/* ---- A good configuration ----------------------------------------------------------- */

START_TEST(a_full_example_fills_every_field)
{
        struct config conf;
        const struct config_daemon *d = &conf.daemon;
        const struct config_rule *rule;
        int r;
        char *s;

        tl_write(root_dir, MAIN,
                 "# irqbald.conf\n"                     /* 1 */
                 "; a systemd-style comment\n"          /* 2 */
                 "\n"                                   /* 3 */
                 "[Daemon]\n"                           /* 4 */
                 "Policy = pack\n"                      /* 5 */
                 "Interval=500ms\n"                     /* 6 */
                 "BannedCPUs=2-3,8\n"                   /* 7 */
                 "BanIsolated=no\n"                     /* 8 */
                 "RestoreOnExit=off\n"                  /* 9 */
                 "RespectExternalPins=FALSE\n"          /* 10 */
                 "Hysteresis=0.25\n"                    /* 11 */
                 "PackThresholds=0.2:2\n"               /* 12 */
                 "  HousekeepingCPUs\t=\t0-1  \n");     /* 13 */
        tl_write(root_dir, ETC "50-nic.conf",
                 "[Match]\n"                                    /* 1 */
                 "Irq=24-27 40,41\n"                            /* 2 */
                 "Name=eth0-TxRx-* nvme0q0 my\\sdevice\n"       /* 3 */
                 "Driver=ixgbe mlx5_*\n"                        /* 4 */
                 "Device=0000:3b:00.* 0000:[0-9a-f]?:00.0\n"    /* 5 */
                 "Class=net storage\n"                          /* 6 */
                 "Interface=eth0 ens1f*\n"                      /* 7 */
                 "Node=0 1\n"                                   /* 8 */
                 "\n"                                           /* 9 */
                 "[Placement]\n"                                /* 10 */
                 "CPUs=4-7\n"                                   /* 11 */
                 "Node=1\n"                                     /* 12 */
                 "Policy=numa-local\n"                          /* 13 */
                 "Weight=2.5\n"                                 /* 14 */
                 "Exclusive=yes\n");                            /* 15 */
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_int_eq(r, 0);

        ck_assert_uint_eq(conf.n_files, 2);
        ck_assert_str_eq(conf.files[0], "/etc/irqbald/irqbald.conf");
        ck_assert_str_eq(conf.files[1], "/etc/irqbald/policy.d/50-nic.conf");

        ck_assert_str_eq(d->policy, "pack");
        ck_assert(origin_is(&d->policy_origin, conf.files[0], 5));
        ck_assert_ptr_eq(d->policy_origin.file, conf.files[0]);
        ck_assert_double_eq(d->interval, 0.5);
        ck_assert(origin_is(&d->interval_origin, conf.files[0], 6));
        ck_assert(set_is(d->banned_cpus, "2-3,8"));
        ck_assert(origin_is(&d->banned_cpus_origin, conf.files[0], 7));
        ck_assert(!d->ban_isolated);
        ck_assert(origin_is(&d->ban_isolated_origin, conf.files[0], 8));
        ck_assert(!d->restore_on_exit);
        ck_assert(origin_is(&d->restore_on_exit_origin, conf.files[0], 9));
        ck_assert(!d->respect_external_pins);
        ck_assert(origin_is(&d->respect_external_pins_origin, conf.files[0], 10));
        ck_assert_double_eq(d->hysteresis, 0.25);
        ck_assert(origin_is(&d->hysteresis_origin, conf.files[0], 11));
        ck_assert_double_eq(d->pack_low, 0.2);
        ck_assert_double_eq(d->pack_high, 2.0);
        ck_assert(origin_is(&d->pack_thresholds_origin, conf.files[0], 12));
        ck_assert(set_is(d->housekeeping_cpus, "0-1"));
        ck_assert(origin_is(&d->housekeeping_cpus_origin, conf.files[0], 13));

        ck_assert_uint_eq(conf.n_rules, 1);
        rule = &conf.rules[0];
        ck_assert_ptr_eq(rule->file, conf.files[1]);
        ck_assert_uint_eq(rule->match_line, 1);
        ck_assert(set_is(rule->irqs, "24-27,40-41"));
        ck_assert_uint_eq(rule->match_lines[MATCH_IRQ], 2);
        ck_assert_str_eq(rule->names[0], "eth0-TxRx-*");
        ck_assert_str_eq(rule->names[1], "nvme0q0");
        ck_assert_str_eq(rule->names[2], "my device");     /* \s keeps the glob whole */
        ck_assert_ptr_null(rule->names[3]);
        ck_assert_uint_eq(rule->match_lines[MATCH_NAME], 3);
        ck_assert_str_eq(rule->drivers[0], "ixgbe");
        ck_assert_str_eq(rule->drivers[1], "mlx5_*");
        ck_assert_ptr_null(rule->drivers[2]);
        ck_assert_uint_eq(rule->match_lines[MATCH_DRIVER], 4);
        ck_assert_str_eq(rule->devices[0], "0000:3b:00.*");
        ck_assert_str_eq(rule->devices[1], "0000:[0-9a-f]?:00.0");
        ck_assert_uint_eq(rule->match_lines[MATCH_DEVICE], 5);
        ck_assert_uint_eq(rule->classes, (1u << IRQ_CLASS_NET) | (1u << IRQ_CLASS_STORAGE));
        ck_assert_uint_eq(rule->match_lines[MATCH_CLASS], 6);
        ck_assert_str_eq(rule->interfaces[0], "eth0");
        ck_assert_str_eq(rule->interfaces[1], "ens1f*");
        ck_assert_uint_eq(rule->match_lines[MATCH_INTERFACE], 7);
        ck_assert(set_is(rule->nodes, "0-1"));
        ck_assert_uint_eq(rule->match_lines[MATCH_NODE], 8);

        ck_assert(!rule->ban);
        ck_assert_uint_eq(rule->placement_lines[PLACE_BAN], 0);
        ck_assert(set_is(rule->cpus, "4-7"));
        ck_assert_uint_eq(rule->placement_lines[PLACE_CPUS], 11);
        ck_assert_int_eq(rule->node, 1);
        ck_assert_uint_eq(rule->placement_lines[PLACE_NODE], 12);
        ck_assert_str_eq(rule->policy, "numa-local");
        ck_assert_uint_eq(rule->placement_lines[PLACE_POLICY], 13);
        ck_assert_double_eq(rule->weight, 2.5);
        ck_assert_uint_eq(rule->placement_lines[PLACE_WEIGHT], 14);
        ck_assert(rule->exclusive);
        ck_assert_uint_eq(rule->placement_lines[PLACE_EXCLUSIVE], 15);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(keys_not_given_stay_unset_in_a_rule)
{
        struct config conf;
        const struct config_rule *rule;
        int r;
        char *s;

        tl_write(root_dir, ETC "10-ban.conf", "[Match]\nDriver=nvme\n[Placement]\nBan=yes\n");
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_uint_eq(conf.n_rules, 1);
        rule = &conf.rules[0];
        ck_assert(rule->ban);
        ck_assert_uint_eq(rule->placement_lines[PLACE_BAN], 4);
        for (int k = 0; k < _MATCH_MAX; k++)
                ck_assert_uint_eq(rule->match_lines[k], k == MATCH_DRIVER ? 2 : 0);
        ck_assert_ptr_null(rule->irqs);
        ck_assert_ptr_null(rule->names);
        ck_assert_ptr_null(rule->nodes);
        ck_assert_ptr_null(rule->cpus);
        ck_assert_ptr_null(rule->policy);
        ck_assert_int_eq(rule->node, -1);
        ck_assert_double_eq(rule->weight, 1.0);
        ck_assert(!rule->exclusive);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(windows_line_ends_and_blanks_around_values_are_fine)
{
        struct config conf;
        int r;
        char *s;

        tl_write(root_dir, MAIN, "  [Daemon]  \r\n  Interval =  5  \r\nPolicy=hint\r\n");
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_double_eq(conf.daemon.interval, 5.0);
        ck_assert_str_eq(conf.daemon.policy, "hint");
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(interval_takes_seconds_milliseconds_and_minutes)
{
        static const struct { const char *value; double seconds; } good[] = {
                { "10", 10 }, { "2.5", 2.5 }, { "0.1", 0.1 }, { "3600", 3600 }, { "500ms", 0.5 },
                { "100ms", 0.1 }, { "10s", 10 }, { "10 s", 10 }, { "2min", 120 }, { "60min", 3600 },
                { ".5", 0.5 },
        };
        static const char *const bad[] = {
                "0", "0.05", "99ms", "3601", "61min", "ten", "10h", "1e3", "0x10", "-1", "nan",
                "inf", "", "10 ms s", "10sec",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct config conf;
                int r;
                char *s;

                reset_root();
                tl_write(root_dir, MAIN, "[Daemon]\nInterval=%s\n", good[i].value);
                s = load(&conf, &r);
                ck_assert_msg(r == 0 && !*s, "Interval=%s: %s", good[i].value, s);
                ck_assert_msg(conf.daemon.interval == good[i].seconds, "Interval=%s gave %g",
                              good[i].value, conf.daemon.interval);
                free(s);
                config_done(&conf);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char want[256];

                reset_root();
                tl_write(root_dir, MAIN, "[Daemon]\nInterval=%s\n", bad[i]);
                snprintf(want, sizeof(want), "/etc/irqbald/irqbald.conf:2: error: Interval=%s: "
                         "expected seconds between 0.1 and 3600, like 10 or 500ms\n", bad[i]);
                expect(-EINVAL, want);
        }
}
END_TEST

START_TEST(booleans_have_eight_spellings_in_any_case)
{
        static const struct { const char *value; bool b; } words[] = {
                { "yes", true }, { "YES", true }, { "true", true }, { "On", true }, { "1", true },
                { "no", false }, { "No", false }, { "false", false }, { "OFF", false }, { "0", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                struct config conf;
                int r;
                char *s;

                reset_root();
                tl_write(root_dir, MAIN, "[Daemon]\nBanIsolated=%s\nRestoreOnExit=%s\n",
                         words[i].value, words[i].value);
                s = load(&conf, &r);
                ck_assert_msg(r == 0 && !*s, "%s: %s", words[i].value, s);
                ck_assert_int_eq(conf.daemon.ban_isolated, words[i].b);
                ck_assert_int_eq(conf.daemon.restore_on_exit, words[i].b);
                free(s);
                config_done(&conf);
        }
        reset_root();
        tl_write(root_dir, MAIN, "[Daemon]\nRespectExternalPins=maybe\n");
        expect(-EINVAL, "/etc/irqbald/irqbald.conf:2: error: RespectExternalPins=maybe: expected "
               "yes or no (or true/false, on/off, 1/0)\n");
}
END_TEST

/* ---- Precedence and masking --------------------------------------------------------- */

START_TEST(etc_hides_run_hides_usr_local_lib_hides_usr_lib)
{
        /* The same name at the four levels up to TOP: only TOP's file is read. */
        for (unsigned top = 0; top < ELEMENTSOF(levels); top++) {
                struct config conf;
                char want[128];
                int r;
                char *s;

                reset_root();
                for (unsigned l = 0; l <= top; l++) {
                        char *rel;

                        ck_assert_int_ge(asprintf(&rel, "%s50-x.conf", levels[l]), 0);
                        tl_write(root_dir, rel, "[Daemon]\nInterval=%u\n", l + 1);
                        free(rel);
                }
                s = load(&conf, &r);
                assert_text(s, "");
                ck_assert_uint_eq(conf.n_files, 1);
                snprintf(want, sizeof(want), "/%s50-x.conf", levels[top]);
                ck_assert_str_eq(conf.files[0], want);
                ck_assert_double_eq(conf.daemon.interval, top + 1);
                free(s);
                config_done(&conf);
        }
}
END_TEST

START_TEST(a_dev_null_symlink_masks_its_level_and_below_but_not_above)
{
        for (unsigned mask = 0; mask < ELEMENTSOF(levels); mask++) {
                for (int above = 0; above <= 1; above++) {
                        struct config conf;
                        int r;
                        char *s, *rel;

                        if (above && mask == ELEMENTSOF(levels) - 1)
                                continue;
                        reset_root();
                        for (unsigned l = 0; l < mask; l++) {
                                ck_assert_int_ge(asprintf(&rel, "%s50-x.conf", levels[l]), 0);
                                tl_write(root_dir, rel, "[Daemon]\nInterval=%u\n", l + 1);
                                free(rel);
                        }
                        ck_assert_int_ge(asprintf(&rel, "%s50-x.conf", levels[mask]), 0);
                        tl_symlink(root_dir, rel, "/dev/null");
                        free(rel);
                        /* /etc, above every mask but its own. */
                        if (above)
                                tl_write(root_dir, ETC "50-x.conf", "[Daemon]\nInterval=42\n");
                        /* Another name is not affected by the mask. */
                        tl_write(root_dir, UL "60-y.conf", "[Daemon]\nHysteresis=0.5\n");

                        s = load(&conf, &r);
                        assert_text(s, "");
                        ck_assert_int_eq(r, 0);
                        ck_assert_double_eq(conf.daemon.hysteresis, 0.5);
                        if (above) {
                                ck_assert_uint_eq(conf.n_masked, 0);
                                ck_assert_uint_eq(conf.n_files, 2);
                                ck_assert_str_eq(conf.files[0], "/etc/irqbald/policy.d/50-x.conf");
                                ck_assert_double_eq(conf.daemon.interval, 42);
                        } else {
                                ck_assert_uint_eq(conf.n_masked, 1);
                                ck_assert_str_eq(conf.masked[0], "50-x.conf");
                                ck_assert_uint_eq(conf.n_files, 1);
                                ck_assert_str_eq(conf.files[0], "/usr/lib/irqbald/policy.d/60-y.conf");
                                ck_assert_double_eq(conf.daemon.interval, 10);
                                ck_assert_ptr_null(conf.daemon.interval_origin.file);
                        }
                        free(s);
                        config_done(&conf);
                }
        }
}
END_TEST

START_TEST(only_a_link_to_exactly_dev_null_masks)
{
        struct config conf;
        int r;
        char *s;

        /* Another spelling of /dev/null is followed: a character device, not a file. */
        tl_write(root_dir, UL "50-x.conf", "[Daemon]\nInterval=3\n");
        tl_symlink(root_dir, ETC "50-x.conf", "/dev//null");
        /* A link to a regular file is read like the file. */
        tl_write(root_dir, "srv/shared.conf", "[Daemon]\nHysteresis=0.5\n");
        tl_symlink(root_dir, ETC "60-shared.conf", "../../../srv/shared.conf");
        s = load(&conf, &r);
        assert_text(s, "/etc/irqbald/policy.d/50-x.conf: warning: not a regular file but a "
                            "character device; ignored\n");
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(conf.n_masked, 0);
        ck_assert_double_eq(conf.daemon.interval, 10);
        ck_assert_double_eq(conf.daemon.hysteresis, 0.5);
        ck_assert(origin_is(&conf.daemon.hysteresis_origin, "/etc/irqbald/policy.d/60-shared.conf", 2));
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(drop_ins_apply_by_name_across_directories_after_irqbald_conf)
{
        struct config conf;
        const struct config_daemon *d = &conf.daemon;
        int r;
        char *s;

        tl_write(root_dir, MAIN, "[Daemon]\nInterval=9\nPolicy=pack\nHysteresis=0.3\n");
        tl_write(root_dir, UL "10-a.conf",
                 "[Daemon]\nInterval=1\nHysteresis=0.5\n[Match]\nIrq=1\n[Placement]\nWeight=2\n");
        tl_write(root_dir, ETC "20-b.conf", "[Match]\nIrq=2\n[Placement]\nCPUs=1\n");
        tl_write(root_dir, RUN "15-c.conf", "[Daemon]\nInterval=3\n");
        tl_write(root_dir, ULL "30-d.conf", "# late\n[Daemon]\nInterval=4\n\n[Match]\nIrq=3\n[Placement]\nBan=yes\n");
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_int_eq(r, 0);

        ck_assert_uint_eq(conf.n_files, 5);
        ck_assert_str_eq(conf.files[0], "/etc/irqbald/irqbald.conf");
        ck_assert_str_eq(conf.files[1], "/usr/lib/irqbald/policy.d/10-a.conf");
        ck_assert_str_eq(conf.files[2], "/run/irqbald/policy.d/15-c.conf");
        ck_assert_str_eq(conf.files[3], "/etc/irqbald/policy.d/20-b.conf");
        ck_assert_str_eq(conf.files[4], "/usr/local/lib/irqbald/policy.d/30-d.conf");

        /* Key by key: the last file to set a key wins it; the others keep theirs. */
        ck_assert_double_eq(d->interval, 4);
        ck_assert(origin_is(&d->interval_origin, conf.files[4], 3));
        ck_assert_double_eq(d->hysteresis, 0.5);
        ck_assert(origin_is(&d->hysteresis_origin, conf.files[1], 3));
        ck_assert_str_eq(d->policy, "pack");
        ck_assert(origin_is(&d->policy_origin, conf.files[0], 3));

        ck_assert_uint_eq(conf.n_rules, 3);
        ck_assert_ptr_eq(conf.rules[0].file, conf.files[1]);
        ck_assert(set_is(conf.rules[0].irqs, "1"));
        ck_assert_ptr_eq(conf.rules[1].file, conf.files[3]);
        ck_assert(set_is(conf.rules[1].irqs, "2"));
        ck_assert_ptr_eq(conf.rules[2].file, conf.files[4]);
        ck_assert(set_is(conf.rules[2].irqs, "3"));
        ck_assert_uint_eq(conf.rules[2].match_line, 5);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(a_bad_value_in_a_later_file_keeps_the_earlier_one)
{
        struct config conf;
        int r;
        char *s;

        tl_write(root_dir, MAIN, "[Daemon]\nBannedCPUs=1-2\nInterval=5\n");
        tl_write(root_dir, ETC "10-a.conf", "[Daemon]\nBannedCPUs=x\nInterval=\n");
        tl_write(root_dir, ETC "20-b.conf", "[Daemon]\nBannedCPUs=\n");
        s = load(&conf, &r);
        assert_text(s,
                "/etc/irqbald/policy.d/10-a.conf:2: error: BannedCPUs=x: not a CPU list; write it like 0-3,8\n"
                "/etc/irqbald/policy.d/10-a.conf:3: error: Interval=: expected seconds between 0.1 and 3600, like 10 or 500ms\n");
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_double_eq(conf.daemon.interval, 5);
        /* An empty BannedCPUs= bans none, and replaces the earlier list. */
        ck_assert(set_is(conf.daemon.banned_cpus, ""));
        ck_assert(origin_is(&conf.daemon.banned_cpus_origin, "/etc/irqbald/policy.d/20-b.conf", 2));
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(hidden_and_other_names_are_ignored_odd_files_warned_about)
{
        struct config conf;
        char *fifo;
        int r;
        char *s;

        tl_write(root_dir, ETC ".50-x.conf.swp.conf", "garbage\n");
        tl_write(root_dir, ETC ".hidden.conf", "garbage\n");
        tl_write(root_dir, ETC "README", "garbage\n");
        tl_write(root_dir, ETC "50-x.conf.bak", "garbage\n");
        tl_write(root_dir, ETC "50-x.conf~", "garbage\n");
        tl_write(root_dir, ETC ".conf", "garbage\n");
        tl_write(root_dir, ETC "dir.conf/inner", "garbage\n");
        fifo = under_root(RUN "fifo.conf");
        tl_write(root_dir, RUN "keep", "%s", "");
        ck_assert_int_eq(mkfifo(fifo, 0644), 0);
        tl_symlink(root_dir, UL "gone.conf", "/nowhere/gone.conf");
        tl_write(root_dir, UL "ok.conf", "[Daemon]\nInterval=2\n");
        s = load(&conf, &r);
        assert_text(s,
                "/etc/irqbald/policy.d/dir.conf: warning: not a regular file but a directory; ignored\n"
                "/run/irqbald/policy.d/fifo.conf: warning: not a regular file but a FIFO; ignored\n"
                "/usr/lib/irqbald/policy.d/gone.conf: warning: is a symlink to /nowhere/gone.conf, "
                "which does not exist; ignored\n");
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(conf.n_files, 1);
        ck_assert_double_eq(conf.daemon.interval, 2);
        free(fifo);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(a_policy_d_that_is_a_file_is_warned_about)
{
        tl_write(root_dir, "etc/irqbald/policy.d", "[Daemon]\n");
        expect(0, "/etc/irqbald/policy.d: warning: not a directory but a regular file; ignored\n");
}
END_TEST

/* ---- Syntax ------------------------------------------------------------------------- */

START_TEST(syntax_errors_name_the_line_and_what_to_write)
{
        struct config conf;
        int r;
        char *s;

        tl_write(root_dir, ETC "50-t.conf",
                 "# a drop-in\n"                /* 1 */
                 "Policy=pack\n"                /* 2 */
                 "[Daemon]\n"                   /* 3 */
                 "Interval = 5\n"               /* 4 */
                 "interval=6\n"                 /* 5 */
                 "Ban=yes\n"                    /* 6 */
                 "Frobnicate=1\n"               /* 7 */
                 "Interval=7\n"                 /* 8 */
                 "this is not a line\n"         /* 9 */
                 "[Placment]\n"                 /* 10 */
                 "CPUs=1\n"                     /* 11 */
                 "[Foo]\n"                      /* 12 */
                 "[Match\n"                     /* 13 */
                 "[Match]\n"                    /* 14 */
                 "Name=eth0\n"                  /* 15 */
                 "Nmae=eth1\n"                  /* 16 */
                 "=5\n"                         /* 17 */
                 "[Placement]\n"                /* 18 */
                 "CPU=1\n"                      /* 19 */
                 "CPUs=1\n"                     /* 20 */
                 "Irq=5\n"                      /* 21 */
                 "[Match]\n"                    /* 22 */
                 "Name=x\n"                     /* 23 */
                 "[Daemon] # trailing\n"        /* 24 */
                 "Unknown=1");                  /* 25, no newline */
        s = load(&conf, &r);
        assert_text(s,
                T ":2: error: Policy= comes before any section; put [Daemon] above it\n"
                T ":5: error: unknown key 'interval' in [Daemon]; did you mean 'Interval='?\n"
                T ":6: error: unknown key 'Ban' in [Daemon]; Ban= belongs in [Placement]\n"
                T ":7: error: unknown key 'Frobnicate' in [Daemon]; expected one of Policy=, "
                "Interval=, BannedCPUs=, BanIsolated=, RestoreOnExit=, RespectExternalPins=, "
                "Hysteresis=, PackThresholds=, HousekeepingCPUs=\n"
                T ":8: warning: Interval= is set twice in [Daemon] (lines 4 and 8); line 8 wins\n"
                T ":9: error: cannot parse 'this is not a line': expected [Section], Key=Value or a # comment\n"
                T ":10: error: unknown section [Placment]; did you mean [Placement]?\n"
                T ":12: error: unknown section [Foo]; expected [Daemon], [Match] or [Placement]\n"
                T ":13: error: malformed section header '[Match'; write it like [Match]\n"
                T ":16: error: unknown key 'Nmae' in [Match]; did you mean 'Name='?\n"
                T ":17: error: cannot parse '=5': expected [Section], Key=Value or a # comment\n"
                T ":19: error: unknown key 'CPU' in [Placement]; did you mean 'CPUs='?\n"
                T ":21: error: unknown key 'Irq' in [Placement]; Irq= belongs in [Match]\n"
                T ":22: error: [Match] appears again (first at line 14); a drop-in holds one rule: "
                "put this one in a file of its own\n"
                T ":24: error: malformed section header '[Daemon] # trailing'; write it like [Daemon]\n");
        ck_assert_int_eq(r, -EINVAL);
        /* Still filled as far as it could be read, for --check-config. */
        ck_assert_double_eq(conf.daemon.interval, 7);
        ck_assert(origin_is(&conf.daemon.interval_origin, T, 8));
        ck_assert_uint_eq(conf.n_rules, 1);
        ck_assert_str_eq(conf.rules[0].names[0], "eth0");
        ck_assert_ptr_null(conf.rules[0].names[1]);
        ck_assert(set_is(conf.rules[0].cpus, "1"));
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(odd_but_harmless_and_odd_and_wrong_lines)
{
        char text[256], want[512];

        expect_dropin("", "");
        expect_dropin("# only\n; comments\n\n   \n", "");
        expect_dropin("[\n", T ":1: error: malformed section header '['; write it like [Daemon]\n");
        expect_dropin("[Match]\nNa me=x\n[Placement]\nBan=yes\n",
                      T ":2: error: unknown key 'Na me' in [Match]; did you mean 'Name='?\n");
        /* A long bad line is quoted in part. */
        snprintf(text, sizeof(text), "[Daemon]\n%080d\n", 0);
        snprintf(want, sizeof(want), T ":2: error: cannot parse '%060d...': expected [Section], "
                 "Key=Value or a # comment\n", 0);
        expect_dropin(text, want);
}
END_TEST

START_TEST(irqbald_conf_holds_only_daemon)
{
        tl_write(root_dir, MAIN,
                 "[Deamon]\n"           /* 1 */
                 "[Daemon]\n"           /* 2 */
                 "CPUs=1\n"             /* 3 */
                 "Node=1\n"             /* 4 */
                 "[Match]\n"            /* 5 */
                 "Name=x\n"             /* 6 */
                 "[Rules]\n");          /* 7 */
        expect(-EINVAL,
               "/etc/irqbald/irqbald.conf:1: error: unknown section [Deamon]; did you mean [Daemon]?\n"
               "/etc/irqbald/irqbald.conf:3: error: unknown key 'CPUs' in [Daemon]; CPUs= belongs in "
               "[Placement] of a drop-in in /etc/irqbald/policy.d\n"
               "/etc/irqbald/irqbald.conf:4: error: unknown key 'Node' in [Daemon]; Node= belongs in "
               "[Match] or [Placement] of a drop-in in /etc/irqbald/policy.d\n"
               "/etc/irqbald/irqbald.conf:5: error: [Match] belongs in a drop-in like "
               "/etc/irqbald/policy.d/50-rule.conf, not in irqbald.conf\n"
               "/etc/irqbald/irqbald.conf:7: error: unknown section [Rules]; irqbald.conf holds only [Daemon]\n");
}
END_TEST

START_TEST(a_rule_needs_match_and_placement_and_a_match_key)
{
        expect_dropin("[Match]\nName=x\n",
                      T ":1: error: [Match] without [Placement]: a rule needs both; add [Placement] "
                      "with CPUs=, Node=, Ban= or another key\n");
        expect_dropin("# x\n[Placement]\nBan=yes\n",
                      T ":2: error: [Placement] without [Match]: a rule needs both; add [Match] "
                      "saying which IRQs it is for, like Name=eth0-TxRx-*\n");
        expect_dropin("[Match]\n# nothing\n[Placement]\nCPUs=1\n",
                      T ":1: error: [Match] has no keys, so it would match every IRQ; to mean "
                      "that, write Name=*\n");
        expect_dropin("[Match]\nName=*\n[Placement]\n",
                      T ":3: warning: [Placement] has no keys, so this rule changes nothing; add "
                      "CPUs=, Node=, Policy=, Weight=, Exclusive= or Ban=\n");
        /* A [Daemon]-only drop-in is no rule at all. */
        expect_dropin("[Daemon]\nPolicy=hint\n", "");
}
END_TEST

START_TEST(invalid_escapes_and_encodings_are_refused)
{
        expect_dropin("[Match]\nName=eth\\[0\n[Placement]\nBan=yes\n",
                      T ":2: error: Name=eth\\[0: invalid escape \\[; write \\\\ for a backslash "
                      "(the escapes are \\s \\n \\t \\r \\\\)\n");
        expect_dropin("[Daemon]\nPolicy=hint\\\n",
                      T ":2: error: Policy=hint\\: a \\ at the end of a value escapes nothing; "
                      "write \\\\ for a backslash\n");
        expect_dropin("[Daemon]\nPolicy=caf\xe9\n",
                      T ":2: error: Policy= is not valid UTF-8; save the file as UTF-8\n");
        /* A literal backslash is written \\ and reaches fnmatch as one. */
        expect_dropin("[Match]\nName=a\\\\[b\n[Placement]\nBan=yes\n", "");
}
END_TEST

/* ---- Values ------------------------------------------------------------------------- */

START_TEST(bad_values_say_what_to_write)
{
        static const struct { const char *section, *line, *message; } cases[] = {
                { "Daemon", "Policy=fast", "Policy=fast: no such policy; expected one of balanced, "
                  "numa-local, pack, housekeeping, hint" },
                { "Daemon", "BannedCPUs=0-3,x", "BannedCPUs=0-3,x: not a CPU list; write it like 0-3,8" },
                { "Daemon", "BanIsolated=maybe", "BanIsolated=maybe: expected yes or no (or "
                  "true/false, on/off, 1/0)" },
                { "Daemon", "Hysteresis=1.5", "Hysteresis=1.5: expected a share between 0 and 1, "
                  "like 0.1 for 10 %" },
                { "Daemon", "Hysteresis=-0.1", "Hysteresis=-0.1: expected a share between 0 and 1, "
                  "like 0.1 for 10 %" },
                { "Daemon", "PackThresholds=1:0.5", "PackThresholds=1:0.5: expected LOW:HIGH in "
                  "CPUs' worth of load with 0 <= LOW <= HIGH, like 0.5:1" },
                { "Daemon", "PackThresholds=0.5", "PackThresholds=0.5: expected LOW:HIGH in "
                  "CPUs' worth of load with 0 <= LOW <= HIGH, like 0.5:1" },
                { "Daemon", "HousekeepingCPUs=", "HousekeepingCPUs=: expected at least one CPU, like 0-3,8" },
                { "Daemon", "HousekeepingCPUs=0-", "HousekeepingCPUs=0-: not a CPU list; write it like 0-3,8" },
                { "Match", "Irq=24-x", "Irq=24-x: not a list of IRQ numbers; write it like 24-31 40" },
                { "Match", "Irq=", "Irq=: expected IRQ numbers, like 24-31 40" },
                { "Match", "Node=a", "Node=a: not a list of NUMA node ids; write it like 0 1" },
                { "Match", "Node= ,", "Node=: expected NUMA node ids, like 0 1" },
                { "Match", "Class=nic", "Class=nic: expected one of net, storage, gpu, sound, usb, legacy, other" },
                { "Match", "Class=", "Class=: expected one or more of net, storage, gpu, sound, usb, legacy, other" },
                { "Match", "Name=", "Name=: expected one or more patterns separated by spaces, like eth0-TxRx-*" },
                { "Match", "Driver=  ", "Driver=: expected one or more patterns separated by spaces, like mlx5_core" },
                { "Placement", "CPUs=0-3,x", "CPUs=0-3,x: not a CPU list; write it like 0-3,8" },
                { "Placement", "CPUs=", "CPUs=: expected at least one CPU, like 0-3,8" },
                { "Placement", "Node=-1", "Node=-1: expected one NUMA node id, like 0" },
                { "Placement", "Node=0 1", "Node=0 1: expected one NUMA node id, like 0" },
                { "Placement", "Policy=nope", "Policy=nope: no such policy; expected one of "
                  "balanced, numa-local, pack, housekeeping, hint" },
                { "Placement", "Weight=0", "Weight=0: expected a factor above 0 and at most 1000, like 2 or 0.5" },
                { "Placement", "Weight=1001", "Weight=1001: expected a factor above 0 and at most 1000, like 2 or 0.5" },
                { "Placement", "Exclusive=2", "Exclusive=2: expected yes or no (or true/false, on/off, 1/0)" },
                { "Placement", "Ban=", "Ban=: expected yes or no (or true/false, on/off, 1/0)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[256], want[512];
                unsigned line;

                if (strcmp(cases[i].section, "Daemon") == 0) {
                        snprintf(text, sizeof(text), "[Daemon]\n%s\n", cases[i].line);
                        line = 2;
                } else if (strcmp(cases[i].section, "Match") == 0) {
                        snprintf(text, sizeof(text), "[Match]\n%s\n[Placement]\nWeight=1\n", cases[i].line);
                        line = 2;
                } else {
                        snprintf(text, sizeof(text), "[Match]\nName=x\n[Placement]\n%s\n", cases[i].line);
                        line = 4;
                }
                snprintf(want, sizeof(want), T ":%u: error: %s\n", line, cases[i].message);
                expect_dropin(text, want);
        }
}
END_TEST

START_TEST(good_values_at_the_edges_are_taken)
{
        struct config conf;
        const struct config_rule *rule;
        int r;
        char *s;

        tl_write(root_dir, ETC "50-t.conf",
                 "[Daemon]\nHysteresis=0\nPackThresholds=0:0\n"
                 "[Match]\nIrq=1,2 3-4\t7\nNode=0,2\nClass=other legacy\n"
                 "[Placement]\nWeight=1000\nNode=33\n");
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_double_eq(conf.daemon.hysteresis, 0);
        ck_assert_double_eq(conf.daemon.pack_low, 0);
        ck_assert_double_eq(conf.daemon.pack_high, 0);
        rule = &conf.rules[0];
        ck_assert(set_is(rule->irqs, "1-4,7"));
        ck_assert(set_is(rule->nodes, "0,2"));
        ck_assert_uint_eq(rule->classes, (1u << IRQ_CLASS_OTHER) | (1u << IRQ_CLASS_LEGACY));
        ck_assert_double_eq(rule->weight, 1000);
        ck_assert_int_eq(rule->node, 33);
        free(s);
        config_done(&conf);
}
END_TEST

START_TEST(globs_that_can_never_match_are_errors)
{
        static const struct { const char *line, *message; } cases[] = {
                { "Device=0000:3B:00.0", "Device=0000:3B:00.0 can never match: PCI addresses are "
                  "lower-case hex like 0000:3b:00.0" },
                { "Device=0000:3B:00.*", "Device=0000:3B:00.* can never match: PCI addresses are "
                  "lower-case hex like 0000:3b:00.*" },
                { "Device=pci-0000:3b:00.0", "Device=pci-0000:3b:00.0 can never match: 'p' is not "
                  "in a PCI address, which looks like 0000:3b:00.0" },
                { "Interface=eth0/1", "Interface=eth0/1 can never match: interface names have no "
                  "'/' and no blanks" },
                { "Interface=my\\seth", "Interface=my eth can never match: interface names have no "
                  "'/' and no blanks" },
                { "Interface=abcdefghijklmnop", "Interface=abcdefghijklmnop can never match: "
                  "interface names have at most 15 characters" },
                { "Interface=abcdefghijklmn??", "Interface=abcdefghijklmn?? can never match: "
                  "interface names have at most 15 characters" },
                { "Driver=pci/ixgbe", "Driver=pci/ixgbe can never match: driver names have no '/'; "
                  "write the name as in /sys/bus/pci/drivers, like mlx5_core" },
                { "Name=eth[0", "Name=eth[0: the [ is never closed; close the set like [0-9], or "
                  "write \\\\[ for a literal [" },
                { "Device=0000:3b:00.[0-", "Device=0000:3b:00.[0-: the [ is never closed; close the "
                  "set like [0-9], or write \\\\[ for a literal [" },
        };
        static const char *const fine[] = {
                "Device=0000:3b:00.0", "Device=*", "Device=0000:[0-9A-F]?:0[!0].[0-7]",
                "Interface=abcdefghijklmno", "Interface=abcdefghijklmno*", "Interface=eth[/]",
                "Name=[[:alpha:]]*", "Name=[]x]", "Name=[!]]", "Name=[[.-.]]", "Driver=mlx5_*",
                "Name=a\\\\[b",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[256], want[512];

                snprintf(text, sizeof(text), "[Match]\n%s\n[Placement]\nWeight=2\n", cases[i].line);
                snprintf(want, sizeof(want), T ":2: error: %s\n", cases[i].message);
                expect_dropin(text, want);
        }
        for (size_t i = 0; i < ELEMENTSOF(fine); i++) {
                char text[256];

                snprintf(text, sizeof(text), "[Match]\n%s\n[Placement]\nWeight=2\n", fine[i]);
                expect_dropin(text, "");
        }
        /* Each bad item of a list is named; the key then counts as not given. */
        expect_dropin("[Match]\nDevice=0000:3B:00.0 0000:3b:00.1 0000:3C:00.0\nIrq=5\n"
                      "[Placement]\nWeight=2\n",
                      T ":2: error: Device=0000:3B:00.0 can never match: PCI addresses are "
                      "lower-case hex like 0000:3b:00.0\n"
                      T ":2: error: Device=0000:3C:00.0 can never match: PCI addresses are "
                      "lower-case hex like 0000:3c:00.0\n");
}
END_TEST

START_TEST(ban_yes_makes_other_placement_keys_moot)
{
        struct config conf;
        int r;
        char *s;

        tl_write(root_dir, ETC "50-t.conf",
                 "[Match]\nName=x\n[Placement]\nCPUs=1\nBan=yes\nWeight=3\nExclusive=no\n");
        s = load(&conf, &r);
        assert_text(s,
                T ":4: warning: Ban=yes: irqbald never touches the IRQ, so CPUs= has no effect\n"
                T ":6: warning: Ban=yes: irqbald never touches the IRQ, so Weight= has no effect\n"
                T ":7: warning: Ban=yes: irqbald never touches the IRQ, so Exclusive= has no effect\n");
        ck_assert_int_eq(r, 0);
        ck_assert(conf.rules[0].ban);
        free(s);
        config_done(&conf);

        expect_dropin("[Match]\nName=x\n[Placement]\nCPUs=1\nBan=no\nNode=0\nPolicy=pack\n", "");
}
END_TEST

/* ---- Who may write the files -------------------------------------------------------- */

START_TEST(a_world_writable_file_is_refused_unread)
{
        struct config conf;
        char *path = under_root(MAIN);
        int r;
        char *s;

        tl_write(root_dir, MAIN, "[Daemon]\nInterval=5\n");
        ck_assert_int_eq(chmod(path, 0666), 0);
        s = load(&conf, &r);
        assert_text(s, "/etc/irqbald/irqbald.conf: error: refused: world-writable (mode 0666); "
                            "a file that steers irqbald must be writable only by root: chmod go-w "
                            "/etc/irqbald/irqbald.conf\n");
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_uint_eq(conf.n_files, 0);
        ck_assert_double_eq(conf.daemon.interval, 10);
        free(s);
        config_done(&conf);
        free(path);
}
END_TEST

START_TEST(a_group_writable_drop_in_directory_is_refused)
{
        struct config conf;
        char *dir = under_root("etc/irqbald/policy.d"), want[512];
        struct stat st;
        int r;
        char *s;

        tl_write(root_dir, ETC "50-x.conf", "[Daemon]\nInterval=5\n");
        tl_write(root_dir, RUN "60-y.conf", "[Daemon]\nHysteresis=0.5\n");
        ck_assert_int_eq(chmod(dir, 0775), 0);
        ck_assert_int_eq(stat(dir, &st), 0);
        snprintf(want, sizeof(want), "/etc/irqbald/policy.d: error: refused: writable by group %u "
                 "(mode 0775); a directory of files that steer irqbald must be writable only by "
                 "root: chmod go-w /etc/irqbald/policy.d\n", (unsigned) st.st_gid);
        s = load(&conf, &r);
        assert_text(s, want);
        ck_assert_int_eq(r, -EINVAL);
        /* The other directories are still read. */
        ck_assert_uint_eq(conf.n_files, 1);
        ck_assert_double_eq(conf.daemon.interval, 10);
        ck_assert_double_eq(conf.daemon.hysteresis, 0.5);
        free(s);
        config_done(&conf);
        free(dir);
}
END_TEST

START_TEST(a_file_owned_by_another_user_is_refused)
{
        char *path = under_root(ETC "10-nic.conf");

        if (geteuid() != 0) {
                fprintf(stderr, "# skipped: chown needs root\n");
                free(path);
                return;
        }
        tl_write(root_dir, ETC "10-nic.conf", "[Daemon]\nInterval=5\n");
        ck_assert_int_eq(chown(path, 65534, 65534), 0);
        expect(-EINVAL, "/etc/irqbald/policy.d/10-nic.conf: error: refused: owned by uid 65534 "
               "(mode 0644); a file that steers irqbald must be writable only by root: chown "
               "root:root /etc/irqbald/policy.d/10-nic.conf\n");
        ck_assert_int_eq(chmod(path, 0666), 0);
        expect(-EINVAL, "/etc/irqbald/policy.d/10-nic.conf: error: refused: owned by uid 65534 and "
               "world-writable (mode 0666); a file that steers irqbald must be writable only by "
               "root: chown root:root /etc/irqbald/policy.d/10-nic.conf && chmod go-w "
               "/etc/irqbald/policy.d/10-nic.conf\n");
        free(path);
}
END_TEST

START_TEST(files_over_64_kib_and_binary_files_are_refused)
{
        char *big = malloc(64 * 1024 + 2);
        struct config conf;
        int r;
        char *s;

        /* Exactly 64 KiB: a section and comments. */
        memset(big, '#', 64 * 1024);
        memcpy(big, "[Daemon]\nInterval=3\n", 20);
        for (size_t i = 100; i < 64 * 1024; i += 100)
                big[i] = '\n';
        big[64 * 1024] = 0;
        tl_write(root_dir, MAIN, "%s", big);
        s = load(&conf, &r);
        assert_text(s, "");
        ck_assert_double_eq(conf.daemon.interval, 3);
        free(s);
        config_done(&conf);

        reset_root();
        tl_write(root_dir, MAIN, "%s#", big);
        expect(-EINVAL, "/etc/irqbald/irqbald.conf: error: refused: larger than 64 KiB, which no "
               "configuration needs; is this the right file?\n");
        free(big);

        reset_root();
        {
                char *path = under_root(ETC "50-bin.conf");
                FILE *f;

                tl_write(root_dir, ETC "50-bin.conf", "%s", "");
                f = fopen(path, "we");
                ck_assert_ptr_nonnull(f);
                fwrite("[Daemon]\n\0\n", 1, 11, f);
                fclose(f);
                free(path);
        }
        expect(-EINVAL, "/etc/irqbald/policy.d/50-bin.conf: error: not a text file: it holds a NUL byte\n");
}
END_TEST

START_TEST(irqbald_conf_can_be_masked_too)
{
        tl_symlink(root_dir, MAIN, "/dev/null");
        expect(0, "");
}
END_TEST

/* ---- Against the machine ------------------------------------------------------------ */

/* 2 packages, one node each, 4 cores of 2 threads: CPUs 0-15, nodes 0-1; BANNED (a
 * cpulist) unusable. */
static struct topology *machine(const char *banned)
{
        struct topology_options opts = { .spec = "synthetic:pack:2 numa:1 core:4 pu:2" };
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        struct irqbal_root root;
        struct topology *t = NULL;

        ck_assert_int_eq(cpulist_parse(banned, set), 0);
        opts.banned = set;
        ck_assert_int_eq(root_open(&root, root_dir), 0);
        ck_assert_int_eq(topology_load(&root, &opts, &t), 0);
        root_close(&root);
        hwloc_bitmap_free(set);
        ck_assert(set_is(t->all, "0-15"));
        ck_assert_uint_eq(t->n_nodes, 2);
        return t;
}

static char *check_machine(struct topology *t, int *ret_r)
{
        struct config conf;
        struct config_diags diags = {};
        struct irqbal_root root;
        char *s;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        ck_assert_int_eq(config_load(&root, &conf, &diags), 0);
        ck_assert_uint_eq(diags.n, 0);
        *ret_r = config_check_machine(&conf, t, &diags);
        ck_assert_int_eq(*ret_r == -EINVAL, diags.errors > 0);
        s = config_diags_format(&diags);
        config_diags_done(&diags);
        config_done(&conf);
        root_close(&root);
        return s;
}

START_TEST(cpus_and_nodes_the_machine_lacks_are_reported)
{
        struct topology *t = machine("12-15");
        int r;
        char *s;

        tl_write(root_dir, MAIN, "[Daemon]\nBannedCPUs=8-23\nHousekeepingCPUs=12-13\n");
        tl_write(root_dir, ETC "10-a.conf",
                 "[Match]\nNode=3\n[Placement]\nCPUs=14-15,16\nNode=3\n");
        tl_write(root_dir, ETC "20-b.conf", "[Match]\nName=x\n[Placement]\nCPUs=64-127\n");
        tl_write(root_dir, ETC "30-c.conf", "[Match]\nNode=1-3\n[Placement]\nCPUs=0-3\nNode=1\n");
        s = check_machine(t, &r);
        assert_text(s,
                "/etc/irqbald/irqbald.conf:2: warning: BannedCPUs=8-23: CPUs 16-23 do not exist on "
                "this machine (it has 0-15); they are ignored\n"
                "/etc/irqbald/irqbald.conf:3: error: HousekeepingCPUs=12-13: none of these CPUs is "
                "usable (they are offline, isolated or banned); housekeeping needs at least one\n"
                "/etc/irqbald/policy.d/10-a.conf:2: warning: Node=3: this machine has nodes 0-1, so "
                "this rule matches nothing here\n"
                "/etc/irqbald/policy.d/10-a.conf:4: warning: CPUs=14-16: CPU 16 does not exist on "
                "this machine (it has 0-15); it is ignored\n"
                "/etc/irqbald/policy.d/10-a.conf:4: warning: CPUs=14-16: none of these CPUs is "
                "usable (they are offline, isolated or banned), so this rule has nowhere to put its IRQs\n"
                "/etc/irqbald/policy.d/10-a.conf:5: error: Node=3: this machine has nodes 0-1\n"
                "/etc/irqbald/policy.d/20-b.conf:4: error: CPUs=64-127: none of these CPUs exist on "
                "this machine (it has 0-15)\n");
        ck_assert_int_eq(r, -EINVAL);
        free(s);
        topology_free(t);
}
END_TEST

START_TEST(a_configuration_that_fits_the_machine_passes)
{
        struct topology *t = machine("");
        int r;
        char *s;

        tl_write(root_dir, MAIN, "[Daemon]\nBannedCPUs=\nHousekeepingCPUs=0-1\n");
        tl_write(root_dir, ETC "10-a.conf", "[Match]\nNode=0\n[Placement]\nCPUs=2-3\nNode=1\n");
        s = check_machine(t, &r);
        assert_text(s, "");
        ck_assert_int_eq(r, 0);
        free(s);

        /* One missing CPU in BannedCPUs= is a warning, not an error. */
        tl_write(root_dir, MAIN, "[Daemon]\nBannedCPUs=15-16\n");
        s = check_machine(t, &r);
        assert_text(s, "/etc/irqbald/irqbald.conf:2: warning: BannedCPUs=15-16: CPU 16 does "
                            "not exist on this machine (it has 0-15); it is ignored\n");
        ck_assert_int_eq(r, 0);
        free(s);
        topology_free(t);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("config");
        TCase *basics = tcase_create("basics");
        TCase *precedence = tcase_create("precedence");
        TCase *syntax = tcase_create("syntax");
        TCase *values = tcase_create("values");
        TCase *trust = tcase_create("trust");
        TCase *machine_tc = tcase_create("machine");
        TCase *all[] = { basics, precedence, syntax, values, trust, machine_tc };

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                tcase_add_checked_fixture(all[i], setup, teardown);
                suite_add_tcase(s, all[i]);
        }
        tcase_add_test(basics, no_files_mean_the_defaults_and_no_findings);
        tcase_add_test(basics, zeroed_structs_are_safe_to_free_and_format);
        tcase_add_test(basics, a_full_example_fills_every_field);
        tcase_add_test(basics, keys_not_given_stay_unset_in_a_rule);
        tcase_add_test(basics, windows_line_ends_and_blanks_around_values_are_fine);

        tcase_add_test(precedence, etc_hides_run_hides_usr_local_lib_hides_usr_lib);
        tcase_add_test(precedence, a_dev_null_symlink_masks_its_level_and_below_but_not_above);
        tcase_add_test(precedence, only_a_link_to_exactly_dev_null_masks);
        tcase_add_test(precedence, drop_ins_apply_by_name_across_directories_after_irqbald_conf);
        tcase_add_test(precedence, a_bad_value_in_a_later_file_keeps_the_earlier_one);
        tcase_add_test(precedence, hidden_and_other_names_are_ignored_odd_files_warned_about);
        tcase_add_test(precedence, a_policy_d_that_is_a_file_is_warned_about);
        tcase_add_test(precedence, irqbald_conf_can_be_masked_too);

        tcase_add_test(syntax, syntax_errors_name_the_line_and_what_to_write);
        tcase_add_test(syntax, odd_but_harmless_and_odd_and_wrong_lines);
        tcase_add_test(syntax, irqbald_conf_holds_only_daemon);
        tcase_add_test(syntax, a_rule_needs_match_and_placement_and_a_match_key);
        tcase_add_test(syntax, invalid_escapes_and_encodings_are_refused);

        tcase_add_test(values, interval_takes_seconds_milliseconds_and_minutes);
        tcase_add_test(values, booleans_have_eight_spellings_in_any_case);
        tcase_add_test(values, bad_values_say_what_to_write);
        tcase_add_test(values, good_values_at_the_edges_are_taken);
        tcase_add_test(values, globs_that_can_never_match_are_errors);
        tcase_add_test(values, ban_yes_makes_other_placement_keys_moot);

        tcase_add_test(trust, a_world_writable_file_is_refused_unread);
        tcase_add_test(trust, a_group_writable_drop_in_directory_is_refused);
        tcase_add_test(trust, a_file_owned_by_another_user_is_refused);
        tcase_add_test(trust, files_over_64_kib_and_binary_files_are_refused);

        tcase_add_test(machine_tc, cpus_and_nodes_the_machine_lacks_are_reported);
        tcase_add_test(machine_tc, a_configuration_that_fits_the_machine_passes);
        return s;
}
