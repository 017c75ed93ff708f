/*
 * test_finding.c - the findings list and the error helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aksnet/error.h"
#include "aksnet/finding.h"

static void test_add_count_has_free(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(f.count, 0);
    assert_null(f.items);
    assert_false(f.out_of_memory);
    assert_int_equal(aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR), 0);
    assert_false(aksnet_findings_has(&f, "max-pods"));

    assert_int_equal(aksnet_findings_add(&f, "max-pods", AKSNET_SEVERITY_ERROR,
                                         "cluster.nodePools[0].maxPods", "max pods %d is outside %s",
                                         111, "10..110"),
                     AKSNET_OK);
    assert_int_equal(aksnet_findings_add(&f, "subnet-headroom", AKSNET_SEVERITY_WARNING,
                                         "network.subnet.addressPrefix", "little room"),
                     AKSNET_OK);
    assert_int_equal(aksnet_findings_add(&f, "plan-syntax", AKSNET_SEVERITY_ERROR, NULL, "%s",
                                         "whole plan"),
                     AKSNET_OK);

    assert_int_equal(f.count, 3);
    assert_int_equal(aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR), 2);
    assert_int_equal(aksnet_findings_count(&f, AKSNET_SEVERITY_WARNING), 1);
    assert_true(aksnet_findings_has(&f, "max-pods"));
    assert_true(aksnet_findings_has(&f, "subnet-headroom"));
    assert_true(aksnet_findings_has(&f, "plan-syntax"));
    assert_false(aksnet_findings_has(&f, "max"));
    assert_false(aksnet_findings_has(&f, "cidr-overlap"));

    /* order kept; field and message are owned copies */
    assert_string_equal(f.items[0].code, "max-pods");
    assert_int_equal(f.items[0].severity, AKSNET_SEVERITY_ERROR);
    assert_string_equal(f.items[0].field, "cluster.nodePools[0].maxPods");
    assert_string_equal(f.items[0].message, "max pods 111 is outside 10..110");
    assert_string_equal(f.items[1].code, "subnet-headroom");
    assert_int_equal(f.items[1].severity, AKSNET_SEVERITY_WARNING);
    assert_string_equal(f.items[2].field, "");
    assert_string_equal(f.items[2].message, "whole plan");

    aksnet_findings_free(&f);
    assert_int_equal(f.count, 0);
    assert_null(f.items);
    assert_false(aksnet_findings_has(&f, "max-pods"));

    /* reusable after free, and grows past its first allocation */
    char field[32];
    for (int i = 0; i < 100; i++) {
        snprintf(field, sizeof(field), "f%d", i);
        assert_int_equal(aksnet_findings_add(&f, "cidr-invalid",
                                             i % 2 ? AKSNET_SEVERITY_WARNING : AKSNET_SEVERITY_ERROR,
                                             field, "n=%d", i),
                         AKSNET_OK);
    }
    assert_int_equal(f.count, 100);
    assert_true(f.capacity >= 100);
    assert_int_equal(aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR), 50);
    assert_int_equal(aksnet_findings_count(&f, AKSNET_SEVERITY_WARNING), 50);
    assert_string_equal(f.items[99].field, "f99");
    assert_string_equal(f.items[99].message, "n=99");
    aksnet_findings_free(&f);
    aksnet_findings_free(&f); /* twice is harmless */
    aksnet_findings_free(NULL);
}

static void test_message_outlives_argument(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    char value[64];
    snprintf(value, sizeof(value), "192.168.1.5/24");
    char path[64];
    snprintf(path, sizeof(path), "network.subnet.addressPrefix");
    assert_int_equal(aksnet_findings_add(&f, "cidr-invalid", AKSNET_SEVERITY_ERROR, path,
                                         "'%s' has host bits set", value),
                     AKSNET_OK);
    memset(value, 0, sizeof(value));
    memset(path, 0, sizeof(path));
    assert_string_equal(f.items[0].field, "network.subnet.addressPrefix");
    assert_string_equal(f.items[0].message, "'192.168.1.5/24' has host bits set");

    /* a long message is kept whole */
    char big[5000];
    memset(big, 'm', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(aksnet_findings_add(&f, "name-invalid", AKSNET_SEVERITY_ERROR, "x", "%s", big),
                     AKSNET_OK);
    assert_int_equal(strlen(f.items[1].message), sizeof(big) - 1);
    aksnet_findings_free(&f);
}

static void test_severity_names(void **state)
{
    (void)state;
    assert_string_equal(aksnet_severity_name(AKSNET_SEVERITY_ERROR), "error");
    assert_string_equal(aksnet_severity_name(AKSNET_SEVERITY_WARNING), "warning");
}

static void test_strerror(void **state)
{
    (void)state;
    static const struct {
        aksnet_code code;
        const char *text;
    } table[] = {
        {AKSNET_OK, "success"},
        {AKSNET_ENOMEM, "out of memory"},
        {AKSNET_EINVAL, "invalid argument"},
        {AKSNET_EIO, "input/output error"},
        {AKSNET_EPLAN, "the plan has errors"},
        {AKSNET_EAUTH, "authentication failed"},
        {AKSNET_ETRANSPORT, "connection failed"},
        {AKSNET_EARM, "Azure Resource Manager refused the request"},
        {AKSNET_ETIMEOUT, "timed out"},
        {AKSNET_EPROTO, "the server's answer broke the protocol"},
        {AKSNET_ECANCELED, "interrupted"},
    };
    assert_int_equal(sizeof(table) / sizeof(table[0]), AKSNET_ECODE_COUNT);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        assert_string_equal(aksnet_strerror(table[i].code), table[i].text);
    /* every code in range has its own text */
    for (int c = 0; c < AKSNET_ECODE_COUNT; c++) {
        assert_string_not_equal(aksnet_strerror((aksnet_code)c), "unknown error");
        for (int d = 0; d < c; d++)
            assert_string_not_equal(aksnet_strerror((aksnet_code)c), aksnet_strerror((aksnet_code)d));
    }
    assert_string_equal(aksnet_strerror(AKSNET_ECODE_COUNT), "unknown error");
    assert_string_equal(aksnet_strerror((aksnet_code)99), "unknown error");
    assert_string_equal(aksnet_strerror((aksnet_code)-1), "unknown error");
}

static void test_error_set(void **state)
{
    (void)state;
    struct aksnet_error err;
    memset(&err, 'z', sizeof(err));
    err.http_status = 503;
    assert_int_equal(aksnet_error_set(&err, AKSNET_EINVAL, "bad %s: %d", "count", 0), AKSNET_EINVAL);
    assert_int_equal(err.code, AKSNET_EINVAL);
    assert_string_equal(err.message, "bad count: 0");
    /* the other fields are reset */
    assert_int_equal(err.http_status, 0);
    assert_string_equal(err.arm_code, "");
    assert_string_equal(err.arm_message, "");
    assert_string_equal(err.request_id, "");

    /* long messages are truncated, NUL-terminated, never overrun */
    char big[3 * AKSNET_ERROR_MESSAGE_MAX];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memset(&err, 'z', sizeof(err));
    assert_int_equal(aksnet_error_set(&err, AKSNET_EARM, "%s%s", big, big), AKSNET_EARM);
    assert_int_equal(strlen(err.message), AKSNET_ERROR_MESSAGE_MAX - 1);
    assert_int_equal(err.message[AKSNET_ERROR_MESSAGE_MAX - 2], 'q');
    assert_string_equal(err.arm_code, "");

    /* NULL err: just the code */
    assert_int_equal(aksnet_error_set(NULL, AKSNET_ETIMEOUT, "lost %d", 1), AKSNET_ETIMEOUT);
    assert_int_equal(aksnet_error_set(NULL, AKSNET_OK, "ok"), AKSNET_OK);

    aksnet_error_clear(&err);
    assert_int_equal(err.code, AKSNET_OK);
    assert_string_equal(err.message, "");
    aksnet_error_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_count_has_free),
        cmocka_unit_test(test_message_outlives_argument),
        cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_error_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
