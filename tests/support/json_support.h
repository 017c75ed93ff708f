/*
 * json_support.h - reading the JSON that tests get back (ARM bodies,
 * journal lines, state files) by dotted paths, and assertions on strings
 * that say what they got when they fail.  The tests' own getter, not the
 * library's aksnet__json_at: a test must not read its answer through the
 * code it tests, and it indexes arrays ("subnets.0"), which ARM's code
 * never needs.
 */
#ifndef AKSNET_TEST_JSON_SUPPORT_H
#define AKSNET_TEST_JSON_SUPPORT_H

#include <cjson/cJSON.h>

/*
 * The member at a dotted path ("properties.subnets.0.name": a number
 * indexes an array), or NULL when some part is absent.
 */
const cJSON *mt_json_at(const cJSON *root, const char *path);

/* The string at a dotted path, or NULL when absent or not a string. */
const char *mt_json_str(const cJSON *root, const char *path);

/* text parsed; fails the test when it is not JSON.  Caller frees with cJSON_Delete. */
cJSON *mt_json_parse(const char *text);

/* actual is not NULL and equals expected. */
#define mt_assert_str(actual, expected)                                                                       \
    do {                                                                                                      \
        const char *a_ = (actual);                                                                            \
        assert_non_null(a_);                                                                                  \
        assert_string_equal(a_, (expected));                                                                  \
    } while (0)

/* haystack is not NULL and contains needle; the message shows both. */
#define mt_assert_contains(haystack, needle)                                                                  \
    do {                                                                                                      \
        const char *h_ = (haystack);                                                                          \
        if (!h_ || !strstr(h_, (needle)))                                                                     \
            fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));                             \
    } while (0)

#endif
