/*
 * test_util.c - the small internal helpers of src/util that have no module
 * test of their own: the capped buffer and the JSON path getter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "json.h"

/* Appends grow past the first block; the content stays NUL-terminated. */
static void test_buf_grows(void **state)
{
    (void)state;
    struct aksnet__buf b;
    aksnet__buf_init(&b, 0, false);
    assert_string_equal(aksnet__buf_str(&b), "");
    for (int i = 0; i < 100; i++)
        assert_int_equal(aksnet__buf_addf(&b, "%02d,", i), AKSNET_OK);
    assert_int_equal(b.len, 300);
    assert_memory_equal(aksnet__buf_str(&b), "00,01,02,", 9);
    assert_string_equal(aksnet__buf_str(&b) + 297, "99,");
    aksnet__buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

/* The cap refuses what would pass it and keeps what was there: a rogue server cannot grow it. */
static void test_buf_cap(void **state)
{
    (void)state;
    struct aksnet__buf b;
    aksnet__buf_init(&b, 8, true);
    assert_int_equal(aksnet__buf_add(&b, "12345", 5), AKSNET_OK);
    assert_int_equal(aksnet__buf_add(&b, "6789", 4), AKSNET_EINVAL);
    assert_string_equal(aksnet__buf_str(&b), "12345");
    assert_int_equal(aksnet__buf_addf(&b, "%s", "6789"), AKSNET_EINVAL);
    assert_int_equal(aksnet__buf_add(&b, "678", 3), AKSNET_OK);
    assert_string_equal(aksnet__buf_str(&b), "12345678");
    char *s = aksnet__buf_take(&b);
    assert_string_equal(s, "12345678");
    assert_null(b.data);
    free(s);
    s = aksnet__buf_take(&b); /* empty: "" not NULL */
    assert_string_equal(s, "");
    free(s);
    aksnet__buf_free(&b);
}

/* Binary content (a NUL inside) is kept whole; len counts it. */
static void test_buf_binary(void **state)
{
    (void)state;
    struct aksnet__buf b;
    aksnet__buf_init(&b, 0, true);
    assert_int_equal(aksnet__buf_add(&b, "a\0b", 3), AKSNET_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    aksnet__buf_free(&b);
}

static void test_json_path(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"properties\":{\"networkProfile\":{\"podCidr\":\"10.244.0.0/16\",\"n\":3},"
                           "\"subnets\":[1]},\"name\":\"c\"}");
    assert_non_null(j);
    assert_string_equal(aksnet__json_str(j, "properties.networkProfile.podCidr"), "10.244.0.0/16");
    assert_string_equal(aksnet__json_str(j, "name"), "c");
    assert_null(aksnet__json_str(j, "properties.networkProfile.n"));      /* not a string */
    assert_null(aksnet__json_str(j, "properties.missing.podCidr"));       /* a level missing */
    assert_null(aksnet__json_at(j, "properties.subnets.x"));              /* through an array */
    assert_null(aksnet__json_str(j, "Name"));                              /* case-sensitive */
    assert_true(cJSON_IsArray(aksnet__json_at(j, "properties.subnets")));
    assert_ptr_equal(aksnet__json_at(j, ""), j);
    assert_null(aksnet__json_at(NULL, "name"));
    char longkey[200];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    assert_null(aksnet__json_at(j, longkey));
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_binary),
        cmocka_unit_test(test_json_path),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
