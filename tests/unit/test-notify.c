/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each cycle's STATUS= goes over one socket kept open, to a path or an abstract name,
 * and survives the service manager binding its socket again. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "irqbal/notify.h"
#include "testlib.h"

static char *dir;

static void setup(void)
{
        dir = tl_mkdtemp();
}

static void teardown(void)
{
        unsetenv("NOTIFY_SOCKET");
        tl_rmtree(dir);
        free(dir);
}

static void expect_message(int fd, const char *text)
{
        char buf[512];
        ssize_t l = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

        ck_assert_int_gt(l, 0);
        buf[l] = '\0';
        ck_assert_str_eq(buf, text);
}

START_TEST(statuses_share_one_socket)
{
        char *path = g_strdup_printf("%s/notify", dir);
        int fd = tl_notify_socket(path), first;
        struct notifier n;

        setenv("NOTIFY_SOCKET", path, 1);
        notifier_init(&n);
        ck_assert_int_eq(notifier_send(&n, "STATUS=one\nX_IRQBALD_CYCLE=1"), 1);
        first = n.fd;
        ck_assert_int_ge(first, 0);
        ck_assert_int_eq(notifier_send(&n, "STATUS=two"), 1);
        ck_assert_int_eq(n.fd, first);
        expect_message(fd, "STATUS=one\nX_IRQBALD_CYCLE=1");
        expect_message(fd, "STATUS=two");

        /* The manager re-executes: a new socket under the same name. */
        close(fd);
        unlink(path);
        fd = tl_notify_socket(path);
        ck_assert_int_eq(notifier_send(&n, "STATUS=three"), 1);
        expect_message(fd, "STATUS=three");
        notifier_done(&n);
        close(fd);
        g_free(path);
}
END_TEST

START_TEST(an_abstract_name_is_reached)
{
        char *name = g_strdup_printf("irqbald-test-notify/%d", (int) getpid());
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char *env = g_strdup_printf("@%s", name);
        struct notifier n;
        int fd;

        memcpy(sa.sun_path + 1, name, strlen(name));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa,
                              (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))), 0);
        setenv("NOTIFY_SOCKET", env, 1);
        notifier_init(&n);
        ck_assert_int_eq(notifier_send(&n, "STATUS=abstract"), 1);
        expect_message(fd, "STATUS=abstract");
        notifier_done(&n);
        close(fd);
        g_free(env);
        g_free(name);
}
END_TEST

START_TEST(no_socket_sends_nothing)
{
        struct notifier n;

        unsetenv("NOTIFY_SOCKET");
        notifier_init(&n);
        ck_assert_int_eq(notifier_send(&n, "STATUS=nobody"), 0);
        ck_assert_int_lt(n.fd, 0);
        notifier_done(&n);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("notify");
        TCase *tc = tcase_create("notifier");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, statuses_share_one_socket);
        tcase_add_test(tc, an_abstract_name_is_reached);
        tcase_add_test(tc, no_socket_sends_nothing);
        suite_add_tcase(s, tc);
        return s;
}
