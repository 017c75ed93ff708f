/*
 * adversary.c - a loopback HTTP/1.1 server in front of an in-process
 * aksnet-mock that spoils the answers a test names (see adversary.h).
 */
#include "adversary.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define HEAD_MAX (64 * 1024)
#define BODY_MAX (4 * 1024 * 1024)

/* Does text hold part, in any case? */
static bool contains_ci(const char *text, const char *part)
{
    size_t n = strlen(part);
    for (; *text; text++)
        if (strncasecmp(text, part, n) == 0)
            return true;
    return false;
}

static bool send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        len -= (size_t)w;
    }
    return true;
}

/* One request read off a connection. */
struct request {
    char method[16];
    char path[4096];
    char authorization[8300];   /* the whole header line, "Authorization: Bearer ..." */
    char content_type[256];     /* "" when none */
    char *body;                 /* what came (Content-Length bytes), "" when nothing */
};

/* The value of header name in the header block head (name without the colon), into out; false when absent. */
static bool header_value(const char *head, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1, *end = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(out, size, "%.*s", (int)(end ? end - v : (long)strlen(v)), v);
            return true;
        }
    }
    return false;
}

/*
 * Read one request; false at end of the connection or on anything that is
 * not HTTP as libcurl writes it.  buf holds what was read beyond it.
 */
static bool read_request(int fd, char *buf, size_t *have, struct request *rq)
{
    memset(rq, 0, sizeof(*rq));
    buf[*have] = '\0';
    char *end;
    while (!(end = strstr(buf, "\r\n\r\n"))) {
        if (*have + 1 >= HEAD_MAX)
            return false;
        ssize_t r = recv(fd, buf + *have, HEAD_MAX - 1 - *have, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        *have += (size_t)r;
        buf[*have] = '\0';
    }
    size_t head_len = (size_t)(end - buf) + 4;
    char saved = buf[head_len - 2];
    buf[head_len - 2] = '\0'; /* the head ends with its last "\r\n" */
    if (sscanf(buf, "%15s %4095s", rq->method, rq->path) != 2)
        return false;
    char value[8192], length[32] = "0";
    if (header_value(buf, "Authorization", value, sizeof(value)))
        snprintf(rq->authorization, sizeof(rq->authorization), "Authorization: %s", value);
    header_value(buf, "Content-Length", length, sizeof(length));
    header_value(buf, "Content-Type", rq->content_type, sizeof(rq->content_type));
    bool expect = header_value(buf, "Expect", value, sizeof(value));
    buf[head_len - 2] = saved;
    size_t want = (size_t)strtoul(length, NULL, 10);
    if (want > BODY_MAX)
        return false;
    if (expect && *have - head_len < want && !send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
        return false;
    rq->body = calloc(1, want + 1);
    if (!rq->body)
        return false;
    size_t got = *have - head_len < want ? *have - head_len : want;
    memcpy(rq->body, buf + head_len, got);
    while (got < want) {
        ssize_t r = recv(fd, rq->body + got, want - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    size_t used = head_len + (*have - head_len < want ? *have - head_len : want);
    memmove(buf, buf + used, *have - used);
    *have -= used;
    return true;
}

/* text with every from replaced by to, into out (cut to size). */
static void replace_all(const char *text, const char *from, const char *to, char *out, size_t size)
{
    size_t w = 0, n = strlen(from);
    while (*text && w + 1 < size) {
        if (n && strncmp(text, from, n) == 0) {
            w += (size_t)snprintf(out + w, size - w, "%s", to);
            if (w >= size)
                w = size - 1;
            text += n;
        } else {
            out[w++] = *text++;
        }
    }
    out[w] = '\0';
}

/* The rule that answers rq (counted), or NULL. */
static const struct mt_adv_rule *match(struct mt_adv *a, const struct request *rq)
{
    size_t i = 0;
    pthread_mutex_lock(&a->lock);
    for (; i < a->rule_count && i < 16; i++) {
        const struct mt_adv_rule *r = &a->rules[i];
        bool applies = (!r->method || strcmp(r->method, rq->method) == 0) &&
                       (!r->path || contains_ci(rq->path, r->path));
        if (applies && (r->times <= 0 || a->used[i] < r->times)) {
            a->used[i]++;
            a->spoiled++;
            break;
        }
    }
    bool hit = i < a->rule_count && i < 16;
    pthread_mutex_unlock(&a->lock);
    return hit ? &a->rules[i] : NULL;
}

/* MT_ADV_HANG: wait for the client (or mt_adv_stop) to hang up, answering nothing. */
static bool hang(int fd)
{
    char sink[4096];
    for (;;) {
        ssize_t r = recv(fd, sink, sizeof(sink), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
    }
}

static bool answer_rule(struct mt_adv *a, int fd, const struct mt_adv_rule *r)
{
    char headers[4096] = "";
    if (r->headers)
        replace_all(r->headers, "{self}", a->url, headers, sizeof(headers));
    if (r->how == MT_ADV_HANG)
        return hang(fd);
    size_t len = r->body_size ? r->body_size : r->body ? strlen(r->body) : 0;
    char head[8192];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %ld Spoiled\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n", r->status, len, headers);
    if (n < 0 || (size_t)n >= sizeof(head) || !send_all(fd, head, (size_t)n))
        return false;
    if (r->how == MT_ADV_CUT) {
        send_all(fd, "{\"id\":\"/subscriptio", 16);
        return false; /* the connection ends short of what was promised */
    }
    if (!r->body_size)
        return len == 0 || send_all(fd, r->body, len);
    static char spaces[65536];
    memset(spaces, ' ', sizeof(spaces));
    for (size_t sent = 0; sent < len; sent += sizeof(spaces))
        if (!send_all(fd, spaces, len - sent < sizeof(spaces) ? len - sent : sizeof(spaces)))
            return false; /* the client hung up: what a size cap does */
    return true;
}

/* A header line of extra ("Name: value\r\n" lines) whose name is name, into out; false when none. */
static bool extra_header(const char *extra, const char *name, char *out, size_t size)
{
    char block[4200];
    snprintf(block, sizeof(block), "\r\n%s", extra ? extra : "");
    return header_value(block, name, out, size);
}

/*
 * The mock's answer, its URLs made the adversary's, so that what follows
 * comes back here too; with rule (MT_ADV_RELAY), its headers in place of
 * the mock's of those names.
 */
static bool answer_upstream(struct mt_adv *a, int fd, const struct request *rq, const struct mt_adv_rule *rule)
{
    struct mt_response rs;
    bool bodyless = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "DELETE") == 0;
    bool ok = mt_request(a->upstream, rq->method, rq->path, bodyless ? NULL : rq->body,
                         rq->content_type[0] ? rq->content_type : NULL, false,
                         rq->authorization[0] ? rq->authorization : NULL, &rs);
    if (!ok || rs.status == 0) {
        mt_response_free(&rs);
        return send_all(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", 47);
    }
    static const char *const relayed[] = {"Location", "Azure-AsyncOperation", "Retry-After", "x-ms-request-id",
                                          "ETag", "WWW-Authenticate"};
    char headers[8192] = "", value[4096], fixed[4096], own[4096] = "";
    if (rule && rule->headers)
        replace_all(rule->headers, "{self}", a->url, own, sizeof(own));
    size_t w = (size_t)snprintf(headers, sizeof(headers), "%s", own);
    for (size_t i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++) {
        if (extra_header(own, relayed[i], value, sizeof(value)) || !mt_header(&rs, relayed[i], value, sizeof(value)))
            continue;
        replace_all(value, a->upstream->url, a->url, fixed, sizeof(fixed));
        int n = snprintf(headers + w, sizeof(headers) - w, "%s: %s\r\n", relayed[i], fixed);
        if (n > 0 && (size_t)n < sizeof(headers) - w)
            w += (size_t)n;
    }
    size_t len = strlen(rs.body);
    char head[12288];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %ld Relayed\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n", rs.status, len, headers);
    ok = n > 0 && (size_t)n < sizeof(head) && send_all(fd, head, (size_t)n) && send_all(fd, rs.body, len);
    mt_response_free(&rs);
    return ok;
}

struct worker_arg {
    struct mt_adv *a;
    int fd;
};

static void *serve(void *p)
{
    struct worker_arg *wa = p;
    struct mt_adv *a = wa->a;
    int fd = wa->fd;
    free(wa);
    char *buf = malloc(HEAD_MAX);
    size_t have = 0;
    struct request rq;
    while (buf && read_request(fd, buf, &have, &rq)) {
        const struct mt_adv_rule *r = match(a, &rq);
        bool ok = r && r->how != MT_ADV_RELAY ? answer_rule(a, fd, r) : answer_upstream(a, fd, &rq, r);
        free(rq.body);
        if (!ok)
            break;
    }
    free(buf);
    shutdown(fd, SHUT_RDWR);
    return NULL;
}

static void *accept_loop(void *p)
{
    struct mt_adv *a = p;
    for (;;) {
        pthread_mutex_lock(&a->lock);
        bool stop = a->stopping;
        pthread_mutex_unlock(&a->lock);
        if (stop)
            return NULL;
        struct pollfd pfd = {a->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        int fd = accept(a->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        struct worker_arg *wa = malloc(sizeof(*wa));
        pthread_mutex_lock(&a->lock);
        bool room = wa && a->nworkers < MT_ADV_CONNECTIONS;
        if (room) {
            *wa = (struct worker_arg){a, fd};
            a->fds[a->nworkers] = fd;
            room = pthread_create(&a->workers[a->nworkers], NULL, serve, wa) == 0;
            if (room)
                a->nworkers++;
        }
        pthread_mutex_unlock(&a->lock);
        if (!room) {
            free(wa);
            close(fd);
        }
    }
}

bool mt_adv_start(struct mt_adv *a, struct mt_mock *upstream, struct mt_adv_rule *rules, size_t rule_count)
{
    memset(a, 0, sizeof(*a));
    a->upstream = upstream;
    a->rules = rules;
    a->rule_count = rule_count;
    a->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    if (a->listen_fd < 0 || bind(a->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(a->listen_fd, 64) != 0 || getsockname(a->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
        fprintf(stderr, "adversary: cannot listen: %s\n", strerror(errno));
        if (a->listen_fd >= 0)
            close(a->listen_fd);
        return false;
    }
    snprintf(a->url, sizeof(a->url), "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    pthread_mutex_init(&a->lock, NULL);
    if (pthread_create(&a->acceptor, NULL, accept_loop, a) != 0) {
        pthread_mutex_destroy(&a->lock);
        close(a->listen_fd);
        return false;
    }
    return true;
}

void mt_adv_stop(struct mt_adv *a)
{
    pthread_mutex_lock(&a->lock);
    a->stopping = true;
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->acceptor, NULL);
    for (size_t i = 0; i < a->nworkers; i++) {
        shutdown(a->fds[i], SHUT_RDWR);
        pthread_join(a->workers[i], NULL);
        close(a->fds[i]);
    }
    close(a->listen_fd);
    pthread_mutex_destroy(&a->lock);
}
