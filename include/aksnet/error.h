/*
 * aksnet/error.h - the one error type of libaksnet.
 *
 * Every fallible function returns an aksnet_code and, when the caller passes
 * a struct aksnet_error, fills it with a message a user can act on.  Errors
 * that come from Azure also carry ARM's own code and message and the HTTP
 * status, so a failure can be reported exactly as Azure phrased it.
 */
#ifndef AKSNET_ERROR_H
#define AKSNET_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result codes.  Keep in step with the table in src/util/error.c and README's exit codes. */
typedef enum {
    AKSNET_OK = 0,
    AKSNET_ENOMEM,      /**< out of memory */
    AKSNET_EINVAL,      /**< an argument or input value is malformed */
    AKSNET_EIO,         /**< a file could not be read or written */
    AKSNET_EPLAN,       /**< the plan is unreadable or has errors */
    AKSNET_EAUTH,       /**< no token could be obtained */
    AKSNET_ETRANSPORT,  /**< the connection failed */
    AKSNET_EARM,        /**< ARM refused a request or an operation failed */
    AKSNET_ETIMEOUT,    /**< a deadline passed, or the server asked for a wait that would pass it */
    AKSNET_EPROTO,      /**< the server answered outside its protocol: too large, not a resource, a URL not to follow */
    AKSNET_ECANCELED,   /**< stopped by aksnet_cancel_request (Ctrl-C): see aksnet/cancel.h */
    AKSNET_ECODE_COUNT  /**< number of codes; not a code */
} aksnet_code;

/** Sizes of the fixed buffers in struct aksnet_error (truncated, never overrun). */
#define AKSNET_ERROR_MESSAGE_MAX 512
#define AKSNET_ERROR_ARM_CODE_MAX 128
#define AKSNET_ERROR_ARM_MESSAGE_MAX 1024
#define AKSNET_ERROR_REQUEST_ID_MAX 64

/**
 * An error as a user sees it.  Plain data with fixed buffers, so it can live
 * on the stack and needs no _free.  Fields that do not apply are empty / 0.
 */
struct aksnet_error {
    aksnet_code code;                               /**< our code */
    int http_status;                                /**< HTTP status, 0 when none */
    char message[AKSNET_ERROR_MESSAGE_MAX];         /**< what went wrong, for a person */
    char arm_code[AKSNET_ERROR_ARM_CODE_MAX];       /**< ARM's error.code, e.g. "PrincipalNotFound" */
    char arm_message[AKSNET_ERROR_ARM_MESSAGE_MAX]; /**< ARM's error.message */
    char request_id[AKSNET_ERROR_REQUEST_ID_MAX];   /**< x-ms-request-id of the failing request */
};

/** A short constant string for a code ("out of memory", ...); never NULL. */
const char *aksnet_strerror(aksnet_code code);

/**
 * Reset err and record code with a printf-style message; returns code so a
 * caller can `return aksnet_error_set(err, AKSNET_EINVAL, "...")`.
 * err may be NULL, in which case only the code is returned.
 */
aksnet_code aksnet_error_set(struct aksnet_error *err, aksnet_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Empty err (code AKSNET_OK, every field blank).  err may be NULL. */
void aksnet_error_clear(struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
