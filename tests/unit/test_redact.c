/*
 * test_redact.c - the redaction set (src/http/redact.c): every secret value
 * a client has handled, masked as "***" wherever it appears; in bodies made
 * fit for the log (escaped in JSON, in forms, in text cut at 4 KiB), in
 * errors, in every line the log policy prints, and in the credential's
 * errors and the tokens it receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "fake_env.h"
#include "fake_transport.h"
#include "internal.h"

#define SECRET "s3cr3t-Value~42.x"
#define OTHER "another-secret-7788"

/* A copy of text with set applied. */
static char *apply(struct aksnet__redact_set *set, const char *text)
{
    char *copy = strdup(text);
    assert_non_null(copy);
    aksnet__redact_text(set, copy);
    return copy;
}

static void expect_masked(struct aksnet__redact_set *set, const char *in, const char *want)
{
    char *out = apply(set, in);
    assert_string_equal(out, want);
    free(out);
}

static void test_set_masks_every_copy(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    expect_masked(&set, "nothing known yet: " SECRET, "nothing known yet: " SECRET);
    assert_int_equal(aksnet__redact_add(&set, SECRET, false), AKSNET_OK);
    expect_masked(&set, "a " SECRET " b " SECRET SECRET ".", "a *** b ******.");
    expect_masked(&set, SECRET, "***");
    expect_masked(&set, "", "");
    /* too short to be told from ordinary words, NULL and repeats: nothing added */
    assert_int_equal(aksnet__redact_add(&set, "true", true), AKSNET_OK);
    assert_int_equal(aksnet__redact_add(&set, NULL, true), AKSNET_OK);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    assert_int_equal(set.count, 1);
    assert_true(set.entries[0].pinned); /* a repeat may pin what it finds */
    expect_masked(&set, "true", "true");
    /* NULL set, NULL text: nothing happens */
    aksnet__redact_text(NULL, NULL);
    char text[] = SECRET;
    aksnet__redact_text(NULL, text);
    assert_string_equal(text, SECRET);
    aksnet__redact_text(&set, NULL);
    assert_int_equal(aksnet__redact_add(NULL, SECRET, false), AKSNET_OK);
    aksnet__redact_free(&set);
    aksnet__redact_free(NULL);
}

/* A value that holds another is masked whole, not around the smaller one. */
static void test_set_longest_first(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, "abcdefgh", false), AKSNET_OK);
    assert_int_equal(aksnet__redact_add(&set, "xx-abcdefgh-yy", false), AKSNET_OK);
    expect_masked(&set, "[xx-abcdefgh-yy] [abcdefgh]", "[***] [***]");
    aksnet__redact_free(&set);
}

/* Full: the oldest value not pinned gives way; pinned ones stay for the set's life. */
static void test_set_keeps_pinned(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    char value[32];
    for (int i = 0; i < AKSNET__REDACT_MAX + 5; i++) {
        snprintf(value, sizeof(value), "token-number-%03d", i);
        assert_int_equal(aksnet__redact_add(&set, value, false), AKSNET_OK);
    }
    assert_int_equal(set.count, AKSNET__REDACT_MAX);
    expect_masked(&set, SECRET, "***");
    expect_masked(&set, "token-number-000", "token-number-000"); /* the oldest went */
    expect_masked(&set, "token-number-005", "token-number-005");
    expect_masked(&set, "token-number-006", "***");
    snprintf(value, sizeof(value), "token-number-%03d", AKSNET__REDACT_MAX + 4);
    expect_masked(&set, value, "***");
    aksnet__redact_free(&set);
}

static void test_set_masks_errors(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    struct aksnet_error err;
    aksnet_error_set(&err, AKSNET_EAUTH, "refused: the client sent '%s'", SECRET);
    snprintf(err.arm_code, sizeof(err.arm_code), "%s", SECRET);
    snprintf(err.arm_message, sizeof(err.arm_message), "quoted %s twice %s", SECRET, SECRET);
    snprintf(err.request_id, sizeof(err.request_id), "%s", SECRET);
    aksnet__redact_error(&set, &err);
    assert_string_equal(err.message, "refused: the client sent '***'");
    assert_string_equal(err.arm_code, "***");
    assert_string_equal(err.arm_message, "quoted *** twice ***");
    assert_string_equal(err.request_id, "***");
    aksnet__redact_error(&set, NULL);
    aksnet__redact_free(&set);
}

static void expect_body(struct aksnet__redact_set *set, const char *body, size_t len, const char *want)
{
    char *out = aksnet__http_redact_body_known(body, len, set);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

/* Bodies for the log: known values go whatever the member's name, escaped or not, in every form. */
static void test_body_known_values(void **state)
{
    (void)state;
    static const char quoted[] = "se\"cr\\et-value";
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    assert_int_equal(aksnet__redact_add(&set, quoted, true), AKSNET_OK);
    /* the token endpoint quoting the secret back: the description is no secret by its name */
    const char *oauth = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: sent '" SECRET
                        "'\",\"error_codes\":[7000215]}";
    expect_body(&set, oauth, strlen(oauth),
                "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: sent '***'\","
                "\"error_codes\":[7000215]}");
    /* a value JSON escapes is found decoded; a value used as a member's name too */
    const char *escaped = "{\"m\":\"x se\\\"cr\\\\et-value y\",\"" SECRET "\":1}";
    expect_body(&set, escaped, strlen(escaped), "{\"m\":\"x *** y\",\"***\":1}");
    /* a form field not named as a secret */
    const char *form = "a=" SECRET "&b=1";
    expect_body(&set, form, strlen(form), "a=***&b=1");
    /* text, after a NUL */
    const char text[] = "x\0y " SECRET;
    expect_body(&set, text, sizeof(text) - 1, "x.y ***");
    /* without a set, as before */
    char *plain = aksnet__http_redact_body_known(form, strlen(form), NULL);
    assert_string_equal(plain, form);
    free(plain);
    aksnet__redact_free(&set);
}

/* A value across the 4 KiB cut of a text body: masked before the cut, so no part of it shows. */
static void test_body_known_value_at_the_cut(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    size_t len = 2 * AKSNET_HTTP_LOG_TEXT_MAX;
    char *big = malloc(len + 1);
    assert_non_null(big);
    memset(big, 'x', len);
    big[len] = '\0';
    memcpy(big + AKSNET_HTTP_LOG_TEXT_MAX - 10, SECRET, strlen(SECRET)); /* across the cut */
    char *out = aksnet__http_redact_body_known(big, len, &set);
    assert_non_null(out);
    assert_null(strstr(out, "s3cr"));
    assert_non_null(strstr(out, "xxxx***xxxx"));
    assert_non_null(strstr(out, " more bytes)"));
    free(out);
    free(big);
    aksnet__redact_free(&set);
}

/* A transport whose failure quotes the secret (a proxy's message, say). */
static aksnet_code fail_quoting(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                                struct aksnet_error *err)
{
    (void)ctx;
    (void)rq;
    (void)rs;
    return aksnet_error_set(err, AKSNET_ETRANSPORT, "the proxy refused '%s'", SECRET);
}

/* Every line the log policy prints: URL, header values, the body, a failure's reason. */
static void test_log_policy_masks_known_values(void **state)
{
    (void)state;
    struct aksnet__redact_set set;
    aksnet__redact_init(&set);
    assert_int_equal(aksnet__redact_add(&set, SECRET, true), AKSNET_OK);
    assert_int_equal(aksnet__redact_add(&set, OTHER, false), AKSNET_OK);
    const struct mt_canned reply = {
        AKSNET_OK, 400, "{\"error\":{\"code\":\"Bad\",\"message\":\"token " OTHER " is bad\"}}",
        {{"x-ms-echo", "was " SECRET}, {NULL, NULL}},
    };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, &reply, 1, MT_FAKE_OK);
    struct mt_fake_clock clock;
    mt_fake_clock_init(&clock, 1000);
    struct aksnet__log_options lo = {out, &clock.clock, &set};
    struct aksnet__http_policy log = {aksnet__policy_log, &lo, NULL, &f.transport};
    struct aksnet__http_request rq;
    assert_int_equal(aksnet__http_request_init(&rq, "PUT", "https://arm.example/x?q=" SECRET, NULL), AKSNET_OK);
    assert_int_equal(aksnet__http_request_set_header(&rq, "x-ms-note", "see " OTHER), AKSNET_OK);
    const char *body = "{\"properties\":{\"note\":\"" SECRET "\"}}";
    assert_int_equal(aksnet__http_request_set_body(&rq, body, strlen(body), "application/json"), AKSNET_OK);
    struct aksnet__http_response rs = {0};
    struct aksnet_error err;
    assert_int_equal(log.process(&log, &rq, &rs, &err), AKSNET_OK);
    aksnet__http_response_free(&rs);
    /* and a failure */
    struct aksnet__http_transport failing = {fail_quoting, NULL};
    log.transport = &failing;
    assert_int_equal(log.process(&log, &rq, &rs, &err), AKSNET_ETRANSPORT);
    aksnet__http_request_free(&rq);
    fclose(out);
    assert_null(strstr(text, SECRET));
    assert_null(strstr(text, OTHER));
    assert_non_null(strstr(text, "> PUT https://arm.example/x?q=***\n"));
    assert_non_null(strstr(text, "> x-ms-note: see ***\n"));
    assert_non_null(strstr(text, "> {\"properties\":{\"note\":\"***\"}}\n"));
    assert_non_null(strstr(text, "< x-ms-echo: was ***\n"));
    assert_non_null(strstr(text, "\"message\":\"token *** is bad\""));
    assert_non_null(strstr(text, "< failed (0 ms): the proxy refused '***'\n"));
    free(text);
    mt_fake_transport_free(&f);
    mt_fake_clock_destroy(&clock);
    aksnet__redact_free(&set);
}

/* ---- the credential fills the set ----------------------------------------------------------- */

struct cred_rig {
    struct mt_env env;
    struct mt_fake_transport f;
    struct mt_fake_clock clock;
    struct aksnet__http_policy chain;
    struct aksnet__endpoints ep;
    struct aksnet__redact_set set;
    struct aksnet__auth *auth;
};

static void cred_rig_start(struct cred_rig *r, const struct mt_canned *replies, size_t n)
{
    memset(r, 0, sizeof(*r));
    mt_fake_transport_init(&r->f, replies, n, MT_FAKE_FAIL);
    mt_fake_clock_init(&r->clock, 1800000000.0);
    r->chain = (struct aksnet__http_policy){aksnet__policy_log, NULL, NULL, &r->f.transport};
    struct aksnet_error err;
    assert_int_equal(aksnet__cloud_endpoints("AzureCloud", NULL, NULL, NULL, &r->ep, &err), AKSNET_OK);
    aksnet__redact_init(&r->set);
    mt_env_set(&r->env, "AZURE_TENANT_ID", "11111111-1111-1111-1111-111111111111");
    mt_env_set(&r->env, "AZURE_CLIENT_ID", "22222222-2222-2222-2222-222222222222");
    mt_env_set(&r->env, "AZURE_CLIENT_SECRET", SECRET);
    struct aksnet__auth_options o = {.endpoints = &r->ep, .pipeline = &r->chain, .clock = &r->clock.clock,
                                     .getenv = mt_env_get, .getenv_ctx = &r->env, .secrets = &r->set};
    assert_int_equal(aksnet__auth_new(&o, &r->auth, &err), AKSNET_OK);
}

static void cred_rig_stop(struct cred_rig *r)
{
    aksnet__auth_free(r->auth);
    aksnet__redact_free(&r->set);
    mt_fake_transport_free(&r->f);
    mt_fake_clock_destroy(&r->clock);
    mt_env_free(&r->env);
}

/* The secret is known from the start, the token once received; the refusal quoting it is masked. */
static void test_credential_fills_the_set(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {AKSNET_OK, 401, "{\"error\":\"invalid_client\",\"error_description\":\"sent " SECRET "\"}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"access_token\":\"eyJhbGciOi.token-body.sig\",\"expires_in\":3600}", {{NULL, NULL}}},
    };
    struct cred_rig r;
    cred_rig_start(&r, replies, MT_COUNT(replies));
    expect_masked(&r.set, SECRET, "***");
    char *token = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__auth_get_token(r.auth, false, &token, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "sent ***"));
    assert_null(strstr(err.message, SECRET));
    expect_masked(&r.set, "eyJhbGciOi.token-body.sig", "eyJhbGciOi.token-body.sig");
    assert_int_equal(aksnet__auth_get_token(r.auth, true, &token, NULL, &err), AKSNET_OK);
    aksnet__secret_free(token);
    expect_masked(&r.set, "[eyJhbGciOi.token-body.sig]", "[***]");
    cred_rig_stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_masks_every_copy),
        cmocka_unit_test(test_set_longest_first),
        cmocka_unit_test(test_set_keeps_pinned),
        cmocka_unit_test(test_set_masks_errors),
        cmocka_unit_test(test_body_known_values),
        cmocka_unit_test(test_body_known_value_at_the_cut),
        cmocka_unit_test(test_log_policy_masks_known_values),
        cmocka_unit_test(test_credential_fills_the_set),
    };
    return cmocka_run_group_tests_name("redaction of known secrets", tests, NULL, NULL);
}
