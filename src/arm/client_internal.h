/*
 * client_internal.h - the inside of struct aksnet_client, for the engine
 * (which takes ARM connections from it) and for the tests (which build the
 * very same pipeline over a fake transport, clock or token source).
 */
#ifndef AKSNET__CLIENT_INTERNAL_H
#define AKSNET__CLIENT_INTERNAL_H

#include "aksnet/client.h"
#include "arm.h"
#include "auth.h"
#include "http.h"

/**
 * What a test may replace.  Every field is optional; NULL keeps the real
 * one.  The chain of policies stays the library's own.
 */
struct aksnet__client_seams {
    /** Make the transport of one chain (default: libcurl with options->cacert). */
    aksnet_code (*transport_new)(void *ctx, const char *cacert, struct aksnet__http_transport *out,
                                 struct aksnet_error *err);
    void (*transport_free)(void *ctx, struct aksnet__http_transport *transport);
    void *transport_ctx;
    /** Time and waiting, for retries, operations and the credential. */
    const struct aksnet__clock *clock;
    /** A token source instead of the credential chain (no credential is chosen then). */
    aksnet_code (*get_token)(void *ctx, bool force_refresh, char **token, struct aksnet_error *err);
    void *token_ctx;
    /** Instead of the retry policy's defaults (its clock is set from clock). */
    const struct aksnet__retry_options *retry;
    /** Credential seams: running a program (the Azure CLI), where IMDS is. */
    aksnet_code (*run)(void *ctx, char *const argv[], double timeout, char **out, int *status,
                       struct aksnet_error *err);
    void *run_ctx;
    const char *imds_authority;
    double imds_probe_timeout;
};

/** aksnet_client_new with seams (tests). */
aksnet_code aksnet__client_new_with(const struct aksnet_client_options *options,
                                    const struct aksnet__client_seams *seams, struct aksnet_client **out,
                                    struct aksnet_error *err);

/**
 * An ARM client (a chain of policies) for one thread: an idle one, or a new
 * chain.  Give it back with aksnet__client_release.  Connections are not
 * the chain's: every chain sends through the client's one pool of them.
 */
aksnet_code aksnet__client_acquire(struct aksnet_client *client, struct aksnet__arm_client **out,
                                   struct aksnet_error *err);
void aksnet__client_release(struct aksnet_client *client, struct aksnet__arm_client *arm);

/**
 * Make sure the credential holds a token for ARM (fetched now unless
 * cached), so that threads started next all find it: one token request
 * for a run, and one failure, not one per thread, when there is none.
 */
aksnet_code aksnet__client_token(struct aksnet_client *client, struct aksnet_error *err);

/**
 * How many libcurl handles the client's pool has made (each keeps its
 * connection to a host open for the next request of any thread); 0 over a
 * transport seam.
 */
size_t aksnet__client_connections(const struct aksnet_client *client);

/** The client's clock (the system's unless a seam replaced it). */
const struct aksnet__clock *aksnet__client_clock(const struct aksnet_client *client);

/** The token requests' chain (request id -> retry -> log -> transport), for the credential. */
const struct aksnet__http_policy *aksnet__client_token_pipeline(const struct aksnet_client *client);

/** The client's endpoints (the dry run's mock when dry_run). */
const struct aksnet__endpoints *aksnet__client_endpoints(const struct aksnet_client *client);

/**
 * Every secret value the client has handled (aksnet__redact_set): whoever
 * prints what came through the client (the engine's events and errors)
 * masks it with this.
 */
struct aksnet__redact_set *aksnet__client_secrets(struct aksnet_client *client);

/** The client's cancel (aksnet_client_options.cancel), or NULL: the engine checks it between steps. */
const struct aksnet_cancel *aksnet__client_cancel(const struct aksnet_client *client);

#endif
