/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "rootfs.h"

#define USER_HZ 100
#define PCI_HOST "pci0000:00"

/* What the root shows of an IRQ, to notice what the daemon changed. */
struct rootfs_irq {
        bool on_disk;
        char *list, *hex;               /* smp_affinity_list, smp_affinity as written */
        char *effective;                /* effective_affinity_list as written */
};

static const char *const softirq_names[N_SOFTIRQS] = {
        "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

char *cpumask_format_hex(hwloc_const_bitmap_t set, unsigned nbits)
{
        GString *s = g_string_new(NULL);
        unsigned groups = (nbits + 31) / 32;

        for (unsigned g = groups; g-- > 0;) {
                unsigned long word = hwloc_bitmap_to_ith_ulong(set, g / (sizeof(long) / 4));
                unsigned bits = g == groups - 1 && nbits % 32 ? nbits % 32 : 32;

                if (sizeof(long) == 8)
                        word = g % 2 ? word >> 32 : word & 0xffffffffUL;
                g_string_append_printf(s, "%s%0*lx", g == groups - 1 ? "" : ",", (int) (bits + 3) / 4, word);
        }
        return g_string_free(s, false);
}

static int rel_path(const struct rootfs *rf, const char *rel, char **ret)
{
        *ret = g_build_filename(rf->dir, rel, NULL);
        return 0;
}

/* Replaces DIR/REL in one rename, so that no reader sees half a file. */
static int write_atomic(struct rootfs *rf, const char *rel, const char *content, mode_t mode)
{
        g_autofree char *path = NULL;
        size_t len = strlen(content);
        int fd;

        rel_path(rf, rel, &path);
        fd = open(rf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create %s: %m", rf->tmp);
        if (write(fd, content, len) != (ssize_t) len || (mode != 0644 && fchmod(fd, mode) < 0)) {
                int r = negative_errno();

                close(fd);
                return log_error_errno(r, "Failed to write %s: %m", rf->tmp);
        }
        close(fd);
        if (rename(rf->tmp, path) < 0) {
                g_autofree char *dir = g_path_get_dirname(path);

                if (errno != ENOENT || g_mkdir_with_parents(dir, 0755) < 0 || rename(rf->tmp, path) < 0)
                        return log_error_errno(errno, "Failed to create %s: %m", path);
        }
        return 0;
}

static int write_fmt(struct rootfs *rf, const char *rel, const char *fmt, ...) _printf_(3, 4);
static int write_fmt(struct rootfs *rf, const char *rel, const char *fmt, ...)
{
        g_autofree char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        s = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        return write_atomic(rf, rel, s, 0644);
}

static int write_cpulist(struct rootfs *rf, const char *rel, hwloc_const_bitmap_t set)
{
        _cleanup_free_ char *s = cpulist_format(set);

        if (!s)
                return -ENOMEM;
        return write_fmt(rf, rel, "%s\n", s);
}

static int mkdirs(const struct rootfs *rf, const char *rel)
{
        g_autofree char *path = NULL;

        rel_path(rf, rel, &path);
        if (g_mkdir_with_parents(path, 0755) < 0)
                return log_error_errno(errno, "Failed to create %s: %m", path);
        return 0;
}

static int symlink_at(const struct rootfs *rf, const char *rel, const char *target)
{
        g_autofree char *path = NULL;

        rel_path(rf, rel, &path);
        if (symlink(target, path) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create the symlink %s: %m", path);
        return 0;
}

static int remove_one(const char *path, _unused_ const struct stat *st, _unused_ int flag,
                      _unused_ struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static int remove_tree(const char *path)
{
        if (access(path, F_OK) < 0)
                return 0;
        if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                return log_error_errno(errno, "Failed to remove %s: %m", path);
        return 0;
}

/* An old simulator root (it has .sim/) is cleared; anything else non-empty is not
 * ours to delete. The configuration trees go too: a file an earlier scenario (or the
 * daemon, under run/) left there would change the next experiment. */
static int prepare_dir(const char *dir)
{
        g_autoptr(GDir) d = NULL;
        g_autofree char *marker = g_build_filename(dir, ".sim", NULL);
        static const char *const ours[] = {
                "proc", "sys", ".sim", "etc/irqbald", "run/irqbald", "usr/lib/irqbald",
                "usr/local/lib/irqbald",
        };

        if (g_mkdir_with_parents(dir, 0755) < 0)
                return log_error_errno(errno, "Failed to create %s: %m", dir);
        d = g_dir_open(dir, 0, NULL);
        if (!d)
                return log_error_errno(EACCES, "Cannot read %s.", dir);
        if (g_dir_read_name(d) && access(marker, F_OK) < 0)
                return log_error_errno(ENOTEMPTY, "%s is not empty and not a simulator root: "
                                       "give a new directory.", dir);
        for (size_t i = 0; i < G_N_ELEMENTS(ours); i++) {
                g_autofree char *p = g_build_filename(dir, ours[i], NULL);
                int r = remove_tree(p);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int layout_device(struct rootfs *rf, const struct machine *m, const struct sim_device *d)
{
        const struct sc_device *sc = d->sc;
        static const unsigned class_codes[] = {
                [SIM_DEV_NET] = 0x020000,       /* Ethernet controller */
                [SIM_DEV_STORAGE] = 0x010802,   /* NVM Express */
                [SIM_DEV_GPU] = 0x030000,       /* VGA controller */
                [SIM_DEV_OTHER] = 0x088000,     /* other system peripheral */
        };
        g_autofree char *dev = g_strdup_printf("sys/devices/" PCI_HOST "/%s", sc->address);
        g_autofree char *rel = NULL, *target = NULL, *hex = NULL;
        int r;

        /* Laid out as on a real machine: the device under its host bridge, the bus
         * directory and the driver as symlinks. */
        rel = g_strdup_printf("%s/class", dev);
        if ((r = write_fmt(rf, rel, "0x%06x\n", class_codes[sc->class])) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/numa_node", dev);
        if ((r = write_fmt(rf, rel, "%d\n", sc->node)) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/local_cpulist", dev);
        if ((r = write_cpulist(rf, rel, d->local)) < 0)
                return r;
        g_free(rel);
        /* irqbalance skips a device without these (it matches its policies on them). */
        static const unsigned device_ids[] = {
                [SIM_DEV_NET] = 0x1592,         /* Intel E810 (ice) */
                [SIM_DEV_STORAGE] = 0x0a54,     /* Intel NVMe */
                [SIM_DEV_GPU] = 0x56a0,
                [SIM_DEV_OTHER] = 0x09c4,
        };
        static const char *const id_files[] = { "vendor", "device", "subsystem_vendor", "subsystem_device" };
        for (size_t k = 0; k < G_N_ELEMENTS(id_files); k++) {
                rel = g_strdup_printf("%s/%s", dev, id_files[k]);
                r = write_fmt(rf, rel, "0x%04x\n", k % 2 ? device_ids[sc->class] : 0x8086);
                g_free(rel);
                rel = NULL;
                if (r < 0)
                        return r;
        }
        rel = g_strdup_printf("%s/local_cpus", dev);
        hex = cpumask_format_hex(d->local, m->ncpus);
        if ((r = write_fmt(rf, rel, "%s\n", hex)) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/msi_irqs", dev);
        if ((r = mkdirs(rf, rel)) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("sys/bus/pci/drivers/%s", sc->driver);
        if ((r = mkdirs(rf, rel)) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/driver", dev);
        target = g_strdup_printf("../../../bus/pci/drivers/%s", sc->driver);
        if ((r = symlink_at(rf, rel, target)) < 0)
                return r;
        g_free(rel);
        g_free(target);
        if ((r = mkdirs(rf, "sys/bus/pci/devices")) < 0)
                return r;
        rel = g_strdup_printf("sys/bus/pci/devices/%s", sc->address);
        target = g_strdup_printf("../../../devices/" PCI_HOST "/%s", sc->address);
        if ((r = symlink_at(rf, rel, target)) < 0)
                return r;
        if (sc->class == SIM_DEV_NET) {
                g_free(rel);
                rel = g_strdup_printf("%s/net/%s/operstate", dev, sc->interface);
                if ((r = write_fmt(rf, rel, "up\n")) < 0)
                        return r;
        }
        return 0;
}

/* Writes REL_map (hex, as the kernel's cpumap) and REL_list (cpulist) for SET. */
static int write_mask_files(struct rootfs *rf, const struct machine *m, const char *dir,
                            const char *map, const char *list, hwloc_const_bitmap_t set)
{
        g_autofree char *hex = cpumask_format_hex(set, m->ncpus);
        g_autofree char *rel = g_strdup_printf("%s/%s", dir, map);
        int r = write_fmt(rf, rel, "%s\n", hex);

        if (r < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/%s", dir, list);
        return write_cpulist(rf, rel, set);
}

static int write_cache(struct rootfs *rf, const struct machine *m, const char *cpudir, unsigned index,
                       unsigned level, const char *type, hwloc_const_bitmap_t set)
{
        g_autofree char *dir = g_strdup_printf("%s/cache/index%u", cpudir, index);
        g_autofree char *rel = g_strdup_printf("%s/level", dir);
        int r = write_fmt(rf, rel, "%u\n", level);

        if (r < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("%s/type", dir);
        if ((r = write_fmt(rf, rel, "%s\n", type)) < 0)
                return r;
        return write_mask_files(rf, m, dir, "shared_cpu_map", "shared_cpu_list", set);
}

/* The CPU and node trees of sysfs, as peers without hwloc (irqbalance) read them:
 * cpuN/online, cpuN/topology/, cpuN/cache/indexK/, cpuN/nodeM and node/nodeM/{cpumap,cpulist}. L1d and
 * L1i are per core; L2 and L3 are hwloc's when the topology has them, else the core's
 * threads and the node's (or package's) CPUs. */
static int layout_cpus(struct rootfs *rf, const struct machine *m)
{
        const struct topology *t = m->topo;
        hwloc_bitmap_t nodes = hwloc_bitmap_alloc();
        int r = 0;

        for (size_t i = 0; i < t->n_cpus && r >= 0; i++) {
                const struct topo_cpu *cpu = &t->cpus[i];
                const struct topo_core *core = cpu->core >= 0 ? &t->cores[cpu->core] : NULL;
                hwloc_bitmap_t self = hwloc_bitmap_alloc();
                hwloc_const_bitmap_t threads = core ? core->pus : self;
                hwloc_const_bitmap_t pkg = cpu->package >= 0 ? t->packages[cpu->package].cpus : self;
                hwloc_const_bitmap_t node = cpu->node >= 0 ? t->nodes[cpu->node].cpus : pkg;
                hwloc_const_bitmap_t l2 = core && core->l2 >= 0 ? t->caches[core->l2].cpus : threads;
                hwloc_const_bitmap_t l3 = core && core->l3 >= 0 ? t->caches[core->l3].cpus : node;
                g_autofree char *dir = g_strdup_printf("sys/devices/system/cpu/cpu%u", cpu->os_index);
                g_autofree char *topo = g_strdup_printf("%s/topology", dir);
                g_autofree char *rel = g_strdup_printf("%s/online", dir);

                hwloc_bitmap_only(self, cpu->os_index);
                if ((r = write_fmt(rf, rel, "%d\n", hwloc_bitmap_isset(m->online, cpu->os_index))) < 0)
                        goto next;
                g_free(rel);
                rel = g_strdup_printf("%s/physical_package_id", topo);
                if ((r = write_fmt(rf, rel, "%d\n", cpu->package >= 0 ? t->packages[cpu->package].os_index : 0)) < 0)
                        goto next;
                g_free(rel);
                rel = g_strdup_printf("%s/die_id", topo);
                if ((r = write_fmt(rf, rel, "0\n")) < 0)
                        goto next;
                g_free(rel);
                rel = g_strdup_printf("%s/core_id", topo);
                if ((r = write_fmt(rf, rel, "%d\n", core ? core->os_index : (int) cpu->os_index)) < 0 ||
                    (r = write_mask_files(rf, m, topo, "thread_siblings", "thread_siblings_list", threads)) < 0 ||
                    (r = write_mask_files(rf, m, topo, "core_cpus", "core_cpus_list", threads)) < 0 ||
                    (r = write_mask_files(rf, m, topo, "core_siblings", "core_siblings_list", pkg)) < 0 ||
                    (r = write_mask_files(rf, m, topo, "package_cpus", "package_cpus_list", pkg)) < 0 ||
                    (r = write_mask_files(rf, m, topo, "die_cpus", "die_cpus_list", pkg)) < 0 ||
                    (r = write_cache(rf, m, dir, 0, 1, "Data", threads)) < 0 ||
                    (r = write_cache(rf, m, dir, 1, 1, "Instruction", threads)) < 0 ||
                    (r = write_cache(rf, m, dir, 2, 2, "Unified", l2)) < 0 ||
                    (r = write_cache(rf, m, dir, 3, 3, "Unified", l3)) < 0)
                        goto next;
                if (cpu->node >= 0) {
                        int id = t->nodes[cpu->node].os_index;

                        g_free(rel);
                        rel = g_strdup_printf("%s/node%d", dir, id);
                        g_autofree char *target = g_strdup_printf("../../node/node%d", id);
                        r = symlink_at(rf, rel, target);
                }
next:
                hwloc_bitmap_free(self);
        }
        for (size_t n = 0; n < t->n_nodes && r >= 0; n++) {
                g_autofree char *dir = g_strdup_printf("sys/devices/system/node/node%d", t->nodes[n].os_index);

                hwloc_bitmap_set(nodes, t->nodes[n].os_index);
                r = write_mask_files(rf, m, dir, "cpumap", "cpulist", t->nodes[n].cpus);
        }
        if (r >= 0 && t->n_nodes > 0 &&
            ((r = write_cpulist(rf, "sys/devices/system/node/online", nodes)) >= 0))
                r = write_cpulist(rf, "sys/devices/system/node/possible", nodes);
        hwloc_bitmap_free(nodes);
        return r;
}

/* cpuN/online of the CPUs whose state changed since the last call. */
static int write_cpu_online(struct rootfs *rf, const struct machine *m)
{
        int cpu, r;

        if (!rf->online_shown)
                return 0;
        hwloc_bitmap_foreach_begin(cpu, m->possible) {
                bool on = hwloc_bitmap_isset(m->online, cpu);

                if (on == (bool) hwloc_bitmap_isset(rf->online_shown, cpu))
                        continue;
                g_autofree char *rel = g_strdup_printf("sys/devices/system/cpu/cpu%d/online", cpu);
                if ((r = write_fmt(rf, rel, "%d\n", on)) < 0)
                        return r;
        } hwloc_bitmap_foreach_end();
        hwloc_bitmap_copy(rf->online_shown, m->online);
        return 0;
}

int rootfs_create(const char *dir, const struct machine *m, struct rootfs **ret)
{
        struct rootfs *rf;
        g_autofree char *hex = NULL;
        int r = prepare_dir(dir);

        if (r < 0)
                return r;
        rf = g_new0(struct rootfs, 1);
        rf->dir = g_canonicalize_filename(dir, NULL);
        rf->tmp = g_build_filename(rf->dir, ".sim", "tmp", NULL);
        rf->irqs = g_new0(struct rootfs_irq, m->n_irqs);
        rf->n_irqs = m->n_irqs;
        hex = cpumask_format_hex(m->possible, m->ncpus);
        if ((r = mkdirs(rf, ".sim/irq")) < 0 ||
            (r = write_cpulist(rf, "sys/devices/system/cpu/possible", m->possible)) < 0 ||
            (r = write_cpulist(rf, "sys/devices/system/cpu/present", m->possible)) < 0 ||
            (r = write_cpulist(rf, "sys/devices/system/cpu/isolated", m->isolated)) < 0 ||
            (r = write_cpulist(rf, "sys/devices/system/cpu/nohz_full", m->nohz_full)) < 0 ||
            (r = write_fmt(rf, "proc/irq/default_smp_affinity", "%s\n", hex)) < 0)
                goto fail;
        for (size_t i = 0; i < m->n_devices; i++)
                if ((r = layout_device(rf, m, &m->devices[i])) < 0)
                        goto fail;
        if ((r = layout_cpus(rf, m)) < 0)
                goto fail;
        rf->online_shown = hwloc_bitmap_dup(m->online);
        r = rootfs_write_state(rf, m);
        if (r < 0)
                goto fail;
        *ret = rf;
        return 0;
fail:
        rootfs_free(rf);
        return r;
}

void rootfs_free(struct rootfs *rf)
{
        if (!rf)
                return;
        for (size_t i = 0; i < rf->n_irqs; i++) {
                g_free(rf->irqs[i].list);
                g_free(rf->irqs[i].hex);
                g_free(rf->irqs[i].effective);
        }
        g_free(rf->irqs);
        if (rf->online_shown)
                hwloc_bitmap_free(rf->online_shown);
        g_free(rf->tmp);
        g_free(rf->dir);
        g_free(rf);
}

/* Creates the directories of REL below the root, each 0755 whatever the umask: a
 * daemon may rightly refuse configuration in a directory others can write. */
static int mkdirs_exact(const struct rootfs *rf, const char *rel)
{
        g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
        g_autoptr(GString) path = g_string_new(rf->dir);

        for (size_t i = 0; parts[i]; i++) {
                if (!*parts[i] || !strcmp(parts[i], "."))
                        continue;
                g_string_append_printf(path, "/%s", parts[i]);
                if (mkdir(path->str, 0755) < 0) {
                        if (errno != EEXIST)
                                return log_error_errno(errno, "Failed to create %s: %m", path->str);
                } else if (chmod(path->str, 0755) < 0) {
                        return log_error_errno(errno, "Failed to set the mode of %s: %m", path->str);
                }
        }
        return 0;
}

/* Through DIR/.sim/tmp and a rename, like the kernel's files: the daemon may reload
 * at any time in --realtime and must never read half a file. */
static int put_file(struct rootfs *rf, const struct sc_file *f)
{
        g_autofree char *path = NULL, *dir = g_path_get_dirname(f->path + 1);
        size_t len = strlen(f->content), done = 0;
        int fd, r;

        rel_path(rf, f->path + 1, &path);
        r = mkdirs_exact(rf, dir);
        if (r < 0)
                return r;
        fd = open(rf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create %s: %m", rf->tmp);
        while (done < len) {
                ssize_t n = write(fd, f->content + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n == 0)
                                errno = EIO;
                        break;
                }
                done += (size_t) n;
        }
        /* fchmod(), not open()'s mode, which the umask would cut. */
        if (done < len || fchmod(fd, f->mode) < 0) {
                r = negative_errno();
                close(fd);
                return log_error_errno(r, "Failed to write %s for [%s]: %m", rf->tmp, f->group);
        }
        close(fd);
        if (rename(rf->tmp, path) < 0)
                return log_error_errno(errno, "Failed to create %s for [%s]: %m", path, f->group);
        log_debug("[%s]: wrote %s (%zu bytes, mode %04o).", f->group, path, len, f->mode);
        return 0;
}

static int remove_file(struct rootfs *rf, const struct sc_file *f)
{
        g_autofree char *path = NULL;

        rel_path(rf, f->path + 1, &path);
        /* Gone already (the daemon may manage files under run/): what the scenario asks. */
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s for [%s]: %m", path, f->group);
        log_debug("[%s]: removed %s.", f->group, path);
        return 0;
}

int rootfs_write_files(struct rootfs *rf, const struct scenario *sc, int phase)
{
        for (size_t i = 0; i < sc->n_files; i++) {
                const struct sc_file *f = &sc->files[i];
                int r;

                if (f->phase != phase)
                        continue;
                r = f->remove ? remove_file(rf, f) : put_file(rf, f);
                if (r < 0)
                        return r;
        }
        return 0;
}

static unsigned irq_width(const struct machine *m)
{
        unsigned nr_irqs = m->n_irqs ? m->irqs[m->n_irqs - 1].number + 1 : 0;
        unsigned prec = 3;

        /* The kernel's: as many digits as nr_irqs has, at least 3. */
        for (unsigned j = 1000; prec < 10 && j <= nr_irqs; j *= 10)
                prec++;
        return prec;
}

static void append_arch_row(GString *s, const struct machine *m, unsigned prec, const char *label,
                            uint64_t per_cpu_factor, const char *what)
{
        unsigned cpu;

        g_string_append_printf(s, "%*s:", (int) prec, label);
        hwloc_bitmap_foreach_begin(cpu, m->online)
                g_string_append_printf(s, " %10u",
                                       (uint32_t) (m->softirqs[SOFTIRQ_TIMER * m->ncpus + cpu] * per_cpu_factor));
        hwloc_bitmap_foreach_end();
        g_string_append_printf(s, "  %s\n", what);
}

static int write_interrupts(struct rootfs *rf, const struct machine *m)
{
        g_autoptr(GString) s = g_string_new(NULL);
        unsigned prec = irq_width(m), cpu;

        g_string_append_printf(s, "%*s", (int) prec + 8, "");
        hwloc_bitmap_foreach_begin(cpu, m->online)
                g_string_append_printf(s, "CPU%-8u", cpu);
        hwloc_bitmap_foreach_end();
        g_string_append_c(s, '\n');
        for (size_t i = 0; i < m->n_irqs; i++) {
                const struct sim_irq *irq = &m->irqs[i];

                /* A managed IRQ whose CPUs are all offline is shut down: no handler
                 * runs, and the kernel leaves its line out. */
                if (!irq->present || irq->shutdown)
                        continue;
                g_string_append_printf(s, "%*u:", (int) prec, irq->number);
                hwloc_bitmap_foreach_begin(cpu, m->online)
                        g_string_append_printf(s, " %10u", irq->counts[cpu]);
                hwloc_bitmap_foreach_end();
                g_string_append_printf(s, " %8s %*lu-%-8s  %s\n", irq->chip, (int) prec, irq->hwirq,
                                       irq->handler, irq->name);
        }
        /* The local timer ticks at HZ: one LOC per TIMER softirq is close enough. */
        append_arch_row(s, m, prec, "NMI", 0, "Non-maskable interrupts");
        append_arch_row(s, m, prec, "LOC", 1, "Local timer interrupts");
        g_string_append_printf(s, "%*s: %10u\n", (int) prec, "ERR", 0u);
        g_string_append_printf(s, "%*s: %10u\n", (int) prec, "MIS", 0u);
        return write_atomic(rf, "proc/interrupts", s->str, 0444);
}

/* TIME: user, system, idle, irq seconds. */
static void append_cpu_line(GString *s, const char *label, const double *time)
{
        g_string_append_printf(s, "%s %llu 0 %llu %llu 0 %llu 0 0 0 0\n", label,
                               (unsigned long long) (time[0] * USER_HZ), (unsigned long long) (time[1] * USER_HZ),
                               (unsigned long long) (time[2] * USER_HZ), (unsigned long long) (time[3] * USER_HZ));
}

static int write_stat(struct rootfs *rf, const struct machine *m)
{
        g_autoptr(GString) s = g_string_new(NULL);
        double sum[4] = { 0 };
        uint64_t softirq_total = 0;
        unsigned cpu, nr_irqs = m->n_irqs ? m->irqs[m->n_irqs - 1].number + 1 : 1;
        size_t k = 0;

        for (cpu = 0; cpu < m->ncpus; cpu++)
                for (int j = 0; j < 4; j++)
                        sum[j] += m->cpu_time[4 * cpu + j];
        /* Without CONFIG_IRQ_TIME_ACCOUNTING (IrqTime=no) the irq field stays 0. */
        append_cpu_line(s, "cpu ", sum);
        hwloc_bitmap_foreach_begin(cpu, m->online)
                g_autofree char *label = g_strdup_printf("cpu%u", cpu);

                append_cpu_line(s, label, &m->cpu_time[4 * cpu]);
        hwloc_bitmap_foreach_end();
        g_string_append_printf(s, "intr %llu", (unsigned long long) m->intr_total);
        for (unsigned n = 0; n < nr_irqs; n++) {
                uint32_t total = 0;

                if (k < m->n_irqs && m->irqs[k].number == n) {
                        /* The kernel adds the per-CPU unsigned ints into one: it wraps too. */
                        if (m->irqs[k].present)
                                for (cpu = 0; cpu < m->ncpus; cpu++)
                                        total += m->irqs[k].counts[cpu];
                        k++;
                }
                g_string_append_printf(s, " %u", total);
        }
        g_string_append_printf(s, "\nctxt %llu\nbtime 1700000000\nprocesses %llu\n"
                               "procs_running 1\nprocs_blocked 0\n",
                               (unsigned long long) (m->uptime * 1000), (unsigned long long) (m->uptime * 10));
        for (size_t i = 0; i < (size_t) N_SOFTIRQS * m->ncpus; i++)
                softirq_total += m->softirqs[i];
        g_string_append_printf(s, "softirq %llu", (unsigned long long) softirq_total);
        for (int i = 0; i < N_SOFTIRQS; i++) {
                uint64_t t = 0;

                for (cpu = 0; cpu < m->ncpus; cpu++)
                        t += m->softirqs[(size_t) i * m->ncpus + cpu];
                g_string_append_printf(s, " %llu", (unsigned long long) t);
        }
        g_string_append_c(s, '\n');
        return write_atomic(rf, "proc/stat", s->str, 0444);
}

static int write_softirqs(struct rootfs *rf, const struct machine *m)
{
        g_autoptr(GString) s = g_string_new("                    ");
        unsigned cpu;

        /* One column per possible CPU, unlike /proc/interrupts. */
        hwloc_bitmap_foreach_begin(cpu, m->possible)
                g_string_append_printf(s, "CPU%-8u", cpu);
        hwloc_bitmap_foreach_end();
        g_string_append_c(s, '\n');
        for (int i = 0; i < N_SOFTIRQS; i++) {
                g_string_append_printf(s, "%12s:", softirq_names[i]);
                hwloc_bitmap_foreach_begin(cpu, m->possible)
                        g_string_append_printf(s, " %10u", (uint32_t) m->softirqs[(size_t) i * m->ncpus + cpu]);
                hwloc_bitmap_foreach_end();
                g_string_append_c(s, '\n');
        }
        return write_atomic(rf, "proc/softirqs", s->str, 0444);
}

/* Both forms of a mask: NAME (hex) and NAME_list. */
static int write_mask_pair(struct rootfs *rf, const struct machine *m, unsigned irq, const char *name,
                           hwloc_const_bitmap_t set, mode_t mode, char **ret_list, char **ret_hex)
{
        g_autofree char *rel = g_strdup_printf("proc/irq/%u/%s", irq, name);
        g_autofree char *rel_list = g_strdup_printf("proc/irq/%u/%s_list", irq, name);
        g_autofree char *hex = cpumask_format_hex(set, m->ncpus);
        g_autofree char *hex_nl = g_strdup_printf("%s\n", hex);
        _cleanup_free_ char *list = cpulist_format(set);
        g_autofree char *list_nl = NULL;
        int r;

        if (!list)
                return -ENOMEM;
        list_nl = g_strdup_printf("%s\n", list);
        if ((r = write_atomic(rf, rel, hex_nl, mode)) < 0 ||
            (r = write_atomic(rf, rel_list, list_nl, mode)) < 0)
                return r;
        g_free(*ret_list);
        *ret_list = g_strdup(list);
        if (ret_hex) {
                g_free(*ret_hex);
                *ret_hex = g_strdup(hex);
        }
        return 0;
}

/* /sys/kernel/irq/N (4.17+): what /proc/interrupts prints of the IRQ, one attribute
 * per file. The flow handler is "edge" or "fasteoi" here, the trigger edge or level. */
static int write_sysfs_irq(struct rootfs *rf, const struct sim_irq *irq)
{
        const struct { const char *name; char *value; } files[] = {
                { "actions", g_strdup_printf("%s\n", irq->name) },
                { "chip_name", g_strdup_printf("%s\n", irq->chip) },
                { "hwirq", g_strdup_printf("%lu\n", irq->hwirq) },
                { "name", g_strdup_printf("%s\n", irq->handler) },
                { "type", g_strdup(strcmp(irq->handler, "edge") == 0 ? "edge\n" : "level\n") },
                { "wakeup", g_strdup("disabled\n") },
        };
        int r = 0;

        for (size_t k = 0; k < ELEMENTSOF(files); k++) {
                g_autofree char *rel = g_strdup_printf("sys/kernel/irq/%u/%s", irq->number,
                                                       files[k].name);

                if (r >= 0)
                        r = write_atomic(rf, rel, files[k].value, 0444);
                g_free(files[k].value);
        }
        return r;
}

static int add_irq_dir(struct rootfs *rf, const struct machine *m, const struct sim_irq *irq)
{
        g_autofree char *zero = NULL, *hint = NULL, *node = NULL, *rel = NULL;
        hwloc_bitmap_t none = hwloc_bitmap_alloc();
        int r;

        /* No driver in the simulation sets a hint: the kernel shows an empty mask. */
        zero = cpumask_format_hex(none, m->ncpus);
        hwloc_bitmap_free(none);
        hint = g_strdup_printf("%s\n", zero);
        node = g_strdup_printf("%d\n", irq->node);
        rel = g_strdup_printf("proc/irq/%u/affinity_hint", irq->number);
        if ((r = write_atomic(rf, rel, hint, 0444)) < 0)
                return r;
        g_free(rel);
        rel = g_strdup_printf("proc/irq/%u/node", irq->number);
        if ((r = write_atomic(rf, rel, node, 0444)) < 0)
                return r;
        r = write_sysfs_irq(rf, irq);
        if (r < 0)
                return r;
        if (irq->managed) {
                /* The shim refuses writes to it as a 6.12+ kernel does. */
                g_free(rel);
                rel = g_strdup_printf(".sim/irq/%u/refuse", irq->number);
                if ((r = write_fmt(rf, rel, "EPERM\n")) < 0)
                        return r;
        }
        if (irq->device >= 0) {
                g_free(rel);
                rel = g_strdup_printf("sys/devices/" PCI_HOST "/%s/msi_irqs/%u",
                                      m->devices[irq->device].sc->address, irq->number);
                if ((r = write_fmt(rf, rel, "msix\n")) < 0)
                        return r;
        }
        return 0;
}

static int remove_irq_dir(struct rootfs *rf, const struct machine *m, const struct sim_irq *irq)
{
        g_autofree char *dir = g_strdup_printf("%s/proc/irq/%u", rf->dir, irq->number);
        g_autofree char *sim = g_strdup_printf("%s/.sim/irq/%u", rf->dir, irq->number);
        g_autofree char *sys = g_strdup_printf("%s/sys/kernel/irq/%u", rf->dir, irq->number);
        int r;

        if ((r = remove_tree(dir)) < 0 || (r = remove_tree(sim)) < 0 || (r = remove_tree(sys)) < 0)
                return r;
        if (irq->device >= 0) {
                g_autofree char *msi = g_strdup_printf("%s/sys/devices/" PCI_HOST "/%s/msi_irqs/%u", rf->dir,
                                                       m->devices[irq->device].sc->address, irq->number);

                (void) unlink(msi);
        }
        return 0;
}

static int write_irq(struct rootfs *rf, const struct machine *m, size_t i)
{
        const struct sim_irq *irq = &m->irqs[i];
        struct rootfs_irq *f = &rf->irqs[i];
        _cleanup_free_ char *mask = NULL, *eff = NULL;
        int r;

        if (!irq->present) {
                if (f->on_disk) {
                        r = remove_irq_dir(rf, m, irq);
                        if (r < 0)
                                return r;
                        g_clear_pointer(&f->list, g_free);
                        g_clear_pointer(&f->hex, g_free);
                        g_clear_pointer(&f->effective, g_free);
                        f->on_disk = false;
                }
                return 0;
        }
        if (!f->on_disk) {
                r = add_irq_dir(rf, m, irq);
                if (r < 0)
                        return r;
                f->on_disk = true;
        }
        mask = cpulist_format(irq->mask);
        eff = cpulist_format(irq->effective);
        if (!mask || !eff)
                return -ENOMEM;
        if (!f->list || strcmp(mask, f->list) != 0) {
                r = write_mask_pair(rf, m, irq->number, "smp_affinity", irq->mask,
                                    irq->managed ? 0444 : 0644, &f->list, &f->hex);
                if (r < 0)
                        return r;
        }
        if (!f->effective || strcmp(eff, f->effective) != 0) {
                r = write_mask_pair(rf, m, irq->number, "effective_affinity", irq->effective, 0444,
                                    &f->effective, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rootfs_write_state(struct rootfs *rf, const struct machine *m)
{
        int r;

        for (size_t i = 0; i < m->n_irqs; i++)
                if ((r = write_irq(rf, m, i)) < 0)
                        return r;
        if ((r = write_cpulist(rf, "sys/devices/system/cpu/online", m->online)) < 0 ||
            (r = write_cpu_online(rf, m)) < 0 ||
            (r = write_cpulist(rf, ".sim/vectors_full", m->vectors_full)) < 0 ||
            (r = write_interrupts(rf, m)) < 0 ||
            (r = write_softirqs(rf, m)) < 0 ||
            (r = write_stat(rf, m)) < 0)
                return r;
        /* Last, right after /proc/stat: the daemon measures its window by it, read
         * after the counters, so it sees a clock older than the counters only if it
         * reads between these two renames. */
        return write_fmt(rf, "proc/uptime", "%.2f %.2f\n", m->uptime, m->idle);
}

static void count_write(struct machine *m, struct sim_irq *irq, struct rootfs_writes *w)
{
        w->total++;
        if (!irq)
                return;
        irq->daemon_wrote = true;
        w->managed += irq->managed;
        w->pinned += irq->pinned;
}

/* A refused write changed nothing; only an attempt on a managed IRQ is worth counting
 * (a daemon must not keep trying what the kernel owns). */
static void count_refused(struct sim_irq *irq, struct rootfs_writes *w)
{
        if (irq && irq->managed)
                w->managed++;
}

/* New lines of one of the shim's logs: "<N> <mask>" or "default <mask>" in writes.log,
 * "<N> <mask> <ERRNO>" in refused.log. */
static int read_log(struct rootfs *rf, struct machine *m, struct rootfs_writes *w,
                    const char *name, off_t *offset, bool refused)
{
        g_autofree char *path = g_build_filename(rf->dir, ".sim", name, NULL);
        g_autofree char *text = NULL;
        size_t len;
        char *line, *next;

        if (!g_file_get_contents(path, &text, &len, NULL))
                return 0;
        if (!refused)
                rf->log_seen = true;
        if ((off_t) len <= *offset)
                return 0;
        for (line = text + *offset; *line; line = next) {
                char *nl = strchr(line, '\n'), *end;
                unsigned long n;
                struct sim_irq *irq;

                /* A line still being appended is read next time. */
                if (!nl)
                        break;
                *nl = 0;
                next = nl + 1;
                *offset = next - text;
                n = strtoul(line, &end, 10);
                irq = end != line && *end == ' ' ? machine_find_irq(m, (unsigned) n) : NULL;
                if (refused)
                        count_refused(irq, w);
                else
                        count_write(m, irq, w);
        }
        return 0;
}

/* Whatever the daemon put in the mask files; NULL when unchanged or unreadable. */
static char *changed_mask(const struct rootfs *rf, unsigned irq, const char *name, const char *last)
{
        g_autofree char *path = g_strdup_printf("%s/proc/irq/%u/%s", rf->dir, irq, name);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return NULL;
        g_strstrip(text);
        if (last && strcmp(text, last) == 0) {
                g_free(text);
                return NULL;
        }
        return text;
}

int rootfs_read_writes(struct rootfs *rf, struct machine *m, struct rootfs_writes *ret)
{
        struct rootfs_writes from_log = { 0 }, from_files = { 0 };
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int r = read_log(rf, m, &from_log, "writes.log", &rf->log_offset, false);

        if (r == 0)
                r = read_log(rf, m, &from_log, "refused.log", &rf->refused_offset, true);

        for (size_t i = 0; r == 0 && i < m->n_irqs; i++) {
                struct sim_irq *irq = &m->irqs[i];
                struct rootfs_irq *f = &rf->irqs[i];
                g_autofree char *list = NULL, *hex = NULL;
                int p;

                if (!f->on_disk)
                        continue;
                list = changed_mask(rf, irq->number, "smp_affinity_list", f->list);
                if (list)
                        p = cpulist_parse(list, set);
                else if ((hex = changed_mask(rf, irq->number, "smp_affinity", f->hex)))
                        p = cpumask_parse(hex, set);
                else
                        continue;
                /* A half-written file is taken on the next read; the shim and the kernel
                 * refuse what does not parse. */
                if (p < 0 || hwloc_bitmap_iszero(set))
                        continue;
                count_write(m, irq, &from_files);
                if (machine_set_mask(m, irq, set) < 0)
                        log_debug("IRQ %u: refused mask %s, putting back %s.", irq->number,
                                  list ? list : hex, f->list);
                /* Rewritten in canonical form (or put back) by the next write_state. */
                g_clear_pointer(&f->list, g_free);
        }
        hwloc_bitmap_free(set);
        if (r < 0)
                return r;
        *ret = rf->log_seen ? from_log : from_files;
        return 0;
}
