/*
 * request.c - building a request without a connection: body parsing, path
 * splitting and freeing, shared by server.c and the fuzz target.
 *
 * Depends on: src/util (utf8).
 */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "request.h"
#include "json.h"

/* Headers and arguments are owned copies, freed as lists. */
void mock_kv_free(struct mock_kv *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].name);
        free(items[i].value);
    }
    free(items);
}

/* Handlers route on segments; repeated slashes fold as ARM folds them. */
void mock_request_split_path(struct mock_request *rq)
{
    char *save = NULL;
    for (char *s = strtok_r(rq->seg_buf, "/", &save); s && rq->nsegs < MOCK_MAX_SEGMENTS;
         s = strtok_r(NULL, "/", &save))
        rq->segs[rq->nsegs++] = s;
}

/* A request owns its copies and parsed body; the struct itself may live on the stack. */
void mock_request_free(struct mock_request *rq)
{
    free(rq->query);
    free(rq->path);
    free(rq->seg_buf);
    free(rq->body);
    mock_kv_free(rq->args, rq->arg_count);
    mock_kv_free(rq->headers, rq->header_count);
    cJSON_Delete(rq->json);
}

/* A body that is not UTF-8 is not JSON either: nothing stored may hold other bytes. */
void mock_request_parse_body(struct mock_request *rq)
{
    if (rq->body_len == 0)
        return;
    if (aksnet__utf8_invalid_offset(rq->body, rq->body_len) < rq->body_len) {
        rq->body_not_json = true;
        return;
    }
    rq->json = cJSON_ParseWithLength(rq->body, rq->body_len);
    rq->body_not_json = rq->json == NULL;
    rq->body_nul = rq->json && aksnet__json_nul_escape(rq->body, rq->body_len) < rq->body_len;
}
