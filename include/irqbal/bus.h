/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The D-Bus face of the manager (DESIGN §3, §5): io.github.irqbald1 on the system bus,
 * the Manager interface at /io/github/irqbald1 and org.freedesktop.LogControl1. bus.c
 * marshals: it reads manager state and calls manager functions, it never decides.
 * data/io.github.irqbald1.xml documents every member. */

#define BUS_NAME "io.github.irqbald1"
#define BUS_PATH "/io/github/irqbald1"
#define BUS_INTERFACE "io.github.irqbald1.Manager"
#define BUS_LOG_CONTROL_PATH "/org/freedesktop/LogControl1"
#define BUS_LOG_CONTROL_INTERFACE "org.freedesktop.LogControl1"

/* The Manager's own errors, beside the org.freedesktop.DBus.Error ones. */
/* The policy files have errors: the message lists every finding, one per line. */
#define BUS_ERROR_INVALID_CONFIG "io.github.irqbald1.InvalidConfig"
/* A command-line option (--policy, --ban-cpus) wins over the files being changed. */
#define BUS_ERROR_OVERRIDDEN_BY_COMMAND_LINE "io.github.irqbald1.OverriddenByCommandLine"
/* UnbanIrq: irqbalctl's ban is gone, but another policy file still bans the IRQ. */
#define BUS_ERROR_STILL_BANNED "io.github.irqbald1.StillBanned"

struct manager;

/* Connects to the system bus, registers the objects, owns the name and attaches to
 * the manager's event loop (which must exist). -errno when there is no bus or the name
 * cannot be owned; the manager then runs without D-Bus. */
int bus_connect(struct manager *m);
/* Emits one PropertiesChanged with every Manager property whose value changed since
 * the last emission. Does nothing without a bus. */
void bus_emit_properties_changed(struct manager *m);
/* Releases the name and the connection. */
void bus_done(struct manager *m);
