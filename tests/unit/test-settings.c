/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/settings.h"
#include "testlib.h"

#define PARSE(o, ...) ({                                                        \
        char *argv[] = { "irqbald", __VA_ARGS__, NULL };                        \
        options_parse((int) ELEMENTSOF(argv) - 1, argv, (o));                   \
})

static char file[] = "/etc/irqbald/irqbald.conf";

/* A [Daemon] section that sets every key, as config_load() would fill it. */
static void full_daemon_section(struct config *c)
{
        struct config_daemon *d = &c->daemon;

        *c = (struct config) {};
        d->policy = strdup("pack");
        d->policy_origin = (struct config_origin) { file, 2 };
        d->interval = 2.5;
        d->interval_origin = (struct config_origin) { file, 3 };
        d->banned_cpus = hwloc_bitmap_alloc();
        hwloc_bitmap_set_range(d->banned_cpus, 6, 7);
        d->banned_cpus_origin = (struct config_origin) { file, 4 };
        d->ban_isolated = false;
        d->ban_isolated_origin = (struct config_origin) { file, 5 };
        d->restore_on_exit = false;
        d->restore_on_exit_origin = (struct config_origin) { file, 6 };
        d->respect_external_pins = false;
        d->respect_external_pins_origin = (struct config_origin) { file, 7 };
        d->hysteresis = 0.3;
        d->hysteresis_origin = (struct config_origin) { file, 8 };
        d->pack_low = 0.2;
        d->pack_high = 3;
        d->pack_thresholds_origin = (struct config_origin) { file, 9 };
        d->housekeeping_cpus = hwloc_bitmap_alloc();
        hwloc_bitmap_set(d->housekeeping_cpus, 1);
        d->housekeeping_cpus_origin = (struct config_origin) { file, 10 };
}

static void free_daemon_section(struct config *c)
{
        free(c->daemon.policy);
        hwloc_bitmap_free(c->daemon.banned_cpus);
        hwloc_bitmap_free(c->daemon.housekeeping_cpus);
}

START_TEST(without_files_the_command_line_and_defaults_apply)
{
        struct options o;
        struct settings s;

        ck_assert_int_eq(PARSE(&o, "--interval=4", "--ban-cpus=3"), 0);
        ck_assert_int_eq(settings_merge(&o, NULL, &s), 0);
        ck_assert_ptr_eq(s.policy, policy_default());
        ck_assert_str_eq(s.policy_from, "default");
        ck_assert_str_eq(s.banned_from, "command line");
        ck_assert_double_eq(s.interval, 4);
        ck_assert_int_eq(hwloc_bitmap_first(s.banned), 3);
        ck_assert(s.ban_isolated && s.restore_on_exit && s.respect_external_pins);
        ck_assert_ptr_null(s.params.housekeeping);
        settings_done(&s);
        options_done(&o);
}
END_TEST

START_TEST(files_set_what_the_command_line_did_not)
{
        struct options o;
        struct settings s;
        struct config c;
        char *list;

        full_daemon_section(&c);
        ck_assert_int_eq(PARSE(&o, "--dry-run"), 0);
        ck_assert_int_eq(settings_merge(&o, &c, &s), 0);
        ck_assert_str_eq(s.policy->name, "pack");
        ck_assert_str_eq(s.policy_from, "/etc/irqbald/irqbald.conf:2");
        ck_assert_str_eq(s.banned_from, "/etc/irqbald/irqbald.conf:4");
        ck_assert_double_eq(s.interval, 2.5);
        list = cpulist_format(s.banned);
        ck_assert_str_eq(list, "6-7");
        free(list);
        ck_assert(!s.ban_isolated && !s.restore_on_exit && !s.respect_external_pins);
        ck_assert_double_eq(s.params.hysteresis, 0.3);
        ck_assert_double_eq(s.params.pack_low, 0.2);
        ck_assert_double_eq(s.params.pack_high, 3);
        ck_assert_ptr_nonnull(s.params.housekeeping);
        ck_assert_int_eq(hwloc_bitmap_first(s.params.housekeeping), 1);
        settings_done(&s);
        options_done(&o);
        free_daemon_section(&c);
}
END_TEST

START_TEST(the_command_line_wins_over_files_option_by_option)
{
        struct options o;
        struct settings s;
        struct config c;

        full_daemon_section(&c);
        ck_assert_int_eq(PARSE(&o, "--policy=hint", "--interval=7", "--ban-cpus=0",
                               "--hysteresis=0.05", "--housekeeping-cpus=2"), 0);
        ck_assert_int_eq(settings_merge(&o, &c, &s), 0);
        ck_assert_str_eq(s.policy->name, "hint");
        ck_assert_str_eq(s.policy_from, "command line");
        ck_assert_str_eq(s.banned_from, "command line");
        ck_assert_double_eq(s.interval, 7);
        ck_assert_int_eq(hwloc_bitmap_weight(s.banned), 1);
        ck_assert_int_eq(hwloc_bitmap_first(s.banned), 0);
        ck_assert_double_eq(s.params.hysteresis, 0.05);
        ck_assert_int_eq(hwloc_bitmap_first(s.params.housekeeping), 2);
        /* What the command line left alone still comes from the file. */
        ck_assert(!s.restore_on_exit && !s.respect_external_pins && !s.ban_isolated);
        ck_assert_double_eq(s.params.pack_high, 3);
        settings_done(&s);
        options_done(&o);

        ck_assert_int_eq(PARSE(&o, "--no-restore"), 0);
        c.daemon.restore_on_exit = true;
        ck_assert_int_eq(settings_merge(&o, &c, &s), 0);
        ck_assert(!s.restore_on_exit);
        settings_done(&s);
        options_done(&o);
        free_daemon_section(&c);
}
END_TEST

START_TEST(an_unknown_policy_on_the_command_line_is_an_error)
{
        struct options o;
        struct settings s;

        ck_assert_int_eq(PARSE(&o, "--policy=nope"), 0);
        ck_assert_int_eq(settings_merge(&o, NULL, &s), -EINVAL);
        options_done(&o);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("settings");
        TCase *tc = tcase_create("merge");

        tcase_add_test(tc, without_files_the_command_line_and_defaults_apply);
        tcase_add_test(tc, files_set_what_the_command_line_did_not);
        tcase_add_test(tc, the_command_line_wins_over_files_option_by_option);
        tcase_add_test(tc, an_unknown_policy_on_the_command_line_is_an_error);
        suite_add_tcase(s, tc);
        return s;
}
