/*
 * state.c - --state FILE: resources, operations and the signing key, so
 * that a scripted run can restart the mock between commands (and keep
 * using the tokens it was given).  Saved after every change, atomically:
 * a temporary file is written, fsynced and renamed over the old one.  The
 * file holds a private key, so it is created 0600.
 *
 * Depends on: store.c (mock_store_get(), mock_store_put()), types.c
 * (mock_find_type()), util.c (mock_json_str()), src/util (jwt).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "jwt.h"
#include "mock.h"

/* The signing key goes into the state file so that tokens stay valid across restarts. */
static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && (out = malloc((size_t)n + 1))) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(bio);
    return out;
}

/* Resources are saved with their type's names, so that loading finds the type again. */
static cJSON *resources_json(const struct armmock *m)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "id", r->id);
        cJSON_AddStringToObject(o, "provider", r->type ? r->type->provider : "");
        cJSON_AddStringToObject(o, "type", r->type ? r->type->type : "resourceGroups");
        if (r->type && r->type->child_type)
            cJSON_AddStringToObject(o, "childType", r->type->child_type);
        cJSON_AddNumberToObject(o, "created", r->created);
        cJSON_AddItemToObject(o, "body", cJSON_Duplicate(r->body, 1));
    }
    return list;
}

/* Operations are saved with their times, so that a restarted mock settles them on time. */
static cJSON *ops_json(const struct armmock *m)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < m->ops.count; i++) {
        const struct mock_op *op = m->ops.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "id", op->id);
        cJSON_AddStringToObject(o, "resourceId", op->resource_id);
        cJSON_AddStringToObject(o, "kind", op->kind == MOCK_OP_PUT ? "put" : "delete");
        cJSON_AddStringToObject(o, "provider", op->provider);
        cJSON_AddStringToObject(o, "location", op->location);
        cJSON_AddNumberToObject(o, "start", op->start);
        cJSON_AddNumberToObject(o, "end", op->end);
        cJSON_AddStringToObject(o, "status", op->status);
        if (op->error)
            cJSON_AddItemToObject(o, "error", cJSON_Duplicate(op->error, 1));
        if (op->fail_code)
            cJSON_AddStringToObject(o, "failCode", op->fail_code);
        if (op->fail_message)
            cJSON_AddStringToObject(o, "failMessage", op->fail_message);
        if (op->fail_details)
            cJSON_AddItemToObject(o, "failDetails", cJSON_Duplicate(op->fail_details, 1));
    }
    return list;
}

/* Write text to path through path.tmp: write, fsync, rename. */
static bool write_atomically(const char *path, const char *text)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        return false;
    snprintf(tmp, n, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    size_t len = strlen(text), done = 0;
    while (ok && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

/* Written to a temporary file, synced and renamed, so that a crash leaves the old state whole. */
bool mock_state_save(struct armmock *m)
{
    if (!m->state_path)
        return true;
    cJSON *root = cJSON_CreateObject();
    char *pem = key_pem(m->signing_key);
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "signingKey", pem ? pem : "");
    cJSON_AddItemToObject(root, "resources", resources_json(m));
    cJSON_AddItemToObject(root, "operations", ops_json(m));
    if (pem) {
        OPENSSL_cleanse(pem, strlen(pem));
        free(pem);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    bool ok = text && write_atomically(m->state_path, text);
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    return ok;
}

/* A missing name reads as a fallback that finds no type, rather than a NULL to check everywhere. */
static const char *str_or(const cJSON *o, const char *key, const char *fallback)
{
    const char *s = mock_json_str(o, key);
    return s ? s : fallback;
}

/* Every id the mock stores is under a subscription; the rest of the code relies on it. */
static bool subscription_id(const char *id)
{
    return id && strncasecmp(id, "/subscriptions/", 15) == 0 && id[15] && id[15] != '/';
}

/* Every resource must be whole and under a subscription; a broken file is refused, not half loaded. */
static bool load_resources(struct armmock *m, const cJSON *list)
{
    if (list && !cJSON_IsArray(list))
        return false;
    const cJSON *o;
    cJSON_ArrayForEach(o, list) {
        const char *id = mock_json_str(o, "id");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body");
        const cJSON *created = cJSON_GetObjectItemCaseSensitive(o, "created");
        if (!subscription_id(id) || !cJSON_IsObject(body) || !cJSON_IsNumber(created))
            return false;
        const struct mock_type *type =
            mock_find_type(str_or(o, "provider", ""), str_or(o, "type", ""), mock_json_str(o, "childType"));
        if (!mock_store_put(&m->store, id, type, cJSON_Duplicate(body, 1), created->valuedouble))
            return false;
    }
    return true;
}

/* The four states of ARM's operations; anything else means the file is not ours. */
static bool known_status(const char *s)
{
    return s && (strcmp(s, "InProgress") == 0 || strcmp(s, "Succeeded") == 0 || strcmp(s, "Failed") == 0 ||
                 strcmp(s, "Canceled") == 0);
}

/* A running operation's resource points back at it, as mock_op_start left it. */
static void link_running(struct armmock *m, const struct mock_op *op)
{
    struct mock_resource *r = strcmp(op->status, "InProgress") == 0 ? mock_store_get(&m->store, op->resource_id)
                                                                    : NULL;
    if (r) {
        free(r->op_id);
        r->op_id = strdup(op->id);
    }
}

/* Operations must be whole too; their resources need not exist any more. */
static bool load_ops(struct armmock *m, const cJSON *list)
{
    if (list && !cJSON_IsArray(list))
        return false;
    const cJSON *o;
    cJSON_ArrayForEach(o, list) {
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(o, "start");
        const cJSON *end = cJSON_GetObjectItemCaseSensitive(o, "end");
        const char *id = mock_json_str(o, "id");
        if (!id || !*id || !subscription_id(mock_json_str(o, "resourceId")) ||
            !known_status(mock_json_str(o, "status")) || !cJSON_IsNumber(start) || !cJSON_IsNumber(end))
            return false;
        struct mock_op *op = calloc(1, sizeof(*op));
        if (!op)
            return false;
        op->id = strdup(str_or(o, "id", ""));
        op->resource_id = strdup(str_or(o, "resourceId", ""));
        op->provider = strdup(str_or(o, "provider", ""));
        op->location = strdup(str_or(o, "location", ""));
        op->kind = strcmp(str_or(o, "kind", "put"), "delete") == 0 ? MOCK_OP_DELETE : MOCK_OP_PUT;
        op->start = cJSON_IsNumber(start) ? start->valuedouble : 0;
        op->end = cJSON_IsNumber(end) ? end->valuedouble : 0;
        snprintf(op->status, sizeof(op->status), "%s", str_or(o, "status", "Succeeded"));
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
        op->error = cJSON_IsObject(e) ? cJSON_Duplicate(e, 1) : NULL;
        op->fail_code = mock_json_str(o, "failCode") ? strdup(mock_json_str(o, "failCode")) : NULL;
        op->fail_message = mock_json_str(o, "failMessage") ? strdup(mock_json_str(o, "failMessage")) : NULL;
        const cJSON *details = cJSON_GetObjectItemCaseSensitive(o, "failDetails");
        op->fail_details = cJSON_IsArray(details) ? cJSON_Duplicate(details, 1) : NULL;
        if (m->ops.count == m->ops.capacity) {
            size_t cap = m->ops.capacity ? m->ops.capacity * 2 : 32;
            struct mock_op **items = realloc(m->ops.items, cap * sizeof(*items));
            if (!items) {
                free(op);
                return false;
            }
            m->ops.items = items;
            m->ops.capacity = cap;
        }
        m->ops.items[m->ops.count++] = op;
        if (!op->id || !op->resource_id || !op->provider || !op->location)
            return false;
        link_running(m, op);
    }
    return true;
}

/* A missing file is a first run; anything unreadable stops the mock rather than starting empty. */
bool mock_state_load(struct armmock *m, char *err, size_t errlen)
{
    if (!m->state_path)
        return true;
    FILE *f = fopen(m->state_path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return true; /* a first run */
        snprintf(err, errlen, "--state %s: %s", m->state_path, strerror(errno));
        return false;
    }
    struct stat st;
    size_t len = 0, cap = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
    char *text = cap ? malloc(cap) : NULL;
    if (text)
        len = fread(text, 1, cap, f);
    fclose(f);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    if (text) {
        OPENSSL_cleanse(text, cap); /* it held the signing key */
        free(text);
    }
    const char *pem = mock_json_str(root, "signingKey");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    struct aksnet_error e;
    bool ok = cJSON_IsNumber(version) && version->valuedouble == 1 && pem &&
              aksnet__jwt_load_pem(pem, strlen(pem), NULL, &m->signing_key, NULL, &e) == AKSNET_OK &&
              load_resources(m, cJSON_GetObjectItemCaseSensitive(root, "resources")) &&
              load_ops(m, cJSON_GetObjectItemCaseSensitive(root, "operations"));
    cJSON_Delete(root);
    if (!ok)
        snprintf(err, errlen, "--state %s: not a state file this mock wrote (remove it to start afresh)",
                 m->state_path);
    return ok;
}
