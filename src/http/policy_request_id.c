/*
 * policy_request_id.c - x-ms-client-request-id and User-Agent, set once
 * per request and kept by every retry of it.
 */
#include "http.h"
#include "uuid.h"
#include "aksnet/version.h"

#include <stdio.h>

/*
 * The id is set only when absent: as in the Azure SDKs, every try of one
 * request carries the same x-ms-client-request-id, so ARM's logs tie them.
 */
aksnet_code aksnet__policy_request_id(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                      struct aksnet__http_response *rs, struct aksnet_error *err)
{
    const struct aksnet__request_id_options *o = self->ctx;
    const char *ua = o && o->user_agent ? o->user_agent : NULL;
    aksnet_code rc = AKSNET_OK;
    if (ua)
        rc = aksnet__http_request_set_header(rq, "User-Agent", ua);
    else if (!aksnet__http_request_header(rq, "User-Agent"))
        rc = aksnet__http_request_set_header(rq, "User-Agent", "aksnet/" AKSNET_VERSION);
    if (rc == AKSNET_OK && !aksnet__http_request_header(rq, "x-ms-client-request-id")) {
        char id[37];
        if (!aksnet__uuid4(id))
            return aksnet_error_set(err, AKSNET_EIO, "OpenSSL could not produce random bytes for a request id");
        rc = aksnet__http_request_set_header(rq, "x-ms-client-request-id", id);
    }
    if (rc == AKSNET_OK && !aksnet__http_request_header(rq, "Accept"))
        rc = aksnet__http_request_set_header(rq, "Accept", "application/json");
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "cannot set request headers: %s", aksnet_strerror(rc));
    return aksnet__http_policy_next(self, rq, rs, err);
}
