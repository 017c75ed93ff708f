/*
 * message.c - HTTP requests and responses: headers, bodies, and wiping
 * whatever may have held a secret before its memory goes back.
 */
#include "http.h"
#include "secret.h"

#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdlib.h>

#include <openssl/crypto.h>

/* CR or LF in a header would let a value smuggle in another header. */
bool aksnet__http_header_text_ok(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

static void free_headers(struct aksnet__http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        aksnet__secret_free(h[i].name);
        aksnet__secret_free(h[i].value);
    }
    free(h);
}

/* Append a copy of name/value to a header array (shared by requests and responses). */
static aksnet_code headers_append(struct aksnet__http_header **headers, size_t *count, const char *name,
                                  const char *value)
{
    struct aksnet__http_header *more = realloc(*headers, (*count + 1) * sizeof(**headers));
    if (!more)
        return AKSNET_ENOMEM;
    *headers = more;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return AKSNET_ENOMEM;
    }
    more[*count].name = n;
    more[*count].value = v;
    (*count)++;
    return AKSNET_OK;
}

static const char *headers_find(const struct aksnet__http_header *h, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

/* The method is a short token; anything else is a caller's mistake, refused early. */
aksnet_code aksnet__http_request_init(struct aksnet__http_request *rq, const char *method, const char *url,
                                      struct aksnet_error *err)
{
    memset(rq, 0, sizeof(*rq));
    size_t n = method ? strlen(method) : 0;
    if (n == 0 || n >= sizeof(rq->method))
        return aksnet_error_set(err, AKSNET_EINVAL, "HTTP method '%s' is not valid", method ? method : "");
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)method[i]))
            return aksnet_error_set(err, AKSNET_EINVAL, "HTTP method '%s' is not valid", method);
    if (!url || !*url)
        return aksnet_error_set(err, AKSNET_EINVAL, "a request needs a URL");
    memcpy(rq->method, method, n + 1);
    rq->url = strdup(url);
    if (!rq->url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return AKSNET_OK;
}

/* Replace in place, so a header keeps its position and appears once. */
aksnet_code aksnet__http_request_set_header(struct aksnet__http_request *rq, const char *name, const char *value)
{
    if (!name || !*name || !aksnet__http_header_text_ok(name) || strchr(name, ':') ||
        !aksnet__http_header_text_ok(value))
        return AKSNET_EINVAL;
    for (size_t i = 0; i < rq->header_count; i++) {
        if (strcasecmp(rq->headers[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return AKSNET_ENOMEM;
            aksnet__secret_free(rq->headers[i].value);
            rq->headers[i].value = v;
            return AKSNET_OK;
        }
    }
    return headers_append(&rq->headers, &rq->header_count, name, value);
}

/* A NUL-terminated copy, so the body can be logged and parsed as a string. */
aksnet_code aksnet__http_request_set_body(struct aksnet__http_request *rq, const char *body, size_t len,
                                          const char *content_type)
{
    if (!body && len)
        return AKSNET_EINVAL;
    char *copy = malloc(len + 1);
    if (!copy)
        return AKSNET_ENOMEM;
    if (len)
        memcpy(copy, body, len);
    copy[len] = '\0';
    if (content_type) {
        aksnet_code rc = aksnet__http_request_set_header(rq, "Content-Type", content_type);
        if (rc != AKSNET_OK) {
            free(copy);
            return rc;
        }
    }
    if (rq->body) {
        OPENSSL_cleanse(rq->body, rq->body_len);
        free(rq->body);
    }
    rq->body = copy;
    rq->body_len = len;
    return AKSNET_OK;
}

const char *aksnet__http_request_header(const struct aksnet__http_request *rq, const char *name)
{
    return headers_find(rq->headers, rq->header_count, name);
}

/* Headers (Authorization) and bodies (client secrets) are wiped. */
void aksnet__http_request_free(struct aksnet__http_request *rq)
{
    if (!rq)
        return;
    free(rq->url);
    free_headers(rq->headers, rq->header_count);
    if (rq->body) {
        OPENSSL_cleanse(rq->body, rq->body_len);
        free(rq->body);
    }
    memset(rq, 0, sizeof(*rq));
}

const char *aksnet__http_response_header(const struct aksnet__http_response *rs, const char *name)
{
    return headers_find(rs->headers, rs->header_count, name);
}

/* Responses keep every header as it came, duplicates included. */
aksnet_code aksnet__http_response_add_header(struct aksnet__http_response *rs, const char *name, const char *value)
{
    if (!name || !value)
        return AKSNET_EINVAL;
    return headers_append(&rs->headers, &rs->header_count, name, value);
}

/* Token responses carry access tokens: wiped too.  Leaves rs zeroed for reuse. */
void aksnet__http_response_free(struct aksnet__http_response *rs)
{
    if (!rs)
        return;
    free_headers(rs->headers, rs->header_count);
    if (rs->body) {
        OPENSSL_cleanse(rs->body, rs->body_len);
        free(rs->body);
    }
    memset(rs, 0, sizeof(*rs));
}
