/*
 * store.c - the resources, kept in an array sorted by lower-case id, so a
 * lookup is a binary search and a subtree (everything under a resource
 * group) is one contiguous run.
 *
 * Depends on: util.c (mock_lower()).
 */
#include <stdlib.h>
#include <string.h>

#include "mock.h"

/* Index of key, or where it would go (*found false). */
static size_t find(const struct mock_store *st, const char *key, bool *found)
{
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->items[mid]->key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Ids compare case-insensitively, as ARM compares them, through the lower-case key. */
struct mock_resource *mock_store_get(const struct mock_store *st, const char *id)
{
    char *key = mock_lower(id);
    bool found = false;
    size_t i = key ? find(st, key, &found) : 0;
    free(key);
    return found ? st->items[i] : NULL;
}

/* A resource owns its id, key, body and operation id. */
static void resource_free(struct mock_resource *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->key);
    free(r->op_id);
    cJSON_Delete(r->body);
    free(r);
}

/* Insert keeps the array sorted; a replace keeps the id as first spelt, as ARM does. */
struct mock_resource *mock_store_put(struct mock_store *st, const char *id, const struct mock_type *type,
                                     cJSON *body, double now)
{
    char *key = mock_lower(id);
    if (!key) {
        cJSON_Delete(body);
        return NULL;
    }
    bool found;
    size_t i = find(st, key, &found);
    if (found) {
        free(key);
        cJSON_Delete(st->items[i]->body);
        st->items[i]->body = body;
        st->items[i]->type = type;
        return st->items[i];
    }
    struct mock_resource *r = calloc(1, sizeof(*r));
    if (st->count == st->capacity) {
        size_t cap = st->capacity ? st->capacity * 2 : 64;
        struct mock_resource **items = realloc(st->items, cap * sizeof(*items));
        if (items) {
            st->items = items;
            st->capacity = cap;
        }
    }
    if (!r || st->count == st->capacity || !(r->id = strdup(id))) {
        free(r);
        free(key);
        cJSON_Delete(body);
        return NULL;
    }
    r->key = key;
    r->type = type;
    r->body = body;
    r->created = now;
    memmove(&st->items[i + 1], &st->items[i], (st->count - i) * sizeof(*st->items));
    st->items[i] = r;
    st->count++;
    return r;
}

/* One resource only; its children stay (see mock_store_delete_tree). */
void mock_store_delete(struct mock_store *st, const char *id)
{
    char *key = mock_lower(id);
    bool found = false;
    size_t i = key ? find(st, key, &found) : 0;
    free(key);
    if (!found)
        return;
    resource_free(st->items[i]);
    memmove(&st->items[i], &st->items[i + 1], (st->count - i - 1) * sizeof(*st->items));
    st->count--;
}

/* A subtree is a contiguous run of keys, removed in one pass. */
void mock_store_delete_tree(struct mock_store *st, const char *id)
{
    char *key = mock_lower(id);
    if (!key)
        return;
    size_t n = strlen(key), w = 0;
    for (size_t i = 0; i < st->count; i++) {
        const char *k = st->items[i]->key;
        if (strncmp(k, key, n) == 0 && (k[n] == '\0' || k[n] == '/'))
            resource_free(st->items[i]);
        else
            st->items[w++] = st->items[i];
    }
    st->count = w;
    free(key);
}

/* The store goes with the server. */
void mock_store_free(struct mock_store *st)
{
    for (size_t i = 0; i < st->count; i++)
        resource_free(st->items[i]);
    free(st->items);
    memset(st, 0, sizeof(*st));
}

/*
 * Here, below both tracked.c (GET) and lro.c (an operation's result), so
 * that neither has to call the other for it: a type may add computed
 * members (a route table's subnets) that are not stored.
 */
cJSON *mock_present(struct armmock *m, const struct mock_resource *r, const char *api_version)
{
    if (r->type && r->type->present)
        return r->type->present(m, r, api_version);
    return cJSON_Duplicate(r->body, 1);
}
