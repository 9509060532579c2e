/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/topology.h"
#include "testlib.h"

/* The machines in ../shared/topologies: hwloc's own test captures, each with what
 * lstopo made of it (NAME.console or NAME.xml). The tests below read those files and
 * hold our model to them, rather than to numbers typed in here. */

#define OFFLINES "16em64t-4s2c2t-offlines"
#define OFFLINES_MODEL "\"Intel(R) Xeon(TM) CPU 2.60GHz\""    /* as JSON */
#define SHARED_L2 "8em64t-2s2ca2c"
#define FOUR_BY_TWO "64amd64-4s2n4ca2co"
#define NVME_BOX "32em64t-2n8c+dax+nvme+mic+dimms"
#define PCI_LOCALITY "40intel64-2g2n4c+pcilocality"

/* ---- What lstopo printed ------------------------------------------------------- */

enum exp_type { EXP_OTHER, EXP_PACKAGE, EXP_NODE, EXP_L3, EXP_L2, EXP_CORE, EXP_PU, EXP_PCI, EXP_IO };

struct exp_obj {
        enum exp_type type;
        unsigned indent;
        int parent;                     /* index into expected.objs, -1 for the root */
        int os_index;                   /* P#, -1 when none */
        unsigned long long size;        /* caches, bytes */
        char busid[32];                 /* PCI devices */
        hwloc_bitmap_t complete;        /* XML only: the complete_cpuset attribute */
};

struct expected {
        struct exp_obj *objs;
        size_t n;
        hwloc_bitmap_t offline;         /* CPUs the machine has that are not online */
        bool xml;
};

static const char *attr(const char *line, const char *name, char *buf, size_t size)
{
        const char *p = strstr(line, name), *end;

        if (!p)
                return NULL;
        p += strlen(name);
        end = strchr(p, '"');
        ck_assert_ptr_nonnull(end);
        snprintf(buf, size, "%.*s", (int) (end - p), p);
        return buf;
}

static bool parse_xml_line(const char *line, struct exp_obj *o, struct expected *e)
{
        static const struct { const char *name; enum exp_type type; } types[] = {
                { "Package", EXP_PACKAGE }, { "NUMANode", EXP_NODE }, { "L3Cache", EXP_L3 },
                { "L2Cache", EXP_L2 }, { "Core", EXP_CORE }, { "PU", EXP_PU },
                { "PCIDev", EXP_PCI }, { "Bridge", EXP_IO }, { "OSDev", EXP_IO },
        };
        const char *p = line + strspn(line, " ");
        char v[256];

        if (strncmp(p, "<object ", 8) != 0)
                return false;
        o->indent = (unsigned) (p - line);
        attr(p, " type=\"", v, sizeof(v));
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (strcmp(v, types[i].name) == 0)
                        o->type = types[i].type;
        o->os_index = attr(p, " os_index=\"", v, sizeof(v)) ? atoi(v) : -1;
        if (attr(p, " cache_size=\"", v, sizeof(v)))
                o->size = strtoull(v, NULL, 10);
        attr(p, " pci_busid=\"", o->busid, sizeof(o->busid));
        if (attr(p, " complete_cpuset=\"", v, sizeof(v))) {
                o->complete = hwloc_bitmap_alloc();
                ck_assert_int_eq(hwloc_bitmap_sscanf(o->complete, v), 0);
        }
        if (strstr(p, "type=\"Machine\"")) {
                hwloc_bitmap_t online = hwloc_bitmap_alloc();

                ck_assert_ptr_nonnull(attr(p, " cpuset=\"", v, sizeof(v)));
                ck_assert_int_eq(hwloc_bitmap_sscanf(online, v), 0);
                hwloc_bitmap_andnot(e->offline, o->complete, online);
                hwloc_bitmap_free(online);
        }
        return true;
}

static bool parse_console_line(const char *line, struct exp_obj *o, struct expected *e)
{
        static const struct { const char *prefix; enum exp_type type; } types[] = {
                { "Package L#", EXP_PACKAGE }, { "NUMANode L#", EXP_NODE }, { "L3Cache L#", EXP_L3 },
                { "L2Cache L#", EXP_L2 }, { "Core L#", EXP_CORE }, { "PU L#", EXP_PU },
        };
        const char *p = line + strspn(line, " "), *s;

        /* "4 processors not represented in topology: 0x00006024": the offline CPUs. */
        s = strstr(p, " processors not represented in topology: ");
        if (s) {
                ck_assert_int_eq(hwloc_bitmap_sscanf(e->offline, strchr(s, ':') + 2), 0);
                ck_assert_int_eq(hwloc_bitmap_weight(e->offline), atoi(p));
                return false;
        }
        /* Object lines are "Type L#n (…)" and the machine; the summary lines are not. */
        s = strchr(p, ' ');
        if (strncmp(p, "Machine", 7) != 0 && (!s || strncmp(s, " L#", 3) != 0))
                return false;
        o->indent = (unsigned) (p - line);
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (strncmp(p, types[i].prefix, strlen(types[i].prefix)) == 0)
                        o->type = types[i].type;
        s = strstr(p, "(P#");
        o->os_index = s ? atoi(s + 3) : -1;
        s = strstr(p, "size=");
        if (s) {
                char *unit;

                o->size = strtoull(s + 5, &unit, 10);
                o->size <<= strncmp(unit, "KiB", 3) == 0 ? 10 : strncmp(unit, "MiB", 3) == 0 ? 20 : 0;
        }
        return true;
}

static void expected_load(const char *name, struct expected *e)
{
        char *path;
        FILE *f;
        char *line = NULL;
        size_t len = 0;

        *e = (struct expected) { .offline = hwloc_bitmap_alloc() };
        ck_assert_int_ge(asprintf(&path, "%s/topologies/%s.xml", tl_shared_dir(), name), 0);
        f = fopen(path, "re");
        if (f)
                e->xml = true;
        else {
                free(path);
                ck_assert_int_ge(asprintf(&path, "%s/topologies/%s.console", tl_shared_dir(), name), 0);
                f = fopen(path, "re");
        }
        ck_assert_msg(f, "%s has neither .xml nor .console", name);
        while (getline(&line, &len, f) > 0) {
                struct exp_obj o = { .parent = -1 };
                bool ok;

                line[strcspn(line, "\n")] = 0;
                ok = e->xml ? parse_xml_line(line, &o, e) : parse_console_line(line, &o, e);

                if (!ok)
                        continue;
                for (int i = (int) e->n - 1; i >= 0; i--)
                        if (e->objs[i].indent < o.indent) {
                                o.parent = i;
                                break;
                        }
                e->objs = realloc(e->objs, (e->n + 1) * sizeof(*e->objs));
                e->objs[e->n++] = o;
        }
        ck_assert_msg(e->n > 0, "%s: nothing parsed", path);
        free(line);
        fclose(f);
        free(path);
}

static void expected_done(struct expected *e)
{
        for (size_t i = 0; i < e->n; i++)
                hwloc_bitmap_free(e->objs[i].complete);
        free(e->objs);
        hwloc_bitmap_free(e->offline);
}

static bool is_below(const struct expected *e, int obj, int ancestor)
{
        for (int i = e->objs[obj].parent; i >= 0; i = e->objs[i].parent)
                if (i == ancestor)
                        return true;
        return false;
}

/* The OS numbers of the PUs below OBJ; for a NUMA node, those of the object it hangs
 * off (hwloc's memory children carry their parent's CPUs). */
static hwloc_bitmap_t expected_pus(const struct expected *e, int obj)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int top = e->objs[obj].type == EXP_NODE ? e->objs[obj].parent : obj;

        for (size_t i = 0; i < e->n; i++)
                if (e->objs[i].type == EXP_PU && is_below(e, (int) i, top))
                        hwloc_bitmap_set(set, (unsigned) e->objs[i].os_index);
        return set;
}

/* The logical index (L#) of an object: its rank among objects of its type. */
static int rank_of(const struct expected *e, int obj)
{
        int r = 0;

        for (int i = 0; i < obj; i++)
                r += e->objs[i].type == e->objs[obj].type;
        return r;
}

static int ancestor_rank(const struct expected *e, int obj, enum exp_type type)
{
        for (int i = e->objs[obj].parent; i >= 0; i = e->objs[i].parent)
                if (e->objs[i].type == type)
                        return rank_of(e, i);
        return -1;
}

static int count_type(const struct expected *e, enum exp_type type)
{
        int n = 0;

        for (size_t i = 0; i < e->n; i++)
                n += e->objs[i].type == type;
        return n;
}

/* The logical index of the NUMA node whose CPUs include CPU, -1 if none does. */
static int expected_node_of(const struct expected *e, unsigned cpu)
{
        int found = -1;

        for (size_t i = 0; i < e->n && found < 0; i++) {
                hwloc_bitmap_t pus;

                if (e->objs[i].type != EXP_NODE)
                        continue;
                pus = expected_pus(e, (int) i);
                if (hwloc_bitmap_isset(pus, cpu))
                        found = rank_of(e, (int) i);
                hwloc_bitmap_free(pus);
        }
        return found;
}

/* ---- Helpers ------------------------------------------------------------------ */

static void assert_set(hwloc_const_bitmap_t got, const char *want, const char *what)
{
        char *s = cpulist_format(got);

        ck_assert_msg(strcmp(s, want) == 0, "%s: got CPUs \"%s\", expected \"%s\"", what, s, want);
        free(s);
}

static void assert_sets_equal(hwloc_const_bitmap_t got, hwloc_const_bitmap_t want, const char *what)
{
        char *w = cpulist_format(want);

        assert_set(got, w, what);
        free(w);
}

struct capture {
        char *tmp;
        char *dir;
        struct topology *t;
        char *env[4];   /* variables set from NAME.test, unset when done */
        size_t n_env;
};

/* NAME.test gives the environment lstopo ran with (env: NAME="VALUE"). */
static void apply_test_env(const char *name, struct capture *c)
{
        char *path, *line = NULL;
        size_t len = 0;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/topologies/%s.test", tl_shared_dir(), name), 0);
        f = fopen(path, "re");
        free(path);
        if (!f)
                return;
        while (getline(&line, &len, f) > 0) {
                char *var, *value;

                if (strncmp(line, "env:", 4) != 0 || !strchr(line, '='))
                        continue;
                line[strcspn(line, "\n")] = 0;
                var = line + 4 + strspn(line + 4, " \t");
                value = strchr(var, '=');
                *value++ = 0;
                if (*value == '"' && value[strlen(value) - 1] == '"') {
                        value[strlen(value) - 1] = 0;
                        value++;
                }
                ck_assert_uint_lt(c->n_env, ELEMENTSOF(c->env));
                ck_assert_int_eq(setenv(var, value, 1), 0);
                c->env[c->n_env++] = strdup(var);
        }
        free(line);
        fclose(f);
}

static struct topology *load(const char *root_dir, const char *spec, hwloc_const_bitmap_t banned)
{
        struct topology_options opts = { .spec = spec, .banned = banned };
        struct irqbal_root root;
        struct topology *t = NULL;
        int r;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        r = topology_load(&root, &opts, &t);
        ck_assert_msg(r == 0, "loading %s (spec %s) failed: %s",
                      root_dir, spec ? spec : "none", strerror(-r));
        /* Everything is read at load: hwloc's objects are not kept. */
        ck_assert_ptr_null(t->hw);
        root_close(&root);
        return t;
}

/* Loads the machine of XML (text), written into a new directory *RET_DIR that is also
 * the (empty) root. */
static struct topology *load_xml_text(const char *xml, char **ret_dir)
{
        char *dir = tl_mkdtemp(), *path;
        struct topology *t;

        tl_write(dir, "machine.xml", "%s", xml);
        ck_assert_int_ge(asprintf(&path, "%s/machine.xml", dir), 0);
        t = load(dir, path, NULL);
        free(path);
        *ret_dir = dir;
        return t;
}

static int load_error(const char *root_dir, const char *spec)
{
        struct topology_options opts = { .spec = spec };
        struct irqbal_root root;
        struct topology *t = NULL;
        int r;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        r = topology_load(&root, &opts, &t);
        ck_assert_ptr_null(t);
        root_close(&root);
        return r;
}

static void capture_load(const char *name, struct capture *c)
{
        *c = (struct capture) {};
        apply_test_env(name, c);
        c->dir = tl_unpack_capture(name, &c->tmp);
        c->t = load(c->dir, NULL, NULL);
}

static void capture_done(struct capture *c)
{
        for (size_t i = 0; i < c->n_env; i++) {
                unsetenv(c->env[i]);
                free(c->env[i]);
        }
        topology_free(c->t);
        tl_rmtree(c->tmp);
        free(c->tmp);
        free(c->dir);
}

static char *to_json(const struct topology *t)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_writer_init(&w, out, false);
        topology_to_json(t, &w);
        return g_string_free(out, FALSE);
}

static char *to_text(const struct topology *t)
{
        GString *out = g_string_new(NULL);

        topology_to_text(t, out);
        return g_string_free(out, FALSE);
}

#define assert_contains(haystack, needle) \
        ck_assert_msg(strstr((haystack), (needle)), "expected\n%s\nin\n%s", (needle), (haystack))

/* What holds for every topology, whatever its source. */
static void check_invariants(const struct topology *t)
{
        hwloc_bitmap_t seen = hwloc_bitmap_alloc(), usable = hwloc_bitmap_alloc();

        ck_assert_int_eq((int) t->n_cpus, hwloc_bitmap_weight(t->all));
        ck_assert(hwloc_bitmap_isincluded(t->online, t->all));
        for (size_t i = 0; i < t->n_cpus; i++) {
                const struct topo_cpu *c = &t->cpus[i];

                ck_assert(i == 0 || t->cpus[i - 1].os_index < c->os_index);
                ck_assert_ptr_eq(topology_cpu(t, c->os_index), c);
                ck_assert_int_eq(hwloc_bitmap_isset(t->online, c->os_index), !(c->bans & CPU_BAN_OFFLINE));
                if (!c->bans)
                        hwloc_bitmap_set(usable, c->os_index);
                if (c->core >= 0)
                        ck_assert(hwloc_bitmap_isset(t->cores[c->core].pus, c->os_index));
                if (c->package >= 0)
                        ck_assert(hwloc_bitmap_isset(t->packages[c->package].cpus, c->os_index));
                if (c->node >= 0)
                        ck_assert(hwloc_bitmap_isset(t->nodes[c->node].cpus, c->os_index));
        }
        ck_assert(hwloc_bitmap_isequal(usable, t->usable));
        ck_assert_ptr_null(topology_cpu(t, hwloc_bitmap_last(t->all) + 1));
        /* Every CPU is in at most one node. */
        for (size_t i = 0; i < t->n_nodes; i++) {
                ck_assert(!hwloc_bitmap_intersects(seen, t->nodes[i].cpus));
                hwloc_bitmap_or(seen, seen, t->nodes[i].cpus);
        }
        ck_assert(hwloc_bitmap_isincluded(seen, t->all));
        for (size_t i = 0; i < t->n_cores; i++) {
                const struct topo_core *c = &t->cores[i];

                ck_assert(!hwloc_bitmap_iszero(c->pus));
                if (c->package >= 0)
                        ck_assert(hwloc_bitmap_isincluded(c->pus, t->packages[c->package].cpus));
                if (c->node >= 0)
                        ck_assert(hwloc_bitmap_isincluded(c->pus, t->nodes[c->node].cpus));
                if (c->l3 >= 0) {
                        ck_assert_uint_eq(t->caches[c->l3].level, 3);
                        ck_assert(hwloc_bitmap_isincluded(c->pus, t->caches[c->l3].cpus));
                }
                if (c->l2 >= 0) {
                        ck_assert_uint_eq(t->caches[c->l2].level, 2);
                        ck_assert(hwloc_bitmap_isincluded(c->pus, t->caches[c->l2].cpus));
                }
        }
        hwloc_bitmap_free(seen);
        hwloc_bitmap_free(usable);
}

/* Holds the model to what lstopo printed for the same machine. */
static void check_against_expected(const struct topology *t, const struct expected *e, const char *name)
{
        hwloc_bitmap_t pus = hwloc_bitmap_alloc();
        char what[256];

        check_invariants(t);
        ck_assert_msg((int) t->n_packages == count_type(e, EXP_PACKAGE),
                      "%s: %zu packages", name, t->n_packages);
        ck_assert_msg((int) t->n_nodes == count_type(e, EXP_NODE), "%s: %zu nodes", name, t->n_nodes);
        ck_assert_msg((int) t->n_cores == count_type(e, EXP_CORE), "%s: %zu cores", name, t->n_cores);
        ck_assert_msg((int) t->n_caches == count_type(e, EXP_L3) + count_type(e, EXP_L2),
                      "%s: %zu caches", name, t->n_caches);
        ck_assert_msg(hwloc_bitmap_weight(t->online) == count_type(e, EXP_PU),
                      "%s: %d CPUs online", name, hwloc_bitmap_weight(t->online));

        for (size_t i = 0; i < e->n; i++) {
                const struct exp_obj *o = &e->objs[i];
                int r = rank_of(e, (int) i);
                hwloc_bitmap_t want = o->type == EXP_PU || o->type == EXP_PCI ? NULL
                                                                              : expected_pus(e, (int) i);

                snprintf(what, sizeof(what), "%s line %zu (L#%d P#%d)", name, i, r, o->os_index);
                switch (o->type) {
                case EXP_PACKAGE:
                        ck_assert_msg(t->packages[r].os_index == o->os_index, "%s: package id", what);
                        assert_sets_equal(t->packages[r].cpus, want, what);
                        break;
                case EXP_NODE:
                        ck_assert_msg(t->nodes[r].os_index == o->os_index, "%s: node id", what);
                        assert_sets_equal(t->nodes[r].cpus, want, what);
                        break;
                case EXP_L3:
                case EXP_L2: {
                        size_t k = o->type == EXP_L3 ? (size_t) r : (size_t) (count_type(e, EXP_L3) + r);

                        ck_assert_uint_eq(t->caches[k].level, o->type == EXP_L3 ? 3 : 2);
                        ck_assert_msg(t->caches[k].size == o->size,
                                      "%s: cache size %llu", what, t->caches[k].size);
                        assert_sets_equal(t->caches[k].cpus, want, what);
                        break;
                }
                case EXP_CORE: {
                        const struct topo_core *c = &t->cores[r];

                        ck_assert_msg(c->os_index == o->os_index, "%s: core id %d", what, c->os_index);
                        assert_sets_equal(c->pus, want, what);
                        ck_assert_int_eq(c->package, ancestor_rank(e, (int) i, EXP_PACKAGE));
                        ck_assert_int_eq(c->l3, ancestor_rank(e, (int) i, EXP_L3));
                        ck_assert_int_eq(c->l2, ancestor_rank(e, (int) i, EXP_L2) < 0 ? -1 :
                                         count_type(e, EXP_L3) + ancestor_rank(e, (int) i, EXP_L2));
                        ck_assert_int_eq(c->node, expected_node_of(e, hwloc_bitmap_first(c->pus)));
                        break;
                }
                case EXP_PU: {
                        const struct topo_cpu *c = topology_cpu(t, (unsigned) o->os_index);

                        ck_assert_msg(c, "%s: CPU missing", what);
                        ck_assert_int_eq(c->bans, 0);
                        ck_assert_int_eq(c->core, ancestor_rank(e, (int) i, EXP_CORE));
                        ck_assert_int_eq(c->package, ancestor_rank(e, (int) i, EXP_PACKAGE));
                        ck_assert_int_eq(c->node, expected_node_of(e, (unsigned) o->os_index));
                        ck_assert_int_ge(c->node, 0);
                        hwloc_bitmap_set(pus, (unsigned) o->os_index);
                        break;
                }
                default:
                        break;
                }
                hwloc_bitmap_free(want);
        }
        assert_sets_equal(t->online, pus, "online CPUs are lstopo's PUs");
        hwloc_bitmap_or(pus, pus, e->offline);
        assert_sets_equal(t->all, pus, "all CPUs are the PUs plus the offline ones");
        hwloc_bitmap_free(pus);
}

/* Each PCI device's node as lstopo placed it: the NUMA node attached right at the
 * first non-I/O object above it (none if it spans several). */
static void check_pci_against_expected(const struct topology *t, const struct expected *e, const char *name)
{
        unsigned checked = 0;

        for (size_t i = 0; i < e->n; i++) {
                int near, want_node = -1, n_nodes = 0, node = -2;

                if (e->objs[i].type != EXP_PCI)
                        continue;
                near = e->objs[i].parent;
                while (e->objs[near].type == EXP_PCI || e->objs[near].type == EXP_IO)
                        near = e->objs[near].parent;
                for (size_t k = 0; k < e->n; k++)
                        if (e->objs[k].type == EXP_NODE && e->objs[k].parent == near) {
                                want_node = e->objs[k].os_index;
                                n_nodes++;
                        }
                ck_assert_msg(topology_pci_node(t, e->objs[i].busid, &node) == 0,
                              "%s: PCI device %s unknown", name, e->objs[i].busid);
                ck_assert_msg(node == (n_nodes == 1 ? want_node : -1), "%s: PCI device %s on node %d",
                              name, e->objs[i].busid, node);
                checked++;
        }
        ck_assert_msg(!e->xml || checked > 0, "%s: no PCI device checked", name);
}

/* Also runs while the suite is built, outside any test: no ck_assert here. */
static size_t list_shared(const char *suffix, glob_t *g)
{
        char *pattern;
        int r;

        if (asprintf(&pattern, "%s/topologies/*%s", tl_shared_dir(), suffix) < 0)
                abort();
        r = glob(pattern, 0, NULL, g);
        free(pattern);
        return r == 0 ? g->gl_pathc : 0;
}

/* NAME of the I-th shared file ending in SUFFIX, malloc'd. */
static char *shared_name(const char *suffix, size_t i)
{
        glob_t g;
        char *base, *name;

        ck_assert_uint_gt(list_shared(suffix, &g), i);
        base = strrchr(g.gl_pathv[i], '/') + 1;
        name = strndup(base, strlen(base) - strlen(suffix));
        globfree(&g);
        return name;
}

/* ---- Tests -------------------------------------------------------------------- */

START_TEST(shared_captures_are_present)
{
        static const char *const known[] = { OFFLINES, SHARED_L2, FOUR_BY_TWO, NVME_BOX, PCI_LOCALITY };
        glob_t g;

        ck_assert_uint_ge(list_shared(".tar.bz2", &g), ELEMENTSOF(known));
        globfree(&g);
        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                struct expected e;

                expected_load(known[i], &e);
                expected_done(&e);
        }
}
END_TEST

START_TEST(every_capture_matches_lstopo)
{
        char *name = shared_name(".tar.bz2", (size_t) _i);
        struct expected e;
        struct capture c;

        capture_load(name, &c);
        expected_load(name, &e);
        check_against_expected(c.t, &e, name);
        if (e.xml)
                check_pci_against_expected(c.t, &e, name);
        ck_assert(strstr(c.t->source, "sysfs capture"));
        expected_done(&e);
        capture_done(&c);
        free(name);
}
END_TEST

/* The shared XML files were written by hwloc 3, whose format version (3.0) hwloc 2
 * refuses outright; the objects we read (machine, packages, nodes, caches, cores, PUs,
 * PCI devices) are written the same way in both. */
static char *xml_as_version_2(const char *name, const char *dir)
{
        static const char v3[] = "<topology version=\"3.0\">";
        char *path, *text, *at;

        ck_assert_int_ge(asprintf(&path, "%s/topologies/%s.xml", tl_shared_dir(), name), 0);
        text = tl_read(path);
        free(path);
        at = strstr(text, v3);
        ck_assert_ptr_nonnull(at);
        memcpy(at + strlen("<topology version=\""), "2.0", 3);
        tl_write(dir, "machine.xml", "%s", text);
        free(text);
        ck_assert_int_ge(asprintf(&path, "%s/machine.xml", dir), 0);
        return path;
}

START_TEST(every_xml_loads_as_spec)
{
        char *name = shared_name(".xml", (size_t) _i), *dir = tl_mkdtemp(), *path;
        struct topology *t;
        struct expected e;

        path = xml_as_version_2(name, dir);
        /* The root is a simulator's empty tree: the XML alone describes the machine. */
        t = load(dir, path, NULL);
        expected_load(name, &e);
        check_against_expected(t, &e, name);
        check_pci_against_expected(t, &e, name);
        ck_assert(strncmp(t->source, "xml ", 4) == 0);
        expected_done(&e);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
        free(path);
        free(name);
}
END_TEST

START_TEST(xml_from_a_newer_hwloc_is_refused)
{
        char *dir = tl_mkdtemp(), *path;

        ck_assert_int_ge(asprintf(&path, "%s/topologies/%s.xml", tl_shared_dir(), NVME_BOX), 0);
        ck_assert_int_eq(load_error(dir, path), -EINVAL);
        tl_rmtree(dir);
        free(dir);
        free(path);
}
END_TEST

/* Two packages of one core of two PUs, without the package and core ids a kernel can
 * fail to give (hwloc then has HWLOC_UNKNOWN_INDEX); one node for both packages. */
static const char no_ids_xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
        "<topology version=\"2.0\">\n"
        " <object type=\"Machine\" os_index=\"0\" cpuset=\"0xf\" complete_cpuset=\"0xf\" nodeset=\"0x1\" complete_nodeset=\"0x1\">\n"
        "  <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0xf\" complete_cpuset=\"0xf\" nodeset=\"0x1\" complete_nodeset=\"0x1\"/>\n"
        "  <object type=\"Package\" cpuset=\"0x3\" complete_cpuset=\"0x3\">\n"
        "   <object type=\"Core\" cpuset=\"0x3\" complete_cpuset=\"0x3\">\n"
        "    <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\"/>\n"
        "    <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\"/>\n"
        "   </object>\n"
        "  </object>\n"
        "  <object type=\"Package\" cpuset=\"0xc\" complete_cpuset=\"0xc\">\n"
        "   <object type=\"Core\" cpuset=\"0xc\" complete_cpuset=\"0xc\">\n"
        "    <object type=\"PU\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\"/>\n"
        "    <object type=\"PU\" os_index=\"3\" cpuset=\"0x8\" complete_cpuset=\"0x8\"/>\n"
        "   </object>\n"
        "  </object>\n"
        " </object>\n"
        "</topology>\n";

START_TEST(machine_without_cores_lists_its_cpus)
{
        char *dir = tl_mkdtemp(), *text;
        struct topology *t = load(dir, "synthetic:pack:2 l3:1 pu:2", NULL);

        check_invariants(t);
        ck_assert_uint_eq(t->n_cores, 0);
        ck_assert_int_eq(topology_cpu(t, 3)->core, -1);
        ck_assert_int_eq(topology_cpu(t, 3)->package, 1);
        text = to_text(t);
        assert_contains(text, "): 1 node, 2 packages, 0 cores, 4 CPUs (4 online, 4 usable)\n"
                              "  Node 0: CPUs 0-3\n"
                              "    Package 0: CPUs 0-1\n"
                              "      L3 (16 MiB): CPUs 0-1\n"
                              "        CPU 0\n"
                              "        CPU 1\n"
                              "    Package 1: CPUs 2-3\n");
        free(text);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(objects_without_kernel_ids)
{
        char *dir, *text, *json;
        struct topology *t = load_xml_text(no_ids_xml, &dir);

        check_invariants(t);
        ck_assert_int_eq(t->packages[1].os_index, -1);
        ck_assert_int_eq(t->cores[1].os_index, -1);
        ck_assert_int_eq(t->cores[1].package, 1);
        ck_assert_int_eq(t->cores[1].node, 0);

        text = to_text(t);
        /* A node holding several packages is printed above them. */
        assert_contains(text, "): 1 node, 2 packages, 2 cores, 4 CPUs (4 online, 4 usable)\n"
                              "  Node 0: CPUs 0-3\n"
                              "    Package L#0: CPUs 0-1\n"
                              "      Core L#0: CPUs 0-1\n"
                              "    Package L#1: CPUs 2-3\n"
                              "      Core L#1: CPUs 2-3\n");
        json = to_json(t);
        /* The XML names no CPU model either. */
        assert_contains(json, "\"packages\":[{\"id\":null,\"cpus\":\"0-1\",\"model\":null},"
                              "{\"id\":null,\"cpus\":\"2-3\",\"model\":null}]");
        assert_contains(json, "\"cores\":[{\"package\":null,\"node\":0,\"id\":null,\"pus\":\"0-1\"},");
        free(text);
        free(json);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(offline_cpus_are_known_but_not_online)
{
        struct irqbal_root root;
        struct capture c;

        capture_load(OFFLINES, &c);
        assert_set(c.t->all, "0-15", "all");
        assert_set(c.t->online, "0-1,3-4,6-12,15", "online");
        assert_set(c.t->usable, "0-1,3-4,6-12,15", "usable");
        for (unsigned cpu = 0; cpu < 16; cpu++) {
                bool offline = cpu == 2 || cpu == 5 || cpu == 13 || cpu == 14;

                ck_assert_uint_eq(topology_cpu(c.t, cpu)->bans, offline ? CPU_BAN_OFFLINE : 0u);
        }
        /* sysfs says nothing of where an offline CPU sits. */
        ck_assert_int_eq(topology_cpu(c.t, 2)->core, -1);
        ck_assert_int_eq(topology_cpu(c.t, 2)->package, -1);
        ck_assert_int_eq(topology_cpu(c.t, 2)->node, -1);
        /* Package numbering follows the kernel, not hwloc's order: L#2 is P#3. */
        ck_assert_int_eq(c.t->packages[2].os_index, 3);
        assert_set(c.t->packages[2].cpus, "3,7,11,15", "package P#3");
        /* A full refresh starts again from the CPUs hwloc saw online at load. */
        ck_assert_int_eq(root_open(&root, c.dir), 0);
        ck_assert_int_eq(topology_refresh(c.t, &root, NULL, true), 0);
        assert_set(c.t->online, "0-1,3-4,6-12,15", "online after a full refresh");
        root_close(&root);
        capture_done(&c);
}
END_TEST

START_TEST(two_dies_per_socket_share_l2_between_two_cores)
{
        struct capture c;
        char *text;

        capture_load(SHARED_L2, &c);
        ck_assert_uint_eq(c.t->n_caches, 4);
        for (size_t i = 0; i < c.t->n_caches; i++) {
                ck_assert_uint_eq(c.t->caches[i].level, 2);
                ck_assert_uint_eq(c.t->caches[i].size, 4096 * 1024);
        }
        /* CPUs 0 and 4 are one die: core numbering is not CPU numbering. */
        assert_set(c.t->caches[0].cpus, "0,4", "first die");
        ck_assert_int_eq(c.t->cores[0].l2, 0);
        ck_assert_int_eq(c.t->cores[1].l2, 0);
        ck_assert_int_eq(c.t->cores[2].l2, 1);
        ck_assert_int_eq(c.t->cores[0].l3, -1);
        assert_set(c.t->packages[0].cpus, "0,2,4,6", "package 0");
        ck_assert_int_eq(topology_cpu(c.t, 4)->core, 1);

        text = to_text(c.t);
        assert_contains(text, "Machine (sysfs capture ");
        assert_contains(text, "): 1 node, 2 packages, 8 cores, 8 CPUs (8 online, 8 usable)\n");
        assert_contains(text, "\n  Node 0: CPUs 0-7\n"
                              "    Package 0: CPUs 0,2,4,6\n"
                              "      L2 (4 MiB): CPUs 0,4\n"
                              "        Core 0: CPUs 0\n"
                              "        Core 1: CPUs 4\n"
                              "      L2 (4 MiB): CPUs 2,6\n");
        ck_assert(!strstr(text, "Banned CPUs"));
        free(text);
        capture_done(&c);
}
END_TEST

START_TEST(four_packages_with_two_nodes_each)
{
        struct capture c;
        char *text;

        capture_load(FOUR_BY_TWO, &c);
        ck_assert_uint_eq(c.t->n_packages, 4);
        ck_assert_uint_eq(c.t->n_nodes, 8);
        for (size_t p = 0; p < 4; p++) {
                hwloc_bitmap_t both = hwloc_bitmap_alloc();

                hwloc_bitmap_or(both, c.t->nodes[2 * p].cpus, c.t->nodes[2 * p + 1].cpus);
                ck_assert(hwloc_bitmap_isequal(both, c.t->packages[p].cpus));
                hwloc_bitmap_free(both);
        }
        ck_assert_int_eq(c.t->cores[9].node, 1);
        ck_assert_int_eq(c.t->cores[9].package, 0);

        text = to_text(c.t);
        assert_contains(text, "): 8 nodes, 4 packages, 64 cores, 64 CPUs (64 online, 64 usable)\n");
        /* The package is above its two nodes; each node above the L3 it hangs off. */
        assert_contains(text, "\n  Package 0: CPUs 0-15\n"
                              "    Node 0: CPUs 0-7\n"
                              "      L3 (6 MiB): CPUs 0-7\n"
                              "        L2 (2 MiB): CPUs 0-1\n"
                              "          Core 0: CPUs 0\n"
                              "          Core 1: CPUs 1\n");
        assert_contains(text, "          Core 7: CPUs 15\n"
                              "  Package 1: CPUs 16-31\n"
                              "    Node 2: CPUs 16-23\n");
        free(text);
        capture_done(&c);
}
END_TEST

START_TEST(nvme_locality_is_its_package_node)
{
        struct capture c;
        int node = -2;

        capture_load(NVME_BOX, &c);
        ck_assert_int_eq(topology_pci_node(c.t, "0000:00:02.0", &node), 0);
        ck_assert_int_eq(node, 0);
        /* The InfiniBand card sits on the second socket. */
        ck_assert_int_eq(topology_pci_node(c.t, "0000:82:00.0", &node), 0);
        ck_assert_int_eq(node, 1);
        /* Uncore devices hang off the machine: near every CPU, on no one node. */
        ck_assert_int_eq(topology_pci_node(c.t, "0000:7f:08.0", &node), 0);
        ck_assert_int_eq(node, -1);
        /* A USB controller is not an "important" class for hwloc, but has IRQs. */
        ck_assert_int_eq(topology_pci_node(c.t, "0000:00:1a.0", &node), 0);
        ck_assert_int_eq(node, 0);
        ck_assert_int_eq(topology_pci_node(c.t, "0000:42:00.0", &node), -ENOENT);
        /* Without a domain, the address is in domain 0, as hwloc reads it. */
        node = -2;
        ck_assert_int_eq(topology_pci_node(c.t, "00:02.0", &node), 0);
        ck_assert_int_eq(node, 0);
        ck_assert_int_eq(topology_pci_node(c.t, "82:00.0", &node), 0);
        ck_assert_int_eq(node, 1);
        ck_assert_int_eq(topology_pci_node(c.t, "0001:82:00.0", NULL), -ENOENT);
        /* Not an address, or one no device can have (bus 0x182 is not bus 0x82). */
        ck_assert_int_eq(topology_pci_node(c.t, "nvme0n1", &node), -ENOENT);
        ck_assert_int_eq(topology_pci_node(c.t, "", &node), -ENOENT);
        ck_assert_int_eq(topology_pci_node(c.t, "0000:182:00.0", &node), -ENOENT);
        capture_done(&c);
}
END_TEST

START_TEST(forced_pci_locality_spans_a_group_of_packages)
{
        struct capture c;
        int node = -2;

        capture_load(PCI_LOCALITY, &c);
        ck_assert_ptr_nonnull(getenv("HWLOC_PCI_LOCALITY"));
        /* Near CPUs 0,2,4 … 38 (the NIC) and 1,3,5 … 39 (the InfiniBand card): two
         * packages each, so no one node. */
        ck_assert_int_eq(topology_pci_node(c.t, "0000:02:00.0", &node), 0);
        ck_assert_int_eq(node, -1);
        node = -2;
        ck_assert_int_eq(topology_pci_node(c.t, "0000:43:00.0", &node), 0);
        ck_assert_int_eq(node, -1);
        /* Package numbering is not CPU numbering: package 0 has every fourth CPU. */
        assert_set(c.t->packages[0].cpus, "0,4,8,12,16,20,24,28,32,36", "package 0");
        capture_done(&c);
}
END_TEST

START_TEST(synthetic_two_packages_four_nodes_smt)
{
        char *dir = tl_mkdtemp();
        struct topology *t = load(dir, "synthetic:\"pack:2 numa:2 core:8 pu:2\"", NULL);
        int node;
        char *text;

        check_invariants(t);
        ck_assert_str_eq(t->source, "synthetic \"pack:2 numa:2 core:8 pu:2\"");
        ck_assert_uint_eq(t->n_packages, 2);
        ck_assert_uint_eq(t->n_nodes, 4);
        ck_assert_uint_eq(t->n_cores, 32);
        ck_assert_uint_eq(t->n_cpus, 64);
        assert_set(t->usable, "0-63", "usable");
        assert_set(t->cores[0].pus, "0-1", "SMT siblings of core 0");
        assert_set(t->cores[31].pus, "62-63", "SMT siblings of the last core");
        assert_set(t->nodes[1].cpus, "16-31", "node 1");
        ck_assert_ptr_eq(topology_node(t, 1), &t->nodes[1]);
        ck_assert_ptr_null(topology_node(t, 4));
        ck_assert_ptr_null(topology_node(t, -1));
        ck_assert_int_eq(t->cores[8].node, 1);
        ck_assert_int_eq(t->cores[8].package, 0);
        ck_assert_int_eq(t->cores[16].package, 1);
        ck_assert_int_eq(topology_cpu(t, 17)->core, 8);
        /* Synthetic machines have no PCI devices. */
        ck_assert_int_eq(topology_pci_node(t, "0000:00:00.0", &node), -ENOENT);

        text = to_text(t);
        /* Nodes inside a package are printed below it, each above its cores. */
        assert_contains(text, "\n  Package 0: CPUs 0-31\n"
                              "    Node 0: CPUs 0-15\n"
                              "      Core 0: CPUs 0-1\n");
        assert_contains(text, "      Core 7: CPUs 14-15\n"
                              "    Node 1: CPUs 16-31\n"
                              "      Core 8: CPUs 16-17\n");
        free(text);
        topology_free(t);

        /* Unquoted works too. */
        t = load(dir, "synthetic:pack:1 core:2 pu:1", NULL);
        ck_assert_uint_eq(t->n_cpus, 2);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

/* Memory without CPUs: a CXL expander serving the whole machine, and persistent memory
 * (subtype NVM) beside package 1's DRAM, listed before it. A NIC on package 0 and a
 * USB controller on the machine. */
static const char memory_nodes_xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
        "<topology version=\"2.0\">\n"
        " <object type=\"Machine\" os_index=\"0\" cpuset=\"0xf\" complete_cpuset=\"0xf\" nodeset=\"0xf\" complete_nodeset=\"0xf\">\n"
        "  <object type=\"NUMANode\" os_index=\"2\" subtype=\"CXL-DRAM\" cpuset=\"0xf\" complete_cpuset=\"0xf\" nodeset=\"0x4\" complete_nodeset=\"0x4\"/>\n"
        "  <object type=\"Package\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\" complete_nodeset=\"0x1\">\n"
        "   <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\" complete_nodeset=\"0x1\"/>\n"
        "   <object type=\"Core\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\">\n"
        "    <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\"/>\n"
        "    <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\"/>\n"
        "   </object>\n"
        "   <object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[00-00]\">\n"
        "    <object type=\"PCIDev\" pci_busid=\"0000:00:01.0\" pci_type=\"0200 [8086:1521] [0000:0000] 00 00\" pci_link_speed=\"0.0\"/>\n"
        "   </object>\n"
        "  </object>\n"
        "  <object type=\"Package\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0xa\" complete_nodeset=\"0xa\">\n"
        "   <object type=\"NUMANode\" os_index=\"3\" subtype=\"NVM\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x8\" complete_nodeset=\"0x8\"/>\n"
        "   <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x2\" complete_nodeset=\"0x2\"/>\n"
        "   <object type=\"Core\" os_index=\"0\" cpuset=\"0xc\" complete_cpuset=\"0xc\">\n"
        "    <object type=\"PU\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\"/>\n"
        "    <object type=\"PU\" os_index=\"3\" cpuset=\"0x8\" complete_cpuset=\"0x8\"/>\n"
        "   </object>\n"
        "  </object>\n"
        "  <object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[80-80]\">\n"
        "   <object type=\"PCIDev\" pci_busid=\"0000:80:01.0\" pci_type=\"0c03 [8086:1d2d] [0000:0000] 00 00\" pci_link_speed=\"0.0\"/>\n"
        "  </object>\n"
        " </object>\n"
        "</topology>\n";

/* The same address on both packages, which only a hand-written XML file can say. */
static const char repeated_pci_address_xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
        "<topology version=\"2.0\">\n"
        " <object type=\"Machine\" os_index=\"0\" cpuset=\"0xf\" complete_cpuset=\"0xf\" nodeset=\"0x3\" complete_nodeset=\"0x3\">\n"
        "  <object type=\"Package\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\" complete_nodeset=\"0x1\">\n"
        "   <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0x3\" nodeset=\"0x1\" complete_nodeset=\"0x1\"/>\n"
        "   <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\"/>\n"
        "   <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\"/>\n"
        "   <object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[00-00]\">\n"
        "    <object type=\"PCIDev\" pci_busid=\"0000:00:01.0\" pci_type=\"0200 [8086:1521] [0000:0000] 00 00\" pci_link_speed=\"0.0\"/>\n"
        "   </object>\n"
        "  </object>\n"
        "  <object type=\"Package\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x2\" complete_nodeset=\"0x2\">\n"
        "   <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0xc\" complete_cpuset=\"0xc\" nodeset=\"0x2\" complete_nodeset=\"0x2\"/>\n"
        "   <object type=\"PU\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\"/>\n"
        "   <object type=\"PU\" os_index=\"3\" cpuset=\"0x8\" complete_cpuset=\"0x8\"/>\n"
        "   <object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[00-00]\">\n"
        "    <object type=\"PCIDev\" pci_busid=\"0000:00:01.0\" pci_type=\"0200 [8086:1521] [0000:0000] 00 00\" pci_link_speed=\"0.0\"/>\n"
        "   </object>\n"
        "  </object>\n"
        " </object>\n"
        "</topology>\n";

/* hwloc answers with the first device it walks at an address, the one on package 0
 * (node 0; the second is on node 1). */
START_TEST(repeated_pci_address_is_the_first_device)
{
        char *dir;
        struct topology *t = load_xml_text(repeated_pci_address_xml, &dir);
        int node = -2;

        ck_assert_uint_eq(t->n_pci_devices, 1);
        ck_assert_int_eq(topology_pci_node(t, "0000:00:01.0", &node), 0);
        ck_assert_int_eq(node, 0);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

static int node_id_of(const struct topology *t, int node)
{
        ck_assert_int_ge(node, 0);
        ck_assert_int_lt(node, (int) t->n_nodes);
        return t->nodes[node].os_index;
}

static hwloc_const_bitmap_t cpus_of_node_id(const struct topology *t, int id)
{
        for (size_t i = 0; i < t->n_nodes; i++)
                if (t->nodes[i].os_index == id)
                        return t->nodes[i].cpus;
        ck_abort_msg("no node %d", id);
        return NULL;
}

START_TEST(memory_only_nodes_own_no_cpus)
{
        char *dir, *text;
        struct topology *t = load_xml_text(memory_nodes_xml, &dir);
        int node = -2;

        check_invariants(t);
        ck_assert_uint_eq(t->n_nodes, 4);
        /* Each CPU belongs to the most local node, and DRAM wins over memory beside it. */
        ck_assert_int_eq(node_id_of(t, topology_cpu(t, 0)->node), 0);
        ck_assert_int_eq(node_id_of(t, topology_cpu(t, 3)->node), 1);
        ck_assert_int_eq(node_id_of(t, t->cores[1].node), 1);
        assert_set(cpus_of_node_id(t, 0), "0-1", "node 0");
        assert_set(cpus_of_node_id(t, 1), "2-3", "node 1");
        assert_set(cpus_of_node_id(t, 2), "", "CXL node");
        assert_set(cpus_of_node_id(t, 3), "", "NVM node");

        ck_assert_int_eq(topology_pci_node(t, "0000:00:01.0", &node), 0);
        ck_assert_int_eq(node, 0);
        /* The CXL node covers the USB controller's CPUs (0-3) but owns none of them. */
        ck_assert_int_eq(topology_pci_node(t, "0000:80:01.0", &node), 0);
        ck_assert_int_eq(node, -1);

        text = to_text(t);
        assert_contains(text, "\n  Node 2: no CPUs\n"
                              "    Node 0: CPUs 0-1\n"
                              "      Package 0: CPUs 0-1\n"
                              "        Core 0: CPUs 0-1\n"
                              "    Node 3: no CPUs\n"
                              "    Node 1: CPUs 2-3\n"
                              "      Package 1: CPUs 2-3\n");
        free(text);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(bad_sources_fail_with_errors)
{
        char *dir = tl_mkdtemp(), *xml;

        ck_assert_int_eq(load_error(dir, "synthetic:\"pack:2 bogus:3\""), -EINVAL);
        ck_assert_int_eq(load_error(dir, "/nonexistent/machine.xml"), -ENOENT);
        tl_write(dir, "garbage.xml", "this is not XML\n");
        ck_assert_int_ge(asprintf(&xml, "%s/garbage.xml", dir), 0);
        ck_assert_int_lt(load_error(dir, xml), 0);
        /* A root that is neither "/" nor a sysfs capture, without --topology. */
        ck_assert_int_eq(load_error(dir, NULL), -ENOENT);
        free(xml);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(capture_is_not_mixed_with_the_host)
{
        struct capture c;
        char *json;

        capture_load(SHARED_L2, &c);
        /* hwloc's x86 component would read this host's CPUID into the capture: the
         * model would be the host's, not the captured machine's. */
        for (size_t i = 0; i < c.t->n_packages; i++) {
                const char *model = c.t->packages[i].model;

                ck_assert_ptr_nonnull(model);
                ck_assert_msg(strstr(model, "E5345"), "package %zu is a \"%s\"", i, model);
        }
        json = to_json(c.t);
        assert_contains(json, "\"cpus\":\"0,2,4,6\","
                              "\"model\":\"Intel(R) Xeon(R) CPU           E5345  @ 2.33GHz\"}");
        free(json);
        capture_done(&c);
}
END_TEST

START_TEST(capture_load_restores_the_environment)
{
        struct capture c;

        ck_assert_int_eq(setenv("HWLOC_FSROOT", "/elsewhere", 1), 0);
        ck_assert_int_eq(unsetenv("HWLOC_COMPONENTS"), 0);
        capture_load(SHARED_L2, &c);
        ck_assert_str_eq(getenv("HWLOC_FSROOT"), "/elsewhere");
        ck_assert_ptr_null(getenv("HWLOC_COMPONENTS"));
        capture_done(&c);
        unsetenv("HWLOC_FSROOT");
}
END_TEST

#define SMALL "synthetic:pack:1 core:4 pu:2"

START_TEST(bans_are_recorded_per_cpu_with_every_reason)
{
        char *dir = tl_mkdtemp(), *json, *text;
        hwloc_bitmap_t admin = hwloc_bitmap_alloc();
        struct topology *t;

        tl_write(dir, "sys/devices/system/cpu/isolated", "2-3\n");
        tl_write(dir, "sys/devices/system/cpu/nohz_full", "3\n");
        tl_write(dir, "sys/fs/cgroup/cpuset.cpus.isolated", "5\n");
        hwloc_bitmap_set(admin, 7);
        t = load(dir, SMALL, admin);
        check_invariants(t);
        ck_assert_uint_eq(topology_cpu(t, 2)->bans, CPU_BAN_ISOLATED);
        ck_assert_uint_eq(topology_cpu(t, 3)->bans, CPU_BAN_ISOLATED | CPU_BAN_NOHZ_FULL);
        ck_assert_uint_eq(topology_cpu(t, 5)->bans, CPU_BAN_CGROUP_ISOLATED);
        ck_assert_uint_eq(topology_cpu(t, 7)->bans, CPU_BAN_ADMIN);
        assert_set(t->online, "0-7", "online");
        assert_set(t->usable, "0-1,4,6", "usable");

        json = to_json(t);
        assert_contains(json, "\"usable_cpus\":\"0-1,4,6\"");
        assert_contains(json, "\"online_cpus\":\"0-7\"");
        assert_contains(json, "\"banned_cpus\":[{\"cpu\":2,\"reasons\":[\"isolated\"]},"
                              "{\"cpu\":3,\"reasons\":[\"isolated\",\"nohz_full\"]},"
                              "{\"cpu\":5,\"reasons\":[\"cgroup_isolated\"]},"
                              "{\"cpu\":7,\"reasons\":[\"admin\"]}]");
        text = to_text(t);
        assert_contains(text, "(8 online, 4 usable)\n");
        assert_contains(text, "\nBanned CPUs:\n"
                              "  CPU 2: isolated\n"
                              "  CPU 3: isolated, nohz_full\n"
                              "  CPU 5: cgroup_isolated\n"
                              "  CPU 7: admin\n");
        free(json);
        free(text);
        topology_free(t);
        hwloc_bitmap_free(admin);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(missing_ban_files_mean_no_bans)
{
        char *dir = tl_mkdtemp(), *json;
        struct topology *t = load(dir, SMALL, NULL);

        assert_set(t->usable, "0-7", "usable");
        json = to_json(t);
        assert_contains(json, "\"banned_cpus\":[]");
        free(json);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(malformed_ban_file_is_ignored_and_others_still_apply)
{
        char *dir = tl_mkdtemp();
        hwloc_bitmap_t admin = hwloc_bitmap_alloc();
        struct topology *t;

        tl_write(dir, "sys/devices/system/cpu/isolated", "2-x\n");
        tl_write(dir, "sys/devices/system/cpu/nohz_full", "3\n");
        tl_write(dir, "sys/fs/cgroup/cpuset.cpus.isolated", "5\n");
        hwloc_bitmap_set(admin, 7);
        t = load(dir, SMALL, admin);
        ck_assert_uint_eq(topology_cpu(t, 2)->bans, 0);
        ck_assert_uint_eq(topology_cpu(t, 3)->bans, CPU_BAN_NOHZ_FULL);
        assert_set(t->usable, "0-2,4,6", "usable");
        topology_free(t);
        hwloc_bitmap_free(admin);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(nohz_full_null_means_none)
{
        char *dir = tl_mkdtemp();
        struct topology *t;

        /* What a kernel with NO_HZ_FULL but no nohz_full= on its command line prints. */
        tl_write(dir, "sys/devices/system/cpu/nohz_full", "(null)\n");
        t = load(dir, SMALL, NULL);
        assert_set(t->usable, "0-7", "usable");
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(bans_of_cpus_the_machine_lacks_are_ignored)
{
        char *dir = tl_mkdtemp();
        struct topology *t;

        tl_write(dir, "sys/devices/system/cpu/nohz_full", "1,100-127\n");
        t = load(dir, SMALL, NULL);
        check_invariants(t);
        assert_set(t->usable, "0,2-7", "usable");
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(root_online_file_takes_cpus_offline)
{
        char *dir = tl_mkdtemp(), *json;
        struct topology *t;

        /* A simulator unplugged CPU 6 of a synthetic machine. */
        tl_write(dir, "sys/devices/system/cpu/online", "0-5,7\n");
        tl_write(dir, "sys/devices/system/cpu/isolated", "6-7\n");
        t = load(dir, SMALL, NULL);
        check_invariants(t);
        assert_set(t->all, "0-7", "all");
        assert_set(t->online, "0-5,7", "online");
        assert_set(t->usable, "0-5", "usable");
        ck_assert_uint_eq(topology_cpu(t, 6)->bans, CPU_BAN_OFFLINE | CPU_BAN_ISOLATED);
        ck_assert_int_eq(topology_cpu(t, 6)->core, 3);
        json = to_json(t);
        assert_contains(json, "{\"cpu\":6,\"reasons\":[\"offline\",\"isolated\"]}");
        free(json);
        topology_free(t);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

/* A steady cycle's refresh reads only cgroup's isolated partitions, which change at
 * run time, and only where the file exists; a full one reads every file again. */
START_TEST(a_partial_refresh_reads_only_what_changes_at_run_time)
{
        char *dir = tl_mkdtemp();
        hwloc_bitmap_t admin = hwloc_bitmap_alloc();
        struct irqbal_root root;
        struct topology *t;

        tl_write(dir, "sys/devices/system/cpu/online", "0-7\n");
        tl_write(dir, "sys/devices/system/cpu/isolated", "2\n");
        hwloc_bitmap_set(admin, 7);
        t = load(dir, SMALL, admin);
        ck_assert(!topology_changes_at_run_time(t));
        ck_assert_int_eq(root_open(&root, dir), 0);

        /* No cgroup file: a partial refresh reads nothing, so sees no other change. */
        tl_write(dir, "sys/devices/system/cpu/online", "0-6\n");
        tl_write(dir, "sys/fs/cgroup/cpuset.cpus.isolated", "5\n");
        ck_assert_int_eq(topology_refresh(t, &root, admin, false), 0);
        assert_set(t->online, "0-7", "online");
        assert_set(t->usable, "0-1,3-6", "usable");

        /* A full one reads them all; from now on the cgroup file is read every time. */
        ck_assert_int_eq(topology_refresh(t, &root, admin, true), 1);
        ck_assert(topology_changes_at_run_time(t));
        assert_set(t->online, "0-6", "online");
        assert_set(t->usable, "0-1,3-4,6", "usable");
        ck_assert_uint_eq(topology_cpu(t, 7)->bans, CPU_BAN_OFFLINE | CPU_BAN_ADMIN);

        /* The partition moves to CPU 4 and isolated changes (it cannot, outside a
         * test): the partial refresh takes the first, keeps every other ban. */
        tl_write(dir, "sys/fs/cgroup/cpuset.cpus.isolated", "4\n");
        tl_write(dir, "sys/devices/system/cpu/isolated", "3\n");
        ck_assert_int_eq(topology_refresh(t, &root, admin, false), 1);
        assert_set(t->usable, "0-1,3,5-6", "usable");
        ck_assert_uint_eq(topology_cpu(t, 2)->bans, CPU_BAN_ISOLATED);
        ck_assert_uint_eq(topology_cpu(t, 5)->bans, 0);
        ck_assert_uint_eq(topology_cpu(t, 7)->bans, CPU_BAN_OFFLINE | CPU_BAN_ADMIN);
        ck_assert_int_eq(topology_refresh(t, &root, admin, false), 0);

        root_close(&root);
        topology_free(t);
        hwloc_bitmap_free(admin);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

START_TEST(json_has_every_member)
{
        struct capture c;
        char *json;

        capture_load(OFFLINES, &c);
        json = to_json(c.t);
        ck_assert_msg(strncmp(json, "{\"source\":\"sysfs capture ", 25) == 0, "%s", json);
        /* hwloc knows nothing of where an offline CPU sits, not even its node. */
        assert_contains(json, ",\"nodes\":[{\"id\":0,\"cpus\":\"0-1,3-4,6-12,15\"}],");
        /* Packages in hwloc's order, named by kernel id: the third is package 3. */
        assert_contains(json, ",\"packages\":[{\"id\":0,\"cpus\":\"0,4,8,12\",\"model\":" OFFLINES_MODEL "},"
                              "{\"id\":1,\"cpus\":\"1,9\",\"model\":" OFFLINES_MODEL "},"
                              "{\"id\":3,\"cpus\":\"3,7,11,15\",\"model\":" OFFLINES_MODEL "},"
                              "{\"id\":2,\"cpus\":\"6,10\",\"model\":" OFFLINES_MODEL "}],");
        assert_contains(json, ",\"caches\":[{\"level\":3,\"size\":4194304,\"cpus\":\"0,4,8,12\"},");
        assert_contains(json, "{\"level\":2,\"size\":1048576,\"cpus\":\"10\"}],");
        /* Cores name their package and node by kernel id too. */
        assert_contains(json, ",\"cores\":[{\"package\":0,\"node\":0,\"id\":0,\"pus\":\"0,8\"},");
        assert_contains(json, "{\"package\":2,\"node\":0,\"id\":0,\"pus\":\"10\"}],");
        assert_contains(json, ",\"online_cpus\":\"0-1,3-4,6-12,15\",\"usable_cpus\":\"0-1,3-4,6-12,15\","
                              "\"banned_cpus\":[{\"cpu\":2,\"reasons\":[\"offline\"]},"
                              "{\"cpu\":5,\"reasons\":[\"offline\"]},"
                              "{\"cpu\":13,\"reasons\":[\"offline\"]},"
                              "{\"cpu\":14,\"reasons\":[\"offline\"]}]}");
        free(json);
        capture_done(&c);
}
END_TEST

START_TEST(cpu_bans_read_as_words)
{
        char buf[128], small[10];

        ck_assert_str_eq(cpu_bans_to_string(0, buf, sizeof(buf)), "");
        ck_assert_str_eq(cpu_bans_to_string(CPU_BAN_ISOLATED | CPU_BAN_NOHZ_FULL, buf, sizeof(buf)),
                         "isolated, nohz_full");
        ck_assert_str_eq(cpu_bans_to_string(CPU_BAN_OFFLINE | CPU_BAN_CGROUP_ISOLATED | CPU_BAN_ADMIN,
                                            buf, sizeof(buf)),
                         "offline, cgroup_isolated, admin");
        /* Too small a buffer keeps whole words only. */
        ck_assert_str_eq(cpu_bans_to_string(CPU_BAN_OFFLINE | CPU_BAN_ISOLATED, small, sizeof(small)),
                         "offline");
}
END_TEST

START_TEST(live_machine_loads)
{
        struct topology *t = load("/", NULL, NULL);
        hwloc_bitmap_t in_nodes = hwloc_bitmap_alloc();
        char *text;

        check_invariants(t);
        ck_assert_str_eq(t->source, "host");
        ck_assert_int_ge(hwloc_bitmap_weight(t->usable), 1);
        ck_assert_uint_ge(t->n_nodes, 1);
        for (size_t i = 0; i < t->n_nodes; i++)
                hwloc_bitmap_or(in_nodes, in_nodes, t->nodes[i].cpus);
        ck_assert(hwloc_bitmap_isincluded(t->online, in_nodes));
        text = to_text(t);
        ck_assert(strncmp(text, "Machine (host): ", 16) == 0);
        free(text);
        hwloc_bitmap_free(in_nodes);
        topology_free(t);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("topology");
        TCase *captures = tcase_create("captures"), *sources = tcase_create("sources");
        TCase *bans = tcase_create("bans"), *output = tcase_create("output");
        glob_t g;
        size_t n_captures = list_shared(".tar.bz2", &g), n_xml;

        if (n_captures)
                globfree(&g);
        n_xml = list_shared(".xml", &g);
        if (n_xml)
                globfree(&g);

        /* A capture is up to 11,000 small files: unpacking one takes seconds on a slow
         * disk, beyond Check's default of 4. */
        tcase_set_timeout(captures, 120);
        tcase_add_test(captures, shared_captures_are_present);
        tcase_add_loop_test(captures, every_capture_matches_lstopo, 0, (int) n_captures);
        tcase_add_loop_test(captures, every_xml_loads_as_spec, 0, (int) n_xml);
        tcase_add_test(captures, xml_from_a_newer_hwloc_is_refused);
        tcase_add_test(captures, offline_cpus_are_known_but_not_online);
        tcase_add_test(captures, two_dies_per_socket_share_l2_between_two_cores);
        tcase_add_test(captures, four_packages_with_two_nodes_each);
        tcase_add_test(captures, nvme_locality_is_its_package_node);
        tcase_add_test(captures, forced_pci_locality_spans_a_group_of_packages);
        suite_add_tcase(s, captures);

        tcase_set_timeout(sources, 120);
        tcase_add_test(sources, synthetic_two_packages_four_nodes_smt);
        tcase_add_test(sources, machine_without_cores_lists_its_cpus);
        tcase_add_test(sources, objects_without_kernel_ids);
        tcase_add_test(sources, memory_only_nodes_own_no_cpus);
        tcase_add_test(sources, repeated_pci_address_is_the_first_device);
        tcase_add_test(sources, bad_sources_fail_with_errors);
        tcase_add_test(sources, capture_is_not_mixed_with_the_host);
        tcase_add_test(sources, capture_load_restores_the_environment);
        tcase_add_test(sources, live_machine_loads);
        suite_add_tcase(s, sources);

        tcase_add_test(bans, bans_are_recorded_per_cpu_with_every_reason);
        tcase_add_test(bans, missing_ban_files_mean_no_bans);
        tcase_add_test(bans, malformed_ban_file_is_ignored_and_others_still_apply);
        tcase_add_test(bans, nohz_full_null_means_none);
        tcase_add_test(bans, bans_of_cpus_the_machine_lacks_are_ignored);
        tcase_add_test(bans, root_online_file_takes_cpus_offline);
        tcase_add_test(bans, a_partial_refresh_reads_only_what_changes_at_run_time);
        suite_add_tcase(s, bans);

        tcase_set_timeout(output, 120);
        tcase_add_test(output, json_has_every_member);
        tcase_add_test(output, cpu_bans_read_as_words);
        suite_add_tcase(s, output);
        return s;
}
