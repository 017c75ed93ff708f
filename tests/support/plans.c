/*
 * plans.c - plans for tests (see plans.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aksnet/finding.h"
#include "plans.h"
#include "tmpfiles.h"

/* The examples are the plans users copy: the engine and the resource builders are tested on them. */
struct aksnet_plan *mt_plan_example(const char *name, size_t *findings)
{
    char path[MT_PATH_MAX], rel[256];
    snprintf(rel, sizeof(rel), "examples/%s", name);
    assert_non_null(mt_source_path(rel, path, sizeof(path)));
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *plan = NULL;
    aksnet_code rc = aksnet_plan_load_file(path, &plan, &f);
    if (rc != AKSNET_OK)
        print_error("cannot load %s (set AKSNET_SRCDIR to the repository root)\n", path);
    assert_int_equal(rc, AKSNET_OK);
    assert_non_null(plan);
    if (findings)
        *findings = f.count;
    aksnet_findings_free(&f);
    return plan;
}

/* A variation of a plan is clearest written out in the test that needs it. */
struct aksnet_plan *mt_plan_from_text(const char *text)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *plan = NULL;
    assert_int_equal(aksnet_plan_load_buffer(text, strlen(text), "test", &plan, &f), AKSNET_OK);
    assert_int_equal(f.count, 0);
    aksnet_findings_free(&f);
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);
    return plan;
}
