/*
 * auth.h - Microsoft Entra ID access tokens for ARM, the way the
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
 * AKSNET_CLIENT_ASSERTION_ALG=PS256 makes the certificate assertion PS256
 * with an "x5t#S256" header; unset (or RS256) it is RS256 with "x5t", which
 * every Entra ID tenant accepts.
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
#include "aksnet/client.h"
#include "aksnet/error.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif


/** The seams a credential needs, so tests use no real environment, clock or program. */
struct aksnet__auth_options {
    const struct aksnet__endpoints *endpoints;   /**< authority, ARM endpoint, scope */
    /** Token requests go through this chain (retry, logging; no bearer policy). */
    const struct aksnet__http_policy *pipeline;
    const struct aksnet__clock *clock;           /**< NULL = system */
    /** Read an environment variable; NULL = getenv. */
    const char *(*getenv)(void *ctx, const char *name);
    void *getenv_ctx;
    /**
     * Run a program (argv[0] searched in PATH) without a shell, collect its
     * standard output (at most 1 MiB) and exit status, killing it after
     * timeout seconds.  NULL = aksnet__subprocess_run.  Used for the Azure
     * CLI only.  When the program exits non-zero, err->message may hold the
     * first line of its standard error (the default runner puts it there),
     * which the caller quotes.
     */
    aksnet_code (*run)(void *ctx, char *const argv[], double timeout, char **out, int *status,
                       struct aksnet_error *err);
    void *run_ctx;
    /**
     * Connect timeout, in seconds, of IMDS requests at 169.254.169.254 until
     * IMDS has answered once (default 1).  A moved IMDS (imds_authority,
     * AZURE_POD_IDENTITY_AUTHORITY_HOST) goes through the pipeline and its
     * transport's timeouts instead.
     */
    double imds_probe_timeout;
    double cli_timeout;                         /**< seconds for `az` (default 30) */
    /**
     * Base URL of IMDS, e.g. "http://127.0.0.1:8080"; NULL = the
     * AZURE_POD_IDENTITY_AUTHORITY_HOST variable, else http://169.254.169.254.
     * Changes where IMDS is asked, never whether managed identity is chosen:
     * tests point the last-resort IMDS probe at the mock with it.
     */
    const char *imds_authority;
    /**
     * Where the credential puts every secret value it handles (the client
     * secret, the certificate's password, IDENTITY_HEADER, each assertion and
     * federated token sent, each access token received), so that the log and
     * every message can mask them; its errors are cleaned with it.  NULL: the
     * credential keeps a set of its own.  Must outlive the chain.
     */
    struct aksnet__redact_set *secrets;
};

/** A credential chain with its token cache. */
struct aksnet__auth;

/**
 * Pick the credential the environment configures (no network yet):
 * AZURE_CLIENT_SECRET, else AZURE_CLIENT_CERTIFICATE_PATH (the file is read
 * and its key loaded now), else AZURE_FEDERATED_TOKEN_FILE (each needs
 * AZURE_TENANT_ID and AZURE_CLIENT_ID), else managed identity when
 * IDENTITY_ENDPOINT + IDENTITY_HEADER or AZURE_POD_IDENTITY_AUTHORITY_HOST
 * is set.  When nothing is set, the chain is "managed identity, then Azure
 * CLI": the first aksnet__auth_get_token probes IMDS (imds_probe_timeout)
 * and, when that fails, runs `az`; the one that answers is kept, and when
 * both fail the error gives both reasons.  Empty variables count as unset.
 * Fails with AKSNET_EAUTH, naming the variable, when a credential is set
 * up halfway (AZURE_CLIENT_SECRET without AZURE_TENANT_ID, IDENTITY_HEADER
 * without IDENTITY_ENDPOINT...) or its file is missing or unsafe (loose
 * permissions).  options is copied (endpoints too); pipeline, clock and the
 * contexts must outlive the chain.
 */
aksnet_code aksnet__auth_new(const struct aksnet__auth_options *options, struct aksnet__auth **out,
                             struct aksnet_error *err);

/**
 * Which credential the chain uses.  For the "nothing set" chain:
 * AKSNET_CREDENTIAL_MANAGED_IDENTITY until the Azure CLI answered instead.
 */
aksnet_credential_kind aksnet__auth_kind(const struct aksnet__auth *auth);

/**
 * Tenant and client the credential speaks for ("" when unknown), for
 * `aksnet whoami`: the variables, or for the Azure CLI the tenant its last
 * answer named.  Valid until the next aksnet__auth_get_token or _free.
 */
const char *aksnet__auth_tenant(const struct aksnet__auth *auth);
const char *aksnet__auth_client(const struct aksnet__auth *auth);

/**
 * A token for the endpoints' scope: from the cache while it has more than 5
 * minutes left, else fetched.  force_refresh fetches even so (ARM said the
 * token expired).  *token is a copy the caller frees with aksnet__secret_free.
 * *expires_on (may be NULL) receives its expiry, seconds since the epoch.
 * A refresh (at most one try every 30 s) that fails while the cached token
 * is still valid is not an error: the cached token is returned.  Failures
 * are AKSNET_EAUTH (ENOMEM aside) with a message naming the credential and
 * Entra ID's error (AADSTS code and description), never a secret.  Calls
 * from several threads are serialised (one fetch at a time).
 */
aksnet_code aksnet__auth_get_token(struct aksnet__auth *auth, bool force_refresh, char **token, double *expires_on,
                                   struct aksnet_error *err);

/** Adapter for struct aksnet__bearer_options: ctx is the struct aksnet__auth. */
aksnet_code aksnet__auth_bearer(void *ctx, bool force_refresh, char **token, struct aksnet_error *err);

/** Free the chain and clear its cached token.  NULL is allowed. */
void aksnet__auth_free(struct aksnet__auth *auth);

#ifdef __cplusplus
}
#endif
#endif
