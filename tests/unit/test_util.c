/*
 * test_util.c - the small internal helpers of src/util that have no module
 * test of their own: the capped buffer, the JSON path getter, the rule
 * for files that hold secrets, and text from elsewhere made fit to show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "secret.h"
#include "utf8.h"

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

/* \u0000 inside a string is found; outside strings, escaped backslashes and other escapes are not it. */
static void test_json_nul_escape(void **state)
{
    (void)state;
    static const char a[] = "{\"location\":\"east\\u0000x\"}";
    assert_int_equal(aksnet__json_nul_escape(a, strlen(a)), strchr(a, '\\') - a);
    static const char b[] = "{\"k\":\"\\\\u0000\",\"q\":\"\\\"u0000\"}"; /* an escaped backslash, an escaped quote */
    assert_int_equal(aksnet__json_nul_escape(b, strlen(b)), strlen(b));
    static const char c[] = "{\"k\":\"\\u0001\"}";
    assert_int_equal(aksnet__json_nul_escape(c, strlen(c)), strlen(c));
}

/* A file with content "tok" and the given mode in a fresh directory; path out. */
static void secret_file(char *dir, char *path, size_t len, mode_t mode)
{
    strcpy(dir, "/tmp/aksnet-util.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, len, "%s/token", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "tok", 3), 3);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void remove_secret_file(const char *dir, const char *path)
{
    unlink(path);
    rmdir(dir);
}

static bool fake_readonly(int fd)
{
    (void)fd;
    return true;
}

static bool fake_writable(int fd)
{
    (void)fd;
    return false;
}

/* What read_file_as gives for a file of mode as kind on a filesystem that is (or not) read-only. */
static aksnet_code read_as(mode_t mode, aksnet__secret_kind kind, bool readonly, char *msg, size_t msglen)
{
    char dir[64], path[128];
    secret_file(dir, path, sizeof(path), mode);
    char *text = NULL;
    size_t n = 0;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    aksnet_code rc = aksnet__secret_read_file_as(kind, readonly ? fake_readonly : fake_writable, path, "token file", 0,
                                                 &text, &n, &err);
    if (rc == AKSNET_OK) {
        assert_string_equal(text, "tok");
        assert_int_equal(n, 3);
    }
    snprintf(msg, msglen, "%s", err.message);
    aksnet__secret_free(text);
    remove_secret_file(dir, path);
    return rc;
}

/*
 * Kubernetes projects a workload identity's token 0644 (0640 with an
 * fsGroup) and mounts secret volumes read-only with 0644 files: both are
 * accepted.  A loose 0644 key on a writable disk, and anything others may
 * write, are refused with a message that says how to fix it.
 */
static void test_secret_file_rules(void **state)
{
    (void)state;
    char msg[AKSNET_ERROR_MESSAGE_MAX];
    assert_int_equal(read_as(0600, AKSNET__SECRET_PRIVATE, false, msg, sizeof(msg)), AKSNET_OK);
    assert_int_equal(read_as(0644, AKSNET__SECRET_ASSERTION, false, msg, sizeof(msg)), AKSNET_OK);
    assert_int_equal(read_as(0640, AKSNET__SECRET_ASSERTION, false, msg, sizeof(msg)), AKSNET_OK);
    assert_int_equal(read_as(0444, AKSNET__SECRET_ASSERTION, true, msg, sizeof(msg)), AKSNET_OK);
    assert_int_equal(read_as(0644, AKSNET__SECRET_PRIVATE, true, msg, sizeof(msg)), AKSNET_OK);

    assert_int_equal(read_as(0644, AKSNET__SECRET_PRIVATE, false, msg, sizeof(msg)), AKSNET_EAUTH);
    assert_non_null(strstr(msg, "chmod 600"));
    assert_non_null(strstr(msg, "read-only"));
    assert_non_null(strstr(msg, "0644"));
    assert_int_equal(read_as(0640, AKSNET__SECRET_PRIVATE, false, msg, sizeof(msg)), AKSNET_EAUTH);
    assert_int_equal(read_as(0666, AKSNET__SECRET_ASSERTION, true, msg, sizeof(msg)), AKSNET_EAUTH);
    assert_non_null(strstr(msg, "may write it"));
    assert_int_equal(read_as(0620, AKSNET__SECRET_PRIVATE, true, msg, sizeof(msg)), AKSNET_EAUTH);
    assert_non_null(strstr(msg, "chmod go-w"));
}

/* The token is reached through symlinks, as Kubernetes projects it (token -> ..data/token). */
static void test_secret_file_symlink(void **state)
{
    (void)state;
    char dir[64], path[128], link[160];
    secret_file(dir, path, sizeof(path), 0644);
    snprintf(link, sizeof(link), "%s/link", dir);
    assert_int_equal(symlink(path, link), 0);
    char *text = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__secret_read_file_as(AKSNET__SECRET_ASSERTION, NULL, link, "token", 0, &text, NULL, &err),
                     AKSNET_OK);
    assert_string_equal(text, "tok");
    aksnet__secret_free(text);
    unlink(link);
    remove_secret_file(dir, path);
}

/* Control characters as ' ', bytes that are not UTF-8 as '?', cut on a character boundary. */
static void test_utf8_sanitize(void **state)
{
    (void)state;
    char out[8];
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), "a\x1b[1m\x7f"), "a [1m ");
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), "\xff\xc3\xa9\xc3x"), "?\xc3\xa9?x");
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), "\xed\xa0\x80"), "???"); /* a surrogate */
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), "abcde\xe2\x82\xac"), "abcde"); /* no half euro */
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), "abcd\xe2\x82\xac"), "abcd\xe2\x82\xac");
    assert_string_equal(aksnet__utf8_sanitize(out, sizeof(out), NULL), "");
    assert_string_equal(aksnet__utf8_sanitize(out, 1, "abc"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_utf8_sanitize),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_binary),
        cmocka_unit_test(test_json_path),
        cmocka_unit_test(test_json_nul_escape),
        cmocka_unit_test(test_secret_file_rules),
        cmocka_unit_test(test_secret_file_symlink),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
