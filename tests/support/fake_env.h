/*
 * fake_env.h - an environment of the test's making: a table of NAME=value
 * entries that serves as the credential chain's getenv seam (so no test
 * touches the process's environment) and as a child's envp (so a child
 * sees exactly what the test gave it).
 */
#ifndef AKSNET_TEST_FAKE_ENV_H
#define AKSNET_TEST_FAKE_ENV_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialise (empty), or start from mt_env_from_environ; release with mt_env_free. */
struct mt_env {
    char **entries;             /* "NAME=value", NULL-terminated once anything was set */
    size_t n, cap;
};

/* Copy the process's environment into e (which is emptied first). */
void mt_env_from_environ(struct mt_env *e);

/* Set name to value (a copy), replacing an earlier value. */
void mt_env_set(struct mt_env *e, const char *name, const char *value);

/* Remove name; nothing when it is not there. */
void mt_env_unset(struct mt_env *e, const char *name);

/* The value of name, or NULL: the getenv seam's signature, with ctx the struct mt_env. */
const char *mt_env_get(void *ctx, const char *name);

/* The entries as an envp for a child (never NULL: empty is an empty list). */
char *const *mt_env_envp(struct mt_env *e);

/* Free the entries; e is empty afterwards and may be used again. */
void mt_env_free(struct mt_env *e);

#endif
