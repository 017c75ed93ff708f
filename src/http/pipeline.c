/*
 * pipeline.c - the chain itself: each policy hands the request to the next
 * and the last one to the transport.
 */
#include "http.h"

/* The end of a chain is its transport; a chain with neither is a programming error. */
aksnet_code aksnet__http_policy_next(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                     struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (self && self->next)
        return self->next->process(self->next, rq, rs, err);
    if (self && self->transport && self->transport->send)
        return self->transport->send(self->transport->ctx, rq, rs, err);
    return aksnet_error_set(err, AKSNET_EINVAL, "HTTP pipeline has no transport");
}
