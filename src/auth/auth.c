/*
 * auth.c - the credential chain: which credential the environment sets up,
 * the token cache in front of it, and reading the files secrets live in.
 * The credentials themselves are in auth_entra.c (secret, certificate,
 * workload identity), auth_mi.c (managed identity) and auth_cli.c (Azure
 * CLI); reading token services' answers is in auth_answer.c.
 *
 * Secrets live in memory only as long as the chain does and are wiped
 * with OPENSSL_cleanse before being freed; messages quote Entra ID's error
 * and the variables' names, never a value that could be a secret.
 */
#include "auth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Refresh this long before a token expires (the Azure SDKs' 5 minutes). */
#define REFRESH_EARLY 300.0
/* At most one early refresh attempt this often. */
#define RETRY_GAP 30.0
#define DEFAULT_PROBE_TIMEOUT 1.0
#define DEFAULT_CLI_TIMEOUT 30.0
/* Largest certificate file read (PEM of a key and a chain). */
#define CERT_FILE_MAX (1024 * 1024)

/* ---- choosing the credential ---------------------------------------------------------- */

/* A variable through the seam; empty counts as unset, as in the Azure SDKs. */
static const char *env(const struct aksnet__auth_options *o, const char *name)
{
    const char *v = o->getenv ? o->getenv(o->getenv_ctx, name) : getenv(name);
    return v && *v ? v : NULL;
}

/* A client id goes into form fields and messages: printable, no spaces, short. */
static bool client_ok(const char *c)
{
    size_t n = strlen(c);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] <= 0x20 || (unsigned char)c[i] >= 0x7f)
            return false;
    return n > 0 && n < AUTH_ID_MAX;
}

/* Tenant and client for the app-registration credentials, which need both. */
static aksnet_code need_ids(const struct aksnet__auth_options *o, const char *cred, const char *by,
                            struct aksnet_error *err)
{
    const char *tenant = env(o, "AZURE_TENANT_ID"), *client = env(o, "AZURE_CLIENT_ID");
    if (!tenant || !client)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s: %s is set but %s is not", cred, by,
                                !tenant ? "AZURE_TENANT_ID" : "AZURE_CLIENT_ID");
    if (!aksnet__auth_tenant_ok(tenant))
        return aksnet_error_set(err, AKSNET_EAUTH, "%s: AZURE_TENANT_ID '%.64s' is not a tenant id or domain name",
                                cred, tenant);
    return AKSNET_OK;
}

/* The optional ids of managed identity and the Azure CLI: kept when well-formed, refused otherwise. */
static aksnet_code take_ids(struct aksnet__auth *a, const struct aksnet__auth_options *o, struct aksnet_error *err)
{
    const char *tenant = env(o, "AZURE_TENANT_ID"), *client = env(o, "AZURE_CLIENT_ID");
    if (tenant && !aksnet__auth_tenant_ok(tenant))
        return aksnet_error_set(err, AKSNET_EAUTH, "AZURE_TENANT_ID '%.64s' is not a tenant id or domain name",
                                tenant);
    if (client && !client_ok(client))
        return aksnet_error_set(err, AKSNET_EAUTH, "AZURE_CLIENT_ID is not a client id (spaces, or too long)");
    snprintf(a->tenant, sizeof(a->tenant), "%s", tenant ? tenant : "");
    snprintf(a->client, sizeof(a->client), "%s", client ? client : "");
    return AKSNET_OK;
}

/* The chain keeps its own copies: the environment may change under it. */
static aksnet_code take_copy(char **dst, const char *value, struct aksnet_error *err)
{
    *dst = strdup(value);
    return *dst ? AKSNET_OK : aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
}

/* A secret of the environment, masked in every output for the chain's life. */
static aksnet_code known(struct aksnet__auth *a, const char *value, struct aksnet_error *err)
{
    if (aksnet__redact_add(a->secrets, value, true) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return AKSNET_OK;
}

/* The certificate is read and its key loaded now, so that a bad file is reported before any work starts. */
static aksnet_code setup_certificate(struct aksnet__auth *a, const struct aksnet__auth_options *o, const char *path,
                                     struct aksnet_error *err)
{
    const char *alg = env(o, "AKSNET_CLIENT_ASSERTION_ALG");
    if (alg && strcasecmp(alg, "RS256") != 0 && strcasecmp(alg, "PS256") != 0)
        return aksnet_error_set(err, AKSNET_EAUTH, "client certificate: AKSNET_CLIENT_ASSERTION_ALG must be RS256 or "
                                                   "PS256, not '%.16s'",
                                alg);
    return aksnet__auth_entra_load_certificate(a, path, env(o, "AZURE_CLIENT_CERTIFICATE_PASSWORD"),
                                               alg ? alg : "RS256", err);
}

/* The federated token is re-read at every fetch; it is checked once now for a clear early error. */
static aksnet_code setup_workload(struct aksnet__auth *a, const char *path, struct aksnet_error *err)
{
    char *text = NULL;
    size_t len = 0;
    struct aksnet_error why;
    aksnet_code rc = aksnet__secret_read_file_as(AKSNET__SECRET_ASSERTION, NULL, path, "AZURE_FEDERATED_TOKEN_FILE", 0,
                                                 &text, &len, &why);
    aksnet__secret_free(text);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "workload identity: %s", why.message);
    return take_copy(&a->federated_file, path, err);
}

/* IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service, Functions), else IMDS, possibly moved. */
static aksnet_code setup_managed(struct aksnet__auth *a, const struct aksnet__auth_options *o,
                                 struct aksnet_error *err)
{
    const char *endpoint = env(o, "IDENTITY_ENDPOINT"), *header = env(o, "IDENTITY_HEADER");
    if (endpoint) {
        struct aksnet_error why;
        if (aksnet__http_check_url_for(endpoint, true, &why) != AKSNET_OK)
            return aksnet_error_set(err, AKSNET_EAUTH, "managed identity: IDENTITY_ENDPOINT: %s", why.message);
        aksnet_code rc = take_copy(&a->identity_endpoint, endpoint, err);
        if (rc == AKSNET_OK)
            rc = take_copy(&a->identity_header, header, err);
        return rc == AKSNET_OK ? known(a, header, err) : rc;
    }
    if (o->imds_authority)
        return aksnet__auth_mi_set_imds(a, o->imds_authority, "the IMDS address", err);
    const char *moved = env(o, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
    return aksnet__auth_mi_set_imds(a, moved, "AZURE_POD_IDENTITY_AUTHORITY_HOST", err);
}

/* DefaultAzureCredential's order; a credential set up halfway is an error, not a reason to go on. */
static aksnet_code choose(struct aksnet__auth *a, const struct aksnet__auth_options *o, struct aksnet_error *err)
{
    const char *secret = env(o, "AZURE_CLIENT_SECRET"), *cert = env(o, "AZURE_CLIENT_CERTIFICATE_PATH");
    const char *fed = env(o, "AZURE_FEDERATED_TOKEN_FILE");
    const char *id_endpoint = env(o, "IDENTITY_ENDPOINT"), *id_header = env(o, "IDENTITY_HEADER");
    aksnet_code rc;
    if (secret) {
        a->kind = AKSNET_CREDENTIAL_CLIENT_SECRET;
        rc = need_ids(o, "client secret", "AZURE_CLIENT_SECRET", err);
    } else if (cert) {
        a->kind = AKSNET_CREDENTIAL_CLIENT_CERTIFICATE;
        rc = need_ids(o, "client certificate", "AZURE_CLIENT_CERTIFICATE_PATH", err);
    } else if (env(o, "AZURE_CLIENT_CERTIFICATE_PASSWORD")) {
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "client certificate: AZURE_CLIENT_CERTIFICATE_PASSWORD is set but "
                                "AZURE_CLIENT_CERTIFICATE_PATH is not");
    } else if (fed) {
        a->kind = AKSNET_CREDENTIAL_WORKLOAD_IDENTITY;
        rc = need_ids(o, "workload identity", "AZURE_FEDERATED_TOKEN_FILE", err);
    } else if (id_endpoint && !id_header) {
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "managed identity: IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not (the Azure "
                                "Arc form of managed identity is not supported)");
    } else if (id_header && !id_endpoint) {
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "managed identity: IDENTITY_HEADER is set but IDENTITY_ENDPOINT is not");
    } else {
        a->kind = AKSNET_CREDENTIAL_MANAGED_IDENTITY;
        a->fallback = !id_endpoint && !env(o, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
        rc = AKSNET_OK;
    }
    if (rc == AKSNET_OK)
        rc = take_ids(a, o, err);
    if (rc != AKSNET_OK)
        return rc;
    switch (a->kind) {
    case AKSNET_CREDENTIAL_CLIENT_SECRET:
        rc = take_copy(&a->secret, secret, err);
        return rc == AKSNET_OK ? known(a, secret, err) : rc;
    case AKSNET_CREDENTIAL_CLIENT_CERTIFICATE:
        rc = known(a, env(o, "AZURE_CLIENT_CERTIFICATE_PASSWORD"), err);
        return rc == AKSNET_OK ? setup_certificate(a, o, cert, err) : rc;
    case AKSNET_CREDENTIAL_WORKLOAD_IDENTITY:
        return setup_workload(a, fed, err);
    default:
        return setup_managed(a, o, err);
    }
}

/* Everything that can be checked without the network is checked here, so a bad setup fails before any work. */
aksnet_code aksnet__auth_new(const struct aksnet__auth_options *options, struct aksnet__auth **out,
                             struct aksnet_error *err)
{
    *out = NULL;
    if (!options || !options->endpoints || !options->pipeline)
        return aksnet_error_set(err, AKSNET_EINVAL, "the credential needs endpoints and an HTTP pipeline");
    struct aksnet__auth *a = calloc(1, sizeof(*a));
    if (!a)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        return aksnet_error_set(err, AKSNET_ENOMEM, "cannot create a mutex");
    }
    a->endpoints = *options->endpoints;
    a->pipeline = options->pipeline;
    a->clock = options->clock ? options->clock : aksnet__clock_system();
    a->run = options->run ? options->run : aksnet__subprocess_run;
    a->run_ctx = options->run_ctx;
    a->imds_probe_timeout = options->imds_probe_timeout > 0 ? options->imds_probe_timeout : DEFAULT_PROBE_TIMEOUT;
    a->cli_timeout = options->cli_timeout > 0 ? options->cli_timeout : DEFAULT_CLI_TIMEOUT;
    aksnet__redact_init(&a->own_secrets);
    a->secrets = options->secrets ? options->secrets : &a->own_secrets;
    aksnet_code rc = choose(a, options, err);
    if (rc != AKSNET_OK) {
        aksnet__auth_free(a);
        return rc;
    }
    *out = a;
    return AKSNET_OK;
}

/* For `aksnet whoami` and messages; NULL-safe like the rest of the getters. */
aksnet_credential_kind aksnet__auth_kind(const struct aksnet__auth *auth)
{
    return auth ? auth->kind : AKSNET_CREDENTIAL_NONE;
}

/* The CLI speaks for whatever tenant `az login` chose: its answer says which. */
const char *aksnet__auth_tenant(const struct aksnet__auth *auth)
{
    if (!auth)
        return "";
    return auth->kind == AKSNET_CREDENTIAL_AZURE_CLI && auth->cli_tenant[0] ? auth->cli_tenant : auth->tenant;
}

/* AZURE_CLIENT_ID as given ("" for a system-assigned identity or the CLI). */
const char *aksnet__auth_client(const struct aksnet__auth *auth)
{
    return auth ? auth->client : "";
}

/* Every secret-bearing field is wiped, then the whole struct, before it goes back. */
void aksnet__auth_free(struct aksnet__auth *auth)
{
    if (!auth)
        return;
    aksnet__secret_free(auth->token);
    aksnet__secret_free(auth->secret);
    aksnet__secret_free(auth->identity_header);
    free(auth->identity_endpoint);
    free(auth->federated_file);
    free(auth->thumbprint);
    EVP_PKEY_free(auth->key);
    pthread_mutex_destroy(&auth->lock);
    aksnet__redact_free(&auth->own_secrets);
    OPENSSL_cleanse(auth, sizeof(*auth));
    free(auth);
}

/* ---- fetching and the cache ---------------------------------------------------------------- */

/*
 * Nothing set: IMDS first (one short probe), then the Azure CLI; whichever
 * answers is kept for the next fetches.  When both fail, both reasons.
 */
static aksnet_code fallback_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    struct aksnet_error mi, cli;
    aksnet_error_clear(&mi);
    aksnet_error_clear(&cli);
    aksnet_code rc = aksnet__auth_mi_fetch(a, tok, &mi);
    if (rc == AKSNET_OK) {
        a->fallback = false;
        return rc;
    }
    if (rc == AKSNET_ENOMEM || rc == AKSNET_ECANCELED)
        return aksnet_error_set(err, rc, "%s", mi.message);
    rc = aksnet__auth_cli_fetch(a, tok, &cli);
    if (rc == AKSNET_OK) {
        a->fallback = false;
        a->kind = AKSNET_CREDENTIAL_AZURE_CLI;
        return rc;
    }
    if (rc == AKSNET_ENOMEM)
        return aksnet_error_set(err, rc, "%s", cli.message);
    return aksnet_error_set(err, AKSNET_EAUTH,
                            "no credential is set in the environment and neither fallback worked: %.220s; %.220s",
                            mi.message, cli.message);
}

/*
 * One fetch by the chain's credential.  Masking every secret value the
 * chain has handled is the last guard against one in a message (a server
 * may quote the secret back), and a token received joins them.
 */
static aksnet_code fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    aksnet_code rc;
    switch (a->kind) {
    case AKSNET_CREDENTIAL_CLIENT_SECRET:
    case AKSNET_CREDENTIAL_CLIENT_CERTIFICATE:
    case AKSNET_CREDENTIAL_WORKLOAD_IDENTITY:
        rc = aksnet__auth_entra_fetch(a, tok, err);
        break;
    case AKSNET_CREDENTIAL_MANAGED_IDENTITY:
        rc = a->fallback ? fallback_fetch(a, tok, err) : aksnet__auth_mi_fetch(a, tok, err);
        break;
    case AKSNET_CREDENTIAL_AZURE_CLI:
        rc = aksnet__auth_cli_fetch(a, tok, err);
        break;
    default:
        rc = aksnet_error_set(err, AKSNET_EAUTH, "no credential");
        break;
    }
    if (rc != AKSNET_OK)
        aksnet__redact_error(a->secrets, err);
    return rc;
}

/* The caller gets a copy: the cached token may be replaced by another thread's refresh. */
static aksnet_code give(const struct aksnet__auth *a, char **token, double *expires_on, struct aksnet_error *err)
{
    *token = strdup(a->token);
    if (!*token)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (expires_on)
        *expires_on = a->expires_on;
    return AKSNET_OK;
}

/*
 * Cached while more than REFRESH_EARLY is left.  Inside that window a
 * refresh is tried at most every RETRY_GAP seconds, and a failed one keeps
 * the old token as long as it has not expired (the SDKs do the same: Entra
 * ID having a bad minute must not stop a run whose token still works).
 * force_refresh always fetches, and a failure then drops the old token:
 * ARM has just refused it.
 */
aksnet_code aksnet__auth_get_token(struct aksnet__auth *auth, bool force_refresh, char **token, double *expires_on,
                                   struct aksnet_error *err)
{
    *token = NULL;
    if (!auth)
        return aksnet_error_set(err, AKSNET_EINVAL, "no credential");
    pthread_mutex_lock(&auth->lock);
    double now = aksnet__auth_now(auth);
    bool valid = auth->token && now < auth->expires_on;
    aksnet_code rc;
    if (!force_refresh && valid &&
        (now < auth->expires_on - REFRESH_EARLY || now - auth->last_try < RETRY_GAP)) {
        rc = give(auth, token, expires_on, err);
    } else {
        struct auth_token tok = {0};
        auth->last_try = now;
        rc = fetch(auth, &tok, err);
        if (rc == AKSNET_OK && aksnet__redact_add(auth->secrets, tok.value, false) != AKSNET_OK) {
            aksnet__secret_free(tok.value);
            rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        }
        if (rc == AKSNET_OK) {
            aksnet__secret_free(auth->token);
            auth->token = tok.value;
            auth->expires_on = tok.expires_on;
            rc = give(auth, token, expires_on, err);
        } else if (!force_refresh && valid && rc != AKSNET_ENOMEM) {
            aksnet_error_clear(err);
            rc = give(auth, token, expires_on, err);
        } else if (force_refresh) {
            aksnet__secret_free(auth->token);
            auth->token = NULL;
        }
    }
    pthread_mutex_unlock(&auth->lock);
    return rc;
}

/* The bearer policy's seam: its force_refresh (an ARM 401) goes straight through to the cache. */
aksnet_code aksnet__auth_bearer(void *ctx, bool force_refresh, char **token, struct aksnet_error *err)
{
    return aksnet__auth_get_token(ctx, force_refresh, token, NULL, err);
}
