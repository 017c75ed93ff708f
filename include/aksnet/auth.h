/*
 * aksnet/auth.h - Microsoft Entra ID access tokens for ARM, the way the
 * official Azure SDKs' DefaultAzureCredential gets them, from the same
 * environment variables, in the same order:
 *
 *   1. client secret        AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET
 *   2. client certificate   AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_CERTIFICATE_PATH
 *                           [AZURE_CLIENT_CERTIFICATE_PASSWORD]  (a signed JWT assertion)
 *   3. workload identity    AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_FEDERATED_TOKEN_FILE (re-read each time)
 *   4. managed identity     IDENTITY_ENDPOINT + IDENTITY_HEADER, else IMDS (one short probe);
 *                           AZURE_CLIENT_ID picks a user-assigned identity;
 *                           AZURE_POD_IDENTITY_AUTHORITY_HOST moves the IMDS host
 *   5. Azure CLI            `az account get-access-token`, run without a shell, with a timeout
 *
 * The first credential that is configured is used; when it fails, the error
 * says which one and why (Entra ID's AADSTS code and description).  Tokens
 * are cached in memory and refreshed 5 minutes before they expire.  Secrets
 * come from the environment or files only, never from argv; files holding
 * them are refused when group or others may read them; tokens and secrets
 * never reach a message, and are cleared (OPENSSL_cleanse) when freed.
 */
#ifndef AKSNET_AUTH_H
#define AKSNET_AUTH_H

#include <stdbool.h>

#include "cloud.h"
#include "error.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The kinds of credential, in the order they are tried. */
typedef enum {
    AKSNET_CREDENTIAL_NONE = 0,
    AKSNET_CREDENTIAL_CLIENT_SECRET,
    AKSNET_CREDENTIAL_CLIENT_CERTIFICATE,
    AKSNET_CREDENTIAL_WORKLOAD_IDENTITY,
    AKSNET_CREDENTIAL_MANAGED_IDENTITY,
    AKSNET_CREDENTIAL_AZURE_CLI
} aksnet_credential_kind;

/** "client secret", "client certificate", ... */
const char *aksnet_credential_name(aksnet_credential_kind kind);

/** The seams a credential needs, so tests use no real environment, clock or program. */
struct aksnet_auth_options {
    const struct aksnet_endpoints *endpoints;   /**< authority, ARM endpoint, scope */
    /** Token requests go through this chain (retry, logging; no bearer policy). */
    const struct aksnet_http_policy *pipeline;
    const struct aksnet_clock *clock;           /**< NULL = system */
    /** Read an environment variable; NULL = getenv. */
    const char *(*getenv)(void *ctx, const char *name);
    void *getenv_ctx;
    /**
     * Run a program (argv[0] searched in PATH) without a shell, collect its
     * standard output (at most 1 MiB) and exit status, killing it after
     * timeout seconds.  NULL = posix_spawn.  Used for the Azure CLI only.
     */
    aksnet_code (*run)(void *ctx, char *const argv[], double timeout, char **out, int *status,
                       struct aksnet_error *err);
    void *run_ctx;
    double imds_probe_timeout;                  /**< seconds for the first IMDS probe (default 1) */
    double cli_timeout;                         /**< seconds for `az` (default 30) */
};

/** A credential chain with its token cache. */
struct aksnet_auth;

/**
 * Pick the credential the environment configures (no network yet; IMDS is
 * chosen when nothing else is configured and `az` is not on PATH... see the
 * source for the exact rule).  Fails with AKSNET_EAUTH when a configured
 * credential is incomplete or its file is unsafe (loose permissions).
 */
aksnet_code aksnet_auth_new(const struct aksnet_auth_options *options, struct aksnet_auth **out,
                            struct aksnet_error *err);

/** Which credential the chain uses. */
aksnet_credential_kind aksnet_auth_kind(const struct aksnet_auth *auth);

/** Tenant and client the credential speaks for ("" when unknown), for `aksnet whoami`. */
const char *aksnet_auth_tenant(const struct aksnet_auth *auth);
const char *aksnet_auth_client(const struct aksnet_auth *auth);

/**
 * A token for the endpoints' scope: from the cache while it has more than 5
 * minutes left, else fetched.  force_refresh fetches even so (ARM said the
 * token expired).  *token is a copy the caller frees with aksnet_auth_token_free.
 * *expires_on (may be NULL) receives its expiry, seconds since the epoch.
 */
aksnet_code aksnet_auth_get_token(struct aksnet_auth *auth, bool force_refresh, char **token,
                                  double *expires_on, struct aksnet_error *err);

/** Clear and free a token. */
void aksnet_auth_token_free(char *token);

/** Adapter for struct aksnet_bearer_options: ctx is the struct aksnet_auth. */
aksnet_code aksnet_auth_bearer(void *ctx, bool force_refresh, char **token, struct aksnet_error *err);

/** Free the chain and clear its cached token.  NULL is allowed. */
void aksnet_auth_free(struct aksnet_auth *auth);

/**
 * Read a file that holds a secret (certificate, federated token), refusing
 * it when group or others may read it or it is not a regular file.  *out is
 * NUL-terminated; free with aksnet_auth_token_free.
 */
aksnet_code aksnet_auth_read_secret_file(const char *path, const char *what, size_t max, char **out,
                                         size_t *len, struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
