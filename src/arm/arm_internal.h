/*
 * arm_internal.h - what the ARM client's own files share: request.c
 * (text, JSON, the error envelope, sending) below, lro.c (following a
 * long-running operation) in the middle, arm.c (the API) on top.  Each
 * calls only downwards.
 */
#ifndef AKSNET__ARM_INTERNAL_H
#define AKSNET__ARM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "arm.h"
#include "json.h"

/* ---- request.c ---------------------------------------------------------------------- */

/*
 * Text from the server into a fixed buffer: cut to fit (on a character
 * boundary), control characters as spaces so a message cannot drive a
 * terminal or split a log line, bytes that are not UTF-8 as '?'
 * (aksnet__utf8_sanitize).
 */
void aksnet__arm_copy_text(char *dst, size_t size, const char *src);

void aksnet__arm_set_message(struct aksnet_error *err, const char *fmt, ...);

/* Does text hold needle, in any case?  (strcasestr is a GNU extension.) */
bool aksnet__arm_contains_ci(const char *text, size_t len, const char *needle);

/* The body as JSON, or NULL when empty, not UTF-8 or not JSON. */
cJSON *aksnet__arm_parse_body(const struct aksnet__http_response *rs);

const char *aksnet__arm_provisioning_state(const cJSON *resource);

/*
 * Succeeded, Failed and Canceled end an operation, in any case (ARM's async
 * contract: Azure/azure-resource-manager-rpc, v1.0/async-api-reference.md).
 */
bool aksnet__arm_terminal(const char *state);

bool aksnet__arm_succeeded(const char *state);

/* A state ARM or the providers aksnet writes are known to report (terminal or not); false for NULL. */
bool aksnet__arm_known_state(const char *state);

/* {"error":{...}}, or the older envelope with code and message at the top. */
const cJSON *aksnet__arm_envelope(const cJSON *body);

/* arm_code and arm_message from an error object, the first detail added to a generic message. */
void aksnet__arm_fill_arm_fields(struct aksnet_error *err, const cJSON *e);

/*
 * "ARM refused PUT <id>: <code>: <message>", the id shortened so ARM's
 * words fit.  AKSNET_EARM, or AKSNET_EAUTH for a 401 (the token refused).
 */
aksnet_code aksnet__arm_refused(const char *method, const char *what, const struct aksnet__http_response *rs,
                                struct aksnet_error *err);

/* A 2xx whose body should be a resource but is not JSON: AKSNET_EPROTO. */
aksnet_code aksnet__arm_not_json(const char *method, const char *what, const struct aksnet__http_response *rs,
                                 struct aksnet_error *err);

/*
 * The body of a 2xx that should be a resource (or an operation's status):
 * a JSON object into *out (caller cJSON_Deletes), else AKSNET_EPROTO ("not
 * JSON", or "something that is not a resource") and *out NULL.
 */
aksnet_code aksnet__arm_parse_resource(const char *method, const char *what, const struct aksnet__http_response *rs,
                                       cJSON **out, struct aksnet_error *err);

/* ARM's way of saying another operation holds the resource (AnotherOperationInProgress, RetryableError,
 * AKS's OperationNotAllowed "... is in progress"): worth waiting and trying again. */
bool aksnet__arm_busy_code(const char *code, const char *message);

/* A 409 whose code says busy; its code into code (size bytes). */
bool aksnet__arm_is_conflict(const struct aksnet__http_response *rs, char *code, size_t size);

/* Refused early, so a caller's mistake is not sent (and not blamed on ARM). */
aksnet_code aksnet__arm_check_client(const struct aksnet__arm_client *client, struct aksnet_error *err);

/*
 * endpoint + id + "?api-version=" + version.  An id is a path starting with
 * '/'; a name with spaces or non-ASCII letters (resource groups allow them)
 * is percent-encoded, and '?' or '#' in an id, or a "." or ".." segment
 * (which libcurl would remove), is refused rather than changing what is asked.
 */
aksnet_code aksnet__arm_resource_url(const struct aksnet__arm_client *client, const char *id, const char *version,
                                     char **out, struct aksnet_error *err);

/* One request through the client's pipeline; rs is freed first so it can be reused. */
aksnet_code aksnet__arm_send_request(const struct aksnet__arm_client *client, const char *method, const char *url,
                                     const cJSON *body, struct aksnet__http_response *rs, struct aksnet_error *err);

/* aksnet__arm_send_request with If-Match: if_match (NULL: none). */
aksnet_code aksnet__arm_send_request_if(const struct aksnet__arm_client *client, const char *method, const char *url,
                                        const cJSON *body, const char *if_match, struct aksnet__http_response *rs,
                                        struct aksnet_error *err);

/* aksnet__arm_send_request_if for an operation that must be over by deadline (on the client's clock; 0 = none). */
aksnet_code aksnet__arm_send_request_within(const struct aksnet__arm_client *client, const char *method,
                                            const char *url, const cJSON *body, const char *if_match,
                                            double deadline, struct aksnet__http_response *rs,
                                            struct aksnet_error *err);

bool aksnet__arm_ok_status(long status);

/* ---- lro.c -------------------------------------------------------------------------------- */

/* One operation being followed: its options resolved, its deadline fixed at the first request. */
struct aksnet__arm_op {
    const struct aksnet__arm_client *client;
    const struct aksnet__clock *clock;
    double limit;        /* seconds allowed */
    double started;      /* on clock: when the first request went out */
    double deadline;     /* on clock */
    double default_poll;
    double min_poll;
    const struct aksnet__lro_options *lro;
    const char *method;  /* what was asked, for messages: "PUT", "DELETE", or NULL when resuming */
    const char *what;    /* the resource id or operation URL, for messages */
    const char *if_match; /* the ETag a write must still find, or NULL */
};

/*
 * An operation URL comes from a response header and will carry the bearer
 * token: it must be a URL aksnet may send tokens to AND on the ARM
 * endpoint's own origin, so that a forged header cannot send the token
 * elsewhere.
 */
aksnet_code aksnet__arm_check_operation_url(const struct aksnet__arm_client *client, const char *url,
                                            struct aksnet_error *err);

/* Zero fields take the defaults of arm.h; the clock starts now. */
void aksnet__arm_op_init(struct aksnet__arm_op *op, const struct aksnet__arm_client *client,
                         const struct aksnet__lro_options *lro, const char *method, const char *what);

/*
 * After the first answer (2xx): Azure-AsyncOperation, else Location, else
 * the resource's provisioningState.  For a PUT *final receives the resource
 * as it ended: the last poll of its state, the answer itself when nothing
 * ran, or a GET once an operation succeeded (not sent when final is NULL).
 */
aksnet_code aksnet__arm_follow(const struct aksnet__arm_op *op, const char *url, bool is_put,
                               const struct aksnet__http_response *rs, cJSON **final, struct aksnet_error *err);

/*
 * Send a write; while ARM answers a busy 409 (aksnet__arm_busy_code), wait
 * for the resource to settle (409's Retry-After, else the poll interval,
 * first) and send it again, at most AKSNET_ARM_CONFLICT_RETRIES times.
 */
aksnet_code aksnet__arm_send_write(const struct aksnet__arm_op *op, const char *method, const char *url,
                                   const cJSON *body, struct aksnet__http_response *rs, struct aksnet_error *err);

/*
 * The Azure-AsyncOperation form: GET the status resource until its status
 * is terminal.  A URL whose body has no status but a provisioningState (a
 * resource URL given to aksnet__arm_wait) is followed by that state.
 */
aksnet_code aksnet__arm_poll_async(const struct aksnet__arm_op *op, const char *url, double wait,
                                   struct aksnet_error *err);

/*
 * The Location form: 202 while running, 200/201/204 (any 2xx) when done,
 * an error status when the operation failed (with ARM's envelope).
 */
aksnet_code aksnet__arm_poll_location(const struct aksnet__arm_op *op, const char *first_url, double wait,
                                      struct aksnet_error *err);

/*
 * An operation ended Failed only because another held the resource (err
 * says so, and on_busy is told its code): wait as for a poll without
 * Retry-After, then the write may go again.  AKSNET_ETIMEOUT past the
 * deadline; err is cleared otherwise.
 */
aksnet_code aksnet__arm_pause_before_retry(const struct aksnet__arm_op *op, const char *url, struct aksnet_error *err);

#endif
