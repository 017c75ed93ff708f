/*
 * fake_env.c - an environment of the test's making (see fake_env.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_env.h"

extern char **environ;

/* The entry for name, as an index, or e->n when there is none. */
static size_t find(const struct mt_env *e, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->entries[i], name, len) == 0 && e->entries[i][len] == '=')
            return i;
    return e->n;
}

/* Add an owned entry, keeping the list NULL-terminated for envp. */
static void push(struct mt_env *e, char *entry)
{
    if (e->n + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        char **more = realloc(e->entries, cap * sizeof(*more));
        assert_non_null(more);
        e->entries = more;
        e->cap = cap;
    }
    e->entries[e->n++] = entry;
    e->entries[e->n] = NULL;
}

/* A child that should see the test's environment less or more a variable starts from this. */
void mt_env_from_environ(struct mt_env *e)
{
    mt_env_free(e);
    for (size_t i = 0; environ[i]; i++) {
        char *copy = strdup(environ[i]);
        assert_non_null(copy);
        push(e, copy);
    }
}

/* The table, not the process, is what the code under test reads. */
void mt_env_set(struct mt_env *e, const char *name, const char *value)
{
    size_t len = strlen(name) + 1 + strlen(value) + 1;
    char *entry = malloc(len);
    assert_non_null(entry);
    snprintf(entry, len, "%s=%s", name, value);
    size_t i = find(e, name);
    if (i < e->n) {
        free(e->entries[i]);
        e->entries[i] = entry;
    } else {
        push(e, entry);
    }
}

/* A variable the test's own environment may carry (AZURE_SUBSCRIPTION_ID) must not reach the child. */
void mt_env_unset(struct mt_env *e, const char *name)
{
    size_t i = find(e, name);
    if (i == e->n)
        return;
    free(e->entries[i]);
    memmove(&e->entries[i], &e->entries[i + 1], (e->n - i) * sizeof(*e->entries));
    e->n--;
}

/* Handed to the code under test in place of getenv. */
const char *mt_env_get(void *ctx, const char *name)
{
    const struct mt_env *e = ctx;
    size_t i = find(e, name);
    return i < e->n ? e->entries[i] + strlen(name) + 1 : NULL;
}

/* posix_spawn wants the entries as they are, NULL-terminated. */
char *const *mt_env_envp(struct mt_env *e)
{
    static char *const empty[] = {NULL};
    return e->entries ? e->entries : empty;
}

/* Every test that made an environment frees it: LeakSanitizer checks the tests too. */
void mt_env_free(struct mt_env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->entries[i]);
    free(e->entries);
    memset(e, 0, sizeof(*e));
}
