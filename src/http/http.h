/*
 * http.h - the HTTP pipeline every call to Entra ID and ARM goes
 * through.
 *
 * As in azure-sdk-for-c, a request passes through a chain of small
 * policies (request id, retry, bearer token, logging), each testable alone,
 * and ends at a transport.  The transport, the clock and sleeping are seams:
 * libcurl and the system clock in the tool, fakes in unit tests, so a retry
 * test takes no wall time and opens no socket.
 *
 * One file per piece: message.c (requests, responses), clock.c, url.c (the
 * rule for secrets: https, or http to loopback), pipeline.c (the chain),
 * policy_request_id.c, policy_retry.c, policy_pace.c, policy_cancel.c,
 * policy_bearer.c, policy_log.c with redact.c, and transport_curl.c.  The
 * chain is assembled in one place, src/arm/client.c.
 *
 * The usual chain, outermost first: request id -> retry -> [pace] ->
 * cancel -> bearer -> log -> transport (pace on ARM's chains only).  The
 * request id is then set once and kept by every try; each try is paced to
 * ARM's throttle and asks the credential (its cache) for a token, so a long
 * wait cannot send a stale one; the log shows each try as it goes on the
 * wire.
 * A policy receives rs zeroed (or freed) and leaves in it the response it
 * returns AKSNET_OK with; on an error rs holds nothing.
 */
#ifndef AKSNET_HTTP_H
#define AKSNET_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aksnet/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- messages ------------------------------------------------------------ */

/** A header; both strings owned by the message. */
struct aksnet__http_header {
    char *name;
    char *value;
};

/**
 * Which statuses the retry policy retries for a request.  DEFAULT: 408,
 * 429, 5xx and lost connections.  IMDS: as Azure's IMDS guidance says,
 * 404, 410 (for at least 70 s), 429 and 5xx, with exponential backoff
 * (learn.microsoft.com/entra/identity/managed-identities-azure-resources/
 * how-to-use-vm-token, "Error handling"; azidentity's IMDS retry options in
 * Azure/azure-sdk-for-go).  IMDS_PROBE: no retry at all, as the Azure SDKs'
 * DefaultAzureCredential probes IMDS once with a short timeout before
 * trusting it (off Azure nothing answers, and the chain moves on).
 */
enum aksnet__retry_profile { AKSNET__RETRY_DEFAULT = 0, AKSNET__RETRY_IMDS, AKSNET__RETRY_IMDS_PROBE };

/** A request.  Build with aksnet__http_request_init, release with aksnet__http_request_free. */
struct aksnet__http_request {
    char method[8];                      /**< "GET", "PUT", ... */
    char *url;
    struct aksnet__http_header *headers;
    size_t header_count;
    char *body;                          /**< NUL-terminated copy, or NULL */
    size_t body_len;
    bool sensitive_body;                 /**< holds a secret (token request): never logged */
    /**
     * Plain http:// to a link-local address (169.254.0.0/16) is allowed for
     * this request: set only for the managed-identity endpoint (IMDS at
     * 169.254.169.254, App Service's IDENTITY_ENDPOINT), which is on the
     * host itself and never routed.
     */
    bool link_local_ok;
    long connect_timeout_ms;             /**< 0: the transport's */
    enum aksnet__retry_profile retry_profile;
    /**
     * When the operation this request serves must be over (seconds on the
     * retry policy's clock; 0 = none): a retry whose wait would pass it is
     * not made (AKSNET_ETIMEOUT at once).
     */
    double deadline;
};

/** A response.  Zero-initialise; release with aksnet__http_response_free. */
struct aksnet__http_response {
    long status;                         /**< 0 until a response arrived */
    struct aksnet__http_header *headers;
    size_t header_count;
    char *body;                          /**< NUL-terminated, or NULL */
    size_t body_len;
};

aksnet_code aksnet__http_request_init(struct aksnet__http_request *rq, const char *method, const char *url,
                                      struct aksnet_error *err);
/** Set a header, replacing one of the same name (case-insensitive).  AKSNET_EINVAL for a name or value with CR/LF. */
aksnet_code aksnet__http_request_set_header(struct aksnet__http_request *rq, const char *name, const char *value);
/** Copy body in and set Content-Type. */
aksnet_code aksnet__http_request_set_body(struct aksnet__http_request *rq, const char *body, size_t len,
                                          const char *content_type);
const char *aksnet__http_request_header(const struct aksnet__http_request *rq, const char *name);
/** False when s is NULL or holds CR or LF (a header value that would smuggle in another header). */
bool aksnet__http_header_text_ok(const char *s);

/** Frees and wipes (OPENSSL_cleanse) headers and body; leaves rq zeroed. */
void aksnet__http_request_free(struct aksnet__http_request *rq);

/** A response header's value (case-insensitive), or NULL. */
const char *aksnet__http_response_header(const struct aksnet__http_response *rs, const char *name);
/** Add a header to a response (transports and test fakes build responses with it). */
aksnet_code aksnet__http_response_add_header(struct aksnet__http_response *rs, const char *name, const char *value);
/** Frees and wipes headers and body; leaves rs zeroed, ready to be filled again. */
void aksnet__http_response_free(struct aksnet__http_response *rs);

/* ---- seams ------------------------------------------------------------------ */

/** Time and waiting.  The tool uses aksnet__clock_system(); tests pass a fake. */
struct aksnet__clock {
    double (*now)(void *ctx);             /**< seconds since the epoch */
    void (*sleep)(void *ctx, double seconds);
    void *ctx;
};

/**
 * The longest single wait of aksnet, seconds: a Retry-After beyond it is
 * not slept (a retry gives up with AKSNET_ETIMEOUT, a poll of an operation
 * goes out after this long).  azcore gives up on a Retry-After above its
 * MaxRetryDelay of 60 s (Azure/azure-sdk-for-go, sdk/azcore/runtime/
 * policy_retry.go); aksnet runs unattended towards deadlines of 30 and 60
 * minutes, so it waits up to five minutes, ten of the SDKs' default 30 s
 * polling intervals, and never longer: a longer silent wait is
 * indistinguishable from a hang, and a re-run resumes anyway.
 */
#define AKSNET__MAX_WAIT 300.0

/** The real clock (CLOCK_REALTIME; waits on CLOCK_MONOTONIC).  A constant: no state. */
const struct aksnet__clock *aksnet__clock_system(void);

struct aksnet_cancel;

/** A clock whose waits end at once when cancel is requested (aksnet/cancel.h). */
struct aksnet__cancel_clock {
    struct aksnet__clock clock;              /**< what to hand out */
    const struct aksnet__clock *inner;
    const struct aksnet_cancel *cancel;
};

/**
 * Set cc up around inner (NULL: the system clock): now is inner's; a wait
 * returns at once once cancel is requested, and on the system clock a wait
 * under way ends as soon as it is (it polls the cancel's pipe).  A fake
 * inner clock is asked to wait only while nothing is cancelled.  cancel may
 * be NULL (then cc is inner).  cc must outlive its users.
 */
void aksnet__clock_cancellable(struct aksnet__cancel_clock *cc, const struct aksnet__clock *inner,
                               const struct aksnet_cancel *cancel);

/** Where requests finally go. */
struct aksnet__http_transport {
    /**
     * Send rq and fill rs.  AKSNET_ETRANSPORT (with a message) when no
     * response arrived: refused, reset, TLS failure; AKSNET_ETIMEOUT when
     * none arrived in time.
     */
    aksnet_code (*send)(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                        struct aksnet_error *err);
    void *ctx;
};

/** Options of the libcurl transport. */
struct aksnet__curl_options {
    const char *cacert;            /**< CA bundle; NULL = the system store */
    long connect_timeout_ms;       /**< default 10000 */
    long timeout_ms;               /**< whole request, default 120000 */
    size_t max_response_bytes;     /**< larger responses fail (AKSNET_EPROTO: not retried), default 16 MiB */
    /** Once requested, no request starts and a transfer under way is aborted: AKSNET_ECANCELED.  May be NULL. */
    const struct aksnet_cancel *cancel;
};

/**
 * The connections of a run: a pool of libcurl easy handles that any number
 * of threads send through at once.  A request takes an idle handle (one
 * whose last request went to the same scheme, host and port first, so its
 * connection is reused), sends and gives it back; a new handle is made only
 * when every one is busy.  TLS sessions and the DNS cache are shared by all
 * handles (a libcurl share object), so a new connection can resume an
 * earlier one's TLS session.  Connections stay each with its handle: libcurl
 * does not support sharing them between concurrent threads.
 *
 * Every request: TLS always verified (peer and host); plain http:// refused
 * unless the host is loopback; no redirect followed (a 3xx is returned as
 * it is); http:// never through a proxy from the environment (https:// may
 * be, tunnelled); a refused URL is AKSNET_EINVAL; a response over the size
 * cap is AKSNET_EPROTO; no answer within the timeouts is AKSNET_ETIMEOUT;
 * every other failure (refused, reset, TLS) is AKSNET_ETRANSPORT; a
 * transfer the options' cancel stopped is AKSNET_ECANCELED.
 */
struct aksnet__curl_pool;

aksnet_code aksnet__curl_pool_new(const struct aksnet__curl_options *options, struct aksnet__curl_pool **out,
                                  struct aksnet_error *err);
/** Once no transport on it sends any more; NULL is allowed. */
void aksnet__curl_pool_free(struct aksnet__curl_pool *pool);
/** A transport that sends through pool (which outlives it); nothing to free. */
void aksnet__curl_pool_transport(struct aksnet__curl_pool *pool, struct aksnet__http_transport *out);
/**
 * Close the handles no request is using, and their connections; the TLS
 * sessions and DNS entries they added to the share stay for the next.
 */
void aksnet__curl_pool_close_idle(struct aksnet__curl_pool *pool);
/** How many handles (so connections per host) the pool has made: the most requests it had in flight. */
size_t aksnet__curl_pool_handles(struct aksnet__curl_pool *pool);

/**
 * A libcurl transport with a pool of its own, freed with it by
 * aksnet__curl_transport_free (which leaves alone the pool of a transport
 * from aksnet__curl_pool_transport).
 */
aksnet_code aksnet__curl_transport_new(const struct aksnet__curl_options *options, struct aksnet__http_transport *out,
                                       struct aksnet_error *err);
void aksnet__curl_transport_free(struct aksnet__http_transport *transport);

/**
 * Is url one aksnet may send a bearer token or a secret to?  https:// to
 * anywhere, http:// only to 127.0.0.0/8, ::1 or localhost.  AKSNET_EINVAL
 * with a message naming the URL's problem otherwise.
 */
aksnet_code aksnet__http_check_url(const char *url, struct aksnet_error *err);

/** aksnet__http_check_url, with plain http:// to 169.254.0.0/16 allowed too when link_local_ok. */
aksnet_code aksnet__http_check_url_for(const char *url, bool link_local_ok, struct aksnet_error *err);

/**
 * url normalized, so that two spellings of one resource compare equal with
 * strcmp: "HTTPS://Host:443/a/./b?x=%2f#f" is "https://host/a/b?x=%2F".
 * Allocated (free()); NULL when url does not parse or memory runs out.
 */
char *aksnet__http_url_normalize(const char *url);

/* ---- the pipeline ------------------------------------------------------------ */

struct aksnet__http_policy;

/** One step: do its part, call aksnet__http_policy_next, look at the response. */
typedef aksnet_code (*aksnet__http_policy_fn)(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                              struct aksnet__http_response *rs, struct aksnet_error *err);

/** A policy in a chain; the last one's next is NULL and it hands over to transport. */
struct aksnet__http_policy {
    aksnet__http_policy_fn process;
    void *ctx;                                /**< the policy's options */
    const struct aksnet__http_policy *next;
    const struct aksnet__http_transport *transport; /**< used when next is NULL */
};

/** Pass rq on to the next policy, or to the transport at the end of the chain. */
aksnet_code aksnet__http_policy_next(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                     struct aksnet__http_response *rs, struct aksnet_error *err);

/**
 * Options of the request-id policy: User-Agent (options' one, else
 * "aksnet/<version>" when the request has none), a fresh UUID v4
 * x-ms-client-request-id per request (only when absent, so every retry of
 * a request keeps its id, as the Azure SDKs do), and Accept:
 * application/json when absent.  ctx may be NULL.
 */
struct aksnet__request_id_options {
    const char *user_agent;                   /**< "aksnet/<version>" */
};
aksnet_code aksnet__policy_request_id(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                      struct aksnet__http_response *rs, struct aksnet_error *err);

/**
 * Send nothing once ctx (a const struct aksnet_cancel *, may be NULL) is
 * requested: AKSNET_ECANCELED "interrupted: METHOD URL not sent".  Sits
 * inside the retry policy, so that a retry after a wait cut short by the
 * cancel is refused, and before the bearer policy, so that no token is
 * fetched for a request that will not go.
 */
aksnet_code aksnet__policy_cancel(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                  struct aksnet__http_response *rs, struct aksnet_error *err);

/** Options of the retry policy (Azure SDK defaults in aksnet__retry_defaults). */
struct aksnet__retry_options {
    int max_retries;                          /**< retries after the first try (default 3) */
    double base_delay;                        /**< seconds (default 0.8) */
    double max_delay;                         /**< cap of one backoff (default 60) */
    double max_server_delay;                  /**< longest server-asked wait (default AKSNET__MAX_WAIT) */
    const struct aksnet__clock *clock;         /**< waiting; NULL = system */
    /** A uniform random number in [0,1); NULL = OpenSSL's RAND_bytes. */
    double (*random)(void *ctx);
    void *random_ctx;
    /** Told before each wait, for progress output; may be NULL. */
    void (*on_retry)(void *ctx, const struct aksnet__http_request *rq, int attempt, double delay, long status,
                     const char *why);
    void *on_retry_ctx;
};
void aksnet__retry_defaults(struct aksnet__retry_options *options);

/**
 * Retry 408, 429, 500, 502, 503, 504 and transport failures (a lost
 * connection, no answer in time) with capped exponential backoff and full
 * jitter; a Retry-After (seconds or HTTP-date) is waited out exactly, never
 * less.  The last response or error is returned when retries run out.
 *
 * A server-given wait is also read from retry-after-ms and
 * x-ms-retry-after-ms (milliseconds, as the Azure SDKs do, these first),
 * and is waited in full even when longer than max_delay: ARM throttling
 * says exactly when it will answer again.  But a server-given wait longer
 * than max_server_delay, or one that would pass the request's deadline, is
 * not waited at all: AKSNET_ETIMEOUT at once, saying how long the server
 * asked for (the Go SDK gives up the same way, returning the response).
 * ctx may be NULL (defaults).
 */
aksnet_code aksnet__policy_retry(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                 struct aksnet__http_response *rs, struct aksnet_error *err);

/**
 * The delay before retry number attempt (1-based): Retry-After (or a
 * millisecond header) when the response has one above 0, else
 * min(max_delay, base_delay * 2^(attempt-1)) times a random factor in [0,1)
 * (full jitter).  Exposed for tests.
 */
double aksnet__retry_delay(const struct aksnet__retry_options *options, int attempt,
                           const struct aksnet__http_response *rs, double now);

/**
 * Parse a Retry-After value (delta-seconds: 1 to 15 digits; or an
 * HTTP-date), relative to now; false when absent or malformed.  A date in
 * the past is a wait of 0.
 */
bool aksnet__http_parse_retry_after(const char *value, double now, double *seconds);

/**
 * An HTTP-date (RFC 9110 section 5.6.7: IMF-fixdate, rfc850-date or
 * asctime-date, blanks around it allowed, nothing else) as seconds since
 * the epoch; now places an rfc850-date's two-digit year.  False for
 * anything else, an impossible date (31 Feb) included.
 */
bool aksnet__http_parse_date(const char *value, double now, double *epoch);

/* ---- pacing to ARM's throttle ------------------------------------------------ */

/** Tokens a pacer keeps back in each of ARM's buckets, for counts that ARM and aksnet see at different times. */
#define AKSNET__PACE_MARGIN 2.0

/** Options of a pacer.  Zero means every default. */
struct aksnet__pace_options {
    const struct aksnet__clock *clock;        /**< waiting; NULL = system */
    double margin;                            /**< tokens kept back; 0 = AKSNET__PACE_MARGIN */
    /** Told before a request is held back (the retry policy's on_retry shape; attempt and status 0). */
    void (*on_wait)(void *ctx, const struct aksnet__http_request *rq, int attempt, double delay, long status,
                    const char *why);
    void *on_wait_ctx;
};

/** What a pacer did so far. */
struct aksnet__pace_stats {
    size_t requests;                          /**< requests that went through it and were answered */
    size_t paced;                             /**< of those, held back */
    double waited;                            /**< seconds held back, summed over requests */
    size_t throttled;                         /**< answers 429 */
};

/**
 * ARM's request budgets, per subscription, kind (reads, writes, deletes)
 * and bucket (the principal's, the subscription's global one), as the
 * x-ms-ratelimit-remaining-subscription-* headers tell them: one per
 * client, shared by all its chains and threads (policy_pace.c says how).
 */
struct aksnet__pacer;

aksnet_code aksnet__pacer_new(const struct aksnet__pace_options *options, struct aksnet__pacer **out,
                              struct aksnet_error *err);
void aksnet__pacer_free(struct aksnet__pacer *pacer);
void aksnet__pacer_stats(struct aksnet__pacer *pacer, struct aksnet__pace_stats *out);

/**
 * Hold a request back until its budget allows it (never while ARM has said
 * nothing of that budget yet, never past a 429's Retry-After less), send
 * it, and read the budget left from its answer.  ctx is the pacer (NULL:
 * the policy passes requests through).  Sits inside the retry policy, so
 * that every try is paced.
 */
aksnet_code aksnet__policy_pace(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                struct aksnet__http_response *rs, struct aksnet_error *err);

/** Where the bearer-token policy gets tokens from. */
struct aksnet__bearer_options {
    /**
     * Give a token for the request's audience; force_refresh asks for a new
     * one (the last was refused as expired).  *token is malloc'd and owned by
     * the caller (the policy wipes and frees it).
     */
    aksnet_code (*get_token)(void *ctx, bool force_refresh, char **token, struct aksnet_error *err);
    void *ctx;
};

/**
 * Add "Authorization: Bearer ..." (refusing URLs aksnet__http_check_url
 * refuses), and on a 401 that says the token expired (ARM's
 * ExpiredAuthenticationToken or InvalidAuthenticationToken, or
 * WWW-Authenticate error="invalid_token"), refresh once and send again:
 * never more than once per call.
 */
aksnet_code aksnet__policy_bearer(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                  struct aksnet__http_response *rs, struct aksnet_error *err);

/* ---- the secrets a client knows ------------------------------------------------------ */

/** Values shorter than this are not kept: masking them would mask ordinary words. */
#define AKSNET__REDACT_MIN 8
/** How many values a set keeps; when full, the oldest value not pinned gives way. */
#define AKSNET__REDACT_MAX 64

/**
 * The secret values a client has handled, so that whatever it prints can
 * be cleaned of them: the client secret and IDENTITY_HEADER (pinned, for
 * the client's life), and each federated token read, certificate assertion
 * signed and access token received.  Names say what a secret is where aksnet
 * builds the message (form fields, JSON members, headers); this set catches
 * a value wherever a server put it, such as a token endpoint that quotes the
 * secret in error_description.  The log policy applies it to every line it
 * prints, the credential to its errors, the client to what the engine tells.
 * Each client holds its own set (no global state); thread-safe.  Values are
 * wiped (OPENSSL_cleanse) when dropped.
 */
struct aksnet__redact_entry {
    char *value;
    size_t len;
    bool pinned;
    unsigned long long seq;                  /* order of addition: the oldest gives way */
};
struct aksnet__redact_set {
    pthread_mutex_t lock;
    struct aksnet__redact_entry entries[AKSNET__REDACT_MAX];
    size_t count;
    unsigned long long seq;
};

void aksnet__redact_init(struct aksnet__redact_set *set);
/** Wipe and free every value; set may be NULL. */
void aksnet__redact_free(struct aksnet__redact_set *set);
/**
 * Remember value (a copy), pinned or not.  NULL, short (under
 * AKSNET__REDACT_MIN) and already known values are ignored; set may be NULL.
 * AKSNET_ENOMEM when the copy cannot be made.
 */
aksnet_code aksnet__redact_add(struct aksnet__redact_set *set, const char *value, bool pinned);
/** Replace every known value in text (NUL-terminated, changed in place) with "***"; set may be NULL. */
void aksnet__redact_text(struct aksnet__redact_set *set, char *text);
/** The same for every text field of err (message, ARM's code and message); either may be NULL. */
void aksnet__redact_error(struct aksnet__redact_set *set, struct aksnet_error *err);

/** Options of the logging policy (--verbose). */
struct aksnet__log_options {
    FILE *out;                                /**< NULL = the policy logs nothing */
    const struct aksnet__clock *clock;         /**< for durations; NULL = system */
    struct aksnet__redact_set *secrets;        /**< values masked wherever they appear; NULL = none */
};

/**
 * Print each request and response: method, URL, status, duration, headers
 * with Authorization and other secrets as "***", JSON bodies with token and
 * secret members masked, sensitive bodies not at all; and in every line
 * (URL, header values, bodies, the reason of a failure) each value of
 * options->secrets as "***".
 *
 * Lines: "> METHOD URL", "> Name: value" per header, "> body"; then
 * "< STATUS (N ms)", "< Name: value", "< body", or "< failed (N ms): why".
 * Masked headers: Authorization ("Bearer ***"), and any name containing
 * secret, token, cookie, password or authorization, ending in key, or
 * x-identity-header.
 */
aksnet_code aksnet__policy_log(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                               struct aksnet__http_response *rs, struct aksnet_error *err);

/**
 * Mask secrets in a copy of a body for logs; caller frees; NULL only when
 * out of memory.  In JSON (at any depth, printed back on one line) and in
 * form bodies (name=value&...), the values of members/fields named
 * access_token, refresh_token, id_token, client_secret, client_assertion,
 * password, secret, key, token, accessToken (case-insensitive) become
 * "***"; so do those of any name ending in "token" or "assertion", or
 * containing "secret" or "password" (clientSecret, adminPassword,
 * refreshToken; token_type and client_assertion_type stay visible).
 * Any other body is kept, cut at AKSNET_HTTP_LOG_TEXT_MAX bytes, control
 * characters shown as '.'.
 */
#define AKSNET_HTTP_LOG_TEXT_MAX 4096
char *aksnet__http_redact_body(const char *body, size_t len);

/**
 * aksnet__http_redact_body, and every value of known (may be NULL) masked
 * too, wherever it appears: in JSON string values (compared decoded, so
 * an escaped copy is found) and in the text printed.
 */
char *aksnet__http_redact_body_known(const char *body, size_t len, struct aksnet__redact_set *known);

/** Whether a header's value is a secret to show as "***" (Authorization, *token*, *secret*, *key, ...). */
bool aksnet__http_secret_header(const char *name);

#ifdef __cplusplus
}
#endif
#endif
