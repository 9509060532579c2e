/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irqbal/cpuset.h"
#include "irqbal/inventory.h"
#include "irqbal/log.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static const char *const class_names[_IRQ_CLASS_MAX] = {
        [IRQ_CLASS_OTHER] = "other",     [IRQ_CLASS_NET] = "net",
        [IRQ_CLASS_STORAGE] = "storage", [IRQ_CLASS_GPU] = "gpu",
        [IRQ_CLASS_SOUND] = "sound",     [IRQ_CLASS_USB] = "usb",
        [IRQ_CLASS_LEGACY] = "legacy",
};

const char *irq_class_to_string(enum irq_class c)
{
        return c < _IRQ_CLASS_MAX ? class_names[c] : NULL;
}

int irq_class_from_string(const char *s)
{
        for (int i = 0; i < _IRQ_CLASS_MAX; i++)
                if (strcmp(s, class_names[i]) == 0)
                        return i;
        return -EINVAL;
}

char *irq_placement_format(const struct irq *irq)
{
        _cleanup_free_ char *mask = cpulist_format(irq->affinity), *on = NULL;
        char *s;

        if (!mask)
                return NULL;
        if (!irq->has_effective || hwloc_bitmap_iszero(irq->effective) ||
            hwloc_bitmap_isequal(irq->effective, irq->affinity))
                return TAKE_PTR(mask);
        on = cpulist_format(irq->effective);
        if (!on || asprintf(&s, "%s (on %s)", mask, on) < 0)
                return NULL;
        return s;
}

void irq_done(struct irq *irq)
{
        free(irq->balancing_note);
        if (irq->hint)
                hwloc_bitmap_free(irq->hint);
        *irq = (struct irq) {};
}

/* What we learn once per PCI device, shared by all of its vectors. */
struct pci_device {
        char *address;
        unsigned class_code;  /* 24-bit PCI class, 0 if unreadable */
        char *driver;
        char *interface;
        int numa_node;
        int virtio_id;        /* virtio device type behind virtio-pci, -1 if none */
};

static void pci_device_free(gpointer p)
{
        struct pci_device *d = p;

        free(d->address);
        free(d->driver);
        free(d->interface);
        g_free(d);
}

static int read_int(const struct irqbal_root *root, const char *path, int base, long *ret)
{
        _cleanup_free_ char *s = NULL;
        char *end;
        int r = root_read_line(root, path, &s);

        if (r < 0)
                return r;
        errno = 0;
        *ret = strtol(s, &end, base);
        if (errno || end == s || *end)
                return -EINVAL;
        return 0;
}

/* The last component of a symlink's target: ".../drivers/nvme" → "nvme". */
static char *link_basename(const struct irqbal_root *root, const char *path)
{
        _cleanup_free_ char *target = NULL;
        const char *slash;

        if (root_readlink(root, path, &target) < 0)
                return NULL;
        slash = strrchr(target, '/');
        return strdup(slash ? slash + 1 : target);
}

/* The first entry of a directory that is not "." or "..", or NULL. */
static char *first_entry(const struct irqbal_root *root, const char *path, const char *prefix)
{
        DIR *d;
        struct dirent *de;
        char *found = NULL;

        if (root_opendir(root, path, &d) < 0)
                return NULL;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && (!prefix || g_str_has_prefix(de->d_name, prefix))) {
                        found = strdup(de->d_name);
                        break;
                }
        closedir(d);
        return found;
}

/* virtio devices all sit behind the generic virtio-pci driver with vendor class codes;
 * the virtio child device says what they really are (and which driver serves them). */
static void probe_virtio(const struct irqbal_root *root, struct pci_device *d, const char *dir)
{
        _cleanup_free_ char *child = first_entry(root, dir, "virtio");
        g_autofree char *id_path = NULL, *driver_path = NULL, *net_path = NULL;
        char *driver;
        long id;

        if (!child)
                return;
        id_path = g_strdup_printf("%s/%s/device", dir, child);
        if (read_int(root, id_path, 16, &id) == 0)
                d->virtio_id = (int) id;
        driver_path = g_strdup_printf("%s/%s/driver", dir, child);
        driver = link_basename(root, driver_path);
        if (driver) {
                free(d->driver);
                d->driver = driver;
        }
        if (!d->interface) {
                net_path = g_strdup_printf("%s/%s/net", dir, child);
                d->interface = first_entry(root, net_path, NULL);
        }
}

static struct pci_device *probe_pci_device(const struct irqbal_root *root, const char *address)
{
        struct pci_device *d = g_new0(struct pci_device, 1);
        g_autofree char *dir = g_strdup_printf(PCI_DEVICES "/%s", address);
        g_autofree char *class_path = g_strdup_printf("%s/class", dir);
        g_autofree char *node_path = g_strdup_printf("%s/numa_node", dir);
        g_autofree char *driver_path = g_strdup_printf("%s/driver", dir);
        g_autofree char *net_path = g_strdup_printf("%s/net", dir);
        long v;

        d->address = strdup(address);
        d->numa_node = -1;
        d->virtio_id = -1;
        if (read_int(root, class_path, 16, &v) == 0)
                d->class_code = (unsigned) v;
        if (read_int(root, node_path, 10, &v) == 0 && v >= 0)
                d->numa_node = (int) v;
        d->driver = link_basename(root, driver_path);
        d->interface = first_entry(root, net_path, NULL);
        if (d->driver && strcmp(d->driver, "virtio-pci") == 0)
                probe_virtio(root, d, dir);
        return d;
}

/* Adds IRQ → device for every vector in the device's msi_irqs directory. */
static void map_msi_irqs(const struct irqbal_root *root, struct pci_device *d, GHashTable *by_irq)
{
        g_autofree char *path = g_strdup_printf(PCI_DEVICES "/%s/msi_irqs", d->address);
        DIR *dir;
        struct dirent *de;

        if (root_opendir(root, path, &dir) < 0)
                return;
        while ((de = readdir(dir))) {
                char *end;
                unsigned long irq = strtoul(de->d_name, &end, 10);

                if (de->d_name[0] == '.' || *end)
                        continue;
                g_hash_table_insert(by_irq, GUINT_TO_POINTER((unsigned) irq), d);
        }
        closedir(dir);
}

/* IRQ number → struct pci_device, from msi_irqs first; the legacy "irq" file only
 * fills lines no MSI vector claimed (with MSI on, it repeats the first vector). */
static GPtrArray *scan_pci(const struct irqbal_root *root, GHashTable *by_irq)
{
        GPtrArray *devices = g_ptr_array_new_with_free_func(pci_device_free);
        DIR *dir;
        struct dirent *de;

        if (root_opendir(root, PCI_DEVICES, &dir) < 0) {
                log_debug("No %s under the root: IRQs will carry no device.", PCI_DEVICES);
                return devices;
        }
        while ((de = readdir(dir)))
                if (de->d_name[0] != '.')
                        g_ptr_array_add(devices, probe_pci_device(root, de->d_name));
        closedir(dir);

        for (guint i = 0; i < devices->len; i++)
                map_msi_irqs(root, devices->pdata[i], by_irq);
        for (guint i = 0; i < devices->len; i++) {
                struct pci_device *d = devices->pdata[i];
                g_autofree char *path = g_strdup_printf(PCI_DEVICES "/%s/irq", d->address);
                long line;

                if (read_int(root, path, 10, &line) == 0 && line > 0 &&
                    !g_hash_table_contains(by_irq, GUINT_TO_POINTER((unsigned) line)))
                        g_hash_table_insert(by_irq, GUINT_TO_POINTER((unsigned) line), d);
        }
        return devices;
}

/* Per-device MSI domains name the device in the chip: "IR-PCI-MSIX-0000:01:00.0". */
static const char *pci_address_in_chip(const char *chip)
{
        size_t len = strlen(chip);
        const char *a;

        if (len < 12)
                return NULL;
        a = chip + len - 12;
        if (a > chip && a[-1] != '-')
                return NULL;
        for (int i = 0; i < 12; i++) {
                char c = a[i];
                bool ok = (i == 4 || i == 7) ? c == ':' : i == 10 ? c == '.' : isxdigit((unsigned char) c);
                if (!ok)
                        return NULL;
        }
        return a;
}

static enum irq_class class_of_device(const struct pci_device *d)
{
        unsigned base = d->class_code >> 16, sub = (d->class_code >> 8) & 0xff;

        switch (d->virtio_id) {
        case 1: return IRQ_CLASS_NET;
        case 2: case 8: return IRQ_CLASS_STORAGE;   /* virtio-blk, virtio-scsi */
        case 16: return IRQ_CLASS_GPU;
        case 25: return IRQ_CLASS_SOUND;
        }
        switch (base) {
        case 0x01: return IRQ_CLASS_STORAGE;
        case 0x02: return IRQ_CLASS_NET;
        case 0x03: return IRQ_CLASS_GPU;
        case 0x04: return IRQ_CLASS_SOUND;
        case 0x0c: return sub == 0x03 ? IRQ_CLASS_USB : IRQ_CLASS_OTHER;
        }
        return IRQ_CLASS_OTHER;
}

/* Reads IRQ's affinity into SET: smp_affinity_list, or on kernels before 2.6.38, which
 * only have the hex form, smp_affinity. */
static int read_affinity(const struct irqbal_root *root, unsigned irq, hwloc_bitmap_t set)
{
        char path[64];
        _cleanup_free_ char *mask = NULL;
        int r;

        snprintf(path, sizeof(path), PROC_IRQ "/%u/smp_affinity_list", irq);
        r = root_read_cpulist(root, path, set);
        if (r >= 0)
                return r;
        snprintf(path, sizeof(path), PROC_IRQ "/%u/smp_affinity", irq);
        r = root_read_line(root, path, &mask);
        if (r >= 0)
                r = cpumask_parse(mask, set);
        if (r < 0)
                log_debug_errno(r, "IRQ %u: cannot read its affinity: %m", irq);
        return r;
}

/* 0, or -ENOMEM. */
static int read_effective(const struct irqbal_root *root, struct irq_inventory *inv,
                          struct irq *irq)
{
        char path[64];

        snprintf(path, sizeof(path), PROC_IRQ "/%u/effective_affinity_list", irq->number);
        irq->has_effective = root_read_cpulist(root, path, inv->scratch) == 0;
        return mask_pool_set(inv->masks, &irq->effective,
                             irq->has_effective ? inv->scratch : mask_pool_empty(inv->masks));
}

/* 0, or -ENOMEM. An affinity that cannot be read stays as it was (empty at first). */
static int read_placement(const struct irqbal_root *root, struct irq_inventory *inv,
                          struct irq *irq, bool with_hint)
{
        char path[64];
        _cleanup_free_ char *hint = NULL;

        if (read_affinity(root, irq->number, inv->scratch) >= 0 &&
            mask_pool_set(inv->masks, &irq->affinity, inv->scratch) < 0)
                return -ENOMEM;
        if (read_effective(root, inv, irq) < 0)
                return -ENOMEM;
        if (!with_hint)
                return 0;
        /* An all-zero hint means the driver set none: most set none, and a set costs
         * 112-176 bytes, so an IRQ keeps one only for a hint. */
        snprintf(path, sizeof(path), PROC_IRQ "/%u/affinity_hint", irq->number);
        if (root_read_line(root, path, &hint) < 0)
                return 0;
        if (!irq->hint && !(irq->hint = hwloc_bitmap_alloc()))
                return -ENOMEM;
        if (cpumask_parse(hint, irq->hint) < 0 || hwloc_bitmap_iszero(irq->hint)) {
                hwloc_bitmap_free(irq->hint);
                irq->hint = NULL;
        }
        return 0;
}

static void judge_movable(const struct irqbal_root *root, struct irq *irq)
{
        char path[128];
        struct stat st;

        snprintf(path, sizeof(path), PROC_IRQ "/%u/smp_affinity", irq->number);
        irq->movable = false;
        if (root_stat(root, path, &st) < 0)
                irq->unmovable_reason = "no /proc/irq entry";
        else if (!(st.st_mode & S_IWUSR))
                /* Since 6.12 the kernel makes the file read-only when it will refuse
                 * every write; stat() and not access(), which root always passes. */
                irq->unmovable_reason = "affinity is read-only (kernel-managed or per-CPU)";
        else if (!irq->name[0])
                irq->unmovable_reason = "no handler";
        else {
                irq->movable = true;
                irq->unmovable_reason = NULL;
        }
}

/* /sys/kernel/irq/N (kernel 4.17+) says what /proc/interrupts squeezes into one line:
 * the chip's own name (old formats print "IR-IO-APIC-edge", chip and trigger glued),
 * the trigger type and whether it wakes the machine. Missing files change nothing. */
static void read_sysfs_irq(const struct irqbal_root *root, struct irq_inventory *inv,
                           struct irq *irq)
{
        char path[96];
        _cleanup_free_ char *chip = NULL, *trigger = NULL;

        snprintf(path, sizeof(path), "/sys/kernel/irq/%u/chip_name", irq->number);
        if (root_read_line(root, path, &chip) >= 0 && chip[0])
                irq->chip = g_string_chunk_insert_const(inv->strings, chip);
        snprintf(path, sizeof(path), "/sys/kernel/irq/%u/type", irq->number);
        if (root_read_line(root, path, &trigger) >= 0)
                irq->trigger = g_string_chunk_insert_const(inv->strings, trigger);
}

static int fill_irq(const struct irqbal_root *root, const struct interrupts_row *row,
                    const struct topology *topo, GHashTable *pci_by_irq, GPtrArray *devices,
                    struct irq_inventory *inv, struct irq *irq)
{
        struct pci_device *dev = g_hash_table_lookup(pci_by_irq, GUINT_TO_POINTER(row->irq));

        irq->number = row->irq;
        /* A device's queues share its chip, driver and address strings. */
        irq->name = g_string_chunk_insert(inv->strings, row->actions);
        irq->chip = g_string_chunk_insert_const(inv->strings, row->chip);
        irq->hwirq = row->hwirq ? g_string_chunk_insert(inv->strings, row->hwirq) : NULL;
        irq->affinity = mask_pool_empty(inv->masks);
        irq->effective = mask_pool_empty(inv->masks);
        irq->count = row->total;
        irq->node = -1;
        read_sysfs_irq(root, inv, irq);

        if (!dev) {
                const char *addr = pci_address_in_chip(row->chip);

                for (guint i = 0; addr && i < devices->len; i++)
                        if (strcmp(((struct pci_device *) devices->pdata[i])->address, addr) == 0)
                                dev = devices->pdata[i];
        }
        if (dev) {
                int node = -1;

                irq->device = g_string_chunk_insert_const(inv->strings, dev->address);
                irq->driver = dev->driver ? g_string_chunk_insert_const(inv->strings, dev->driver) : NULL;
                irq->interface = dev->interface ?
                                 g_string_chunk_insert_const(inv->strings, dev->interface) : NULL;
                irq->class = class_of_device(dev);
                if (topo && topology_pci_node(topo, dev->address, &node) == 0)
                        irq->node = node;
                else
                        irq->node = dev->numa_node;
        } else if (strstr(row->chip, "IO-APIC") || strstr(row->chip, "XT-PIC"))
                irq->class = IRQ_CLASS_LEGACY;
        /* On a machine with one node every device is on it. */
        if (irq->node < 0 && topo && topo->n_nodes == 1)
                irq->node = topo->nodes[0].os_index;

        if (read_placement(root, inv, irq, true) < 0)
                return -ENOMEM;
        judge_movable(root, irq);
        return 0;
}

int inventory_scan(const struct irqbal_root *root, const struct interrupts_table *table,
                   const struct topology *topo, struct mask_pool *masks,
                   struct irq_inventory *ret)
{
        GHashTable *by_irq = g_hash_table_new(NULL, NULL);
        GPtrArray *devices = scan_pci(root, by_irq);
        struct irq_inventory inv = { .masks = masks, .masks_shared = masks != NULL };
        int r = 0;

        inv.irqs = calloc(table->nrows ? table->nrows : 1, sizeof(struct irq));
        inv.scratch = hwloc_bitmap_alloc();
        /* Names and chips are a few dozen bytes an IRQ. */
        inv.strings = g_string_chunk_new(16384);
        if (!inv.irqs || !inv.scratch || (!inv.masks && mask_pool_new(&inv.masks) < 0)) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < table->nrows; i++) {
                r = fill_irq(root, &table->rows[i], topo, by_irq, devices, &inv, &inv.irqs[inv.n]);
                inv.n++;
                if (r < 0)
                        goto out;
        }
        *ret = inv;
        inv = (struct irq_inventory) {};
out:
        inventory_done(&inv);
        g_ptr_array_free(devices, TRUE);
        g_hash_table_destroy(by_irq);
        return r;
}

void inventory_refresh_placement(const struct irqbal_root *root, struct irq_inventory *inv)
{
        for (size_t i = 0; i < inv->n; i++)
                (void) read_placement(root, inv, &inv->irqs[i], false);
}

bool inventory_refresh_irq(const struct irqbal_root *root, struct irq_inventory *inv,
                           struct irq *irq, bool effective)
{
        bool changed;

        /* Unreadable (the IRQ is going away): the next rescan will tell. */
        if (read_affinity(root, irq->number, inv->scratch) < 0)
                return false;
        changed = !hwloc_bitmap_isequal(inv->scratch, irq->affinity);
        /* Out of memory, the mask read is lost and read again next time. */
        if (changed && mask_pool_set(inv->masks, &irq->affinity, inv->scratch) < 0)
                return false;
        if (effective || changed)
                (void) read_effective(root, inv, irq);
        return changed;
}

int inventory_set_affinity(struct irq_inventory *inv, struct irq *irq, hwloc_const_bitmap_t set)
{
        return mask_pool_set(inv->masks, &irq->affinity, set);
}

void inventory_done(struct irq_inventory *inv)
{
        for (size_t i = 0; i < inv->n; i++) {
                if (inv->masks_shared) {
                        (void) mask_pool_set(inv->masks, &inv->irqs[i].affinity, NULL);
                        (void) mask_pool_set(inv->masks, &inv->irqs[i].effective, NULL);
                }
                irq_done(&inv->irqs[i]);
        }
        if (!inv->masks_shared)
                mask_pool_free(inv->masks);
        hwloc_bitmap_free(inv->scratch);
        if (inv->strings)
                g_string_chunk_free(inv->strings);
        free(inv->irqs);
        *inv = (struct irq_inventory) {};
}

static int cmp_irq_number(const void *key, const void *elem)
{
        unsigned k = *(const unsigned *) key, n = ((const struct irq *) elem)->number;

        return k < n ? -1 : k > n;
}

const struct irq *inventory_find_next(const struct irq_inventory *inv, unsigned number, size_t *cursor)
{
        while (*cursor < inv->n && inv->irqs[*cursor].number < number)
                (*cursor)++;
        return *cursor < inv->n && inv->irqs[*cursor].number == number ? &inv->irqs[*cursor] : NULL;
}

const struct irq *inventory_find(const struct irq_inventory *inv, unsigned number)
{
        if (inv->n == 0)
                return NULL;
        return bsearch(&number, inv->irqs, inv->n, sizeof(struct irq), cmp_irq_number);
}
