/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/log.h"
#include "irqbal/polkit.h"

#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorization flag: the caller may be asked for a password. */
#define POLKIT_ALLOW_USER_INTERACTION 1u

enum answer {
        ANSWER_PENDING,
        ANSWER_YES,
        ANSWER_NO,              /* polkit said no */
        ANSWER_NO_POLKIT,       /* nobody to ask: root only */
        ANSWER_FAILED,          /* the question failed; error_message says why */
};

/* One question to polkit, for one method call. */
struct query {
        struct polkit_registry *registry;
        sd_bus_message *request;
        char *action;
        sd_bus_slot *slot;
        enum answer answer;
        char *error_message;
};

struct polkit_registry {
        GHashTable *queries;    /* sd_bus_message * → struct query * */
};

static void query_free(void *p)
{
        struct query *q = p;

        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q->error_message);
        free(q);
}

struct polkit_registry *polkit_registry_free(struct polkit_registry *registry)
{
        if (registry) {
                g_hash_table_destroy(registry->queries);
                free(registry);
        }
        return NULL;
}

static int on_answer(sd_bus_message *reply, void *userdata, sd_bus_error *unused)
{
        struct query *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        q->answer = ANSWER_NO_POLKIT;
                else {
                        q->answer = ANSWER_FAILED;
                        q->error_message = strdup(e->message ? e->message : e->name);
                }
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        q->answer = ANSWER_FAILED;
                        q->error_message = strdup("polkit's answer could not be read");
                } else
                        q->answer = authorized ? ANSWER_YES : ANSWER_NO;
        }
        /* Dispatch the method call again, from its first argument: it finds the
         * answer this time. */
        r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_warning_errno(r, "Failed to process a call again after polkit answered: %m");
                (void) sd_bus_reply_method_errno(q->request, r, NULL);
                g_hash_table_remove(q->registry->queries, q->request);
        }
        return 1;
}

static int ask(struct polkit_registry *registry, sd_bus_message *request, const char *action,
               const char *sender)
{
        sd_bus *bus = sd_bus_message_get_bus(request);
        sd_bus_message *call = NULL;
        struct query *q;
        unsigned flags = sd_bus_message_get_allow_interactive_authorization(request) > 0 ?
                         POLKIT_ALLOW_USER_INTERACTION : 0;
        int r;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->registry = registry;
        q->request = sd_bus_message_ref(request);
        q->action = strdup(action);
        if (!q->action) {
                query_free(q);
                return -ENOMEM;
        }
        r = sd_bus_message_new_method_call(bus, &call, POLKIT_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
                                          "s", sender, action, 0, flags, "");
        /* The default timeout (25 s) leaves time to type a password. */
        if (r >= 0)
                r = sd_bus_call_async(bus, &q->slot, call, on_answer, q, 0);
        sd_bus_message_unref(call);
        if (r < 0) {
                query_free(q);
                return r;
        }
        g_hash_table_insert(registry->queries, request, q);
        return 1;
}

int polkit_sender_euid(sd_bus_message *request, const char *what, uid_t *ret,
                       sd_bus_error *error)
{
        sd_bus_creds *creds = NULL;
        int r;

        r = sd_bus_query_sender_creds(request, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, ret);
        sd_bus_creds_unref(creds);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Cannot tell who is calling (%s), refusing to %s.",
                                         strerror(-r), what);
        return 0;
}

int polkit_root_only(sd_bus_message *request, const char *what, sd_bus_error *error)
{
        uid_t euid;
        int r = polkit_sender_euid(request, what, &euid, error);

        if (r < 0 || euid == 0)
                return r;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Only root may %s; uid %u may read but not change irqbald. "
                                 "Run the command as root.", what, (unsigned) euid);
}

int polkit_check(sd_bus_message *request, const char *action, const char *what,
                 struct polkit_registry **registry, sd_bus_error *error)
{
        const char *sender = sd_bus_message_get_sender(request);
        struct query *q;
        uid_t euid;
        enum answer answer;
        int r;

        r = polkit_sender_euid(request, what, &euid, error);
        if (r < 0 || euid == 0)
                return r;

        if (!*registry) {
                *registry = calloc(1, sizeof(**registry));
                if (!*registry)
                        return -ENOMEM;
                (*registry)->queries = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                             query_free);
        }
        q = g_hash_table_lookup((*registry)->queries, request);
        if (!q) {
                /* A direct connection has no sender name for polkit to look up. */
                if (!sender)
                        goto root_only;
                r = ask(*registry, request, action, sender);
                if (r < 0) {
                        log_debug_errno(r, "Cannot ask polkit about %s: %m", action);
                        goto root_only;
                }
                return 1;
        }
        if (q->answer == ANSWER_PENDING || strcmp(q->action, action) != 0)
                return 1;
        answer = q->answer;
        if (answer == ANSWER_FAILED)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                      "Asking polkit whether uid %u may %s failed: %s.",
                                      (unsigned) euid, what, q->error_message ? q->error_message : "?");
        else if (answer == ANSWER_NO)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                      "polkit does not allow uid %u to %s (action %s).",
                                      (unsigned) euid, what, action);
        else
                r = 0;
        g_hash_table_remove((*registry)->queries, request);
        if (answer != ANSWER_NO_POLKIT)
                return r;
root_only:
        return polkit_root_only(request, what, error);
}
