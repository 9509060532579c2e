/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/macro.h"
#include "irqbal/topology.h"

/* Indexed by bit number of enum cpu_ban; JSON and the text tree use the same names. */
static const char *const ban_names[] = {
        "offline", "isolated", "nohz_full", "cgroup_isolated", "admin",
};

/* Long enough for every reason at once. */
#define BANS_STRING_MAX 128

const char *cpu_bans_to_string(unsigned bans, char *buf, size_t size)
{
        size_t len = 0;

        if (size == 0)
                return buf;
        buf[0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(ban_names); i++) {
                int n;

                if (!(bans & (1u << i)))
                        continue;
                n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", ban_names[i]);
                if (n < 0 || (size_t) n >= size - len) {
                        /* Whole words only. */
                        buf[len] = 0;
                        break;
                }
                len += (size_t) n;
        }
        return buf;
}

static void json_cpulist(struct json_writer *w, const char *key, hwloc_const_bitmap_t set)
{
        _cleanup_free_ char *s = cpulist_format(set);

        json_key(w, key);
        json_string(w, s);
}

/* Kernel ids of nodes and packages; null when there is none or hwloc does not know it. */
static void json_id(struct json_writer *w, const char *key, int id)
{
        json_key(w, key);
        if (id < 0)
                json_null(w);
        else
                json_int(w, id);
}

static int node_id(const struct topology *t, int node)
{
        return node >= 0 ? t->nodes[node].os_index : -1;
}

static int package_id(const struct topology *t, int package)
{
        return package >= 0 ? t->packages[package].os_index : -1;
}

void topology_to_json(const struct topology *t, struct json_writer *w)
{
        json_begin_object(w);
        json_key(w, "source");
        json_string(w, t->source);

        json_key(w, "nodes");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_nodes; i++) {
                json_begin_object(w);
                json_id(w, "id", t->nodes[i].os_index);
                json_cpulist(w, "cpus", t->nodes[i].cpus);
                json_end_object(w);
        }
        json_end_array(w);

        json_key(w, "packages");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_packages; i++) {
                json_begin_object(w);
                json_id(w, "id", t->packages[i].os_index);
                json_cpulist(w, "cpus", t->packages[i].cpus);
                json_key(w, "model");
                json_string(w, t->packages[i].model);
                json_end_object(w);
        }
        json_end_array(w);

        json_key(w, "caches");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_caches; i++) {
                json_begin_object(w);
                json_key(w, "level");
                json_uint(w, t->caches[i].level);
                json_key(w, "size");
                json_uint(w, t->caches[i].size);
                json_cpulist(w, "cpus", t->caches[i].cpus);
                json_end_object(w);
        }
        json_end_array(w);

        json_key(w, "cores");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_cores; i++) {
                const struct topo_core *c = &t->cores[i];

                json_begin_object(w);
                json_id(w, "package", package_id(t, c->package));
                json_id(w, "node", node_id(t, c->node));
                json_id(w, "id", c->os_index);
                json_cpulist(w, "pus", c->pus);
                json_end_object(w);
        }
        json_end_array(w);

        json_cpulist(w, "online_cpus", t->online);
        json_cpulist(w, "usable_cpus", t->usable);

        json_key(w, "banned_cpus");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_cpus; i++) {
                /* BanIsolated=no: an isolated CPU that takes IRQs is no banned CPU. */
                unsigned bans = t->cpus[i].bans & ~t->allowed_bans;

                if (!bans)
                        continue;
                json_begin_object(w);
                json_key(w, "cpu");
                json_uint(w, t->cpus[i].os_index);
                json_key(w, "reasons");
                json_begin_array(w);
                for (size_t b = 0; b < ELEMENTSOF(ban_names); b++)
                        if (bans & (1u << b))
                                json_string(w, ban_names[b]);
                json_end_array(w);
                json_end_object(w);
        }
        json_end_array(w);
        json_end_object(w);
}

static void text_line(GString *out, unsigned indent, const char *format, ...) _printf_(3, 4);
static void text_line(GString *out, unsigned indent, const char *format, ...)
{
        va_list ap;

        for (unsigned i = 0; i < indent; i++)
                g_string_append(out, "  ");
        va_start(ap, format);
        g_string_append_vprintf(out, format, ap);
        va_end(ap);
        g_string_append_c(out, '\n');
}

/* "CPUs 0-3,8", or "no CPUs" for a memory-only node. */
static void append_cpus(GString *out, hwloc_const_bitmap_t set)
{
        _cleanup_free_ char *s = NULL;

        if (hwloc_bitmap_iszero(set)) {
                g_string_append(out, "no CPUs");
                return;
        }
        s = cpulist_format(set);
        g_string_append_printf(out, "CPUs %s", s ? s : "?");
}

/* A kernel id, or hwloc's logical index ("Package L#1") when it knows none. */
static void append_name(GString *out, const char *what, hwloc_obj_t obj)
{
        if (obj->os_index == HWLOC_UNKNOWN_INDEX)
                g_string_append_printf(out, "%s L#%u: ", what, obj->logical_index);
        else
                g_string_append_printf(out, "%s %u: ", what, obj->os_index);
}

static void append_size(GString *out, unsigned long long bytes)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
        size_t u = 0;

        while (u + 1 < ELEMENTSOF(units) && bytes >= 1024 && bytes % 1024 == 0) {
                bytes /= 1024;
                u++;
        }
        g_string_append_printf(out, " (%llu %s)", bytes, units[u]);
}

/* A cache private to one core says nothing about where to put an IRQ; only caches
 * shared by several cores (or PUs, on machines without cores) are shown. */
static bool cache_is_shared(hwloc_obj_t cache)
{
        hwloc_obj_t below = cache;

        while (below && below->type != HWLOC_OBJ_CORE && below->type != HWLOC_OBJ_PU)
                below = below->first_child;
        return !below || !hwloc_bitmap_isequal(below->complete_cpuset, cache->complete_cpuset);
}

/* Writes OBJ's line into LABEL; false for objects the tree does not show (the machine,
 * groups, dies, private caches, L1). */
static bool object_label(const struct topology *t, hwloc_obj_t obj, GString *label)
{
        g_string_truncate(label, 0);
        switch (obj->type) {
        case HWLOC_OBJ_NUMANODE:
                append_name(label, "Node", obj);
                append_cpus(label, t->nodes[obj->logical_index].cpus);
                return true;
        case HWLOC_OBJ_PACKAGE:
                append_name(label, "Package", obj);
                append_cpus(label, t->packages[obj->logical_index].cpus);
                return true;
        case HWLOC_OBJ_L3CACHE:
        case HWLOC_OBJ_L2CACHE:
                if (!cache_is_shared(obj))
                        return false;
                g_string_append_printf(label, "L%u", obj->attr->cache.depth);
                if (obj->attr->cache.size > 0)
                        append_size(label, obj->attr->cache.size);
                g_string_append(label, ": ");
                append_cpus(label, obj->complete_cpuset);
                return true;
        case HWLOC_OBJ_CORE:
                append_name(label, "Core", obj);
                append_cpus(label, t->cores[obj->logical_index].pus);
                return true;
        case HWLOC_OBJ_PU:
                /* Only reached on machines without cores: a core's line lists its PUs. */
                g_string_append_printf(label, "CPU %u", obj->os_index);
                return true;
        default:
                return false;
        }
}

/* NUMA nodes are memory children of the object whose CPUs they serve (possibly behind
 * a memory-side cache). They are printed above that object: a node is where placement
 * starts, and the object's CPUs are the node's. */
static unsigned text_nodes(const struct topology *t, hwloc_obj_t parent, unsigned indent,
                           GString *label, GString *out)
{
        unsigned n = 0;

        for (hwloc_obj_t m = parent->memory_first_child; m; m = m->next_sibling) {
                if (m->type != HWLOC_OBJ_NUMANODE) {
                        n += text_nodes(t, m, indent, label, out);
                        continue;
                }
                object_label(t, m, label);
                text_line(out, indent, "%s", label->str);
                n++;
        }
        return n;
}

static void text_object(const struct topology *t, hwloc_obj_t obj, unsigned indent,
                        GString *label, GString *out)
{
        if (text_nodes(t, obj, indent, label, out) > 0)
                indent++;
        if (object_label(t, obj, label))
                text_line(out, indent++, "%s", label->str);
        if (obj->type == HWLOC_OBJ_CORE || obj->type == HWLOC_OBJ_PU)
                return;
        for (hwloc_obj_t child = obj->first_child; child; child = child->next_sibling)
                text_object(t, child, indent, label, out);
}

int topology_render_text_tree(const struct topology *t, char **ret)
{
        GString *out = g_string_new(NULL), *label = g_string_new(NULL);

        text_object(t, hwloc_get_root_obj(t->hw), 1, label, out);
        g_string_free(label, TRUE);
        /* Kept for the daemon's life: an exact copy, not GString's buffer of up to twice
         * the text. */
        *ret = strdup(out->str);
        g_string_free(out, TRUE);
        return *ret ? 0 : -ENOMEM;
}

static const char *plural(size_t n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

void topology_to_text(const struct topology *t, GString *out)
{
        size_t n_all = t->n_cpus;
        int n_online = hwloc_bitmap_weight(t->online), n_usable = hwloc_bitmap_weight(t->usable);
        bool header = false;

        g_string_append_printf(out, "Machine (%s): %zu %s, %zu %s, %zu %s, %zu %s (%d online, %d usable)\n",
                               t->source,
                               t->n_nodes, plural(t->n_nodes, "node", "nodes"),
                               t->n_packages, plural(t->n_packages, "package", "packages"),
                               t->n_cores, plural(t->n_cores, "core", "cores"),
                               n_all, plural(n_all, "CPU", "CPUs"), n_online, n_usable);
        g_string_append(out, t->text_tree);

        /* One line per combination of reasons: a 256-CPU machine with half its CPUs
         * offline reads "CPUs 128-255: offline", not 128 lines. The five ban bits make
         * at most 32 combinations. */
        bool printed[32] = {};

        for (size_t i = 0; i < t->n_cpus; i++) {
                unsigned bans = t->cpus[i].bans & ~t->allowed_bans;
                char reasons[BANS_STRING_MAX];
                hwloc_bitmap_t same;
                char *list;

                if (!bans || bans >= ELEMENTSOF(printed) || printed[bans])
                        continue;
                printed[bans] = true;
                same = hwloc_bitmap_alloc();
                for (size_t j = i; j < t->n_cpus; j++)
                        if ((t->cpus[j].bans & ~t->allowed_bans) == bans)
                                hwloc_bitmap_set(same, t->cpus[j].os_index);
                list = cpulist_format(same);
                if (!header)
                        g_string_append(out, "Banned CPUs:\n");
                header = true;
                text_line(out, 1, "%s %s: %s", hwloc_bitmap_weight(same) == 1 ? "CPU" : "CPUs",
                          list ? list : "?", cpu_bans_to_string(bans, reasons, sizeof(reasons)));
                free(list);
                hwloc_bitmap_free(same);
        }
}
