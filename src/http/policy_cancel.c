/*
 * policy_cancel.c - no request goes out once the run was cancelled
 * (Ctrl-C): the check every try passes, whatever the transport.
 */
#include "cancel.h"
#include "http.h"

aksnet_code aksnet__policy_cancel(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                  struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (aksnet__cancel_requested(self->ctx))
        return aksnet_error_set(err, AKSNET_ECANCELED, "interrupted: %s %.300s not sent", rq->method, rq->url);
    return aksnet__http_policy_next(self, rq, rs, err);
}
