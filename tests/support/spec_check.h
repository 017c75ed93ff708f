/*
 * spec_check.h - request bodies checked against the official OpenAPI
 * model of their api-version (tests/data/specs/<model>.json, extracted from
 * Azure/azure-rest-api-specs by scripts/extract-spec-models.py): every
 * member declared, of its type, within its enum, every required one
 * present, no read-only one sent.  Shared by the tests of aksnet's own
 * bodies (test_resources.c) and of the specs' examples (test_spec_examples.c).
 */
#ifndef AKSNET_TEST_SPEC_CHECK_H
#define AKSNET_TEST_SPEC_CHECK_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* One thing a body does that its model does not allow. */
struct mt_spec_violation {
    char path[256];          /* "properties.routes[0].properties.nextHopType", "(body)" for the root */
    char what[96];           /* "not declared by the model", "read-only", ... */
};

/* What the check found; the first MT_SPEC_KEPT violations are kept. */
#define MT_SPEC_KEPT 32
struct mt_spec_result {
    int errors;
    int kept;
    struct mt_spec_violation items[MT_SPEC_KEPT];
};

/*
 * tests/data/specs/<model>.json, parsed; fails the test when it cannot be
 * read or does not name its source in Azure/azure-rest-api-specs.  Caller
 * cJSON_Deletes.
 */
cJSON *mt_spec_load(const char *model);

/* Check body against model; report: print each violation (off where violations are the point). */
void mt_spec_check(const cJSON *body, const char *model, bool report, struct mt_spec_result *out);

/* How many violations body has against model (printed when report). */
int mt_spec_violations(const cJSON *body, const char *model, bool report);

/* body conforms to model, or the test fails after printing the violations and the body. */
void mt_spec_assert_conforms(const cJSON *body, const char *model);

/*
 * A copy of body without the members model marks read-only (ids and
 * states ARM computes), as a client would send back what it read.
 * Members the model does not declare are kept.  Caller cJSON_Deletes.
 */
cJSON *mt_spec_writable(const cJSON *body, const char *model);

#endif
