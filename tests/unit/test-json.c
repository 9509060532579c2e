/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "irqbal/json.h"
#include "testlib.h"

START_TEST(compact_nesting_and_escapes)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_writer_init(&w, out, false);
        json_begin_object(&w);
        json_key(&w, "name");
        json_string(&w, "eth0 \"rx\"\n\\");
        json_key(&w, "list");
        json_begin_array(&w);
        json_int(&w, -1);
        json_uint(&w, 4294967296u);
        json_double(&w, 0.5);
        json_double(&w, NAN);
        json_bool(&w, true);
        json_string(&w, NULL);
        json_begin_object(&w);
        json_end_object(&w);
        json_end_array(&w);
        json_key(&w, "ctl");
        json_string(&w, "\x01");
        json_end_object(&w);
        ck_assert_str_eq(out->str, "{\"name\":\"eth0 \\\"rx\\\"\\n\\\\\","
                                   "\"list\":[-1,4294967296,0.5,null,true,null,{}],"
                                   "\"ctl\":\"\\u0001\"}");
        g_string_free(out, TRUE);
}
END_TEST

START_TEST(pretty_indents_two_spaces)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_writer_init(&w, out, true);
        json_begin_object(&w);
        json_key(&w, "a");
        json_begin_array(&w);
        json_int(&w, 1);
        json_end_array(&w);
        json_key(&w, "b");
        json_begin_array(&w);
        json_end_array(&w);
        json_end_object(&w);
        ck_assert_str_eq(out->str, "{\n  \"a\": [\n    1\n  ],\n  \"b\": []\n}");
        g_string_free(out, TRUE);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("json");
        TCase *tc = tcase_create("writer");

        tcase_add_test(tc, compact_nesting_and_escapes);
        tcase_add_test(tc, pretty_indents_two_spaces);
        suite_add_tcase(s, tc);
        return s;
}
