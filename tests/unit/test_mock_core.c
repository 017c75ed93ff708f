/*
 * test_mock_core.c - aksnet-mock's ARM behaviour that every resource type
 * shares: authentication, api-version, resource groups (and their
 * long-running delete), the journal, faults, bad requests, state, HTTPS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mock_support.h"

#define RG "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2021-04-01"

static void test_group_lifecycle(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    assert_non_null(t.token);
    struct mt_response r;
    assert_true(mt_request(&t, "PUT", RG, "{\"location\":\"chinaeast2\",\"tags\":{\"a\":\"b\"}}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    assert_string_equal(cJSON_GetObjectItem(r.json, "name")->valuestring, "rg1");
    mt_response_free(&r);
    assert_true(mt_request(&t, "PUT", RG, "{\"location\":\"chinaeast2\"}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    /* the id is case-insensitive */
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourceGroups/RG1?api-version=2025-04-01", NULL, NULL,
                           true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    /* delete is long-running: 202 + Location, gone once the operation has run */
    assert_true(mt_request(&t, "DELETE", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 202);
    char loc[1024];
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 404);
    assert_string_equal(mt_error_code(&r), "ResourceGroupNotFound");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_auth_errors(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "AuthenticationFailed");
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.", &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "InvalidAuthenticationToken");
    mt_response_free(&r);
    mt_advance(&t, 7200); /* past the default token lifetime */
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "ExpiredAuthenticationToken");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_api_version(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourcegroups/rg1", NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "MissingApiVersionParameter");
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2099-01-01", NULL, NULL,
                           true, NULL, &r));
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "InvalidApiVersionParameter");
    mt_response_free(&r);
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_lifecycle),
        cmocka_unit_test(test_auth_errors),
        cmocka_unit_test(test_api_version),
    };
    return cmocka_run_group_tests_name("aksnet-mock core", tests, NULL, NULL);
}
