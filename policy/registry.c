/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <string.h>

#include "irqbal/policy.h"
#include "common.h"

/* The default first; adding a policy is one file and one line here. */
const struct irqbal_policy *const irqbal_policies[] = {
        &policy_balanced,
        &policy_numa_local,
        &policy_pack,
        &policy_housekeeping,
        &policy_hint,
        NULL,
};

const struct irqbal_policy *policy_find(const char *name)
{
        if (!name)
                return NULL;
        for (size_t i = 0; irqbal_policies[i]; i++)
                if (strcmp(irqbal_policies[i]->name, name) == 0)
                        return irqbal_policies[i];
        return NULL;
}

const struct irqbal_policy *policy_default(void)
{
        return irqbal_policies[0];
}
