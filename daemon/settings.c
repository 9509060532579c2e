/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>

#include "irqbal/rules.h"
#include "irqbal/settings.h"

/* A file's value applies when the command line did not give the option. */
static bool from_file(const struct options *o, unsigned given, const struct config_origin *origin)
{
        return !(o->given & given) && origin && origin->file;
}

/* Where a setting came from, for status and Explain. */
static void describe(const struct options *o, unsigned given, const struct config_origin *origin,
                     char *buf, size_t size)
{
        if (o->given & given)
                snprintf(buf, size, "command line");
        else if (origin && origin->file)
                config_origin_format(origin, buf, size);
        else
                snprintf(buf, size, "default");
}

int settings_merge(const struct options *o, const struct config *conf, struct settings *ret)
{
        const struct config_daemon *d = conf ? &conf->daemon : NULL;
        struct settings s = {
                .interval = o->interval,
                .ban_isolated = true,
                .restore_on_exit = o->restore_on_exit,
                .respect_external_pins = o->respect_external_pins,
                .banned = hwloc_bitmap_dup(o->banned),
                .housekeeping = hwloc_bitmap_dup(o->housekeeping),
        };

        if (!s.banned || !s.housekeeping) {
                settings_done(&s);
                return -ENOMEM;
        }
        policy_params_default(&s.params);
        s.params.hysteresis = o->hysteresis;
        s.params.pack_low = o->pack_low;
        s.params.pack_high = o->pack_high;

        s.policy = o->policy ? policy_find(o->policy) : policy_default();
        describe(o, OPTION_GIVEN_POLICY, d ? &d->policy_origin : NULL, s.policy_from,
                 sizeof(s.policy_from));
        if (d && from_file(o, OPTION_GIVEN_POLICY, &d->policy_origin))
                s.policy = policy_find(d->policy);
        if (!s.policy) {
                settings_done(&s);
                return -EINVAL;
        }
        describe(o, OPTION_GIVEN_BANNED, d ? &d->banned_cpus_origin : NULL, s.banned_from,
                 sizeof(s.banned_from));
        if (d && from_file(o, OPTION_GIVEN_BANNED, &d->banned_cpus_origin) && d->banned_cpus)
                hwloc_bitmap_copy(s.banned, d->banned_cpus);
        if (d) {
                if (from_file(o, OPTION_GIVEN_INTERVAL, &d->interval_origin))
                        s.interval = d->interval;
                if (d->ban_isolated_origin.file)
                        s.ban_isolated = d->ban_isolated;
                if (from_file(o, OPTION_GIVEN_RESTORE, &d->restore_on_exit_origin))
                        s.restore_on_exit = d->restore_on_exit;
                if (from_file(o, OPTION_GIVEN_PINS, &d->respect_external_pins_origin))
                        s.respect_external_pins = d->respect_external_pins;
                if (from_file(o, OPTION_GIVEN_HYSTERESIS, &d->hysteresis_origin))
                        s.params.hysteresis = d->hysteresis;
                if (from_file(o, OPTION_GIVEN_PACK, &d->pack_thresholds_origin)) {
                        s.params.pack_low = d->pack_low;
                        s.params.pack_high = d->pack_high;
                }
                if (from_file(o, OPTION_GIVEN_HOUSEKEEPING, &d->housekeeping_cpus_origin) &&
                    d->housekeeping_cpus)
                        hwloc_bitmap_copy(s.housekeeping, d->housekeeping_cpus);
        }
        if (!hwloc_bitmap_iszero(s.housekeeping))
                s.params.housekeeping = s.housekeeping;
        *ret = s;
        return 0;
}

void settings_done(struct settings *s)
{
        if (s->banned)
                hwloc_bitmap_free(s->banned);
        if (s->housekeeping)
                hwloc_bitmap_free(s->housekeeping);
        *s = (struct settings) {};
}
