/*
 * error.c - the strings of aksnet_code and the helpers that fill
 * struct aksnet_error.
 */
#include "aksnet/error.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[AKSNET_ECODE_COUNT] = {
    [AKSNET_OK] = "success",
    [AKSNET_ENOMEM] = "out of memory",
    [AKSNET_EINVAL] = "invalid argument",
    [AKSNET_EIO] = "input/output error",
    [AKSNET_EPLAN] = "the plan has errors",
    [AKSNET_EAUTH] = "authentication failed",
    [AKSNET_ETRANSPORT] = "connection failed",
    [AKSNET_EARM] = "Azure Resource Manager refused the request",
    [AKSNET_ETIMEOUT] = "timed out",
    [AKSNET_EPROTO] = "the server's answer broke the protocol",
    [AKSNET_ECANCELED] = "interrupted",
};

const char *aksnet_strerror(aksnet_code code)
{
    if ((int)code < 0 || code >= AKSNET_ECODE_COUNT || !messages[code])
        return "unknown error";
    return messages[code];
}

void aksnet_error_clear(struct aksnet_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

aksnet_code aksnet_error_set(struct aksnet_error *err, aksnet_code code, const char *fmt, ...)
{
    if (!err)
        return code;
    aksnet_error_clear(err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(err->message))
        aksnet__utf8_trim_partial(err->message); /* cut to fit: not inside a character */
    return code;
}
