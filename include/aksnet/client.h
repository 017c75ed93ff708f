/*
 * aksnet/client.h - a connection to one Azure cloud: its endpoints, the
 * credential the environment configures, and the one HTTP pipeline that
 * every request of the library goes through.
 *
 * The pipeline is built here and nowhere else, the same for the tool, the
 * tests and the dry run: request id -> retry -> pace -> cancel -> bearer
 * token -> [request printer] -> log -> libcurl.  Requests are paced to
 * ARM's throttle from the x-ms-ratelimit-remaining-subscription-* counts it
 * sends, one budget per client and subscription, so that threads and the
 * plans of a fleet slow down before ARM answers 429, and a 429 slows them
 * all.  Connections are pooled: an ARM client that
 * a step of the engine gives back keeps its connection for the next step.
 *
 * Credentials come from the environment, as every Azure SDK reads them, in
 * this order (the first one configured is used):
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
 * Secrets come from the environment or files only, never from argv; files
 * holding them are refused when group or others may read them; tokens and
 * secrets never reach a message or a log.
 */
#ifndef AKSNET_CLIENT_H
#define AKSNET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cancel.h"
#include "error.h"

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

/** What a client is built from.  Zero (or aksnet_client_options_init) means every default. */
struct aksnet_client_options {
    /** "AzureCloud", "AzureChinaCloud", "AzureUSGovernment" (case-insensitive); NULL = AzureCloud. */
    const char *cloud;
    /** ARM's base URL instead of the cloud's: https, or http to loopback only. */
    const char *arm_endpoint;
    /** Entra ID's base URL instead of AZURE_AUTHORITY_HOST and the cloud's; the same rule. */
    const char *authority_host;
    /** A CA bundle (PEM) to trust instead of the system's; verification is never turned off. */
    const char *cacert;
    /** Every request and response, secrets masked as "***"; NULL = none. */
    FILE *log;
    /** Each ARM request's method, path and body as it is sent (what a dry run shows); NULL = none. */
    FILE *requests;
    /** The product name in User-Agent; NULL = "aksnet/<version>". */
    const char *user_agent;
    /**
     * Dry run: start aksnet-mock on an ephemeral loopback port, with
     * operations that complete at once, and use a throwaway credential
     * that it accepts.  Nothing of the user's environment is read and
     * nothing is sent beyond loopback.  arm_endpoint, authority_host and
     * cacert must be NULL.
     */
    bool dry_run;
    /**
     * Dry run: the aksnet-mock program to start; NULL = $AKSNET_MOCK, else
     * the aksnet-mock beside the running program, else the one on PATH.
     */
    const char *mock_program;
    /**
     * Told before the pipeline sends a request again (throttled with 429, a
     * server error, a lost connection): the request's method and URL, the
     * wait in seconds, and why ("HTTP 429").  Every wait of 2 s or more
     * deserves a line of progress.  Called from the engine's threads.
     */
    void (*on_retry)(void *ctx, const char *method, const char *url, double seconds, const char *why);
    void *on_retry_ctx;
    /**
     * Seconds one try of one request may take, connecting included, before
     * it counts as failed (and is retried as a lost connection is); 0 = 120.
     * The per-try timeout of the Azure SDKs (azcore's RetryOptions.TryTimeout).
     */
    double request_timeout;
    /** Read an environment variable (credentials, AZURE_AUTHORITY_HOST); NULL = getenv. */
    const char *(*getenv)(void *ctx, const char *name);
    void *getenv_ctx;
    /**
     * Stop early (aksnet/cancel.h): once aksnet_cancel_request is called, no
     * request of this client is sent, transfers under way are aborted, waits
     * end at once, and aksnet_provision_run returns AKSNET_ECANCELED with what
     * may still be running on ARM.  NULL = never cancelled.  Must outlive
     * the client.
     */
    struct aksnet_cancel *cancel;
};

/** Fill options with the defaults (all zero). */
void aksnet_client_options_init(struct aksnet_client_options *options);

/** A client: endpoints, credential, pipeline and connection pool.  Thread-safe. */
struct aksnet_client;

/**
 * Build a client.  Chooses the credential the environment configures (no
 * network yet; a certificate file is read and its key loaded now) and
 * checks every option at the door: AKSNET_EINVAL naming the option for a
 * bad URL, an unknown cloud or a dry run with endpoints; AKSNET_EAUTH
 * naming the variable for a credential set up halfway or a secret file
 * others may read; AKSNET_EIO when the dry run's mock cannot be started.
 */
aksnet_code aksnet_client_new(const struct aksnet_client_options *options, struct aksnet_client **out,
                              struct aksnet_error *err);

/** Close every connection, stop a dry run's mock, clear the cached token.  NULL is allowed. */
void aksnet_client_free(struct aksnet_client *client);

/** Who the client signs in as, for `aksnet whoami`. */
struct aksnet_identity {
    aksnet_credential_kind credential;
    const char *tenant;          /**< "" when unknown */
    const char *client;          /**< "" when unknown */
    const char *cloud;           /**< the cloud's name, e.g. "AzureChinaCloud" */
    const char *authority_host;  /**< Entra ID's base URL */
    const char *arm_endpoint;    /**< ARM's base URL */
    double expires_on;           /**< the token's expiry (seconds since the epoch); 0 without a token */
};

/**
 * Describe the client's identity; with fetch_token, also obtain a token
 * (which proves the credential works) and report its expiry.  The strings
 * are valid until the next call on the client or its free.  A failed fetch
 * still fills *out (expires_on 0) and returns AKSNET_EAUTH with Entra ID's
 * reason, never a secret.
 */
aksnet_code aksnet_client_identity(struct aksnet_client *client, bool fetch_token, struct aksnet_identity *out,
                                   struct aksnet_error *err);

/** What a client's requests to ARM met so far (every thread, every plan of a fleet). */
struct aksnet_client_stats {
    size_t requests;        /**< ARM requests answered (whatever the status), each try counted */
    size_t throttled;       /**< of those, answered 429 */
    size_t paced;           /**< held back to stay within ARM's throttle (x-ms-ratelimit-remaining-*) */
    double paced_seconds;   /**< how long, summed over requests */
};

/** Fill *out.  Thread-safe. */
void aksnet_client_stats(struct aksnet_client *client, struct aksnet_client_stats *out);

#ifdef __cplusplus
}
#endif
#endif
