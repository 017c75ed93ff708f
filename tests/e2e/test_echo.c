/*
 * test_echo.c - the aksnet binary (AKSNET_BIN) against a server that
 * echoes every secret it is sent: the token endpoint quotes the client
 * secret or assertion in error_description, the managed-identity endpoint
 * quotes IDENTITY_HEADER, ARM quotes the bearer token in its error message.
 * Entra ID's own refusal names the app, not the secret ("AADSTS7000215:
 * Invalid client secret provided. Ensure the secret being sent in the
 * request is the client secret value, not the client secret ID, for a
 * secret added to app '<id>'", as support.auth0.com/center/s/article/
 * microsoft-azure-ad-error-aadsts7000215-invalid-client-secret-provided
 * quotes it), and aksnet-mock never quotes a secret back; a proxy or a
 * broken or hostile endpoint may, so a tiny server of the test's plays one.  Whatever the
 * credential and the output (--verbose log, the final error, JSON), the
 * secret must not appear: every known value is masked as "***".
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fake_env.h"
#include "keys.h"
#include "proc_support.h"
#include "tiny_server.h"
#include "tmpfiles.h"

#define TENANT "11111111-1111-1111-1111-111111111111"
#define CLIENT "22222222-2222-2222-2222-222222222222"
#define SECRET "echo-canary-Secret~4f1a9.q"
#define FEDERATED "eyJhbGciOiJSUzI1NiJ9.ZmVkZXJhdGVkLWNhbmFyeQ.c2lnbmF0dXJlLWNhbmFyeQ"
#define IDENTITY_HEADER "7c0e9d2a-echo-header-canary"
#define ACCESS_TOKEN "eyJ0eXAiOiJKV1QifQ.YWNjZXNzLWNhbmFyeQ.dG9rZW4tY2FuYXJ5"
#define TIMEOUT_MS 120000
#define ECHO_MAX 16

/* What the server was sent and quoted back, for the assertions (the certificate's assertion is made by aksnet). */
struct echo {
    pthread_mutex_t lock;
    bool issue_token;              /* the token endpoint answers with ACCESS_TOKEN instead of refusing */
    char *echoed[ECHO_MAX];
    size_t n;
};

static void remember(struct echo *e, const char *value)
{
    pthread_mutex_lock(&e->lock);
    if (value && e->n < ECHO_MAX)
        e->echoed[e->n++] = strdup(value);
    pthread_mutex_unlock(&e->lock);
}

static char *json_text(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Entra ID's error shape, with the secret quoted back in error_description. */
static char *oauth_refusal(const char *error, const char *quoted)
{
    char desc[8192];
    snprintf(desc, sizeof(desc),
             "AADSTS7000215: Invalid client secret provided. The client sent '%s'.\r\nTrace ID: 0\r\n"
             "Correlation ID: 0",
             quoted ? quoted : "");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", error);
    cJSON_AddStringToObject(o, "error_description", desc);
    int code = 7000215;
    cJSON_AddItemToObject(o, "error_codes", cJSON_CreateIntArray(&code, 1));
    return json_text(o);
}

static void handle(void *ctx, const struct mt_tiny_request *rq, struct mt_tiny_reply *out)
{
    struct echo *e = ctx;
    size_t plen = strlen(rq->path);
    if (strcmp(rq->method, "POST") == 0 && plen > 6 && strcmp(rq->path + plen - 6, "/token") == 0) {
        char *secret = mt_tiny_form_field(rq, "client_secret");
        if (!secret)
            secret = mt_tiny_form_field(rq, "client_assertion");
        if (e->issue_token) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "token_type", "Bearer");
            cJSON_AddNumberToObject(o, "expires_in", 3600);
            cJSON_AddStringToObject(o, "access_token", ACCESS_TOKEN);
            out->status = 200;
            out->body = json_text(o);
        } else {
            remember(e, secret);
            out->status = 401;
            out->body = oauth_refusal("invalid_client", secret);
        }
        free(secret);
        return;
    }
    if (strcmp(rq->path, "/msi/token") == 0) {
        const char *h = mt_tiny_header(rq, "X-IDENTITY-HEADER");
        remember(e, h);
        out->status = 400;
        out->body = oauth_refusal("invalid_request", h);
        return;
    }
    /* ARM: the bearer token quoted in the error message */
    const char *authz = mt_tiny_header(rq, "Authorization");
    const char *token = authz && strncmp(authz, "Bearer ", 7) == 0 ? authz + 7 : authz;
    remember(e, token);
    char msg[8192];
    snprintf(msg, sizeof(msg), "The client with token '%s' does not have authorization to perform this action.",
             token ? token : "");
    cJSON *o = cJSON_CreateObject(), *err = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(err, "code", "AuthorizationFailed");
    cJSON_AddStringToObject(err, "message", msg);
    out->status = 403;
    out->body = json_text(o);
}

struct fx {
    struct mt_tiny_server server;
    struct echo echo;
    struct mt_tmpdir dir;
    struct mt_env env;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    pthread_mutex_init(&f->echo.lock, NULL);
    assert_true(mt_tmpdir_make(&f->dir, "echo"));
    assert_true(mt_tiny_start(&f->server, handle, &f->echo));
    mt_env_set(&f->env, "PATH", "/usr/bin:/bin");
    mt_env_set(&f->env, "ASAN_OPTIONS", "detect_leaks=1");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mt_tiny_stop(&f->server);
    for (size_t i = 0; i < f->echo.n; i++)
        free(f->echo.echoed[i]);
    pthread_mutex_destroy(&f->echo.lock);
    mt_env_free(&f->env);
    mt_tmpdir_remove(&f->dir);
    free(f);
    return 0;
}

/* Nothing the server was sent (and quoted back), nor want_absent, in what aksnet printed. */
static void assert_nothing_echoed(struct fx *f, const struct mt_proc_result *r, const char *want_absent)
{
    pthread_mutex_lock(&f->echo.lock);
    assert_true(f->echo.n > 0); /* the server did quote something back */
    for (size_t i = 0; i < f->echo.n; i++) {
        const char *v = f->echo.echoed[i];
        if (!v || !*v)
            continue;
        if (strstr(r->out, v) || strstr(r->err, v))
            fprintf(stderr, "%s: a secret the server echoed was printed:\nstdout:\n%s\nstderr:\n%s\n", r->cmd, r->out,
                    r->err);
        assert_null(strstr(r->out, v));
        assert_null(strstr(r->err, v));
    }
    pthread_mutex_unlock(&f->echo.lock);
    assert_null(strstr(r->out, want_absent));
    assert_null(strstr(r->err, want_absent));
}

/* aksnet args... --arm-endpoint URL --authority-host URL, in f's environment. */
static void run(struct fx *f, const char *const *args, struct mt_proc_result *r)
{
    const char *argv[MT_AKSNET_ARGS];
    assert_true(mt_proc_run(r, mt_bin("AKSNET_BIN", "build/san/aksnet"), mt_aksnet_argv(f->server.url, args, argv),
                            NULL, 0, mt_env_envp(&f->env), TIMEOUT_MS));
}

/* whoami, in text and JSON, verbose: refused (exit 3), the log shows the refusal masked. */
static void whoami_refused(struct fx *f, const char *secret)
{
    const char *text[] = {"whoami", "--verbose", NULL};
    const char *json[] = {"whoami", "--verbose", "-o", "json", NULL};
    const char *const *cmds[] = {text, json};
    for (size_t i = 0; i < 2; i++) {
        struct mt_proc_result r;
        run(f, cmds[i], &r);
        assert_int_equal(r.status, 3);
        assert_non_null(strstr(r.err, "The client sent '***'")); /* the log printed the body, masked */
        assert_nothing_echoed(f, &r, secret);
        mt_proc_result_free(&r);
    }
}

static void set_app(struct fx *f)
{
    mt_env_set(&f->env, "AZURE_TENANT_ID", TENANT);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", CLIENT);
}

static void test_client_secret_echoed(void **state)
{
    struct fx *f = *state;
    set_app(f);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", SECRET);
    whoami_refused(f, SECRET);
}

static void test_federated_token_echoed(void **state)
{
    struct fx *f = *state;
    set_app(f);
    char path[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&f->dir, "federated-token", path, sizeof(path)));
    assert_true(mt_write_text(path, FEDERATED "\n", 0600));
    mt_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", path);
    whoami_refused(f, FEDERATED);
}

/* The assertion is aksnet's own JWT: the server's record says what it was. */
static void test_certificate_assertion_echoed(void **state)
{
    struct fx *f = *state;
    set_app(f);
    struct mt_key k;
    assert_true(mt_key_new(&k, "echo-test"));
    char path[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&f->dir, "client.pem", path, sizeof(path)));
    assert_true(mt_write_pem(path, k.key, NULL, k.cert, NULL, 0600));
    mt_key_free(&k);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", path);
    whoami_refused(f, "eyJ0eXAiOiJKV1Qi");
}

static void test_identity_header_echoed(void **state)
{
    struct fx *f = *state;
    char endpoint[128];
    snprintf(endpoint, sizeof(endpoint), "%s/msi/token", f->server.url);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", endpoint);
    mt_env_set(&f->env, "IDENTITY_HEADER", IDENTITY_HEADER);
    whoami_refused(f, IDENTITY_HEADER);
}

/* A token is issued; ARM quotes it back in every refusal: not in the log, the events, the final error. */
static void test_access_token_echoed(void **state)
{
    struct fx *f = *state;
    set_app(f);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", SECRET);
    f->echo.issue_token = true;
    char plan[MT_PATH_MAX];
    assert_non_null(mt_source_path("examples/kubenet.json", plan, sizeof(plan)));
    const char *text[] = {"plan", "-f", plan, "--verbose", NULL};
    const char *json[] = {"plan", "-f", plan, "--verbose", "-o", "json", NULL};
    const char *const *cmds[] = {text, json};
    for (size_t i = 0; i < 2; i++) {
        struct mt_proc_result r;
        run(f, cmds[i], &r);
        assert_int_not_equal(r.status, 0);
        assert_non_null(strstr(r.err, "The client with token '***'"));
        assert_nothing_echoed(f, &r, ACCESS_TOKEN);
        mt_proc_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_secret_echoed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_federated_token_echoed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certificate_assertion_echoed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_header_echoed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_token_echoed, setup, teardown),
    };
    return cmocka_run_group_tests_name("secrets echoed back", tests, NULL, NULL);
}
