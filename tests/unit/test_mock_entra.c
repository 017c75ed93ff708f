/*
 * test_mock_entra.c - aksnet-mock's Microsoft Entra ID: the token endpoint
 * for each credential kind (client secret, certificate assertion, federated
 * token) and each error Entra ID gives for it, the v1 endpoint, OpenID
 * discovery with the signing keys and instance discovery, the two
 * managed-identity endpoints, and a journal that never shows a secret.
 *
 * Certificates and assertions are made here with OpenSSL and
 * aksnet__jwt_sign; issued tokens are checked with a key rebuilt from the
 * JWKS document, so the mock cannot pass by agreeing with itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "json_support.h"
#include "jwt.h"
#include "keys.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define NOW 1800000000.0 /* mt_start's clock */
#define CERT_CLIENT "33333333-3333-3333-3333-333333333333"
#define ROT_CLIENT "55555555-5555-5555-5555-555555555555"
#define FED_CLIENT "44444444-4444-4444-4444-444444444444"
#define OTHER_CLIENT "66666666-6666-6666-6666-666666666666"
#define ID_HEADER "identity-header-secret-7f3a"
#define ARM_SCOPE "https%3A%2F%2Fmanagement.azure.com%2F.default"
#define JWT_BEARER_FORM "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
#define FORM "application/x-www-form-urlencoded"

/* Made once for the whole group: 2048-bit keys are slow under ASan. */
static struct mt_key ours, theirs;  /* the client's key and certificate, and another's */
static char *fed_token;

/* ---- material ---------------------------------------------------------------- */

/* A JWT with these claims, signed by key (RS256). */
static char *sign_claims(EVP_PKEY *key, const char *iss, const char *sub, const char *aud, double exp)
{
    cJSON *claims = cJSON_CreateObject();
    cJSON_AddStringToObject(claims, "iss", iss);
    cJSON_AddStringToObject(claims, "sub", sub);
    cJSON_AddStringToObject(claims, "aud", aud);
    cJSON_AddNumberToObject(claims, "exp", exp);
    cJSON_AddNumberToObject(claims, "iat", NOW);
    char *out = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__jwt_sign(key, AKSNET_JWT_RS256, NULL, claims, &out, &err), AKSNET_OK);
    cJSON_Delete(claims);
    return out;
}

static int group_setup(void **state)
{
    (void)state;
    if (!mt_key_new(&ours, "aksnet-entra-client") || !mt_key_new(&theirs, "aksnet-entra-other"))
        return -1;
    fed_token = sign_claims(theirs.key, "https://oidc.example/issuer", "system:serviceaccount:default:wl",
                            "api://AzureADTokenExchange", NOW + 3600);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_key_free(&ours);
    mt_key_free(&theirs);
    free(fed_token);
    return 0;
}

/* ---- an environment: the mock with every credential kind registered ------------------ */

struct env {
    struct mt_mock t;
    struct mt_tmpdir dir;           /* certificate files, registered before the mock (and t.dir) exist */
    char cert_path[MT_PATH_MAX];    /* ours.cert */
    char rot_path[MT_PATH_MAX];     /* theirs.cert, then ours.cert (a rotation) */
};

static void env_start(struct env *e, bool tls, bool any_client, const char *identity_header)
{
    memset(e, 0, sizeof(*e));
    assert_true(mt_tmpdir_make(&e->dir, "entra"));
    assert_non_null(mt_tmpdir_file(&e->dir, "client.pem", e->cert_path, sizeof(e->cert_path)));
    assert_non_null(mt_tmpdir_file(&e->dir, "rotation.pem", e->rot_path, sizeof(e->rot_path)));
    assert_true(mt_write_pem(e->cert_path, NULL, NULL, ours.cert, NULL, 0644));
    assert_true(mt_write_pem(e->rot_path, NULL, NULL, theirs.cert, ours.cert, 0644));
    const struct armmock_credential secrets[] = {{MT_CLIENT, MT_SECRET}};
    const struct armmock_credential certs[] = {{CERT_CLIENT, e->cert_path}, {ROT_CLIENT, e->rot_path}};
    const struct armmock_credential feds[] = {{FED_CLIENT, fed_token}};
    struct armmock_options o = {
        .secrets = secrets, .secret_count = 1, .certificates = certs, .certificate_count = 2,
        .federated = feds, .federated_count = 1, .accept_any_client = any_client,
        .identity_header = identity_header,
    };
    assert_true(mt_start(&e->t, &o, tls));
    assert_non_null(e->t.token);
    assert_true(e->t.now == NOW);
}

static void env_stop(struct env *e)
{
    mt_stop(&e->t);
    mt_tmpdir_remove(&e->dir);
}

/* ---- requests and checks ------------------------------------------------------------ */

static void post_form(struct mt_mock *t, const char *path, const char *form, struct mt_response *r)
{
    assert_true(mt_request(t, "POST", path, form, FORM, false, NULL, r));
}

static void post_v2(struct mt_mock *t, const char *tenant, const char *form, struct mt_response *r)
{
    char path[256];
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", tenant);
    post_form(t, path, form, r);
}

/* Entra ID's error: status, error, error_codes [code] and "AADSTS<code>: " leading the description. */
static void assert_oauth_error(const struct mt_response *r, long status, const char *error, int code)
{
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    assert_string_equal(mt_json_str(r->json, "error"), error);
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(r->json, "error_codes");
    assert_int_equal(cJSON_GetArraySize(codes), 1);
    assert_int_equal(cJSON_GetArrayItem(codes, 0)->valueint, code);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "AADSTS%d: ", code);
    const char *desc = mt_json_str(r->json, "error_description");
    assert_non_null(desc);
    assert_memory_equal(desc, prefix, strlen(prefix));
    assert_non_null(mt_json_str(r->json, "trace_id"));
    assert_non_null(mt_json_str(r->json, "correlation_id"));
}

static void expect_error(struct mt_mock *t, const char *tenant, const char *form, long status, const char *error,
                         int code)
{
    struct mt_response r;
    post_v2(t, tenant, form, &r);
    assert_oauth_error(&r, status, error, code);
    mt_response_free(&r);
}

/* A v2 success: its shape, and the access token (returned, caller frees). */
static char *expect_token(const struct mt_response *r)
{
    assert_int_equal(r->status, 200);
    assert_string_equal(mt_json_str(r->json, "token_type"), "Bearer");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(r->json, "expires_in");
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(r->json, "ext_expires_in");
    assert_true(cJSON_IsNumber(in) && in->valueint == 3600);
    assert_true(cJSON_IsNumber(ext) && ext->valueint == 3600);
    const char *tok = mt_json_str(r->json, "access_token");
    assert_non_null(tok);
    return strdup(tok);
}

/* The claims of a token the mock issued (copied; caller deletes). */
static cJSON *claims_of(const char *token)
{
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__jwt_parse(token, &jwt, &err), AKSNET_OK);
    cJSON *c = cJSON_Duplicate(aksnet__jwt_claims(jwt), 1);
    aksnet__jwt_free(jwt);
    return c;
}

static void assert_claims(const char *token, const char *appid, const char *tid, const char *aud)
{
    cJSON *c = claims_of(token);
    assert_string_equal(mt_json_str(c, "appid"), appid);
    assert_string_equal(mt_json_str(c, "tid"), tid);
    assert_string_equal(mt_json_str(c, "aud"), aud);
    cJSON_Delete(c);
}

/* GET /subscriptions with this bearer token. */
static long arm_status(struct mt_mock *t, const char *token)
{
    char auth[8192];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    struct mt_response r;
    assert_true(mt_request(t, "GET", "/subscriptions?api-version=2020-01-01", NULL, NULL, false, auth, &r));
    long status = r.status;
    mt_response_free(&r);
    return status;
}

static char *secret_form(const char *client, const char *secret)
{
    char *f = malloc(1024);
    assert_non_null(f);
    snprintf(f, 1024, "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", client, secret,
             ARM_SCOPE);
    return f;
}

/* ---- certificate assertions ------------------------------------------------------------ */

struct spec {
    EVP_PKEY *key;
    X509 *named;           /* the certificate the header names */
    aksnet__jwt_alg alg;
    bool s256;             /* x5t#S256 rather than x5t */
    const char *client;    /* client_id, and iss/sub unless overridden */
    const char *iss;
    char aud[256];
    double nbf, exp;
    bool jti;
};

static struct spec spec_for(const struct mt_mock *t, const char *client)
{
    struct spec s = {.key = ours.key, .named = ours.cert, .alg = AKSNET_JWT_RS256, .client = client,
                     .iss = client, .nbf = NOW, .exp = NOW + 600, .jti = true};
    snprintf(s.aud, sizeof(s.aud), "%s/%s/oauth2/v2.0/token", t->url, MT_TENANT);
    return s;
}

static char *sign_assertion(const struct spec *s)
{
    char *tp = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__jwt_thumbprint(s->named, s->s256, &tp, &err), AKSNET_OK);
    cJSON *header = cJSON_CreateObject(), *claims = cJSON_CreateObject();
    cJSON_AddStringToObject(header, s->s256 ? "x5t#S256" : "x5t", tp);
    cJSON_AddStringToObject(claims, "aud", s->aud);
    cJSON_AddStringToObject(claims, "iss", s->iss);
    cJSON_AddStringToObject(claims, "sub", s->client);
    cJSON_AddNumberToObject(claims, "nbf", s->nbf);
    cJSON_AddNumberToObject(claims, "iat", s->nbf);
    cJSON_AddNumberToObject(claims, "exp", s->exp);
    if (s->jti)
        cJSON_AddStringToObject(claims, "jti", "0b6c1a4e-6f4e-4c3e-9a0e-5d1f2e3a4b5c");
    char *out = NULL;
    assert_int_equal(aksnet__jwt_sign(s->key, s->alg, header, claims, &out, &err), AKSNET_OK);
    cJSON_Delete(header);
    cJSON_Delete(claims);
    free(tp);
    return out;
}

static char *assertion_form(const char *client, const char *assertion)
{
    size_t n = strlen(assertion) + 512;
    char *f = malloc(n);
    assert_non_null(f);
    snprintf(f, n,
             "grant_type=client_credentials&client_id=%s&scope=%s&client_assertion_type=%s&client_assertion=%s",
             client, ARM_SCOPE, JWT_BEARER_FORM, assertion);
    return f;
}

/* Send the assertion s describes; the response is left in r. */
static void post_assertion(struct mt_mock *t, const struct spec *s, struct mt_response *r)
{
    char *a = sign_assertion(s);
    char *form = assertion_form(s->client, a);
    post_v2(t, MT_TENANT, form, r);
    free(form);
    free(a);
}

static void expect_assertion_error(struct mt_mock *t, const struct spec *s, int code)
{
    struct mt_response r;
    post_assertion(t, s, &r);
    assert_oauth_error(&r, 401, "invalid_client", code);
    mt_response_free(&r);
}

static void expect_assertion_ok(struct mt_mock *t, const struct spec *s)
{
    struct mt_response r;
    post_assertion(t, s, &r);
    char *tok = expect_token(&r);
    assert_claims(tok, s->client, MT_TENANT, "https://management.azure.com/");
    assert_int_equal(arm_status(t, tok), 200);
    free(tok);
    mt_response_free(&r);
}

/* ---- tests: client secret --------------------------------------------------------------- */

static void test_secret_success(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_response r;
    char *form = secret_form(MT_CLIENT, MT_SECRET);
    post_v2(&e.t, MT_TENANT, form, &r);
    char *tok = expect_token(&r);
    mt_response_free(&r);
    assert_claims(tok, MT_CLIENT, MT_TENANT, "https://management.azure.com/");
    cJSON *c = claims_of(tok);
    assert_int_equal((long long)cJSON_GetObjectItem(c, "exp")->valuedouble, (long long)NOW + 3600);
    cJSON_Delete(c);
    assert_int_equal(arm_status(&e.t, tok), 200);
    free(tok);
    /* "//.default" (the Azure CLI's spelling) names the same resource */
    post_v2(&e.t, MT_TENANT,
            "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET
            "&scope=https%3A%2F%2Fmanagement.azure.com%2F%2F.default",
            &r);
    tok = expect_token(&r);
    assert_claims(tok, MT_CLIENT, MT_TENANT, "https://management.azure.com/");
    free(tok);
    mt_response_free(&r);
    /* tenant aliases and domains work; a domain's tokens carry the mock's tenant id */
    const char *tenants[] = {"common", "organizations", "adfs", "contoso.onmicrosoft.com"};
    for (size_t i = 0; i < 4; i++) {
        post_v2(&e.t, tenants[i], form, &r);
        tok = expect_token(&r);
        assert_claims(tok, MT_CLIENT, "00000000-0000-0000-0000-000000000001", "https://management.azure.com/");
        free(tok);
        mt_response_free(&r);
    }
    free(form);
    env_stop(&e);
}

static void test_secret_errors(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_mock *t = &e.t;
    char *wrong = secret_form(MT_CLIENT, "not-the-secret");
    expect_error(t, MT_TENANT, wrong, 401, "invalid_client", 7000215);
    char *unknown = secret_form(OTHER_CLIENT, MT_SECRET);
    expect_error(t, MT_TENANT, unknown, 400, "unauthorized_client", 700016);
    /* a client registered with a certificate only has no secret */
    char *cert_client = secret_form(CERT_CLIENT, MT_SECRET);
    expect_error(t, MT_TENANT, cert_client, 401, "invalid_client", 7000215);
    expect_error(t, MT_TENANT, "grant_type=client_credentials&client_secret=x&scope=" ARM_SCOPE, 400,
                 "invalid_request", 900144);
    expect_error(t, MT_TENANT, "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET, 400,
                 "invalid_request", 900144);
    expect_error(t, MT_TENANT, "client_id=" MT_CLIENT "&client_secret=" MT_SECRET "&scope=" ARM_SCOPE, 400,
                 "invalid_request", 900144);
    expect_error(t, MT_TENANT, "grant_type=client_credentials&client_id=" MT_CLIENT "&scope=" ARM_SCOPE, 401,
                 "invalid_client", 7000218);
    expect_error(t, MT_TENANT, "grant_type=password&client_id=" MT_CLIENT "&client_secret=x&scope=" ARM_SCOPE, 400,
                 "unsupported_grant_type", 70003);
    expect_error(t, MT_TENANT,
                 "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET
                 "&scope=https%3A%2F%2Fmanagement.azure.com%2Fuser_impersonation",
                 400, "invalid_scope", 1002012);
    /* bytes that are not UTF-8 are never echoed back */
    struct mt_response r;
    post_v2(t, MT_TENANT, "grant_type=client_credentials&client_id=%FF%FEabc&client_secret=x&scope=" ARM_SCOPE, &r);
    assert_oauth_error(&r, 400, "unauthorized_client", 700016);
    assert_non_null(strstr(mt_json_str(r.json, "error_description"), "identifier '??abc'"));
    mt_response_free(&r);
    char *good = secret_form(MT_CLIENT, MT_SECRET);
    expect_error(t, "not_a_tenant", good, 400, "invalid_request", 90002);
    expect_error(t, "bad..domain.com", good, 400, "invalid_request", 90002);
    char path[128];
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", MT_TENANT);
    assert_true(mt_request(t, "GET", path, NULL, NULL, false, NULL, &r));
    assert_oauth_error(&r, 405, "invalid_request", 900561);
    mt_response_free(&r);
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/devicecode", MT_TENANT);
    post_form(t, path, good, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(mt_json_str(r.json, "error"), "invalid_request");
    mt_response_free(&r);
    free(wrong);
    free(unknown);
    free(cert_client);
    free(good);
    env_stop(&e);
}

static void test_accept_any_client(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, true, NULL);
    struct mt_response r;
    char *any = secret_form(OTHER_CLIENT, "whatever");
    post_v2(&e.t, MT_TENANT, any, &r);
    char *tok = expect_token(&r);
    assert_claims(tok, OTHER_CLIENT, MT_TENANT, "https://management.azure.com/");
    free(tok);
    mt_response_free(&r);
    /* a registered client is still checked */
    char *wrong = secret_form(MT_CLIENT, "not-the-secret");
    expect_error(&e.t, MT_TENANT, wrong, 401, "invalid_client", 7000215);
    free(any);
    free(wrong);
    env_stop(&e);
}

static void test_v1_endpoint(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_response r;
    char path[128];
    snprintf(path, sizeof(path), "/%s/oauth2/token", MT_TENANT);
    post_form(&e.t, path,
              "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET
              "&resource=https%3A%2F%2Fmanagement.azure.com%2F",
              &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(r.json, "token_type"), "Bearer");
    assert_string_equal(mt_json_str(r.json, "expires_in"), "3600");
    assert_string_equal(mt_json_str(r.json, "ext_expires_in"), "3600");
    assert_string_equal(mt_json_str(r.json, "expires_on"), "1800003600");
    assert_string_equal(mt_json_str(r.json, "not_before"), "1800000000");
    assert_string_equal(mt_json_str(r.json, "resource"), "https://management.azure.com/");
    assert_non_null(mt_json_str(r.json, "access_token"));
    assert_claims(mt_json_str(r.json, "access_token"), MT_CLIENT, MT_TENANT, "https://management.azure.com/");
    assert_int_equal(arm_status(&e.t, mt_json_str(r.json, "access_token")), 200);
    mt_response_free(&r);
    /* ADFS, as MSAL calls it: scope rather than resource, trailing slash */
    post_form(&e.t, "/adfs/oauth2/token/",
              "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET "&scope=" ARM_SCOPE, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(r.json, "expires_in"), "3600");
    assert_string_equal(mt_json_str(r.json, "resource"), "https://management.azure.com/");
    mt_response_free(&r);
    post_form(&e.t, path, "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET, &r);
    assert_oauth_error(&r, 400, "invalid_request", 900144);
    mt_response_free(&r);
    env_stop(&e);
}

/* ---- tests: certificate ------------------------------------------------------------------ */

static void test_certificate_rs256(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct spec s = spec_for(&e.t, CERT_CLIENT);
    expect_assertion_ok(&e.t, &s);
    /* aud may name Entra ID's own endpoint with the same path, or the v1 endpoint */
    snprintf(s.aud, sizeof(s.aud), "https://login.microsoftonline.com/%s/oauth2/v2.0/token", MT_TENANT);
    expect_assertion_ok(&e.t, &s);
    snprintf(s.aud, sizeof(s.aud), "%s/%s/oauth2/token", e.t.url, MT_TENANT);
    expect_assertion_ok(&e.t, &s);
    /* within the clock skew: exp 100 s ago */
    s = spec_for(&e.t, CERT_CLIENT);
    s.nbf = NOW - 500;
    s.exp = NOW - 100;
    expect_assertion_ok(&e.t, &s);
    /* a registration holding two certificates (a rotation) accepts either */
    s = spec_for(&e.t, ROT_CLIENT);
    expect_assertion_ok(&e.t, &s);
    s.key = theirs.key;
    s.named = theirs.cert;
    expect_assertion_ok(&e.t, &s);
    env_stop(&e);
}

static void test_certificate_ps256_https(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, true, false, NULL);
    assert_memory_equal(e.t.url, "https://", 8);
    struct spec s = spec_for(&e.t, CERT_CLIENT);
    s.alg = AKSNET_JWT_PS256;
    s.s256 = true;
    expect_assertion_ok(&e.t, &s);
    /* PS256 signed with the wrong key */
    s.key = theirs.key;
    expect_assertion_error(&e.t, &s, 700027);
    env_stop(&e);
}

static void test_certificate_errors(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_mock *t = &e.t;
    struct spec s = spec_for(t, CERT_CLIENT);
    s.key = theirs.key; /* right thumbprint, wrong key */
    expect_assertion_error(t, &s, 700027);
    s = spec_for(t, CERT_CLIENT);
    s.key = theirs.key;
    s.named = theirs.cert; /* a certificate the application does not have */
    expect_assertion_error(t, &s, 700027);
    s = spec_for(t, CERT_CLIENT);
    s.s256 = true;
    s.named = theirs.cert;
    expect_assertion_error(t, &s, 700027);
    s = spec_for(t, CERT_CLIENT);
    s.nbf = NOW - 1200; /* expired ten minutes ago */
    s.exp = NOW - 600;
    expect_assertion_error(t, &s, 700024);
    s = spec_for(t, CERT_CLIENT);
    s.exp = NOW + 601; /* lives longer than ten minutes */
    expect_assertion_error(t, &s, 700024);
    s = spec_for(t, CERT_CLIENT);
    s.nbf = NOW + 600; /* not yet valid */
    s.exp = NOW + 900;
    expect_assertion_error(t, &s, 700024);
    s = spec_for(t, CERT_CLIENT);
    snprintf(s.aud, sizeof(s.aud), "%s/%s/oauth2/v2.0/token", t->url, "99999999-9999-9999-9999-999999999999");
    expect_assertion_error(t, &s, 700027);
    snprintf(s.aud, sizeof(s.aud), "https://login.example.com/%s/oauth2/v2.0/token", MT_TENANT);
    expect_assertion_error(t, &s, 700027);
    snprintf(s.aud, sizeof(s.aud), "%s", t->url);
    expect_assertion_error(t, &s, 700027);
    s = spec_for(t, CERT_CLIENT);
    s.iss = OTHER_CLIENT;
    expect_assertion_error(t, &s, 700021);
    s = spec_for(t, CERT_CLIENT);
    s.jti = false;
    expect_assertion_error(t, &s, 50027);
    /* not a JWT; no assertion type; a client with no certificate */
    char *form = assertion_form(CERT_CLIENT, "not.a-jwt");
    expect_error(t, MT_TENANT, form, 401, "invalid_client", 50027);
    free(form);
    expect_error(t, MT_TENANT, "grant_type=client_credentials&client_id=" CERT_CLIENT "&scope=" ARM_SCOPE
                 "&client_assertion=abc", 400, "invalid_request", 900144);
    s = spec_for(t, MT_CLIENT);
    expect_assertion_error(t, &s, 700027);
    s = spec_for(t, OTHER_CLIENT);
    struct mt_response r;
    post_assertion(t, &s, &r);
    assert_oauth_error(&r, 400, "unauthorized_client", 700016);
    mt_response_free(&r);
    env_stop(&e);
}

/* ---- tests: federated token ---------------------------------------------------------------- */

static void test_federated(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_mock *t = &e.t;
    struct mt_response r;
    char *form = assertion_form(FED_CLIENT, fed_token);
    post_v2(t, MT_TENANT, form, &r);
    char *tok = expect_token(&r);
    assert_claims(tok, FED_CLIENT, MT_TENANT, "https://management.azure.com/");
    assert_int_equal(arm_status(t, tok), 200);
    free(tok);
    mt_response_free(&r);
    /* another subject, another issuer, an opaque token */
    char *other = sign_claims(theirs.key, "https://oidc.example/issuer", "system:serviceaccount:default:other",
                              "api://AzureADTokenExchange", NOW + 3600);
    char *f2 = assertion_form(FED_CLIENT, other);
    expect_error(t, MT_TENANT, f2, 401, "invalid_client", 700213);
    free(other);
    free(f2);
    other = sign_claims(theirs.key, "https://oidc.elsewhere/", "system:serviceaccount:default:wl",
                        "api://AzureADTokenExchange", NOW + 3600);
    f2 = assertion_form(FED_CLIENT, other);
    expect_error(t, MT_TENANT, f2, 401, "invalid_client", 700211);
    free(other);
    free(f2);
    f2 = assertion_form(FED_CLIENT, "opaque-token");
    expect_error(t, MT_TENANT, f2, 401, "invalid_client", 70021);
    free(f2);
    /* the registered token itself, once expired */
    mt_advance(t, 3600 + 301);
    post_v2(t, MT_TENANT, form, &r);
    assert_oauth_error(&r, 401, "invalid_client", 700024);
    mt_response_free(&r);
    free(form);
    env_stop(&e);
}

/* ---- tests: discovery ------------------------------------------------------------------ */

static const char *get_json(struct mt_mock *t, const char *path, struct mt_response *r)
{
    assert_true(mt_request(t, "GET", path, NULL, NULL, false, NULL, r));
    assert_int_equal(r->status, 200);
    assert_non_null(r->json);
    return t->url;
}

static void assert_url(const cJSON *doc, const char *key, const char *base, const char *suffix)
{
    char want[512];
    snprintf(want, sizeof(want), "%s%s", base, suffix);
    assert_string_equal(mt_json_str(doc, key), want);
}

static bool has_string(const cJSON *array, const char *s)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, array)
    if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
        return true;
    return false;
}

static void assert_v2_document(struct mt_mock *t)
{
    struct mt_response r;
    const char *u = get_json(t, "/" MT_TENANT "/v2.0/.well-known/openid-configuration", &r);
    assert_url(r.json, "issuer", u, "/" MT_TENANT "/v2.0");
    assert_url(r.json, "authorization_endpoint", u, "/" MT_TENANT "/oauth2/v2.0/authorize");
    assert_url(r.json, "token_endpoint", u, "/" MT_TENANT "/oauth2/v2.0/token");
    assert_url(r.json, "jwks_uri", u, "/" MT_TENANT "/discovery/v2.0/keys");
    assert_url(r.json, "end_session_endpoint", u, "/" MT_TENANT "/oauth2/v2.0/logout");
    assert_url(r.json, "device_authorization_endpoint", u, "/" MT_TENANT "/oauth2/v2.0/devicecode");
    const cJSON *methods = cJSON_GetObjectItem(r.json, "token_endpoint_auth_methods_supported");
    assert_true(has_string(methods, "client_secret_post") && has_string(methods, "private_key_jwt"));
    assert_true(has_string(cJSON_GetObjectItem(r.json, "response_types_supported"), "code"));
    assert_true(has_string(cJSON_GetObjectItem(r.json, "subject_types_supported"), "pairwise"));
    assert_true(has_string(cJSON_GetObjectItem(r.json, "id_token_signing_alg_values_supported"), "RS256"));
    assert_non_null(mt_json_str(r.json, "tenant_region_scope"));
    assert_non_null(mt_json_str(r.json, "cloud_instance_name"));
    mt_response_free(&r);
}

static void assert_other_documents(struct mt_mock *t)
{
    struct mt_response r;
    const char *u = get_json(t, "/" MT_TENANT "/.well-known/openid-configuration", &r);
    assert_url(r.json, "token_endpoint", u, "/" MT_TENANT "/oauth2/token");
    assert_url(r.json, "authorization_endpoint", u, "/" MT_TENANT "/oauth2/authorize");
    mt_response_free(&r);
    get_json(t, "/adfs/.well-known/openid-configuration", &r);
    assert_url(r.json, "issuer", u, "/adfs");
    assert_url(r.json, "token_endpoint", u, "/adfs/oauth2/token/");
    assert_url(r.json, "authorization_endpoint", u, "/adfs/oauth2/authorize/");
    assert_url(r.json, "jwks_uri", u, "/adfs/discovery/keys");
    assert_non_null(mt_json_str(r.json, "end_session_endpoint"));
    assert_non_null(mt_json_str(r.json, "device_authorization_endpoint"));
    mt_response_free(&r);
    get_json(t, "/common/v2.0/.well-known/openid-configuration", &r);
    assert_url(r.json, "issuer", u, "/{tenantid}/v2.0");
    assert_url(r.json, "token_endpoint", u, "/common/oauth2/v2.0/token");
    mt_response_free(&r);
    get_json(t, "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", &r);
    assert_url(r.json, "token_endpoint", u, "/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token");
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", "/no_such_tenant/v2.0/.well-known/openid-configuration", NULL, NULL, false,
                           NULL, &r));
    assert_oauth_error(&r, 400, "invalid_tenant", 90002);
    mt_response_free(&r);
}

/* An RSA public key from a JWK's n and e (base64url), with OpenSSL. */
static EVP_PKEY *key_from_jwk(const cJSON *jwk)
{
    const char *n64 = mt_json_str(jwk, "n"), *e64 = mt_json_str(jwk, "e");
    assert_non_null(n64);
    assert_non_null(e64);
    size_t nl = 0, el = 0;
    unsigned char *n = aksnet__base64url_decode(n64, strlen(n64), &nl);
    unsigned char *e = aksnet__base64url_decode(e64, strlen(e64), &el);
    assert_non_null(n);
    assert_non_null(e);
    assert_int_equal(nl, 256);
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    assert_int_equal(BN_get_word(be), 65537);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be), 1);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    free(n);
    free(e);
    return key;
}

static void assert_jwks_verifies(struct mt_mock *t, const char *path)
{
    struct mt_response r;
    get_json(t, path, &r);
    const cJSON *keys = cJSON_GetObjectItem(r.json, "keys");
    assert_int_equal(cJSON_GetArraySize(keys), 1);
    const cJSON *jwk = cJSON_GetArrayItem(keys, 0);
    assert_string_equal(mt_json_str(jwk, "kty"), "RSA");
    assert_string_equal(mt_json_str(jwk, "use"), "sig");
    EVP_PKEY *key = key_from_jwk(jwk);
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__jwt_parse(t->token, &jwt, &err), AKSNET_OK);
    assert_string_equal(mt_json_str(aksnet__jwt_header(jwt), "kid"), mt_json_str(jwk, "kid"));
    assert_int_equal(aksnet__jwt_verify(jwt, key, &err), AKSNET_OK);
    aksnet__jwt_free(jwt);
    /* and the key is not one that verifies anything: a client key's signature fails */
    char *foreign = sign_claims(ours.key, "x", "y", "z", NOW + 60);
    assert_int_equal(aksnet__jwt_parse(foreign, &jwt, &err), AKSNET_OK);
    assert_int_equal(aksnet__jwt_verify(jwt, key, &err), AKSNET_EAUTH);
    aksnet__jwt_free(jwt);
    free(foreign);
    EVP_PKEY_free(key);
    mt_response_free(&r);
}

static void assert_instance_discovery(struct mt_mock *t)
{
    char path[512];
    const char *host = strstr(t->url, "://") + 3;
    snprintf(path, sizeof(path),
             "/common/discovery/instance?api-version=1.1&authorization_endpoint=%s%%2F%s%%2Foauth2"
             "%%2Fv2.0%%2Fauthorize",
             t->url, MT_TENANT);
    struct mt_response r;
    get_json(t, path, &r);
    char want[256];
    snprintf(want, sizeof(want), "%s/%s/v2.0/.well-known/openid-configuration", t->url, MT_TENANT);
    assert_string_equal(mt_json_str(r.json, "tenant_discovery_endpoint"), want);
    assert_string_equal(mt_json_str(r.json, "api-version"), "1.1");
    const cJSON *meta = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "metadata"), 0);
    assert_string_equal(mt_json_str(meta, "preferred_network"), host);
    assert_string_equal(mt_json_str(meta, "preferred_cache"), host);
    assert_true(has_string(cJSON_GetObjectItem(meta, "aliases"), host));
    mt_response_free(&r);
    /* asked about Entra ID's own host: that host becomes an alias of this instance */
    get_json(t,
             "/common/discovery/instance?api-version=1.1&authorization_endpoint="
             "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
             &r);
    meta = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "metadata"), 0);
    assert_true(has_string(cJSON_GetObjectItem(meta, "aliases"), "login.microsoftonline.com"));
    mt_response_free(&r);
}

static void discovery_checks(bool tls)
{
    struct env e;
    env_start(&e, tls, false, NULL);
    assert_v2_document(&e.t);
    assert_other_documents(&e.t);
    assert_jwks_verifies(&e.t, "/" MT_TENANT "/discovery/v2.0/keys");
    assert_jwks_verifies(&e.t, "/common/discovery/keys");
    assert_jwks_verifies(&e.t, "/adfs/discovery/keys");
    assert_instance_discovery(&e.t);
    env_stop(&e);
}

static void test_discovery_http(void **state)
{
    (void)state;
    discovery_checks(false);
}

static void test_discovery_https(void **state)
{
    (void)state;
    discovery_checks(true);
}

/* ---- tests: managed identity ---------------------------------------------------------------- */

#define IMDS "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"

static void assert_mi_error(const struct mt_response *r, long status, const char *error, const char *desc)
{
    assert_int_equal(r->status, status);
    assert_string_equal(mt_json_str(r->json, "error"), error);
    if (desc)
        assert_string_equal(mt_json_str(r->json, "error_description"), desc);
}

/* An IMDS success: every member a string, as IMDS writes them; the access token's appid returned. */
static void assert_imds_token(struct mt_mock *t, const struct mt_response *r, const char *appid)
{
    assert_int_equal(r->status, 200);
    assert_string_equal(mt_json_str(r->json, "token_type"), "Bearer");
    assert_string_equal(mt_json_str(r->json, "expires_in"), "3600");
    assert_string_equal(mt_json_str(r->json, "ext_expires_in"), "3600");
    assert_string_equal(mt_json_str(r->json, "expires_on"), "1800003600");
    assert_string_equal(mt_json_str(r->json, "not_before"), "1800000000");
    assert_string_equal(mt_json_str(r->json, "resource"), "https://management.azure.com/");
    assert_string_equal(mt_json_str(r->json, "client_id"), appid);
    const char *tok = mt_json_str(r->json, "access_token");
    assert_non_null(tok);
    cJSON *c = claims_of(tok);
    assert_string_equal(mt_json_str(c, "appid"), appid);
    assert_string_equal(mt_json_str(c, "aud"), "https://management.azure.com/");
    cJSON_Delete(c);
    assert_int_equal(arm_status(t, tok), 200);
}

/* A user-assigned identity made through ARM; its clientId and principalId copied out. */
static void make_identity(struct mt_mock *t, char client[64], char principal[64])
{
    struct mt_response r;
    assert_true(mt_request(t, "PUT", "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2021-04-01",
                           "{\"location\":\"chinaeast2\"}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    mt_response_free(&r);
    assert_true(mt_request(t, "PUT",
                           "/subscriptions/" MT_SUB "/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/"
                           "userAssignedIdentities/id1?api-version=2023-01-31",
                           "{\"location\":\"chinaeast2\"}", NULL, true, NULL, &r));
    assert_true(r.status == 200 || r.status == 201);
    const cJSON *props = cJSON_GetObjectItem(r.json, "properties");
    snprintf(client, 64, "%s", mt_json_str(props, "clientId"));
    snprintf(principal, 64, "%s", mt_json_str(props, "principalId"));
    mt_response_free(&r);
}

static void test_imds(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_mock *t = &e.t;
    struct mt_response r;
    assert_true(mt_request(t, "GET", IMDS, NULL, NULL, false, NULL, &r));
    assert_mi_error(&r, 400, "invalid_request", "Required metadata header not specified");
    assert_int_equal(cJSON_GetArraySize(r.json), 2);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", "/metadata/identity/oauth2/token?api-version=2018-02-01", NULL, NULL, false,
                           "Metadata: true", &r));
    assert_mi_error(&r, 400, "invalid_request", "Required audience parameter not specified");
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", IMDS, NULL, NULL, false, "Metadata: true", &r));
    assert_imds_token(t, &r, "5a3b9d0e-0000-4000-8000-00000000a11d");
    mt_response_free(&r);
    /* any user-assigned client id is accepted and becomes the appid */
    assert_true(mt_request(t, "GET", IMDS "&client_id=" OTHER_CLIENT, NULL, NULL, false, "Metadata: true", &r));
    assert_imds_token(t, &r, OTHER_CLIENT);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", IMDS "&client_id=%FFx", NULL, NULL, false, "Metadata: true", &r));
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(r.json, "client_id"), "?x");
    mt_response_free(&r);
    /* an identity the mock holds, by resource id or object id, answers with its own client id */
    char client[64], principal[64];
    make_identity(t, client, principal);
    assert_true(mt_request(t, "GET",
                           IMDS "&msi_res_id=/subscriptions/" MT_SUB "/resourceGroups/rg1/providers/"
                                "Microsoft.ManagedIdentity/userAssignedIdentities/id1",
                           NULL, NULL, false, "Metadata: true", &r));
    assert_imds_token(t, &r, client);
    mt_response_free(&r);
    char path[512];
    snprintf(path, sizeof(path), IMDS "&object_id=%s", principal);
    assert_true(mt_request(t, "GET", path, NULL, NULL, false, "Metadata: true", &r));
    assert_imds_token(t, &r, client);
    mt_response_free(&r);
    env_stop(&e);
}

#define MSI "/msi/token?api-version=2019-08-01&resource=https://management.azure.com/"

static void test_app_service(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, NULL);
    struct mt_response r;
    assert_true(mt_request(&e.t, "GET", MSI, NULL, NULL, false, "X-IDENTITY-HEADER: " ID_HEADER, &r));
    assert_int_equal(r.status, 404);
    mt_response_free(&r);
    env_stop(&e);

    env_start(&e, true, false, ID_HEADER);
    struct mt_mock *t = &e.t;
    assert_true(mt_request(t, "GET", MSI, NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 401);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", MSI, NULL, NULL, false, "X-IDENTITY-HEADER: wrong", &r));
    assert_int_equal(r.status, 401);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", "/msi/token?api-version=2017-09-01&resource=https://management.azure.com/",
                           NULL, NULL, false, "X-IDENTITY-HEADER: " ID_HEADER, &r));
    assert_mi_error(&r, 400, "invalid_request", NULL);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", MSI "&client_id=" OTHER_CLIENT, NULL, NULL, false,
                           "X-IDENTITY-HEADER: " ID_HEADER, &r));
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(r.json, "token_type"), "Bearer");
    assert_string_equal(mt_json_str(r.json, "expires_on"), "1800003600");
    assert_string_equal(mt_json_str(r.json, "resource"), "https://management.azure.com/");
    assert_string_equal(mt_json_str(r.json, "client_id"), OTHER_CLIENT);
    assert_null(cJSON_GetObjectItem(r.json, "expires_in"));
    const char *tok = mt_json_str(r.json, "access_token");
    assert_non_null(tok);
    assert_claims(tok, OTHER_CLIENT, "00000000-0000-0000-0000-000000000001", "https://management.azure.com/");
    assert_int_equal(arm_status(t, tok), 200);
    mt_response_free(&r);
    env_stop(&e);
}

/* ---- tests: the journal -------------------------------------------------------------------- */

struct secrets {
    char *items[16];
    size_t count;
};

static void keep(struct secrets *s, const char *value)
{
    assert_non_null(value);
    assert_true(s->count < 16);
    s->items[s->count++] = strdup(value);
}

/* Post a form, expect 200 and remember the access token. */
static void post_keep(struct mt_mock *t, const char *form, struct secrets *s)
{
    struct mt_response r;
    post_v2(t, MT_TENANT, form, &r);
    assert_int_equal(r.status, 200);
    keep(s, mt_json_str(r.json, "access_token"));
    mt_response_free(&r);
}

static void get_keep(struct mt_mock *t, const char *path, const char *header, struct secrets *s)
{
    struct mt_response r;
    assert_true(mt_request(t, "GET", path, NULL, NULL, false, header, &r));
    assert_int_equal(r.status, 200);
    keep(s, mt_json_str(r.json, "access_token"));
    mt_response_free(&r);
}

static void test_journal_hides_secrets(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, false, false, ID_HEADER);
    struct mt_mock *t = &e.t;
    struct secrets s = {0};
    keep(&s, MT_SECRET);
    keep(&s, ID_HEADER);
    keep(&s, fed_token);
    keep(&s, t->token);
    char *form = secret_form(MT_CLIENT, MT_SECRET);
    post_keep(t, form, &s);
    free(form);
    struct spec sp = spec_for(t, CERT_CLIENT);
    char *a = sign_assertion(&sp);
    keep(&s, a);
    form = assertion_form(CERT_CLIENT, a);
    post_keep(t, form, &s);
    free(form);
    free(a);
    form = assertion_form(FED_CLIENT, fed_token);
    post_keep(t, form, &s);
    free(form);
    /* a refused secret and a refused assertion are not written either */
    char *wrong = secret_form(MT_CLIENT, "wrong-secret-9b1c");
    keep(&s, "wrong-secret-9b1c");
    expect_error(t, MT_TENANT, wrong, 401, "invalid_client", 7000215);
    free(wrong);
    get_keep(t, IMDS, "Metadata: true", &s);
    get_keep(t, MSI, "X-IDENTITY-HEADER: " ID_HEADER, &s);
    assert_int_equal(arm_status(t, s.items[s.count - 1]), 200);
    /* stop first: every line is written and flushed */
    armmock_stop(t->mock);
    t->mock = NULL;
    size_t n = 0;
    cJSON **lines = mt_journal(t, &n);
    assert_int_equal(n, 8); /* mt_start's token, 3 tokens, 1 refusal, IMDS, App Service, ARM */
    size_t token_lines = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(lines[i]);
        char *text = cJSON_PrintUnformatted(lines[i]);
        for (size_t k = 0; k < s.count; k++)
            assert_null(strstr(text, s.items[k]));
        if (strstr(text, "oauth2/v2.0/token") && strstr(text, "\"access_token\":\"***\""))
            token_lines++;
        free(text);
    }
    assert_true(token_lines >= 4); /* mt_start's, secret, certificate, federated */
    mt_journal_free(lines, n);
    for (size_t k = 0; k < s.count; k++)
        free(s.items[k]);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_success),
        cmocka_unit_test(test_secret_errors),
        cmocka_unit_test(test_accept_any_client),
        cmocka_unit_test(test_v1_endpoint),
        cmocka_unit_test(test_certificate_rs256),
        cmocka_unit_test(test_certificate_ps256_https),
        cmocka_unit_test(test_certificate_errors),
        cmocka_unit_test(test_federated),
        cmocka_unit_test(test_discovery_http),
        cmocka_unit_test(test_discovery_https),
        cmocka_unit_test(test_imds),
        cmocka_unit_test(test_app_service),
        cmocka_unit_test(test_journal_hides_secrets),
    };
    return cmocka_run_group_tests_name("aksnet-mock Entra ID", tests, group_setup, group_teardown);
}
