/*
 * armmock.h - a stand-in for the parts of Azure Resource Manager and
 * Microsoft Entra ID that a kubenet deployment touches.
 *
 * The server runs on loopback only, over HTTP or HTTPS, keeps resources in
 * memory (optionally in a state file), answers as ARM does (long-running
 * operations, error envelope, throttling headers, replication delays) and
 * journals every request as a JSON line.  `aksnet provision --dry-run`
 * links it in-process; `aksnet-mock` is the same library behind flags.
 */
#ifndef ARMMOCK_H
#define ARMMOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Connections a server holds at once at most, one thread each, and the open
 * files that takes (one a connection, the rest for the listener, journal,
 * state file and TLS).  Fewer when the process may not open that many.
 */
#define ARMMOCK_MAX_CONNECTIONS 8192u
#define ARMMOCK_OPEN_FILES (ARMMOCK_MAX_CONNECTIONS + 64u)

/** A registered credential: a client id and its secret, certificate file or federated token. */
struct armmock_credential {
    const char *client_id;
    const char *value;
};

/** Everything the server can be told.  Zero means the default for each field. */
struct armmock_options {
    const char *listen;            /**< "127.0.0.1:0" (default), "[::1]:8443"; loopback only */
    const char *tls_cert_file;     /**< PEM certificate; with tls_key_file, serve HTTPS */
    const char *tls_key_file;      /**< PEM private key */
    double lro_seconds;            /**< how long a long-running operation runs (default 0.05) */
    bool instant_operations;       /**< answer writes synchronously, as ARM may for fast ones: the PUT's
                                        200/201 already says Succeeded, a DELETE answers 200; no polling */
    double principal_delay;        /**< seconds before a new identity's principal is visible (default 0) */
    double role_delay;             /**< seconds before a new role assignment grants what AKS checks (default 0) */
    double token_lifetime;         /**< seconds an issued token is valid (default 3600) */
    const char *journal_path;      /**< one JSON line per request, or NULL */
    const char *state_path;        /**< load on start, save on change, or NULL */
    const char *const *faults;     /**< METHOD:PATH-GLOB:ACTION[:COUNT] rules */
    size_t fault_count;
    const struct armmock_credential *secrets;       /**< client secrets */
    size_t secret_count;
    const struct armmock_credential *certificates;  /**< client id -> certificate PEM file */
    size_t certificate_count;
    const struct armmock_credential *federated;     /**< client id -> federated token */
    size_t federated_count;
    const char *const *subscriptions; /**< listed by GET /subscriptions (default one) */
    size_t subscription_count;
    bool accept_any_client;        /**< with no registered credential, issue tokens to any client (dry runs) */
    const char *identity_header;   /**< the secret X-IDENTITY-HEADER of the App Service form of managed
                                        identity (IDENTITY_ENDPOINT=<url>/msi/token); NULL = that form is off */
    long latency_read_ms;          /**< added to every answer to a read (GET, HEAD; operation polls too) */
    long latency_write_ms;         /**< added to every other answer, token requests included */
    bool throttle;                 /**< ARM's token buckets per subscription and principal: 429 when empty */
    /** The clock (seconds since the epoch); NULL = the real one.  Tests move time with it. */
    double (*clock)(void *ctx);
    void *clock_ctx;
};

/** A running server. */
struct armmock;

/**
 * Start a server.  On failure returns NULL and writes why into errbuf.
 * The server answers from its own threads until armmock_stop.
 */
struct armmock *armmock_start(const struct armmock_options *options, char *errbuf, size_t errlen);

/**
 * Check the options a user gives (listen address, fault rules, TLS files
 * given in pairs) without starting anything, so that a program can tell a
 * usage error from a failure to start.  False with the reason in errbuf.
 */
bool armmock_check_options(const struct armmock_options *options, char *errbuf, size_t errlen);

/** The port it listens on (the real one when 0 was asked for). */
uint16_t armmock_port(const struct armmock *mock);

/** Its base URL, "http://127.0.0.1:PORT" or "https://...". */
const char *armmock_url(const struct armmock *mock);

/** How many requests it has answered. */
uint64_t armmock_request_count(const struct armmock *mock);

/**
 * How many connections clients have opened to it (over HTTPS, each one a
 * TLS handshake: the server keeps no session cache, so none is resumed).
 */
uint64_t armmock_connection_count(const struct armmock *mock);

/** Stop serving, save the state, flush the journal and free everything.  NULL is allowed. */
void armmock_stop(struct armmock *mock);

#ifdef __cplusplus
}
#endif
#endif
