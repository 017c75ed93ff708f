/*
 * request.h - the parts of building a struct mock_request that do not need
 * a connection: parse the body, split the path, free it all.  server.c
 * uses them for every request; tests/fuzz/fuzz_mock.c builds requests with
 * them without a socket.
 */
#ifndef ARMMOCK_REQUEST_H
#define ARMMOCK_REQUEST_H

#include <stddef.h>

#include "mock.h"

/* Parse the body as JSON when there is one; remember when it is not JSON. */
void mock_request_parse_body(struct mock_request *rq);

/* Split rq->seg_buf (a copy of the path) on '/', folding repeated slashes as ARM does. */
void mock_request_split_path(struct mock_request *rq);

/* Free a list of name/value pairs (headers, query arguments). */
void mock_kv_free(struct mock_kv *items, size_t n);

/* Free what a request owns (strings, lists, parsed body); not rq itself. */
void mock_request_free(struct mock_request *rq);

#endif
