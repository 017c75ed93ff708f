/*
 * test_auth.c - the credential chain: which credential an environment
 * selects, each credential against aksnet-mock's Entra ID on loopback
 * (success, refusals, file problems, unreachable endpoint), malformed token
 * answers through a fake transport, the cache's refresh rules on a fake
 * clock, refresh on an ARM 401, the Azure CLI through a fake runner and the
 * real runner on harmless programs.
 *
 * The client assertion is checked here with OpenSSL directly
 * (EVP_DigestVerify against the certificate's key, X509_digest for the
 * thumbprint), so the module cannot pass by agreeing with itself.  Every
 * error message is checked for the canary secrets.  Nothing sleeps: the
 * clocks are fakes; only the runner's own deadline test waits 50 ms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth_internal.h"
#include "fake_clock.h"
#include "fake_env.h"
#include "fake_transport.h"
#include "internal.h"
#include "keys.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define SECRET_CLIENT "77777777-7777-7777-7777-777777777777"
#define CERT_CLIENT "33333333-3333-3333-3333-333333333333"
#define FOREIGN_CLIENT "66666666-6666-6666-6666-666666666666"
#define FED_CLIENT "44444444-4444-4444-4444-444444444444"
#define UAMI_CLIENT "88888888-8888-8888-8888-888888888888"
#define RIGHT_SECRET "the-right-secret-value"
/* Canaries: none of these may ever appear in a message. */
#define CANARY_SECRET "canary-Zq9vX2-client-secret"
#define CANARY_PASSWORD "canary-Pw7Lm3-key-password"
#define CANARY_HEADER "canary-Hd4Rt8-identity-header"
#define FED_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnktZmVkIn0.canary-Fd2Kq5-signature"
#define FAKE_AUTHORITY "https://login.example.test"
#define FAKE_ARM "https://management.example.test"

/* Made once for the whole group: 2048-bit keys are slow under ASan. */
static struct mt_key ours, theirs;  /* the client's key and certificate, and another's */

/* ---- material ------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    return mt_key_new(&ours, "aksnet test client") && mt_key_new(&theirs, "someone else") ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_key_free(&ours);
    mt_key_free(&theirs);
    return 0;
}

/* A loopback port nobody listens on. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* ---- a fake Azure CLI ---------------------------------------------------------------------- */

struct fake_run {
    char out[4096];
    int status;
    aksnet_code rc;
    const char *stderr_line;
    char argv[1024];
    double timeout;
    int calls;
};

static aksnet_code fake_run(void *ctx, char *const argv[], double timeout, char **out, int *status,
                            struct aksnet_error *err)
{
    struct fake_run *r = ctx;
    r->calls++;
    r->timeout = timeout;
    r->argv[0] = '\0';
    for (size_t i = 0; argv[i]; i++) {
        size_t n = strlen(r->argv);
        snprintf(r->argv + n, sizeof(r->argv) - n, "%s%s", i ? " " : "", argv[i]);
    }
    if (r->rc != AKSNET_OK)
        return aksnet_error_set(err, r->rc, "fake runner failed");
    *out = strdup(r->out);
    *status = r->status;
    if (r->stderr_line)
        aksnet_error_set(err, AKSNET_OK, "%s", r->stderr_line);
    return AKSNET_OK;
}

/* ---- the fixture -------------------------------------------------------------------------- */

struct fx {
    struct mt_mock t;
    bool mock_up;
    struct mt_tmpdir dir;
    char client_pem[MT_PATH_MAX], client_cert_pem[MT_PATH_MAX], other_cert_pem[MT_PATH_MAX], fed_file[MT_PATH_MAX];
    struct mt_fake_clock clock;    /* follows the mock's time when there is one; skew makes the chain's differ */
    struct aksnet__retry_options retry;
    struct aksnet__http_transport curl;
    struct mt_fake_transport fake;
    struct aksnet__http_policy chain;
    struct aksnet__endpoints ep;
    struct mt_env env;
    struct fake_run run;
    struct aksnet__auth_options o;
    struct aksnet__auth *auth;
    struct armmock_credential secrets[2], certs[2], feds[1];
};

static double half = 0.5;

/* Build endpoints, the retry -> transport chain and the options for authority/arm. */
static void fx_wire(struct fx *f, const struct aksnet__http_transport *transport, const char *authority,
                    const char *arm)
{
    struct aksnet_error err;
    assert_int_equal(aksnet__cloud_endpoints("AzureCloud", arm, authority, NULL, &f->ep, &err), AKSNET_OK);
    aksnet__retry_defaults(&f->retry);
    f->retry.clock = &f->clock.clock;
    f->retry.random = mt_fixed_random;
    f->retry.random_ctx = &half;
    f->chain = (struct aksnet__http_policy){aksnet__policy_retry, &f->retry, NULL, transport};
    f->o = (struct aksnet__auth_options){.endpoints = &f->ep, .pipeline = &f->chain, .clock = &f->clock.clock,
                                         .getenv = mt_env_get, .getenv_ctx = &f->env, .run = fake_run,
                                         .run_ctx = &f->run};
}

static int fx_setup_common(void **state, bool with_mock)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_true(mt_tmpdir_make(&f->dir, "auth"));
    assert_non_null(mt_tmpdir_file(&f->dir, "client.pem", f->client_pem, sizeof(f->client_pem)));
    assert_non_null(mt_tmpdir_file(&f->dir, "client-cert.pem", f->client_cert_pem, sizeof(f->client_cert_pem)));
    assert_non_null(mt_tmpdir_file(&f->dir, "other-cert.pem", f->other_cert_pem, sizeof(f->other_cert_pem)));
    assert_non_null(mt_tmpdir_file(&f->dir, "federated-token", f->fed_file, sizeof(f->fed_file)));
    assert_true(mt_write_pem(f->client_pem, ours.key, NULL, ours.cert, NULL, 0600));
    assert_true(mt_write_pem(f->client_cert_pem, NULL, NULL, ours.cert, NULL, 0644));
    assert_true(mt_write_pem(f->other_cert_pem, NULL, NULL, theirs.cert, NULL, 0644));
    assert_true(mt_write_text(f->fed_file, FED_TOKEN "\n", 0600));
    mt_fake_clock_init(&f->clock, 1800000000.0);
    mt_fake_transport_init(&f->fake, NULL, 0, MT_FAKE_REPEAT_LAST);
    if (with_mock) {
        f->secrets[0] = (struct armmock_credential){MT_CLIENT, MT_SECRET};
        f->secrets[1] = (struct armmock_credential){SECRET_CLIENT, RIGHT_SECRET};
        f->certs[0] = (struct armmock_credential){CERT_CLIENT, f->client_cert_pem};
        f->certs[1] = (struct armmock_credential){FOREIGN_CLIENT, f->other_cert_pem};
        f->feds[0] = (struct armmock_credential){FED_CLIENT, FED_TOKEN};
        struct armmock_options mo = {.secrets = f->secrets, .secret_count = 2, .certificates = f->certs,
                                     .certificate_count = 2, .federated = f->feds, .federated_count = 1,
                                     .identity_header = CANARY_HEADER};
        assert_true(mt_start(&f->t, &mo, false));
        f->mock_up = true;
        mt_fake_clock_follow(&f->clock, &f->t.now);
        struct aksnet_error err;
        assert_int_equal(aksnet__curl_transport_new(NULL, &f->curl, &err), AKSNET_OK);
        fx_wire(f, &f->curl, f->t.url, f->t.url);
    } else {
        fx_wire(f, &f->fake.transport, FAKE_AUTHORITY, FAKE_ARM);
    }
    *state = f;
    return 0;
}

static int fx_setup(void **state)
{
    return fx_setup_common(state, true);
}

static int fx_setup_fake(void **state)
{
    return fx_setup_common(state, false);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    aksnet__auth_free(f->auth);
    mt_env_free(&f->env);
    mt_fake_transport_free(&f->fake);
    if (f->mock_up) {
        aksnet__curl_transport_free(&f->curl);
        mt_stop(&f->t);
    }
    mt_tmpdir_remove(&f->dir);
    mt_fake_clock_destroy(&f->clock);
    free(f);
    return 0;
}

/* No message ever carries a secret. */
static void assert_clean(const struct aksnet_error *e)
{
    const char *canaries[] = {CANARY_SECRET, CANARY_PASSWORD, CANARY_HEADER, FED_TOKEN, "canary-", RIGHT_SECRET};
    for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
        assert_null(strstr(e->message, canaries[i]));
        assert_null(strstr(e->arm_message, canaries[i]));
        assert_null(strstr(e->arm_code, canaries[i]));
    }
}

static aksnet_code fx_new(struct fx *f, struct aksnet_error *err)
{
    aksnet__auth_free(f->auth);
    f->auth = NULL;
    aksnet_error_clear(err);
    aksnet_code rc = aksnet__auth_new(&f->o, &f->auth, err);
    if (rc != AKSNET_OK)
        assert_clean(err);
    return rc;
}

/* A token, or the code with err filled (and checked for canaries). */
static aksnet_code fx_token(struct fx *f, bool force, char **token, double *exp, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    aksnet_code rc = aksnet__auth_get_token(f->auth, force, token, exp, err);
    if (rc != AKSNET_OK) {
        assert_null(*token);
        assert_clean(err);
    }
    return rc;
}

static void expect_failure(struct fx *f, const char *want1, const char *want2)
{
    char *tok = NULL;
    struct aksnet_error err;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_EAUTH);
    if (want1 && !strstr(err.message, want1))
        fail_msg("'%s' not in: %s", want1, err.message);
    if (want2 && !strstr(err.message, want2))
        fail_msg("'%s' not in: %s", want2, err.message);
}

static void set_app(struct fx *f, const char *client)
{
    mt_env_set(&f->env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", client);
}

/* The token's claims, parsed (the mock signs real JWTs). */
static const char *claim(const char *token, const char *name, char *buf, size_t len)
{
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__jwt_parse(token, &jwt, &err), AKSNET_OK);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(aksnet__jwt_claims(jwt), name);
    snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
    aksnet__jwt_free(jwt);
    return buf;
}

/* ---- selection ------------------------------------------------------------------------------ */

static void expect_new_error(struct fx *f, const char *want)
{
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_EAUTH);
    if (!strstr(err.message, want))
        fail_msg("'%s' not in: %s", want, err.message);
    assert_null(f->auth);
}

static void expect_kind(struct fx *f, aksnet_credential_kind kind)
{
    struct aksnet_error err;
    aksnet_code rc = fx_new(f, &err);
    if (rc != AKSNET_OK)
        fail_msg("aksnet__auth_new: %s", err.message);
    assert_int_equal(aksnet__auth_kind(f->auth), kind);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_CLIENT_SECRET), "client secret");
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_CLIENT_CERTIFICATE), "client certificate");
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_WORKLOAD_IDENTITY), "workload identity");
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_MANAGED_IDENTITY), "managed identity");
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_AZURE_CLI), "Azure CLI");
    assert_string_equal(aksnet_credential_name(AKSNET_CREDENTIAL_NONE), "none");
    assert_int_equal(aksnet__auth_kind(NULL), AKSNET_CREDENTIAL_NONE);
    aksnet__auth_free(NULL);
    aksnet__secret_free(NULL);
}

static void test_selection_order(void **state)
{
    struct fx *f = *state;
    /* nothing: managed identity (IMDS, then az) */
    expect_kind(f, AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    assert_string_equal(aksnet__auth_tenant(f->auth), "");
    assert_string_equal(aksnet__auth_client(f->auth), "");
    /* empty variables count as unset */
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", "");
    expect_kind(f, AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", "127.0.0.1:9");
    expect_kind(f, AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token");
    mt_env_set(&f->env, "IDENTITY_HEADER", CANARY_HEADER);
    expect_kind(f, AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    set_app(f, FED_CLIENT);
    mt_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", f->fed_file);
    expect_kind(f, AKSNET_CREDENTIAL_WORKLOAD_IDENTITY);
    assert_string_equal(aksnet__auth_tenant(f->auth), MT_TENANT);
    assert_string_equal(aksnet__auth_client(f->auth), FED_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    expect_kind(f, AKSNET_CREDENTIAL_CLIENT_CERTIFICATE);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    expect_kind(f, AKSNET_CREDENTIAL_CLIENT_SECRET);
    assert_string_equal(aksnet__auth_client(f->auth), FED_CLIENT);
}

static void test_selection_incomplete(void **state)
{
    struct fx *f = *state;
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", SECRET_CLIENT);
    expect_new_error(f, "AZURE_TENANT_ID");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    mt_env_set(&f->env, "AZURE_TENANT_ID", MT_TENANT);
    expect_new_error(f, "AZURE_CLIENT_ID");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", CERT_CLIENT);
    expect_new_error(f, "AZURE_TENANT_ID");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PASSWORD", CANARY_PASSWORD);
    expect_new_error(f, "AZURE_CLIENT_CERTIFICATE_PATH");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", f->fed_file);
    mt_env_set(&f->env, "AZURE_TENANT_ID", MT_TENANT);
    expect_new_error(f, "AZURE_CLIENT_ID");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "IDENTITY_HEADER", CANARY_HEADER);
    expect_new_error(f, "IDENTITY_ENDPOINT");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token");
    expect_new_error(f, "IDENTITY_HEADER");
    /* a plain-http endpoint off loopback is refused before anything is sent */
    mt_env_set(&f->env, "IDENTITY_HEADER", CANARY_HEADER);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", "http://example.com/msi/token");
    expect_new_error(f, "IDENTITY_ENDPOINT");
    mt_env_free(&f->env);
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://10.1.2.3");
    expect_new_error(f, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
    mt_env_free(&f->env);
    /* a tenant that would change the token URL's path */
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_TENANT_ID", "../evil?x=");
    expect_new_error(f, "AZURE_TENANT_ID");
    mt_env_set(&f->env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", "has space");
    expect_new_error(f, "AZURE_CLIENT_ID");
    mt_env_free(&f->env);
    set_app(f, CERT_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    mt_env_set(&f->env, "AKSNET_CLIENT_ASSERTION_ALG", "HS256");
    expect_new_error(f, "AKSNET_CLIENT_ASSERTION_ALG");
    /* no pipeline */
    f->o.pipeline = NULL;
    struct aksnet_error err;
    struct aksnet__auth *a = NULL;
    assert_int_equal(aksnet__auth_new(&f->o, &a, &err), AKSNET_EINVAL);
    assert_null(a);
}

/* ---- client secret ------------------------------------------------------------------------ */

/* The token opens the mock's ARM: it is a real one, for the scope asked. */
static long arm_status(struct fx *f, const char *token)
{
    struct mt_response r;
    char auth[8192];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    assert_true(mt_request(&f->t, "GET", "/subscriptions?api-version=2020-01-01", NULL, NULL, false, auth, &r));
    long status = r.status;
    mt_response_free(&r);
    return status;
}

static void test_secret_success(void **state)
{
    struct fx *f = *state;
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", RIGHT_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    assert_true(exp == f->t.now + 3600);
    assert_int_equal(arm_status(f, tok), 200);
    char buf[256], want[128];
    snprintf(want, sizeof(want), "%s/", f->t.url);
    assert_string_equal(claim(tok, "aud", buf, sizeof(buf)), want);
    assert_string_equal(claim(tok, "sub", buf, sizeof(buf)), SECRET_CLIENT);
    /* cached: no second request */
    uint64_t n = armmock_request_count(f->t.mock);
    char *again = NULL;
    assert_int_equal(fx_token(f, false, &again, NULL, &err), AKSNET_OK);
    assert_string_equal(again, tok);
    assert_int_equal(armmock_request_count(f->t.mock), n);
    aksnet__secret_free(again);
    aksnet__secret_free(tok);
    /* the bearer adapter gives the same */
    assert_int_equal(aksnet__auth_bearer(f->auth, false, &again, &err), AKSNET_OK);
    aksnet__secret_free(again);
}

static void test_secret_wrong(void **state)
{
    struct fx *f = *state;
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "AADSTS7000215"));
    assert_non_null(strstr(err.message, "client secret"));
    assert_non_null(strstr(err.message, "invalid_client"));
    assert_null(strchr(err.message, '\n'));   /* the description's first line only */
    assert_null(strstr(err.message, "Trace ID"));
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.arm_code, "invalid_client");
    /* an unknown application */
    set_app(f, "99999999-9999-9999-9999-999999999999");
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    expect_failure(f, "AADSTS700016", "client secret");
    /* the mock's journal never saw the secret in clear either */
    FILE *j = fopen(f->t.journal, "r");
    assert_non_null(j);
    char line[8192];
    while (fgets(line, sizeof(line), j))
        assert_null(strstr(line, CANARY_SECRET));
    fclose(j);
}

static void test_unreachable(void **state)
{
    struct fx *f = *state;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
    fx_wire(f, &f->curl, url, f->t.url);
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    double before = f->t.now;
    expect_failure(f, "cannot reach", "client secret");
    assert_true(f->t.now > before); /* the retry policy waited, on the fake clock */
}

/* ---- the cache ------------------------------------------------------------------------------ */

static void test_refresh_before_expiry(void **state)
{
    struct fx *f = *state;
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", RIGHT_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL, *t2 = NULL;
    double exp = 0, exp2 = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    uint64_t n = armmock_request_count(f->t.mock);
    /* 10 minutes before expiry: cached */
    f->t.now = exp - 600;
    assert_int_equal(fx_token(f, false, &t2, &exp2, &err), AKSNET_OK);
    assert_int_equal(armmock_request_count(f->t.mock), n);
    assert_string_equal(t2, tok);
    aksnet__secret_free(t2);
    /* 4 minutes before: a new request, a new token */
    f->t.now = exp - 240;
    assert_int_equal(fx_token(f, false, &t2, &exp2, &err), AKSNET_OK);
    assert_int_equal(armmock_request_count(f->t.mock), n + 1);
    assert_string_not_equal(t2, tok);
    assert_true(exp2 == f->t.now + 3600);
    aksnet__secret_free(t2);
    /* force_refresh always fetches */
    assert_int_equal(fx_token(f, true, &t2, &exp2, &err), AKSNET_OK);
    assert_int_equal(armmock_request_count(f->t.mock), n + 2);
    aksnet__secret_free(t2);
    aksnet__secret_free(tok);
}

/* A failed early refresh keeps the old token, and is not retried for 30 s. */
static void test_failed_refresh_keeps_token(void **state)
{
    struct fx *f = *state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"first.token.value\"}",
         {{NULL, NULL}}},
        {AKSNET_OK, 400, "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90002: Tenant not found.\"}",
         {{NULL, NULL}}},
    };
    mt_fake_transport_init(&f->fake, replies, 2, MT_FAKE_REPEAT_LAST);
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(f->fake.nsent, 1);
    f->clock.now = exp - 240;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    assert_string_equal(tok, "first.token.value");
    aksnet__secret_free(tok);
    assert_int_equal(f->fake.nsent, 2);
    f->clock.now += 10; /* within 30 s: no new attempt */
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(f->fake.nsent, 2);
    f->clock.now += 25; /* 35 s after the last attempt: one more */
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(f->fake.nsent, 3);
    /* forced: the failure is reported */
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "AADSTS90002"));
    /* expired: the failure is reported */
    f->clock.now = exp + 1;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_EAUTH);
}

/* An ARM 401 "token expired" makes the bearer policy force a refresh, once. */
static void test_refresh_on_401(void **state)
{
    struct fx *f = *state;
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", RIGHT_SECRET);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    struct aksnet__bearer_options bo = {aksnet__auth_bearer, f->auth};
    struct aksnet__http_policy bearer = {aksnet__policy_bearer, &bo, NULL, &f->curl};
    char url[128];
    snprintf(url, sizeof(url), "%s/subscriptions?api-version=2020-01-01", f->t.url);
    for (int round = 0; round < 2; round++) {
        struct aksnet__http_request rq;
        struct aksnet__http_response rs = {0};
        assert_int_equal(aksnet__http_request_init(&rq, "GET", url, &err), AKSNET_OK);
        uint64_t n = armmock_request_count(f->t.mock);
        assert_int_equal(bearer.process(&bearer, &rq, &rs, &err), AKSNET_OK);
        assert_int_equal(rs.status, 200);
        /* first: token + GET; second: GET (401) + token + GET */
        assert_int_equal(armmock_request_count(f->t.mock), n + (round == 0 ? 2 : 3));
        aksnet__http_request_free(&rq);
        aksnet__http_response_free(&rs);
        /* the mock's time passes the token's expiry; the chain's clock does not */
        f->t.now += 3700;
        f->clock.skew -= 3700;
    }
}

/* ---- client certificate ------------------------------------------------------------------------ */

static void test_certificate_success(void **state)
{
    struct fx *f = *state;
    set_app(f, CERT_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    const char *algs[] = {NULL, "PS256", "rs256"};
    for (size_t i = 0; i < 3; i++) {
        if (algs[i])
            mt_env_set(&f->env, "AKSNET_CLIENT_ASSERTION_ALG", algs[i]);
        struct aksnet_error err;
        assert_int_equal(fx_new(f, &err), AKSNET_OK);
        char *tok = NULL;
        if (fx_token(f, false, &tok, NULL, &err) != AKSNET_OK)
            fail_msg("%s", err.message);
        char buf[128];
        assert_string_equal(claim(tok, "sub", buf, sizeof(buf)), CERT_CLIENT);
        assert_int_equal(arm_status(f, tok), 200);
        aksnet__secret_free(tok);
    }
    /* an encrypted key with its password; the password never shows */
    char enc[160];
    assert_non_null(mt_tmpdir_file(&f->dir, "enc.pem", enc, sizeof(enc)));
    assert_true(mt_write_pem(enc, ours.key, CANARY_PASSWORD, ours.cert, NULL, 0600));
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", enc);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PASSWORD", CANARY_PASSWORD);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PASSWORD", "canary-wrong-password");
    expect_new_error(f, "AZURE_CLIENT_CERTIFICATE_PATH");
    /* a symlink to a private file is followed (Kubernetes mounts work this way) */
    char link[160];
    assert_non_null(mt_tmpdir_file(&f->dir, "link.pem", link, sizeof(link)));
    assert_int_equal(symlink(f->client_pem, link), 0);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", link);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PASSWORD", "");
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
}

static void test_certificate_expired_assertion(void **state)
{
    struct fx *f = *state;
    set_app(f, CERT_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    f->clock.skew = -2000; /* the chain's clock is 2000 s late: its assertion expired long ago */
    expect_failure(f, "AADSTS700024", "client certificate");
}

static void test_certificate_foreign(void **state)
{
    struct fx *f = *state;
    set_app(f, FOREIGN_CLIENT); /* registered with another certificate */
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    expect_failure(f, "AADSTS700027", "client certificate");
}

static void test_certificate_file_problems(void **state)
{
    struct fx *f = *state;
    set_app(f, CERT_CLIENT);
    char path[160];
    assert_non_null(mt_tmpdir_file(&f->dir, "missing.pem", path, sizeof(path)));
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", path);
    expect_new_error(f, "cannot open");
    assert_int_equal(chmod(f->client_pem, 0644), 0);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    expect_new_error(f, "readable by group or others (mode 0644) on a writable filesystem; chmod 600 it");
    assert_int_equal(chmod(f->client_pem, 0640), 0);
    expect_new_error(f, "(mode 0640)");
    assert_int_equal(chmod(f->client_pem, 0600), 0);
    assert_non_null(mt_tmpdir_file(&f->dir, "dir", path, sizeof(path)));
    assert_int_equal(mkdir(path, 0700), 0);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", path);
    expect_new_error(f, "not a regular file");
    /* a file holding only a certificate: no key */
    assert_int_equal(chmod(f->client_cert_pem, 0600), 0);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_cert_pem);
    expect_new_error(f, "client certificate");
}

/* The assertion as sent, checked with OpenSSL against the certificate. */
static char *form_field(const char *body, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            int len = 0;
            char *dec = curl_easy_unescape(NULL, p + n + 1, (int)(end - p - (ptrdiff_t)n - 1), &len);
            char *out = strndup(dec, (size_t)len);
            curl_free(dec);
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static cJSON *decode_part(const char *text, size_t len)
{
    size_t n = 0;
    unsigned char *raw = aksnet__base64url_decode(text, len, &n);
    assert_non_null(raw);
    cJSON *j = cJSON_ParseWithLength((const char *)raw, n);
    free(raw);
    assert_non_null(j);
    return j;
}

static bool rsa_verify(EVP_PKEY *pub, bool pss, const char *input, size_t len, const unsigned char *sig,
                       size_t siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = md && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok && EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input, len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static void check_assertion(struct fx *f, bool pss)
{
    static const struct mt_canned ok[] = {
        {AKSNET_OK, 200, "{\"expires_in\":\"3599\",\"access_token\":\"a.b.c\"}", {{NULL, NULL}}}};
    mt_fake_transport_free(&f->fake);
    mt_fake_transport_init(&f->fake, ok, 1, MT_FAKE_REPEAT_LAST);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    assert_string_equal(tok, "a.b.c");
    assert_true(exp == f->clock.now + 3599);
    aksnet__secret_free(tok);
    /* the request */
    char url[128];
    snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", FAKE_AUTHORITY, MT_TENANT);
    assert_string_equal(mt_fake_transport_last(&f->fake)->method, "POST");
    assert_string_equal(mt_fake_transport_last(&f->fake)->url, url);
    assert_true(mt_fake_transport_last(&f->fake)->sensitive);
    char *v = form_field(mt_fake_transport_last(&f->fake)->body, "grant_type");
    assert_string_equal(v, "client_credentials");
    free(v);
    v = form_field(mt_fake_transport_last(&f->fake)->body, "client_id");
    assert_string_equal(v, CERT_CLIENT);
    free(v);
    v = form_field(mt_fake_transport_last(&f->fake)->body, "scope");
    assert_string_equal(v, FAKE_ARM "/.default");
    free(v);
    v = form_field(mt_fake_transport_last(&f->fake)->body, "client_assertion_type");
    assert_string_equal(v, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    free(v);
    assert_null(form_field(mt_fake_transport_last(&f->fake)->body, "client_secret"));
    char *jwt = form_field(mt_fake_transport_last(&f->fake)->body, "client_assertion");
    assert_non_null(jwt);
    /* the signature, with OpenSSL, against the certificate's key */
    const char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    assert_non_null(dot2);
    size_t siglen = 0;
    unsigned char *sig = aksnet__base64url_decode(dot2 + 1, strlen(dot2 + 1), &siglen);
    assert_non_null(sig);
    size_t inlen = (size_t)(dot2 - jwt);
    EVP_PKEY *pub = X509_get0_pubkey(ours.cert);
    assert_true(rsa_verify(pub, pss, jwt, inlen, sig, siglen));
    assert_false(rsa_verify(pub, !pss, jwt, inlen, sig, siglen));
    assert_false(rsa_verify(X509_get0_pubkey(theirs.cert), pss, jwt, inlen, sig, siglen));
    jwt[1] ^= 1;
    assert_false(rsa_verify(pub, pss, jwt, inlen, sig, siglen));
    jwt[1] ^= 1;
    free(sig);
    /* the header names the certificate by its thumbprint */
    cJSON *header = decode_part(jwt, (size_t)(dot1 - jwt));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    assert_int_equal(X509_digest(ours.cert, pss ? EVP_sha256() : EVP_sha1(), md, &mdlen), 1);
    char *want = aksnet__base64url_encode(md, mdlen);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(header, pss ? "x5t#S256" : "x5t");
    assert_string_equal(alg->valuestring, pss ? "PS256" : "RS256");
    assert_true(cJSON_IsString(tp));
    assert_string_equal(tp->valuestring, want);
    assert_null(cJSON_GetObjectItemCaseSensitive(header, pss ? "x5t" : "x5t#S256"));
    free(want);
    cJSON_Delete(header);
    /* the claims */
    cJSON *claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "aud")->valuestring, url);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "iss")->valuestring, CERT_CLIENT);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "sub")->valuestring, CERT_CLIENT);
    const char *jti = cJSON_GetObjectItemCaseSensitive(claims, "jti")->valuestring;
    assert_int_equal(strlen(jti), 36);
    assert_true(jti[8] == '-' && jti[13] == '-' && jti[14] == '4' && jti[18] == '-' && jti[23] == '-');
    double nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf")->valuedouble;
    double iat = cJSON_GetObjectItemCaseSensitive(claims, "iat")->valuedouble;
    double cexp = cJSON_GetObjectItemCaseSensitive(claims, "exp")->valuedouble;
    assert_true(nbf == f->clock.now && iat == f->clock.now && cexp == f->clock.now + 600);
    char first_jti[37];
    snprintf(first_jti, sizeof(first_jti), "%s", jti);
    cJSON_Delete(claims);
    free(jwt);
    /* a fresh jti every time */
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    jwt = form_field(mt_fake_transport_last(&f->fake)->body, "client_assertion");
    dot1 = strchr(jwt, '.');
    dot2 = strchr(dot1 + 1, '.');
    claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_string_not_equal(cJSON_GetObjectItemCaseSensitive(claims, "jti")->valuestring, first_jti);
    cJSON_Delete(claims);
    free(jwt);
}

static void test_assertion_signature(void **state)
{
    struct fx *f = *state;
    set_app(f, CERT_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_CERTIFICATE_PATH", f->client_pem);
    check_assertion(f, false);
    mt_env_set(&f->env, "AKSNET_CLIENT_ASSERTION_ALG", "PS256");
    check_assertion(f, true);
}

/* ---- workload identity ---------------------------------------------------------------------------- */

static void test_workload_identity(void **state)
{
    struct fx *f = *state;
    set_app(f, FED_CLIENT);
    mt_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", f->fed_file);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    if (fx_token(f, false, &tok, NULL, &err) != AKSNET_OK)
        fail_msg("%s", err.message);
    char buf[128];
    assert_string_equal(claim(tok, "sub", buf, sizeof(buf)), FED_CLIENT);
    aksnet__secret_free(tok);
    /* re-read at each fetch: a rotated token that is not registered is refused */
    assert_true(mt_write_text(f->fed_file, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvdGhlciJ9.c2ln", 0600));
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "workload identity"));
    assert_non_null(strstr(err.message, "AADSTS"));
    /*
     * Kubernetes projects the token 0644 (0640 with an fsGroup): a short-lived,
     * audience-bound assertion that others may read is accepted; one that
     * others may write is refused, at fetch and at creation.
     */
    assert_true(mt_write_text(f->fed_file, FED_TOKEN, 0644));
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(chmod(f->fed_file, 0666), 0);
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "may write it (mode 0666)"));
    expect_new_error(f, "chmod go-w");
    /* missing, empty */
    unlink(f->fed_file);
    expect_new_error(f, "cannot open");
    assert_true(mt_write_text(f->fed_file, "\n", 0600));
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    expect_failure(f, "is empty", NULL);
}

/* ---- managed identity -------------------------------------------------------------------------------- */

static void test_managed_identity_app_service(void **state)
{
    struct fx *f = *state;
    char url[128];
    snprintf(url, sizeof(url), "%s/msi/token", f->t.url);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", url);
    mt_env_set(&f->env, "IDENTITY_HEADER", CANARY_HEADER);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    if (fx_token(f, false, &tok, &exp, &err) != AKSNET_OK)
        fail_msg("%s", err.message);
    assert_true(exp == f->t.now + 3600); /* expires_on, an epoch string */
    char buf[128], want[128];
    snprintf(want, sizeof(want), "%s/", f->t.url);
    assert_string_equal(claim(tok, "aud", buf, sizeof(buf)), want);
    assert_int_equal(f->run.calls, 0);
    aksnet__secret_free(tok);
    /* a user-assigned identity */
    mt_env_set(&f->env, "AZURE_CLIENT_ID", UAMI_CLIENT);
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    assert_string_equal(claim(tok, "sub", buf, sizeof(buf)), UAMI_CLIENT);
    aksnet__secret_free(tok);
    /* a wrong header */
    mt_env_set(&f->env, "IDENTITY_HEADER", "canary-wrong-header");
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    expect_failure(f, "managed identity", "401");
}

/* The mock's "host:port", as AZURE_POD_IDENTITY_AUTHORITY_HOST is documented. */
static const char *host_port(const struct fx *f)
{
    const char *p = strstr(f->t.url, "://");
    return p ? p + 3 : f->t.url;
}

static void test_managed_identity_imds(void **state)
{
    struct fx *f = *state;
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", host_port(f));
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    assert_int_equal(aksnet__auth_kind(f->auth), AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    char *tok = NULL;
    double exp = 0;
    if (fx_token(f, false, &tok, &exp, &err) != AKSNET_OK)
        fail_msg("%s", err.message);
    assert_true(exp == f->t.now + 3600);
    assert_int_equal(arm_status(f, tok), 200);
    aksnet__secret_free(tok);
    /* a URL works too, and AZURE_CLIENT_ID picks a user-assigned identity */
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", f->t.url);
    mt_env_set(&f->env, "AZURE_CLIENT_ID", UAMI_CLIENT);
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    char buf[128];
    assert_string_equal(claim(tok, "sub", buf, sizeof(buf)), UAMI_CLIENT);
    aksnet__secret_free(tok);
    assert_int_equal(f->run.calls, 0); /* configured managed identity never falls back to az */
    /* nobody listening */
    char moved[64];
    snprintf(moved, sizeof(moved), "127.0.0.1:%d", closed_port());
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", moved);
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    expect_failure(f, "managed identity", "cannot reach");
    assert_int_equal(f->run.calls, 0);
}

/*
 * IMDS that answers 410 three times (as it does while it starts) and then a
 * token: the request goes through the pipeline and is retried as IMDS's
 * guidance asks, not given up (aksnet-mock --fault ...:410:3).
 */
static void test_managed_identity_imds_retries(void **state)
{
    struct fx *f = *state;
    const char *faults[] = {"GET:/metadata/identity/oauth2/token:410:3"};
    struct armmock_options mo = {.faults = faults, .fault_count = 1};
    struct mt_mock imds;
    assert_true(mt_start(&imds, &mo, false));
    mt_env_set(&f->env, "AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    if (fx_token(f, false, &tok, NULL, &err) != AKSNET_OK)
        fail_msg("%s", err.message);
    aksnet__secret_free(tok);
    assert_int_equal(mt_journal_count(&imds, "GET", "/metadata/identity/oauth2/token", 410), 3);
    assert_int_equal(mt_journal_count(&imds, "GET", "/metadata/identity/oauth2/token", 200), 1);
    assert_true(f->clock.nwaits >= 3);
    mt_stop(&imds);
}

/*
 * App Service and Container Apps may give a link-local IDENTITY_ENDPOINT
 * (http://169.254.x.x:PORT/msi/token): accepted for that endpoint only;
 * any other plain-http host is still refused before anything is sent.
 */
static void test_managed_identity_link_local_endpoint(void **state)
{
    struct fx *f = *state;
    struct aksnet_error err;
    mt_env_set(&f->env, "IDENTITY_HEADER", CANARY_HEADER);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", "http://169.254.129.2:8081/msi/token");
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    assert_int_equal(aksnet__auth_kind(f->auth), AKSNET_CREDENTIAL_MANAGED_IDENTITY);
    mt_env_set(&f->env, "IDENTITY_ENDPOINT", "http://10.1.2.3:8081/msi/token");
    expect_new_error(f, "IDENTITY_ENDPOINT");
}

/* The request IMDS gets, through a fake transport. */
static void test_managed_identity_imds_request(void **state)
{
    struct fx *f = *state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "{\"access_token\":\"mi.token.x\",\"expires_on\":\"1800003600\",\"resource\":\"x\"}",
         {{NULL, NULL}}},
        {AKSNET_OK, 400, "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}",
         {{NULL, NULL}}},
    };
    mt_fake_transport_init(&f->fake, replies, 2, MT_FAKE_REPEAT_LAST);
    f->o.imds_authority = "http://127.0.0.1:8080/";
    mt_env_set(&f->env, "AZURE_CLIENT_ID", "a b&c");
    struct aksnet_error err;
    expect_new_error(f, "AZURE_CLIENT_ID");
    mt_env_set(&f->env, "AZURE_CLIENT_ID", UAMI_CLIENT);
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    assert_true(exp == 1800003600.0);
    aksnet__secret_free(tok);
    assert_string_equal(mt_fake_transport_last(&f->fake)->method, "GET");
    assert_string_equal(mt_fake_transport_last(&f->fake)->url,
                        "http://127.0.0.1:8080/metadata/identity/oauth2/token?api-version=2018-02-01"
                        "&resource=https%3A%2F%2Fmanagement.example.test%2F&client_id=" UAMI_CLIENT);
    assert_string_equal(mt_fake_transport_last(&f->fake)->metadata, "true");
    assert_null(mt_fake_transport_last(&f->fake)->body);
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "managed identity: IMDS refused the token request (HTTP 400): "
                                        "invalid_request: Identity not found"));
}

/* ---- nothing configured: IMDS, then the Azure CLI ------------------------------------------------------ */

static void cli_answer(struct fx *f, double expires_on, bool new_form)
{
    if (new_form) {
        snprintf(f->run.out, sizeof(f->run.out),
                 "{\"accessToken\": \"cli.token.value\", \"expires_on\": %.0f, \"subscription\": \"%s\", "
                 "\"tenant\": \"%s\", \"tokenType\": \"Bearer\"}\n",
                 expires_on, MT_SUB, MT_TENANT);
    } else {
        time_t t = (time_t)expires_on;
        struct tm tm;
        char when[64];
        localtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S.123456", &tm);
        snprintf(f->run.out, sizeof(f->run.out),
                 "{\"accessToken\": \"cli.token.old\", \"expiresOn\": \"%s\", \"tenant\": \"%s\"}", when, MT_TENANT);
    }
    f->run.status = 0;
    f->run.rc = AKSNET_OK;
    f->run.stderr_line = NULL;
}

static void test_fallback_imds_first(void **state)
{
    struct fx *f = *state;
    f->o.imds_authority = f->t.url;
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    assert_int_equal(fx_token(f, false, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(f->run.calls, 0);
    assert_int_equal(aksnet__auth_kind(f->auth), AKSNET_CREDENTIAL_MANAGED_IDENTITY);
}

static void test_fallback_to_cli(void **state)
{
    struct fx *f = *state;
    char imds[64];
    snprintf(imds, sizeof(imds), "http://127.0.0.1:%d", closed_port());
    f->o.imds_authority = imds;
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    /* both fail: both reasons */
    f->run.status = 1;
    f->run.stderr_line = "ERROR: Please run 'az login' to setup account.";
    snprintf(f->run.out, sizeof(f->run.out), "%s", "");
    expect_failure(f, "managed identity: cannot reach", "Azure CLI: `az account get-access-token` failed (exit status "
                                                        "1): ERROR: Please run 'az login' to setup account.");
    assert_int_equal(f->run.calls, 1);
    char want[256];
    snprintf(want, sizeof(want), "az account get-access-token --resource %s/ --output json", f->t.url);
    assert_string_equal(f->run.argv, want);
    assert_true(f->run.timeout == 30);
    /* az answers: kept from then on */
    double want_exp = (double)(long long)(f->t.now + 1800); /* az prints whole seconds */
    cli_answer(f, want_exp, true);
    char *tok = NULL;
    double exp = 0;
    assert_int_equal(fx_token(f, false, &tok, &exp, &err), AKSNET_OK);
    assert_string_equal(tok, "cli.token.value");
    assert_true(exp == want_exp);
    aksnet__secret_free(tok);
    assert_int_equal(aksnet__auth_kind(f->auth), AKSNET_CREDENTIAL_AZURE_CLI);
    assert_string_equal(aksnet__auth_tenant(f->auth), MT_TENANT);
    uint64_t n = armmock_request_count(f->t.mock);
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_int_equal(f->run.calls, 3);
    assert_int_equal(armmock_request_count(f->t.mock), n); /* IMDS not asked again */
}

static void test_azure_cli(void **state)
{
    struct fx *f = *state;
    f->o.imds_authority = "http://127.0.0.1:8080";
    static const struct mt_canned no_imds[] = {{AKSNET_OK, 404, "no IMDS here", {{NULL, NULL}}}};
    mt_fake_transport_init(&f->fake, no_imds, 1, MT_FAKE_REPEAT_LAST);
    mt_env_set(&f->env, "AZURE_TENANT_ID", MT_TENANT);
    f->o.cli_timeout = 12;
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    /* older CLIs: expiresOn in local time */
    cli_answer(f, f->clock.now + 3000, false);
    char *tok = NULL;
    double exp = 0;
    if (fx_token(f, false, &tok, &exp, &err) != AKSNET_OK)
        fail_msg("%s", err.message);
    assert_string_equal(tok, "cli.token.old");
    assert_true(exp == f->clock.now + 3000);
    aksnet__secret_free(tok);
    assert_string_equal(f->run.argv, "az account get-access-token --resource " FAKE_ARM "/ --output json --tenant "
                                     MT_TENANT);
    assert_true(f->run.timeout == 12);
    /* newer CLIs: expires_on */
    cli_answer(f, f->clock.now + 2000, true);
    assert_int_equal(fx_token(f, true, &tok, &exp, &err), AKSNET_OK);
    assert_true(exp == f->clock.now + 2000);
    aksnet__secret_free(tok);
    /* failures */
    f->run.rc = AKSNET_ETIMEOUT;
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "did not answer within 12 s"));
    f->run.rc = AKSNET_EIO;
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "Azure CLI: fake runner failed"));
    cli_answer(f, f->clock.now + 2000, true);
    f->run.status = 2;
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    if (!strstr(err.message, "(exit status 2); has `az login` been run?"))
        fail_msg("%s", err.message);
    snprintf(f->run.out, sizeof(f->run.out), "%s", "WARNING: not json");
    f->run.status = 0;
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "not print a JSON object"));
    snprintf(f->run.out, sizeof(f->run.out), "%s", "{\"accessToken\": \"x.y\"}");
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "expires_on"));
    snprintf(f->run.out, sizeof(f->run.out), "%s", "{\"expires_on\": 1900000000}");
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "accessToken"));
    cli_answer(f, f->clock.now - 10, true);
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "already expired"));
    /*
     * Found by tests/fuzz/fuzz_token.c: the CLI's "tenant" was kept as
     * printed and shown by `aksnet whoami`, escape sequences included.  Only
     * a tenant id or domain name is kept now.
     */
    snprintf(f->run.out, sizeof(f->run.out),
             "{\"accessToken\": \"cli.token.value\", \"expires_on\": %.0f, \"tenant\": \"\\u001b]0;pwned\\u0007\"}",
             f->clock.now + 2000);
    assert_int_equal(fx_token(f, true, &tok, NULL, &err), AKSNET_OK);
    aksnet__secret_free(tok);
    assert_string_equal(aksnet__auth_tenant(f->auth), MT_TENANT);
}

/* ---- malformed answers ---------------------------------------------------------------------------------- */

static void expect_answer(struct fx *f, long status, const char *body, aksnet_code want, const char *text)
{
    const struct mt_canned reply[] = {{AKSNET_OK, status, body, {{NULL, NULL}}}};
    mt_fake_transport_init(&f->fake, reply, 1, MT_FAKE_REPEAT_LAST);
    struct aksnet_error err;
    assert_int_equal(fx_new(f, &err), AKSNET_OK);
    char *tok = NULL;
    double exp = 0;
    aksnet_code rc = fx_token(f, false, &tok, &exp, &err);
    if (rc != want)
        fail_msg("%s: got %d (%s)", body, rc, err.message);
    if (text && !strstr(err.message, text))
        fail_msg("'%s' not in: %s", text, err.message);
    aksnet__secret_free(tok);
    mt_fake_transport_free(&f->fake);
}

static void test_malformed_answers(void **state)
{
    struct fx *f = *state;
    set_app(f, SECRET_CLIENT);
    mt_env_set(&f->env, "AZURE_CLIENT_SECRET", CANARY_SECRET);
    expect_answer(f, 200, "<html>busy</html>", AKSNET_EAUTH, "not a JSON object");
    expect_answer(f, 200, "[1,2]", AKSNET_EAUTH, "not a JSON object");
    expect_answer(f, 200, "{\"expires_in\":3600}", AKSNET_EAUTH, "no access_token");
    expect_answer(f, 200, "{\"access_token\":\"\",\"expires_in\":3600}", AKSNET_EAUTH, "no access_token");
    expect_answer(f, 200, "{\"access_token\":\"a b\",\"expires_in\":3600}", AKSNET_EAUTH, "malformed");
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_in\":-5}", AKSNET_EAUTH, "expires_in is -5");
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_in\":0}", AKSNET_EAUTH, "not a positive");
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_in\":\"soon\"}", AKSNET_EAUTH, "not a number");
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_in\":1e12}", AKSNET_EAUTH, "not believed");
    expect_answer(f, 200, "{\"access_token\":\"x\"}", AKSNET_EAUTH, "neither expires_in nor expires_on");
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_in\":\"3599\"}", AKSNET_OK, NULL);
    expect_answer(f, 200, "{\"access_token\":\"x\",\"expires_on\":1800000100}", AKSNET_OK, NULL);
    /* refusals: error and AADSTS code, first line of the description only */
    expect_answer(f, 401,
                  "{\"error\":\"invalid_client\",\"error_description\":\"Application not found.\\r\\nTrace ID: "
                  "x\",\"error_codes\":[700016]}",
                  AKSNET_EAUTH,
                  "client secret: Entra ID refused the token request (HTTP 401): invalid_client: AADSTS700016: "
                  "Application not found.");
    expect_answer(f, 400, "not json at all", AKSNET_EAUTH, "answered HTTP 400 without an OAuth error");
    /*
     * Found by tests/fuzz/fuzz_token.c: a refusal's text that is not UTF-8,
     * or is cut inside a character, was quoted as it was; now the message
     * stays UTF-8 without control characters.
     */
    expect_answer(f, 400, "{\"error\":\"bad\xff\",\"error_description\":\"\\u001b[31mred\xc3\"}", AKSNET_EAUTH,
                  "(HTTP 400): bad?:  [31mred?");
    /* a server echoing the secret back does not get it into the message */
    expect_answer(f, 401, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret " CANARY_SECRET "\"}",
                  AKSNET_EAUTH, "bad secret ***");
}

/* An error code of 150 two-byte characters: every field cut on a character boundary. */
static void test_refusal_cut_on_characters(void **state)
{
    (void)state;
    char body[1024] = "{\"error\":\"";
    for (int i = 0; i < 150; i++)
        strcat(body, "\xc3\xa9");
    strcat(body, "\",\"error_description\":\"");
    for (int i = 0; i < 150; i++)
        strcat(body, "\xe2\x82\xac");
    strcat(body, "\"}");
    struct aksnet__http_response rs = {.status = 400, .body = body, .body_len = strlen(body)};
    struct aksnet_error err;
    assert_int_equal(aksnet__auth_refused("client secret", "Entra ID", &rs, &err), AKSNET_EAUTH);
    assert_int_equal(aksnet__utf8_invalid_offset(err.message, strlen(err.message)), strlen(err.message));
    assert_int_equal(aksnet__utf8_invalid_offset(err.arm_code, strlen(err.arm_code)), strlen(err.arm_code));
    assert_int_equal(strlen(err.arm_code), 126); /* 63 characters of 2 bytes */
    assert_int_equal(aksnet__utf8_invalid_offset(err.arm_message, strlen(err.arm_message)), strlen(err.arm_message));
    assert_int_equal(strlen(err.arm_message), 300); /* the first 100 characters of 3 bytes */
}

/* ---- secret files ------------------------------------------------------------------------------------- */

static void test_read_secret_file(void **state)
{
    struct fx *f = *state;
    char *text = NULL;
    size_t len = 0;
    struct aksnet_error err;
    assert_int_equal(aksnet__secret_read_file(f->fed_file, "token file", 0, &text, &len, &err), AKSNET_OK);
    assert_int_equal(len, strlen(FED_TOKEN) + 1);
    assert_memory_equal(text, FED_TOKEN "\n", len + 1);
    aksnet__secret_free(text);
    assert_int_equal(chmod(f->fed_file, 0400), 0);
    assert_int_equal(aksnet__secret_read_file(f->fed_file, "token file", 0, &text, NULL, &err), AKSNET_OK);
    aksnet__secret_free(text);
    assert_int_equal(chmod(f->fed_file, 0604), 0);
    assert_int_equal(aksnet__secret_read_file(f->fed_file, "token file", 0, &text, &len, &err), AKSNET_EAUTH);
    assert_null(text);
    assert_non_null(strstr(err.message, "token file '"));
    assert_non_null(strstr(err.message, "(mode 0604) on a writable filesystem; chmod 600 it"));
    assert_int_equal(chmod(f->fed_file, 0600), 0);
    /* the size cap */
    assert_int_equal(aksnet__secret_read_file(f->fed_file, "token file", 10, &text, &len, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "larger than 10 bytes"));
    /* a FIFO is refused without hanging */
    char fifo[160];
    assert_non_null(mt_tmpdir_file(&f->dir, "fifo", fifo, sizeof(fifo)));
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(aksnet__secret_read_file(fifo, "token file", 0, &text, &len, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_int_equal(aksnet__secret_read_file("", "token file", 0, &text, &len, &err), AKSNET_EAUTH);
}

/* ---- the real runner, on harmless programs -------------------------------------------------------------- */

static void test_run_program(void **state)
{
    (void)state;
    char *out = NULL;
    int status = -1;
    struct aksnet_error err;
    char p0[] = "printf", p1[] = "%s", p2[] = "{\"accessToken\": \"x\"}";
    char *echo[] = {p0, p1, p2, NULL};
    aksnet_error_clear(&err);
    assert_int_equal(aksnet__subprocess_run(NULL, echo, 5, &out, &status, &err), AKSNET_OK);
    assert_int_equal(status, 0);
    assert_string_equal(out, "{\"accessToken\": \"x\"}");
    aksnet__secret_free(out);
    /* a failure with a message on standard error (sh is the program here, not a shell around one) */
    char s0[] = "sh", s1[] = "-c", s2[] = "echo '  ERROR: Please run az login' >&2; echo more >&2; exit 3";
    char *fail[] = {s0, s1, s2, NULL};
    aksnet_error_clear(&err);
    assert_int_equal(aksnet__subprocess_run(NULL, fail, 5, &out, &status, &err), AKSNET_OK);
    assert_int_equal(status, 3);
    assert_string_equal(err.message, "ERROR: Please run az login");
    assert_string_equal(out, "");
    aksnet__secret_free(out);
    /* standard input is /dev/null: cat ends at once */
    char c0[] = "cat";
    char *cat[] = {c0, NULL};
    assert_int_equal(aksnet__subprocess_run(NULL, cat, 5, &out, &status, &err), AKSNET_OK);
    assert_int_equal(status, 0);
    aksnet__secret_free(out);
    /* not on PATH */
    char n0[] = "aksnet-no-such-program-5f2c";
    char *none[] = {n0, NULL};
    assert_int_equal(aksnet__subprocess_run(NULL, none, 5, &out, &status, &err), AKSNET_EIO);
    assert_non_null(strstr(err.message, "was not found on PATH"));
    assert_null(out);
    /* the deadline kills it (50 ms) */
    char t0[] = "sleep", t1[] = "10";
    char *slow[] = {t0, t1, NULL};
    assert_int_equal(aksnet__subprocess_run(NULL, slow, 0.05, &out, &status, &err), AKSNET_ETIMEOUT);
    assert_non_null(strstr(err.message, "killed"));
    assert_null(out);
    /* too much output */
    char h0[] = "head", h1[] = "-c", h2[] = "2000000", h3[] = "/dev/zero";
    char *big[] = {h0, h1, h2, h3, NULL};
    assert_int_equal(aksnet__subprocess_run(NULL, big, 5, &out, &status, &err), AKSNET_EIO);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_selection_order, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_selection_incomplete, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_secret_success, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_secret_wrong, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unreachable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_before_expiry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_refresh_keeps_token, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_on_401, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_certificate_success, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_certificate_expired_assertion, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_certificate_foreign, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_certificate_file_problems, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_assertion_signature, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_workload_identity, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_managed_identity_app_service, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_managed_identity_imds_retries, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_managed_identity_link_local_endpoint, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_managed_identity_imds, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_managed_identity_imds_request, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fallback_imds_first, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fallback_to_cli, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_cli, fx_setup_fake, fx_teardown),
        cmocka_unit_test(test_refusal_cut_on_characters),
        cmocka_unit_test_setup_teardown(test_malformed_answers, fx_setup_fake, fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_secret_file, fx_setup_fake, fx_teardown),
        cmocka_unit_test(test_run_program),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
