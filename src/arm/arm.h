/*
 * arm.h - Azure Resource Manager over the HTTP pipeline: PUT, GET,
 * DELETE with api-version, long-running operations followed to the end, and
 * ARM's error envelope turned into struct aksnet_error.
 *
 * Long-running operations are followed as the Azure SDKs follow them:
 * Azure-AsyncOperation, else Location, else the resource's
 * provisioningState; waiting as Retry-After says; with a deadline whose
 * expiry reports the operation's URL so that a later run can resume.
 */
#ifndef AKSNET_ARM_H
#define AKSNET_ARM_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "aksnet/error.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where ARM is and how to reach it. */
struct aksnet__arm_client {
    const char *endpoint;                     /**< "https://management.azure.com", no trailing slash */
    const struct aksnet__http_policy *pipeline; /**< request id -> retry -> bearer -> log -> transport */
    const struct aksnet__clock *clock;         /**< waiting between polls; NULL = system */
    int list_pages;                            /**< pages a list reads at most; 0 = AKSNET_ARM_LIST_PAGES */
};

/** Defaults of struct aksnet__lro_options (a field left 0 takes them). */
#define AKSNET_LRO_DEFAULT_DEADLINE 3600.0
#define AKSNET_LRO_DEFAULT_POLL 30.0   /* the Azure SDKs' default polling interval */
#define AKSNET_LRO_FIRST_POLL 1.0      /* the first guess when ARM gives no interval */
#define AKSNET_LRO_TELL_WAIT 2.0       /* waits this long or longer are told (on_wait) */
#define AKSNET_LRO_DEFAULT_MIN_POLL 0.05

/**
 * How many times a write (PUT or DELETE) refused as busy (409
 * AnotherOperationInProgress, AKS's OperationNotAllowed "... in progress", or
 * an operation that ended Failed with AnotherOperationInProgress /
 * RetryableError) is sent again, each after waiting for the running
 * operation, within the same deadline.
 */
#define AKSNET_ARM_CONFLICT_RETRIES 3

/** What following an operation reports and how long it may take. */
struct aksnet__lro_options {
    double deadline;          /**< seconds from the first request; 0 = 3600 */
    double default_poll;      /**< longest wait when no Retry-After is given (default 30 s) */
    double min_poll;          /**< never poll faster than this (default 0.05 s) */
    /**
     * Told after every poll: the state seen ("InProgress", "Succeeded", ...) and the URL polled; a state
     * aksnet does not know comes as "<state> (a state aksnet does not know: taken as still running)".
     */
    void (*on_poll)(void *ctx, const char *state, const char *url);
    /** Told before a wait of AKSNET_LRO_TELL_WAIT seconds or more: how long, and the URL to be polled. */
    void (*on_wait)(void *ctx, double seconds, const char *url);
    /**
     * Told instead of on_wait, whatever the wait, before a write refused as
     * busy is sent again: ARM's code, the wait, and the URL of the write.
     */
    void (*on_busy)(void *ctx, const char *code, double seconds, const char *url);
    /**
     * Told the operation's URL (Azure-AsyncOperation or Location) before
     * each poll of it, so the caller knows, even before the first poll
     * answers, where a later run can follow an operation left running.
     */
    void (*on_operation)(void *ctx, const char *url);
    void *ctx;
};

/**
 * GET id?api-version.  *out receives the parsed body (caller cJSON_Deletes);
 * a 404 is not an error: *out is NULL and AKSNET_OK returned.  Any other
 * non-2xx is AKSNET_EARM with ARM's code, message, status and request id
 * (AKSNET_EAUTH for a 401: the token refused).  A 2xx whose body is not a
 * JSON object is AKSNET_EPROTO ("something that is not a resource").
 */
aksnet_code aksnet__arm_get(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                            cJSON **out, struct aksnet_error *err);

/**
 * Pages aksnet__arm_list reads before it gives up.  A loop of nextLinks is
 * caught when a link repeats; this bounds a server that invents new links
 * for ever.  AKS allows 5000 clusters in a subscription
 * (https://learn.microsoft.com/azure/aks/quotas-skus-regions): 1000 pages
 * leave room for pages of 5 clusters.
 */
#define AKSNET_ARM_LIST_PAGES 1000

/**
 * GET a collection (path?api-version, with &$filter=filter percent-encoded
 * when filter is not NULL) and every page its nextLink names, which must be
 * on the ARM endpoint's own origin (the token goes there).  *out is one JSON
 * array of every page's "value" items (caller cJSON_Deletes).  A 404 is an
 * empty array.  A list that does not end is AKSNET_EARM, never a partial
 * answer: a nextLink naming a page already read (compared normalized, the
 * first page's URL included) ends it at once, and so does a page past the
 * client's list_pages.
 */
aksnet_code aksnet__arm_list(const struct aksnet__arm_client *client, const char *path, const char *api_version,
                             const char *filter, cJSON **out, struct aksnet_error *err);

/**
 * PUT body to id and follow the operation to its end.  *out (may be NULL)
 * receives the final resource (a GET once an operation has succeeded; with
 * out NULL no such GET is sent).  A busy 409 (AnotherOperationInProgress, AKS's
 * OperationNotAllowed "... in progress") waits for the running operation
 * (polling the resource) and tries again; so does an operation that ended
 * Failed with a busy code (AnotherOperationInProgress, RetryableError), after
 * a wait.  Failed or Canceled otherwise: AKSNET_EARM with the operation's
 * error.  Deadline (for every attempt together): AKSNET_ETIMEOUT with the
 * operation URL in the message.
 */
aksnet_code aksnet__arm_put(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                            const cJSON *body, const struct aksnet__lro_options *lro, cJSON **out,
                            struct aksnet_error *err);

/**
 * aksnet__arm_put with If-Match: etag, as a GET gave it (NULL: none).  When
 * the resource changed since (someone else wrote it), ARM answers 412
 * Precondition Failed: AKSNET_EARM with http_status 412, nothing written;
 * the caller reads again, merges again and retries.
 */
aksnet_code aksnet__arm_put_if_match(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                                     const cJSON *body, const char *etag, const struct aksnet__lro_options *lro,
                                     cJSON **out, struct aksnet_error *err);

/**
 * DELETE id and follow the operation; a 404/204 (already gone) is success.
 * No final GET.  A 202 with neither operation header is followed by GETting
 * the resource until it answers 404; a busy 409, or an operation that ended
 * Failed with a busy code, waits and tries again as aksnet__arm_put does.
 */
aksnet_code aksnet__arm_delete(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                               const struct aksnet__lro_options *lro, struct aksnet_error *err);

/**
 * POST to id (an action such as .../register) and return the body (may be
 * NULL: *out is NULL for an empty body).  No operation is followed.
 */
aksnet_code aksnet__arm_post(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                             const cJSON *body, cJSON **out, struct aksnet_error *err);

/**
 * Resume waiting on an operation URL printed by an earlier run that timed
 * out (Azure-AsyncOperation or Location form).  A URL whose path holds
 * "/operationResults/" (any case) or whose query holds "monitor=true" is
 * polled as a Location; any other as Azure-AsyncOperation, where a body
 * without "status" is judged by its properties.provisioningState (so a
 * resource URL, printed when a resource's own state was being followed,
 * resumes too).  The first poll goes out at once.
 */
aksnet_code aksnet__arm_wait(const struct aksnet__arm_client *client, const char *operation_url,
                             const struct aksnet__lro_options *lro, struct aksnet_error *err);

/**
 * Fill err from an ARM error response: {"error":{"code","message","details"}}
 * (or the older top-level {"code","message"}), the status and x-ms-request-id.
 * Returns AKSNET_EARM.
 */
aksnet_code aksnet__arm_error_from_response(const struct aksnet__http_response *rs, struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
