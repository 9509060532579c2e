/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "irqbal/topology.h"

#define SYNTHETIC_PREFIX "synthetic:"

/* The kernel's lists of CPUs that must not run movable IRQs (DESIGN.md §4.6).
 * isolated and nohz_full come from the kernel command line and cannot change while
 * it runs; cgroup v2's isolated partitions can, at any time. */
static const struct {
        const char *path;
        unsigned ban;
        bool changes_at_run_time;
} ban_files[] = {
        { "/sys/devices/system/cpu/isolated",   CPU_BAN_ISOLATED,        false },
        { "/sys/devices/system/cpu/nohz_full",  CPU_BAN_NOHZ_FULL,       false },
        { "/sys/fs/cgroup/cpuset.cpus.isolated", CPU_BAN_CGROUP_ISOLATED, true },
};

static int index_or_none(unsigned os_index)
{
        return os_index == HWLOC_UNKNOWN_INDEX ? -1 : (int) os_index;
}

/* hwloc 2 has no API for the Linux component's file-system root: it reads HWLOC_FSROOT
 * (and HWLOC_COMPONENTS) from the environment in hwloc_topology_load(). irqbald runs one
 * thread, so borrowing the environment for the length of one load is safe. */
struct env_override {
        const char *name;
        char *saved;    /* the previous value; NULL when it was unset */
};

static int env_override(struct env_override *e, const char *name, const char *value)
{
        const char *old = getenv(name);

        e->name = name;
        e->saved = NULL;
        if (old) {
                e->saved = strdup(old);
                if (!e->saved)
                        return -ENOMEM;
        }
        if (setenv(name, value, 1) < 0) {
                free(e->saved);
                return negative_errno();
        }
        return 0;
}

static void env_restore(struct env_override *e)
{
        if (e->saved)
                (void) setenv(e->name, e->saved, 1);
        else
                (void) unsetenv(e->name);
        free(e->saved);
        e->saved = NULL;
}

static int configure_hwloc(hwloc_topology_t hw)
{
        /* The daemon's own cgroup (systemd AllowedCPUs=) must not shrink the machine it
         * balances: IRQs may go to CPUs the daemon itself may not run on. */
        if (hwloc_topology_set_flags(hw, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0)
                return negative_errno();
        /* Bridges tie a device to the CPU-side object it hangs off; KEEP_IMPORTANT keeps
         * those that lead to a kept device. */
        if (hwloc_topology_set_io_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) < 0)
                return negative_errno();
        /* Every PCI function may raise IRQs (USB, audio, SMBus, virtio's class ffff),
         * not only the classes hwloc calls important (storage, network, GPU). */
        if (hwloc_topology_set_type_filter(hw, HWLOC_OBJ_PCI_DEVICE, HWLOC_TYPE_FILTER_KEEP_ALL) < 0)
                return negative_errno();
        /* Nothing here reads OS devices (eth0, nvme0n1), and asking for them makes
         * hwloc's GPU plugins initialise OpenCL and open X displays in a root daemon. */
        if (hwloc_topology_set_type_filter(hw, HWLOC_OBJ_OS_DEVICE, HWLOC_TYPE_FILTER_KEEP_NONE) < 0)
                return negative_errno();
        /* The Linux component finds PCI devices and their locality in sysfs, as it does
         * for a capture; libpciaccess's component adds nothing read here and leaks memory
         * on every load. An hwloc built without it refuses the name, which is fine. */
        (void) hwloc_topology_set_components(hw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
        if (hwloc_topology_set_type_filter(hw, HWLOC_OBJ_L3CACHE, HWLOC_TYPE_FILTER_KEEP_ALL) < 0 ||
            hwloc_topology_set_type_filter(hw, HWLOC_OBJ_L2CACHE, HWLOC_TYPE_FILTER_KEEP_ALL) < 0)
                return negative_errno();
        return 0;
}

static int load_capture(hwloc_topology_t hw, const struct irqbal_root *root)
{
        struct env_override fsroot, components;
        struct stat st;
        int r;

        r = root_stat(root, "/sys/devices/system/cpu", &st);
        if (r < 0)
                return log_error_errno(r, "%s holds no sysfs capture (%s/sys/devices/system/cpu: %m); "
                                       "pass --topology to describe the machine",
                                       root->path, root->path);

        r = env_override(&fsroot, "HWLOC_FSROOT", root->path);
        if (r < 0)
                return r;
        /* Only the Linux component reads the fsroot: the others (x86 CPUID, libpciaccess)
         * would describe the machine we run on, not the capture. hwloc marks the
         * topology as not this system by itself when the fsroot is not "/". */
        r = env_override(&components, "HWLOC_COMPONENTS", "linux,stop");
        if (r < 0) {
                env_restore(&fsroot);
                return r;
        }
        r = hwloc_topology_load(hw) < 0 ? negative_errno() : 0;
        env_restore(&components);
        env_restore(&fsroot);
        if (r < 0)
                return log_error_errno(r, "Failed to load the sysfs capture in %s: %m", root->path);
        return 0;
}

static int load_synthetic(hwloc_topology_t hw, const char *desc)
{
        _cleanup_free_ char *unquoted = NULL;
        size_t len = strlen(desc);

        /* The description has blanks, so command lines and unit files quote it. */
        if (len >= 2 && (desc[0] == '"' || desc[0] == '\'') && desc[len - 1] == desc[0])
                unquoted = strndup(desc + 1, len - 2);
        else
                unquoted = strdup(desc);
        if (!unquoted)
                return -ENOMEM;

        if (hwloc_topology_set_synthetic(hw, unquoted) < 0)
                return log_error_errno(negative_errno(),
                                       "Invalid synthetic topology \"%s\" (expected e.g. "
                                       "\"pack:2 numa:2 core:8 pu:2\"): %m", unquoted);
        if (hwloc_topology_load(hw) < 0)
                return log_error_errno(negative_errno(),
                                       "Failed to build synthetic topology \"%s\": %m", unquoted);
        return 0;
}

static int load_xml(hwloc_topology_t hw, const char *path)
{
        /* hwloc only says "invalid argument" for a file it cannot open. */
        if (access(path, R_OK) < 0)
                return log_error_errno(negative_errno(), "Cannot read topology XML file %s: %m", path);
        /* hwloc 2 also refuses the XML of hwloc 3 (format version 3.0) this way. */
        if (hwloc_topology_set_xml(hw, path) < 0 || hwloc_topology_load(hw) < 0)
                return log_error_errno(negative_errno(),
                                       "%s is not an XML topology hwloc %u.%u can read "
                                       "(lstopo --of xml of the same hwloc makes one): %m",
                                       path, hwloc_get_api_version() >> 16,
                                       (hwloc_get_api_version() >> 8) & 0xff);
        return 0;
}

static int load_host(hwloc_topology_t hw)
{
        if (hwloc_topology_load(hw) < 0)
                return log_error_errno(negative_errno(), "hwloc failed to discover this machine: %m");
        return 0;
}

/* hwloc loads every plugin it finds at its first init. Three of Debian's drag in
 * libraries a daemon that balances IRQs never needs and that make up most of its
 * memory (libstdc++, ICU and libxml2, X11, OpenCL: ~5 of 7 MiB of RSS): GL and OpenCL
 * devices, and libxml2 for XML, which hwloc's own XML parser reads as well. PCI stays.
 * An operator's own HWLOC_PLUGINS_BLACKLIST wins. */
static void skip_unneeded_hwloc_plugins(void)
{
        (void) setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_gl,hwloc_opencl,hwloc_xml_libxml", 0);
}

static int load_hwloc(struct topology *t, const struct irqbal_root *root, const char *spec)
{
        int r, n;

        skip_unneeded_hwloc_plugins();
        if (hwloc_topology_init(&t->hw) < 0) {
                t->hw = NULL;
                return -ENOMEM;
        }
        r = configure_hwloc(t->hw);
        if (r < 0)
                return log_error_errno(r, "Failed to configure hwloc: %m");

        if (!spec && root_is_host(root)) {
                n = asprintf(&t->source, "host");
                r = load_host(t->hw);
        } else if (!spec) {
                n = asprintf(&t->source, "sysfs capture %s", root->path);
                r = load_capture(t->hw, root);
        } else if (strncmp(spec, SYNTHETIC_PREFIX, strlen(SYNTHETIC_PREFIX)) == 0) {
                n = asprintf(&t->source, "synthetic %s", spec + strlen(SYNTHETIC_PREFIX));
                r = load_synthetic(t->hw, spec + strlen(SYNTHETIC_PREFIX));
        } else {
                /* A command-line argument: read as given, not under the root. */
                n = asprintf(&t->source, "xml %s", spec);
                r = load_xml(t->hw, spec);
        }
        if (n < 0)
                t->source = NULL;
        if (r < 0)
                return r;
        return n < 0 ? -ENOMEM : 0;
}

/* hwloc answers -1 for a type found at several depths, which only Groups can be. */
static size_t count_of(const struct topology *t, hwloc_obj_type_t type)
{
        int n = hwloc_get_nbobjs_by_type(t->hw, type);

        return n > 0 ? (size_t) n : 0;
}

static hwloc_obj_t nth(const struct topology *t, hwloc_obj_type_t type, unsigned i)
{
        return hwloc_get_obj_by_type(t->hw, type, i);
}

/* The NUMA node (an index into t->nodes) closest to the CPUs in SET: of the nodes whose
 * CPUs cover SET, the one with the fewest CPUs. hwloc gives memory-only nodes (HBM, NVM,
 * CXL) a subtype and the CPUs of the object they hang off; they lose ties against the
 * ordinary node beside them. -1 when SET spans several nodes. */
static int closest_node(const struct topology *t, hwloc_const_bitmap_t set)
{
        int best = -1, best_weight = 0;
        bool best_plain = false;

        if (hwloc_bitmap_iszero(set))
                return -1;
        for (size_t i = 0; i < t->n_nodes; i++) {
                hwloc_obj_t node = nth(t, HWLOC_OBJ_NUMANODE, (unsigned) i);
                int weight;
                bool plain;

                if (!hwloc_bitmap_isincluded(set, node->complete_cpuset))
                        continue;
                weight = hwloc_bitmap_weight(node->complete_cpuset);
                plain = !node->subtype;
                if (best < 0 || weight < best_weight || (weight == best_weight && plain && !best_plain)) {
                        best = (int) i;
                        best_weight = weight;
                        best_plain = plain;
                }
        }
        return best;
}

static int ancestor_index(const struct topology *t, hwloc_obj_type_t type, hwloc_obj_t obj)
{
        hwloc_obj_t a = obj ? hwloc_get_ancestor_obj_by_type(t->hw, type, obj) : NULL;

        return a ? (int) a->logical_index : -1;
}

static int build_nodes_and_packages(struct topology *t)
{
        t->n_nodes = count_of(t, HWLOC_OBJ_NUMANODE);
        t->nodes = calloc(t->n_nodes, sizeof(*t->nodes));
        if (!t->nodes && t->n_nodes > 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_nodes; i++) {
                t->nodes[i].os_index = index_or_none(nth(t, HWLOC_OBJ_NUMANODE, (unsigned) i)->os_index);
                /* Filled from the CPUs' nodes, so that every CPU is in one node. */
                t->nodes[i].cpus = hwloc_bitmap_alloc();
                if (!t->nodes[i].cpus)
                        return -ENOMEM;
        }

        t->n_packages = count_of(t, HWLOC_OBJ_PACKAGE);
        t->packages = calloc(t->n_packages, sizeof(*t->packages));
        if (!t->packages && t->n_packages > 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_packages; i++) {
                hwloc_obj_t pkg = nth(t, HWLOC_OBJ_PACKAGE, (unsigned) i);
                const char *model = hwloc_obj_get_info_by_name(pkg, "CPUModel");

                t->packages[i].os_index = index_or_none(pkg->os_index);
                t->packages[i].cpus = hwloc_bitmap_dup(pkg->complete_cpuset);
                if (!t->packages[i].cpus)
                        return -ENOMEM;
                if (model && !(t->packages[i].model = strdup(model)))
                        return -ENOMEM;
        }
        return 0;
}

/* L3 caches first, then L2, each in hwloc's logical order. */
static size_t n_l3(const struct topology *t)
{
        return count_of(t, HWLOC_OBJ_L3CACHE);
}

static int build_caches(struct topology *t)
{
        static const hwloc_obj_type_t types[] = { HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE };

        t->n_caches = n_l3(t) + count_of(t, HWLOC_OBJ_L2CACHE);
        t->caches = calloc(t->n_caches, sizeof(*t->caches));
        if (!t->caches && t->n_caches > 0)
                return -ENOMEM;
        for (size_t k = 0, n = 0; k < ELEMENTSOF(types); k++) {
                hwloc_obj_t c = NULL;

                while ((c = hwloc_get_next_obj_by_type(t->hw, types[k], c))) {
                        t->caches[n].level = c->attr->cache.depth;
                        t->caches[n].size = c->attr->cache.size;
                        t->caches[n].cpus = hwloc_bitmap_dup(c->complete_cpuset);
                        if (!t->caches[n++].cpus)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int cache_index(const struct topology *t, hwloc_obj_type_t type, hwloc_obj_t obj)
{
        int i = ancestor_index(t, type, obj);

        if (i < 0 || type == HWLOC_OBJ_L3CACHE)
                return i;
        return (int) n_l3(t) + i;
}

static int build_cores(struct topology *t)
{
        t->n_cores = count_of(t, HWLOC_OBJ_CORE);
        t->cores = calloc(t->n_cores, sizeof(*t->cores));
        if (!t->cores && t->n_cores > 0)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_cores; i++) {
                hwloc_obj_t core = nth(t, HWLOC_OBJ_CORE, (unsigned) i);
                struct topo_core *c = &t->cores[i];

                c->os_index = index_or_none(core->os_index);
                c->package = ancestor_index(t, HWLOC_OBJ_PACKAGE, core);
                c->node = closest_node(t, core->complete_cpuset);
                c->l3 = cache_index(t, HWLOC_OBJ_L3CACHE, core);
                c->l2 = cache_index(t, HWLOC_OBJ_L2CACHE, core);
                c->pus = hwloc_bitmap_dup(core->complete_cpuset);
                if (!c->pus)
                        return -ENOMEM;
        }
        return 0;
}

/* Every CPU of the machine, online or not. hwloc has no object for a CPU that was
 * offline when it looked at sysfs: such a CPU has no core or package, and a node only
 * if a node's CPU list names it. */
static int build_cpus(struct topology *t)
{
        hwloc_bitmap_t one = hwloc_bitmap_alloc();
        unsigned cpu;
        size_t n = 0;

        if (!one)
                return -ENOMEM;
        t->n_cpus = (size_t) hwloc_bitmap_weight(t->all);
        t->cpus = calloc(t->n_cpus, sizeof(*t->cpus));
        if (!t->cpus && t->n_cpus > 0) {
                hwloc_bitmap_free(one);
                return -ENOMEM;
        }
        hwloc_bitmap_foreach_begin(cpu, t->all) {
                hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t->hw, cpu);
                struct topo_cpu *c = &t->cpus[n++];

                hwloc_bitmap_only(one, cpu);
                c->os_index = cpu;
                c->core = ancestor_index(t, HWLOC_OBJ_CORE, pu);
                c->package = ancestor_index(t, HWLOC_OBJ_PACKAGE, pu);
                c->node = closest_node(t, one);
                if (c->node >= 0)
                        hwloc_bitmap_set(t->nodes[c->node].cpus, cpu);
        } hwloc_bitmap_foreach_end();
        hwloc_bitmap_free(one);
        return 0;
}

static int compare_pci_devices(const struct topo_pci_device *a, const struct topo_pci_device *b)
{
        if (a->domain != b->domain)
                return a->domain < b->domain ? -1 : 1;
        if (a->bus != b->bus)
                return a->bus < b->bus ? -1 : 1;
        if (a->dev != b->dev)
                return a->dev < b->dev ? -1 : 1;
        if (a->func != b->func)
                return a->func < b->func ? -1 : 1;
        return 0;
}

/* The index of KEY's address in t->pci_devices, or where it would be inserted. */
static size_t pci_device_index(const struct topology *t, const struct topo_pci_device *key)
{
        size_t lo = 0, hi = t->n_pci_devices;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (compare_pci_devices(&t->pci_devices[mid], key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* The kernel id of the node owning every CPU of SET, -1 if none does. Nodes own
 * disjoint CPUs, so at most one owns them all. Owned CPUs, not hwloc's node cpusets: a
 * memory-only node (CXL, NVM) covering them is no answer. */
static int node_owning(const struct topology *t, hwloc_const_bitmap_t set)
{
        for (size_t i = 0; i < t->n_nodes; i++)
                if (hwloc_bitmap_isincluded(set, t->nodes[i].cpus))
                        return t->nodes[i].os_index;
        return -1;
}

/* Each PCI device's locality, computed once: answering from hwloc's I/O objects would
 * keep the whole hwloc topology for the daemon's life. */
static int build_pci_devices(struct topology *t)
{
        size_t max = count_of(t, HWLOC_OBJ_PCI_DEVICE);
        hwloc_obj_t obj = NULL;

        t->pci_devices = calloc(max, sizeof(*t->pci_devices));
        if (!t->pci_devices && max > 0)
                return -ENOMEM;
        while ((obj = hwloc_get_next_pcidev(t->hw, obj))) {
                struct topo_pci_device dev = {
                        .domain = obj->attr->pcidev.domain,
                        .bus = obj->attr->pcidev.bus,
                        .dev = obj->attr->pcidev.dev,
                        .func = obj->attr->pcidev.func,
                };
                hwloc_obj_t near = hwloc_get_non_io_ancestor_obj(t->hw, obj);
                size_t i = pci_device_index(t, &dev);

                /* hwloc answers for an address with the first device it walks there (an
                 * XML file can repeat one): inserting in order rather than sorting
                 * afterwards keeps that one. */
                if (i < t->n_pci_devices && compare_pci_devices(&t->pci_devices[i], &dev) == 0)
                        continue;
                /* hwloc's cpuset, not the complete one: it holds no CPU hwloc never saw
                 * online, and those are in no node. */
                dev.node = node_owning(t, near->cpuset);
                memmove(&t->pci_devices[i + 1], &t->pci_devices[i],
                        (t->n_pci_devices - i) * sizeof(*t->pci_devices));
                t->pci_devices[i] = dev;
                t->n_pci_devices++;
        }
        return 0;
}

static struct topo_cpu *find_cpu(const struct topology *t, unsigned os_index)
{
        size_t lo = 0, hi = t->n_cpus;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (t->cpus[mid].os_index == os_index)
                        return &t->cpus[mid];
                if (t->cpus[mid].os_index < os_index)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

bool topology_changes_at_run_time(const struct topology *t)
{
        for (size_t i = 0; i < ELEMENTSOF(ban_files); i++)
                if (ban_files[i].changes_at_run_time && (t->ban_files_present & (1u << i)))
                        return true;
        return false;
}

const struct topo_cpu *topology_cpu(const struct topology *t, unsigned os_index)
{
        return find_cpu(t, os_index);
}

const struct topo_node *topology_node(const struct topology *t, int os_index)
{
        /* -1 is "no node" to callers, whatever id hwloc failed to give a node. */
        if (os_index < 0)
                return NULL;
        for (size_t i = 0; i < t->n_nodes; i++)
                if (t->nodes[i].os_index == os_index)
                        return &t->nodes[i];
        return NULL;
}

static void ban_cpus(struct topology *t, hwloc_const_bitmap_t set, unsigned ban)
{
        unsigned cpu;

        hwloc_bitmap_foreach_begin(cpu, set) {
                struct topo_cpu *c = find_cpu(t, cpu);

                /* Lists may name CPUs this machine does not have (nohz_full= on a
                 * kernel command line shared by several machines). */
                if (c)
                        c->bans |= ban;
        } hwloc_bitmap_foreach_end();
}

/* A missing file means none (returns 0, else 1); anything else wrong with it is said
 * and ignored: the daemon keeps balancing with the bans it could read. */
static int read_ban_list(const struct irqbal_root *root, const char *abspath, hwloc_bitmap_t set)
{
        _cleanup_free_ char *s = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        hwloc_bitmap_zero(set);
        r = root_read_file(root, abspath, &s);
        if (r == -ENOENT)
                return 0;
        /* Kernels built with nohz_full support but booted without it print "(null)". */
        if (r >= 0 && strncmp(s, "(null)", 6) == 0)
                return 0;
        if (r >= 0)
                r = cpulist_parse(s, set);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                path = root_path(root, abspath);
                log_warning_errno(r, "Ignoring %s, not a readable CPU list: %m", path ? path : abspath);
        }
        return 1;
}

static void clear_bans(struct topology *t, unsigned bans)
{
        for (size_t i = 0; i < t->n_cpus; i++)
                t->cpus[i].bans &= ~bans;
}

/* Reads the ban files ALL or only those that can change at run time and were there at
 * the last full read, and recomputes the usable CPUs. */
static int apply_bans(struct topology *t, const struct irqbal_root *root, hwloc_const_bitmap_t admin,
                      bool all)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int r = 0;

        if (!set)
                return -ENOMEM;
        if (all) {
                clear_bans(t, ~0u);
                hwloc_bitmap_andnot(set, t->all, t->online);
                ban_cpus(t, set, CPU_BAN_OFFLINE);
                if (admin)
                        ban_cpus(t, admin, CPU_BAN_ADMIN);
                t->ban_files_present = 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(ban_files); i++) {
                unsigned bit = 1u << i;

                if (!all && !(ban_files[i].changes_at_run_time && (t->ban_files_present & bit)))
                        continue;
                clear_bans(t, ban_files[i].ban);
                r = read_ban_list(root, ban_files[i].path, set);
                if (r < 0)
                        goto out;
                if (r > 0)
                        t->ban_files_present |= bit;
                ban_cpus(t, set, ban_files[i].ban);
        }
        r = 0;

        hwloc_bitmap_zero(t->usable);
        for (size_t i = 0; i < t->n_cpus; i++)
                if ((t->cpus[i].bans & ~t->allowed_bans) == 0)
                        hwloc_bitmap_set(t->usable, t->cpus[i].os_index);
out:
        hwloc_bitmap_free(set);
        return r;
}

/* hwloc's PUs are the CPUs online when it looked (or all of an XML or synthetic
 * machine); a root with an online file (a simulator's) says which are online now. */
static int read_online(struct topology *t, const struct irqbal_root *root)
{
        static const char online_file[] = "/sys/devices/system/cpu/online";
        hwloc_bitmap_t set;
        _cleanup_free_ char *path = NULL;
        int r;

        if (hwloc_bitmap_copy(t->online, t->online_at_load) < 0)
                return -ENOMEM;
        set = hwloc_bitmap_alloc();
        if (!set)
                return -ENOMEM;
        r = root_read_cpulist(root, online_file, set);
        if (r >= 0)
                hwloc_bitmap_and(t->online, t->online, set);
        else if (r != -ENOENT) {
                path = root_path(root, online_file);
                log_warning_errno(r, "Ignoring %s, not a readable CPU list: %m", path ? path : online_file);
        }
        hwloc_bitmap_free(set);
        return r == -ENOMEM ? r : 0;
}

int topology_refresh(struct topology *t, const struct irqbal_root *root, hwloc_const_bitmap_t banned,
                     bool all)
{
        hwloc_bitmap_t before;
        int r = 0;

        if (!all && !topology_changes_at_run_time(t))
                return 0;
        before = hwloc_bitmap_dup(t->usable);
        if (!before)
                return -ENOMEM;
        if (all)
                r = read_online(t, root);
        if (r >= 0)
                r = apply_bans(t, root, banned, all);
        if (r >= 0)
                r = !hwloc_bitmap_isequal(before, t->usable);
        hwloc_bitmap_free(before);
        return r;
}

static void topology_freep(struct topology **t)
{
        topology_free(*t);
}

int topology_load(const struct irqbal_root *root, const struct topology_options *opts,
                  struct topology **ret)
{
        _cleanup_(topology_freep) struct topology *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        r = load_hwloc(t, root, opts->spec);
        if (r < 0)
                return r;

        t->all = hwloc_bitmap_dup(hwloc_topology_get_complete_cpuset(t->hw));
        t->online_at_load = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t->hw));
        t->online = hwloc_bitmap_alloc();
        t->usable = hwloc_bitmap_alloc();
        if (!t->all || !t->online_at_load || !t->online || !t->usable)
                return -ENOMEM;

        if (opts->allow_isolated)
                t->allowed_bans = CPU_BAN_ISOLATED | CPU_BAN_NOHZ_FULL | CPU_BAN_CGROUP_ISOLATED;
        r = build_nodes_and_packages(t);
        if (r >= 0)
                r = build_caches(t);
        if (r >= 0)
                r = build_cores(t);
        if (r >= 0)
                r = build_cpus(t);
        /* These two after build_cpus(), which gives the nodes their CPUs. */
        if (r >= 0)
                r = build_pci_devices(t);
        if (r >= 0)
                r = topology_render_text_tree(t, &t->text_tree);
        if (r < 0)
                return r;
        /* Everything read from now on was copied out above, and hwloc's objects would be
         * the largest part of the daemon's heap on a large machine. */
        hwloc_topology_destroy(t->hw);
        t->hw = NULL;

        r = read_online(t, root);
        if (r >= 0)
                r = apply_bans(t, root, opts->banned, true);
        if (r < 0)
                return r;

        log_debug("Topology from %s: %zu nodes, %zu packages, %zu cores, %zu CPUs",
                  t->source, t->n_nodes, t->n_packages, t->n_cores, t->n_cpus);
        *ret = TAKE_PTR(t);
        return 0;
}

void topology_free(struct topology *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n_nodes && t->nodes; i++)
                hwloc_bitmap_free(t->nodes[i].cpus);
        for (size_t i = 0; i < t->n_packages && t->packages; i++) {
                hwloc_bitmap_free(t->packages[i].cpus);
                free(t->packages[i].model);
        }
        for (size_t i = 0; i < t->n_caches && t->caches; i++)
                hwloc_bitmap_free(t->caches[i].cpus);
        for (size_t i = 0; i < t->n_cores && t->cores; i++)
                hwloc_bitmap_free(t->cores[i].pus);
        free(t->nodes);
        free(t->packages);
        free(t->caches);
        free(t->cores);
        free(t->cpus);
        free(t->pci_devices);
        free(t->text_tree);
        hwloc_bitmap_free(t->all);
        hwloc_bitmap_free(t->online_at_load);
        hwloc_bitmap_free(t->online);
        hwloc_bitmap_free(t->usable);
        if (t->hw)
                hwloc_topology_destroy(t->hw);
        free(t->source);
        free(t);
}

/* The two forms hwloc_get_pcidev_by_busidstring() reads, in the order it tries them,
 * so that every string names the device it named there: "bb:dd.f" in domain 0, and
 * "dddd:bb:dd.f". */
static int parse_pci_address(const char *s, struct topo_pci_device *ret)
{
        unsigned domain = 0, bus, dev, func;

        if (sscanf(s, "%x:%x.%x", &bus, &dev, &func) != 3 &&
            sscanf(s, "%x:%x:%x.%x", &domain, &bus, &dev, &func) != 4)
                return -EINVAL;
        /* hwloc keeps these in a byte: a larger number matches none of its devices, and
         * must not be cut down to one that does. */
        if (bus > UCHAR_MAX || dev > UCHAR_MAX || func > UCHAR_MAX)
                return -ERANGE;
        *ret = (struct topo_pci_device) {
                .domain = domain,
                .bus = (unsigned char) bus,
                .dev = (unsigned char) dev,
                .func = (unsigned char) func,
        };
        return 0;
}

int topology_pci_node(const struct topology *t, const char *pci_address, int *ret_node)
{
        struct topo_pci_device key;
        const struct topo_pci_device *dev;
        size_t i;

        /* What is no address names no device, as for hwloc. */
        if (parse_pci_address(pci_address, &key) < 0)
                return -ENOENT;
        i = pci_device_index(t, &key);
        if (i == t->n_pci_devices || compare_pci_devices(&t->pci_devices[i], &key) != 0)
                return -ENOENT;
        dev = &t->pci_devices[i];
        if (ret_node)
                *ret_node = dev->node;
        return 0;
}
