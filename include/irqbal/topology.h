/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <hwloc.h>
#include <stdbool.h>

#include "irqbal/json.h"
#include "irqbal/root.h"

/* The machine as irqbald balances it: machine ▸ NUMA nodes ▸ packages ▸ cache domains
 * (L3, L2) ▸ cores ▸ PUs, built with hwloc. CPU numbers are always the kernel's (hwloc
 * os_index); they are not contiguous per package on many machines. */

/* Why a CPU is not usable for movable IRQs; a CPU can have several. JSON and text name
 * them offline, isolated, nohz_full, cgroup_isolated, admin. */
enum cpu_ban {
        CPU_BAN_OFFLINE         = 1u << 0,
        CPU_BAN_ISOLATED        = 1u << 1,  /* /sys/devices/system/cpu/isolated (isolcpus=) */
        CPU_BAN_NOHZ_FULL       = 1u << 2,  /* /sys/devices/system/cpu/nohz_full */
        CPU_BAN_CGROUP_ISOLATED = 1u << 3,  /* /sys/fs/cgroup/cpuset.cpus.isolated */
        CPU_BAN_ADMIN           = 1u << 4,  /* --ban-cpus / BannedCPUs= */
};

struct topo_node {
        int os_index;           /* node id; ids can be sparse (0, 1, 2, 33 …) */
        hwloc_bitmap_t cpus;    /* all its PUs, online or not; may be empty. Each CPU is in
                                 * at most one node (its most local one): a memory-only
                                 * node (CXL, NVM) beside a DRAM node owns none */
};

struct topo_package {
        int os_index;           /* physical package id; -1 if unknown */
        hwloc_bitmap_t cpus;
        char *model;            /* hwloc's CPUModel, blanks and all as the CPU names
                                 * itself; NULL if unknown */
};

struct topo_cache {
        unsigned level;         /* 2 or 3 */
        unsigned long long size;/* bytes, 0 if unknown */
        hwloc_bitmap_t cpus;
};

struct topo_core {
        int os_index;           /* core id within its package as the kernel numbers it */
        int package;            /* index into topology.packages, -1 if none */
        int node;               /* index into topology.nodes, -1 if none */
        int l3, l2;             /* indexes into topology.caches, -1 if none */
        hwloc_bitmap_t pus;     /* its hardware threads (SMT siblings) */
};

struct topo_cpu {
        unsigned os_index;      /* kernel CPU number */
        int core, package, node;/* indexes into the arrays above, -1 if none */
        unsigned bans;          /* enum cpu_ban bits; 0 = usable */
};

/* A PCI function hwloc found, with its node as topology_pci_node() answers it. */
struct topo_pci_device {
        unsigned domain;
        unsigned char bus, dev, func;
        int node;               /* kernel id of the node owning every CPU near it (those of
                                 * the first non-I/O object above it) that hwloc saw online;
                                 * -1 if none does */
};

struct topology {
        /* Only topology_load()'s handle: NULL once it returns. At 1024 CPUs hwloc's objects
         * take over 1 MB the daemon never reads again, so what it reads later is copied
         * out of them at load (online_at_load, pci_devices, text_tree). */
        hwloc_topology_t hw;
        char *source;           /* "host", "sysfs capture DIR", "xml FILE", "synthetic …" */
        struct topo_node *nodes;        size_t n_nodes;
        struct topo_package *packages;  size_t n_packages;
        struct topo_cache *caches;      size_t n_caches;        /* the L3s, then the L2s */
        struct topo_core *cores;        size_t n_cores;
        struct topo_cpu *cpus;          size_t n_cpus;  /* sorted by os_index */
        hwloc_bitmap_t all;     /* every PU the machine has, online or not */
        hwloc_bitmap_t online_at_load; /* the PUs hwloc saw online (all of an XML or synthetic
                                        * machine): a full refresh starts from them */
        hwloc_bitmap_t online;
        hwloc_bitmap_t usable;  /* online minus every ban but the allowed ones */
        unsigned allowed_bans;  /* enum cpu_ban bits that do not make a CPU unusable */
        unsigned ban_files_present; /* which ban files existed at the last full read */
        /* Sorted by domain, bus, dev, func; one entry per address. */
        struct topo_pci_device *pci_devices;    size_t n_pci_devices;
        char *text_tree;        /* topology_to_text()'s tree of nodes, packages, caches and
                                 * cores, fixed at load */
};

struct topology_options {
        /* NULL: discover (the live machine when the root is "/", else the sysfs
         * capture under the root); "synthetic:DESC"; or the path of an hwloc XML file. */
        const char *spec;
        /* Admin-banned CPUs (may be NULL). */
        hwloc_const_bitmap_t banned;
        /* BanIsolated=no: isolated, nohz_full and cgroup-isolated CPUs are still
         * reported with their bans but count as usable. */
        bool allow_isolated;
};

/* Loads the topology and the CPU bans, reading isolated, nohz_full,
 * cpuset.cpus.isolated and online under ROOT (missing files mean "none"; a missing
 * online file means every PU hwloc found is online). */
int topology_load(const struct irqbal_root *root, const struct topology_options *opts,
                  struct topology **ret);
void topology_free(struct topology *t);

/* ALL: re-reads the online CPUs and every ban file, and applies BANNED (the admin's):
 * after a CPU went offline or came back, a reload or a ban. Otherwise re-reads only
 * the ban files that can change while the kernel runs and exist here (cgroup v2's
 * cpuset.cpus.isolated), and no file at all where there is none: what a steady cycle
 * needs, as the online CPUs show in /proc/stat's cpuN lines (DESIGN.md §4.7).
 * Returns 1 when the usable set changed, 0 when not, or -errno. */
int topology_refresh(struct topology *t, const struct irqbal_root *root, hwloc_const_bitmap_t banned,
                     bool all);
/* Whether a ban file that can change at run time exists here (see topology_refresh). */
bool topology_changes_at_run_time(const struct topology *t);

/* The topo_cpu of kernel CPU OS_INDEX, or NULL. */
const struct topo_cpu *topology_cpu(const struct topology *t, unsigned os_index);
/* The topo_node of kernel node id OS_INDEX, or NULL (none, or OS_INDEX < 0: "no node");
 * a machine has few nodes, so a scan. */
const struct topo_node *topology_node(const struct topology *t, int os_index);
/* "isolated, nohz_full" for a CPU's bans (static string per combination is not
 * needed: writes into BUF). */
const char *cpu_bans_to_string(unsigned bans, char *buf, size_t size);

/* The NUMA node of a PCI device ("0000:03:00.0", or "03:00.0" in domain 0) from
 * hwloc's I/O objects at load: the kernel id of the node owning every CPU near it (-1
 * if they span several nodes). -ENOENT when hwloc did not know the device (always, for
 * synthetic topologies) or PCI_ADDRESS is no address. */
int topology_pci_node(const struct topology *t, const char *pci_address, int *ret_node);

/* The "topology" member of irqbald's JSON: source, nodes [{id, cpus}], packages
 * [{id, cpus, model}], caches [{level, size, cpus}], cores [{package, node, id, pus}],
 * online_cpus, usable_cpus, banned_cpus [{cpu, reasons:[…]}]. Ids are the kernel's (null
 * when unknown or none; a core's package and node too); CPU sets are cpulists. */
void topology_to_json(const struct topology *t, struct json_writer *w);
/* The same for a person: an indented tree and the banned CPUs with reasons. */
void topology_to_text(const struct topology *t, GString *out);
/* For topology_load(), while T->hw exists: the tree part of topology_to_text(), which
 * depends on nothing that changes after load. */
int topology_render_text_tree(const struct topology *t, char **ret);
