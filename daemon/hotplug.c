/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU and device hotplug through udevd's events (DESIGN.md §4.7): they make the rescan
 * come sooner; the per-cycle re-read stays the ground truth. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqbal/hotplug.h"
#include "irqbal/log.h"
#include "irqbal/manager.h"

/* The subsystems whose events mean IRQs or CPUs came or went. */
static const char *const watched_subsystems[] = {
        "cpu",          /* online/offline: masks break to all CPUs, re-apply */
        "pci",          /* add/remove, and bind/unbind: drivers request IRQs at probe */
        "net",          /* virtio and other bus drivers register the netdev after
                         * requesting their IRQs: the pci bind came too early */
        "queues",       /* ethtool -L: the driver re-requests its queue IRQs and the
                         * queue kobjects come and go, nothing else sends an event */
        /* Not "nvme"/"block": NVMe queue IRQs are managed (the kernel owns them, we
         * only report them) and the per-cycle /proc/stat check finds them. */
};

/* Settling needs no precision: a timer that may fire up to 10 ms late lets sd-event
 * coalesce wake-ups. */
#define HOTPLUG_SETTLE_ACCURACY_USEC 10000ULL

static const char *action_name(sd_device_action_t a)
{
        switch (a) {
        case SD_DEVICE_ADD:
                return "add";
        case SD_DEVICE_REMOVE:
                return "remove";
        case SD_DEVICE_MOVE:
                return "move";
        case SD_DEVICE_ONLINE:
                return "online";
        case SD_DEVICE_OFFLINE:
                return "offline";
        case SD_DEVICE_BIND:
                return "bind";
        case SD_DEVICE_UNBIND:
                return "unbind";
        default:
                /* "change" and anything newer: attributes, not IRQs or CPUs. */
                return NULL;
        }
}

static int on_settled(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct hotplug *h = userdata;
        int r;

        h->pending = false;
        h->cycles++;
        log_debug("Device events settled, running a cycle (%" PRIu64 " events, %" PRIu64
                  " cycles so far).", h->events, h->cycles);
        r = manager_request_cycle(h->manager);
        if (r < 0)
                log_warning_errno(r, "Cycle after device events failed, trying again next "
                                  "interval: %m");
        return 0;
}

/* Takes one device event: asks for a rescan and (re)arms the settle timer. The monitor
 * calls it for add, remove, move, online, offline, bind and unbind events. */
static int hotplug_event_seen(struct hotplug *h, const char *subsystem, const char *action,
                              const char *devpath)
{
        sd_event *e = h->manager->event;
        uint64_t now, when;
        int r;

        log_debug("Device event: %s %s (%s); rescanning IRQs and CPUs shortly.",
                  action, devpath, subsystem);
        h->events++;
        /* Whatever cycle comes next, timed or ours, reads /proc/interrupts again. */
        h->manager->obs.rescan_requested = true;

        r = sd_event_now(e, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        if (!h->pending) {
                h->pending = true;
                h->first_usec = now;
        }
        when = now + HOTPLUG_SETTLE_USEC;
        if (when > h->first_usec + HOTPLUG_MAX_DELAY_USEC)
                when = h->first_usec + HOTPLUG_MAX_DELAY_USEC;

        if (!h->settle) {
                r = sd_event_add_time(e, &h->settle, CLOCK_MONOTONIC, when,
                                      HOTPLUG_SETTLE_ACCURACY_USEC, on_settled, h);
                if (r < 0)
                        return log_warning_errno(r, "Failed to add the hotplug settle timer, "
                                                 "leaving the rescan to the next cycle: %m");
                (void) sd_event_source_set_description(h->settle, "hotplug-settle");
        } else {
                r = sd_event_source_set_time(h->settle, when);
                if (r < 0)
                        return log_warning_errno(r, "Failed to re-arm the hotplug settle "
                                                 "timer: %m");
        }
        return sd_event_source_set_enabled(h->settle, SD_EVENT_ONESHOT);
}

static int on_device(sd_device_monitor *mon, sd_device *dev, void *userdata)
{
        struct hotplug *h = userdata;
        const char *subsystem = "?", *devpath = "?", *action;
        sd_device_action_t a;

        if (sd_device_get_action(dev, &a) < 0)
                return 0;
        action = action_name(a);
        if (!action)
                return 0;
        (void) sd_device_get_subsystem(dev, &subsystem);
        (void) sd_device_get_devpath(dev, &devpath);
        /* A failure here only delays the rescan to the next cycle (and said so); an
         * error from a handler would disable the monitor for good. */
        (void) hotplug_event_seen(h, subsystem, action, devpath);
        return 0;
}

void hotplug_free(struct hotplug *h)
{
        if (!h)
                return;
        sd_event_source_disable_unref(h->settle);
        sd_device_monitor_unref(h->monitor);
        free(h);
}

static int not_watching(int r, const char *what)
{
        log_info_errno(r, "Not watching device hotplug events (%s: %m); CPU and IRQ changes "
                       "are found by each cycle's re-read instead.", what);
        return 0;
}

int hotplug_start(struct manager *m, struct hotplug **ret)
{
        struct hotplug *h;
        const char *any_root = getenv(HOTPLUG_ANY_ROOT_ENV);
        int r;

        *ret = NULL;
        /* A fake root (a simulator, a test) is not the machine the events describe. */
        if (!root_is_host(&m->root) && !(any_root && strcmp(any_root, "1") == 0)) {
                log_debug("Not watching device hotplug events: --root %s is not this machine.",
                          m->root.path);
                return 0;
        }

        h = calloc(1, sizeof(*h));
        if (!h)
                return log_error_errno(-ENOMEM, "Failed to start watching device events: %m");
        h->manager = m;

        r = sd_device_monitor_new(&h->monitor);
        if (r < 0) {
                hotplug_free(h);
                return not_watching(r, "no uevent netlink socket");
        }
        /* No sd_device_monitor_set_receive_buffer_size(): sd-device already asks for
         * 128 MiB (forced with CAP_NET_ADMIN, else up to net.core.rmem_max), and asking
         * for less would only shrink it and lose a NIC's burst of queue events. */
        for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++) {
                const char *subsystem = watched_subsystems[i];

                r = sd_device_monitor_filter_add_match_subsystem_devtype(h->monitor, subsystem,
                                                                         NULL);
                if (r < 0) {
                        hotplug_free(h);
                        return not_watching(r, "failed to set the subsystem filter");
                }
        }
        r = sd_device_monitor_attach_event(h->monitor, m->event);
        if (r >= 0)
                r = sd_device_monitor_start(h->monitor, on_device, h);
        if (r < 0) {
                hotplug_free(h);
                return not_watching(r, "failed to listen to udev's netlink group");
        }
        (void) sd_event_source_set_description(sd_device_monitor_get_event_source(h->monitor),
                                               "hotplug-monitor");

        /* sd-device listens to udevd's broadcasts, not the kernel's: without udevd the
         * monitor stays silent. Worth knowing when a hotplug seems to be noticed late. */
        if (access("/run/udev/control", F_OK) < 0)
                log_info("udevd does not seem to run (no /run/udev/control): device events "
                         "come from udevd, so without it each cycle's re-read finds CPU and "
                         "IRQ changes.");
        if (log_get_max_level() >= LOG_DEBUG) {
                char list[128] = "";

                for (size_t i = 0; i < ELEMENTSOF(watched_subsystems); i++)
                        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                                 i ? " " : "", watched_subsystems[i]);
                log_debug("Watching device events of subsystems: %s.", list);
        }
        *ret = h;
        return 1;
}
