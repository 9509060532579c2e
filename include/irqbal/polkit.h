/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

/* Who may change irqbald over D-Bus: root always; anyone else when polkit runs and
 * authorises the action (data/io.github.irqbald1.policy). Without polkit only root.
 *
 * polkit may take long to answer (it can ask the user for a password), and the event
 * loop must not wait: the first time a method is called the question goes out
 * asynchronously and the method returns 1 without a reply; when polkit answers, the
 * same message is queued again and the method runs once more, now with the answer. */

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_ACTION_REBALANCE "io.github.irqbald1.rebalance"   /* Rebalance, Reload */
#define POLKIT_ACTION_CONFIGURE "io.github.irqbald1.configure"   /* policy, interval, bans */

struct polkit_registry;

/* 0 when the sender of REQUEST may do ACTION, 1 when the answer is pending (return 1
 * from the method handler), or a negative errno with ERROR set ("Only root may WHAT …"
 * or polkit's refusal). *REGISTRY is created on first use. */
int polkit_check(sd_bus_message *request, const char *action, const char *what,
                 struct polkit_registry **registry, sd_bus_error *error);
/* The sender's effective uid into *RET; on failure ERROR says who could not be told and
 * that WHAT is refused. */
int polkit_sender_euid(sd_bus_message *request, const char *what, uid_t *ret,
                       sd_bus_error *error);
/* 0 for root, else "Only root may WHAT …" in ERROR: for what cannot wait for polkit
 * (property writes, which sd-bus answers as the setter returns). */
int polkit_root_only(sd_bus_message *request, const char *what, sd_bus_error *error);
/* Forgets pending questions (their messages are never answered: the bus goes away). */
struct polkit_registry *polkit_registry_free(struct polkit_registry *registry);
