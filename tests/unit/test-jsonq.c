/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "irqbal/json.h"
#include "jsonq.h"
#include "testlib.h"

static struct jv *parse_ok(const char *text)
{
        char err[256];
        struct jv *v = NULL;

        ck_assert_msg(jv_parse(text, &v, err, sizeof(err)) == 0, "'%s' should parse: %s", text, err);
        ck_assert_ptr_nonnull(v);
        return v;
}

/* EXPECTED is the start of the message: "LINE:COLUMN: what". */
static void check_rejected(const char *text, const char *expected)
{
        char err[256];
        struct jv *v = NULL;

        ck_assert_int_eq(jv_parse(text, &v, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_null(v);
        ck_assert_msg(g_str_has_prefix(err, expected), "'%s': got \"%s\", want \"%s...\"",
                      text, err, expected);
}

START_TEST(every_value_type)
{
        _cleanup_(jv_freep) struct jv *v =
                parse_ok(" [null, true, false, 0, -0, 42, -9223372036854775808, 9223372036854775808,"
                         " 1.5, -2.5e-3, 1E2, \"s\", [], {}] \n");

        ck_assert_int_eq(v->type, JV_ARRAY);
        ck_assert_uint_eq(jv_len(v), 14);
        ck_assert(jv_is_null(jv_at(v, 0)));
        ck_assert(jv_bool(jv_at(v, 1)));
        ck_assert(!jv_bool(jv_at(v, 2)) && jv_at(v, 2)->type == JV_BOOL);
        ck_assert(jv_at(v, 3)->is_int && jv_int(jv_at(v, 3)) == 0);
        ck_assert(jv_at(v, 4)->is_int && signbit(jv_num(jv_at(v, 4))));
        ck_assert_int_eq(jv_int(jv_at(v, 5)), 42);
        ck_assert_int_eq(jv_int(jv_at(v, 6)), INT64_MIN);
        /* 2^63 does not fit: a number, but not an integer. */
        ck_assert(!jv_at(v, 7)->is_int && jv_num(jv_at(v, 7)) == 9223372036854775808.0);
        ck_assert(!jv_at(v, 8)->is_int && jv_num(jv_at(v, 8)) == 1.5);
        ck_assert_double_eq_tol(jv_num(jv_at(v, 9)), -0.0025, 1e-15);
        ck_assert(!jv_at(v, 10)->is_int && jv_num(jv_at(v, 10)) == 100.0);
        ck_assert_str_eq(jv_str(jv_at(v, 11)), "s");
        ck_assert_int_eq(jv_at(v, 12)->type, JV_ARRAY);
        ck_assert_int_eq(jv_at(v, 13)->type, JV_OBJECT);
        ck_assert_uint_eq(jv_len(jv_at(v, 13)), 0);
        ck_assert_ptr_null(jv_at(v, 14));

        /* Accessors on the wrong type answer "nothing", never crash. */
        ck_assert_ptr_null(jv_str(jv_at(v, 5)));
        ck_assert_int_eq(jv_int(jv_at(v, 8)), 0);
        ck_assert_int_eq(jv_int(jv_at(v, 11)), 0);
        ck_assert(isnan(jv_num(jv_at(v, 11))));
        ck_assert(!jv_is_null(NULL) && !jv_bool(NULL) && jv_len(jv_at(v, 5)) == 0);
        ck_assert_ptr_null(jv_get(v, "x"));

        jv_free(NULL);
}
END_TEST

START_TEST(nesting_keeps_key_order)
{
        _cleanup_(jv_freep) struct jv *v =
                parse_ok("{\"b\": 1, \"a\": [true, {\"c\": \"d\"}], \"e\": {\"f\": {\"g\": null}}}");

        ck_assert_uint_eq(jv_len(v), 3);
        ck_assert_str_eq(jv_key(v, 0), "b");
        ck_assert_str_eq(jv_key(v, 1), "a");
        ck_assert_str_eq(jv_key(v, 2), "e");
        ck_assert_ptr_null(jv_key(v, 3));
        ck_assert_str_eq(jv_str(jv_get(jv_at(jv_get(v, "a"), 1), "c")), "d");
        ck_assert(jv_is_null(jv_get(jv_get(jv_get(v, "e"), "f"), "g")));
}
END_TEST

START_TEST(escapes_and_surrogates)
{
        _cleanup_(jv_freep) struct jv *v =
                parse_ok("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", \"\\uD83D\\uDE00\","
                         " \"a\\u0000b\", \"\xc3\xa9 raw\", \"\x7f\"]");

        ck_assert_str_eq(jv_str(jv_at(v, 0)), "\"\\/\b\f\n\r\t");
        ck_assert_str_eq(jv_str(jv_at(v, 1)), "\xc3\xa9\xe2\x82\xac");       /* é€ */
        ck_assert_str_eq(jv_str(jv_at(v, 2)), "\xf0\x9f\x98\x80");           /* U+1F600 */
        ck_assert_uint_eq(jv_at(v, 3)->string_len, 3);
        ck_assert_mem_eq(jv_str(jv_at(v, 3)), "a\0b", 3);
        ck_assert_str_eq(jv_str(jv_at(v, 4)), "\xc3\xa9 raw");
        ck_assert_str_eq(jv_str(jv_at(v, 5)), "\x7f");
}
END_TEST

START_TEST(path_lookup)
{
        _cleanup_(jv_freep) struct jv *v =
                parse_ok("{\"topology\": {\"nodes\": [{\"cpus\": \"0-3\"}, {\"cpus\": \"4-7\"}]},"
                         " \"irqs\": [{\"irq\": 36, \"name\": \"eth0-rx-0\"}], \"m\": [[1, 2], [3]]}");
        _cleanup_(jv_freep) struct jv *arr = parse_ok("[{\"a\": 5}]");

        ck_assert_str_eq(jv_str(jv_path(v, "topology.nodes[1].cpus")), "4-7");
        ck_assert_str_eq(jv_str(jv_path(v, "irqs[0].name")), "eth0-rx-0");
        ck_assert_int_eq(jv_int(jv_path(v, "m[1][0]")), 3);
        ck_assert_int_eq(jv_int(jv_path(arr, "[0].a")), 5);
        ck_assert_ptr_eq(jv_path(v, ""), v);
        ck_assert_uint_eq(jv_len(jv_path(v, "topology.nodes")), 2);

        ck_assert_ptr_null(jv_path(v, "topology.nodes[2].cpus"));  /* out of range */
        ck_assert_ptr_null(jv_path(v, "topology.missing"));
        ck_assert_ptr_null(jv_path(v, "irqs.name"));               /* not an object */
        ck_assert_ptr_null(jv_path(v, "topology[0]"));             /* not an array */
        ck_assert_ptr_null(jv_path(v, "topology."));
        ck_assert_ptr_null(jv_path(v, ".topology"));
        ck_assert_ptr_null(jv_path(v, "topology..nodes"));
        ck_assert_ptr_null(jv_path(v, "irqs[]"));
        ck_assert_ptr_null(jv_path(v, "irqs[-1]"));
        ck_assert_ptr_null(jv_path(v, "irqs[0"));
        ck_assert_ptr_null(jv_path(v, "irqs[0]name"));
        ck_assert_ptr_null(jv_path(NULL, "irqs"));
}
END_TEST

START_TEST(find_irq_by_number)
{
        _cleanup_(jv_freep) struct jv *v =
                parse_ok("[{\"irq\": \"36\"}, 7, {\"irq\": 35.9}, {\"irq\": 36, \"name\": \"a\"},"
                         " {\"irq\": 36, \"name\": \"b\"}, {\"irq\": -1}]");

        /* The string "36", the scalar and 35.9 are skipped; the first match wins. */
        ck_assert_str_eq(jv_str(jv_get(jv_find(v, "irq", 36), "name")), "a");
        ck_assert_ptr_eq(jv_find(v, "irq", -1), jv_at(v, 5));
        ck_assert_ptr_null(jv_find(v, "irq", 37));
        ck_assert_ptr_null(jv_find(v, "nope", 36));
        ck_assert_ptr_null(jv_find(jv_at(v, 3), "irq", 36));       /* not an array */
        ck_assert_ptr_null(jv_find(NULL, "irq", 36));
}
END_TEST

START_TEST(rejections_name_line_and_column)
{
        char deep[JV_MAX_DEPTH + 2];

        check_rejected("", "1:1: unexpected end of input, expected a value");
        check_rejected("  \n ", "2:2: unexpected end of input");
        check_rejected("[1,]", "1:3: trailing comma before ']'");
        check_rejected("{\"a\": 1,}", "1:8: trailing comma before '}'");
        check_rejected("{\n  \"a\": [1,\n    2,]\n}", "3:6: trailing comma");
        check_rejected("[,1]", "1:2: unexpected ','");
        check_rejected("[1 2]", "1:4: unexpected '2', expected ',' or ']'");
        check_rejected("[1", "1:3: unexpected end of input, expected ',' or ']'");
        check_rejected("{\"a\" 1}", "1:6: unexpected '1', expected ':'");
        check_rejected("{1: 2}", "1:2: unexpected '1', expected a string key");
        check_rejected("{\"a\": 1, \"a\": 2}", "1:10: duplicate key \"a\"");
        /* Numbers. */
        check_rejected("01", "1:1: leading zero");
        check_rejected("[-007]", "1:3: leading zero");
        check_rejected("-", "1:2: expected a digit");
        check_rejected("+1", "1:1: unexpected '+'");
        check_rejected(".5", "1:1: unexpected '.'");
        check_rejected("1.", "1:3: expected a digit after the decimal point");
        check_rejected("1e+", "1:4: expected a digit in the exponent");
        check_rejected("1e999", "1:1: number 1e999 is out of range");
        check_rejected("NaN", "1:1: unexpected 'N'");
        check_rejected("0x10", "1:2: trailing characters");
        /* Strings. */
        check_rejected("\"a\tb\"", "1:3: control character 0x09");
        check_rejected("[\"a\nb\"]", "1:4: control character 0x0a");
        check_rejected("\"abc", "1:1: unterminated string");
        check_rejected("'a'", "1:1: unexpected '''");
        check_rejected("\"\\x\"", "1:2: invalid escape");
        check_rejected("\"\\u12G4\"", "1:6: expected 4 hex digits");
        check_rejected("\"\\uD800\"", "1:2: high surrogate \\uD800 without a low surrogate");
        check_rejected("\"\\uD800\\u0041\"", "1:8: \\u0041 is not a low surrogate");
        check_rejected("\"\\uDC00\"", "1:2: unpaired low surrogate");
        check_rejected("[\"\xff\"]", "1:3: invalid UTF-8");
        check_rejected("\"\xc3\xa9\" x", "1:5: trailing characters");  /* columns count characters */
        /* Literals and what follows the value. */
        check_rejected("tru", "1:1: invalid literal, expected true");
        check_rejected("nul", "1:1: invalid literal, expected null");
        check_rejected("True", "1:1: unexpected 'T'");
        check_rejected("{} x", "1:4: trailing characters after the value");
        check_rejected("[1]\n]", "2:1: trailing characters");
        check_rejected("1 2", "1:3: trailing characters");
        check_rejected("\xef\xbb\xbf{}", "1:1: unexpected byte 0xef");   /* no BOM */

        memset(deep, '[', sizeof(deep) - 1);
        deep[sizeof(deep) - 1] = '\0';
        check_rejected(deep, "1:257: nested deeper than 256");
}
END_TEST

START_TEST(errors_fit_the_buffer)
{
        char err[8];
        struct jv *v = NULL;

        ck_assert_int_eq(jv_parse("[1,]", &v, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "1:3: tr");
        ck_assert_int_eq(jv_parse("[1,]", &v, NULL, 0), -EINVAL);
        ck_assert_ptr_null(v);
}
END_TEST

START_TEST(reads_what_the_daemon_writes)
{
        g_autoptr(GString) out = g_string_new(NULL);
        _cleanup_(jv_freep) struct jv *v = NULL;
        struct json_writer w;
        char err[256];

        json_writer_init(&w, out, true);
        json_begin_object(&w);
        json_key(&w, "irqs");
        json_begin_array(&w);
        json_begin_object(&w);
        json_key(&w, "irq");
        json_int(&w, 36);
        json_key(&w, "name");
        json_string(&w, "eth0 \"rx\"\n\x01");
        json_key(&w, "load");
        json_double(&w, 0.25);
        json_key(&w, "bad");
        json_double(&w, NAN);
        json_end_object(&w);
        json_end_array(&w);
        json_key(&w, "big");
        json_uint(&w, UINT64_MAX);
        json_end_object(&w);

        ck_assert_msg(jv_parse(out->str, &v, err, sizeof(err)) == 0, "%s", err);
        ck_assert_str_eq(jv_str(jv_path(v, "irqs[0].name")), "eth0 \"rx\"\n\x01");
        ck_assert_double_eq(jv_num(jv_get(jv_find(jv_get(v, "irqs"), "irq", 36), "load")), 0.25);
        ck_assert(jv_is_null(jv_path(v, "irqs[0].bad")));
        ck_assert(!jv_get(v, "big")->is_int);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("jsonq");
        TCase *tc = tcase_create("parser");

        tcase_add_test(tc, every_value_type);
        tcase_add_test(tc, nesting_keeps_key_order);
        tcase_add_test(tc, escapes_and_surrogates);
        tcase_add_test(tc, path_lookup);
        tcase_add_test(tc, find_irq_by_number);
        tcase_add_test(tc, rejections_name_line_and_column);
        tcase_add_test(tc, errors_fit_the_buffer);
        tcase_add_test(tc, reads_what_the_daemon_writes);
        suite_add_tcase(s, tc);
        return s;
}
