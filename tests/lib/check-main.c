/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "testlib.h"

int main(void)
{
        SRunner *sr = srunner_create(test_suite());
        int failed;

        /* TAP on stdout for automake's driver; the summary line ("100%: Checks: …")
         * follows it, and .ci/run adds those lines up. */
        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
