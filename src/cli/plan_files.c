/*
 * plan_files.c - the plans a command is given: one file (or flags alone),
 * every -f of a fleet, the *.json files of --plans DIR; each read, then the
 * command line's flags over it, then the defaults.
 */
#include "plan_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aksnet_code cli_read_plan_from(const struct cli_args *args, const char *path, struct aksnet_plan **plan,
                               struct aksnet_findings *findings)
{
    aksnet_code rc;
    if (path) {
        rc = aksnet_plan_load_file(path, plan, findings);
        if (rc != AKSNET_OK)
            return rc == AKSNET_ENOMEM ? rc : AKSNET_OK;
    } else if (!(*plan = aksnet_plan_new("flags"))) {
        return AKSNET_ENOMEM;
    }
    return aksnet_plan_apply_overrides(*plan, &args->plan, findings);
}

aksnet_code cli_load_plan_from(const struct cli_args *args, const char *path, struct aksnet_plan **plan,
                               struct aksnet_findings *findings)
{
    aksnet_code rc = cli_read_plan_from(args, path, plan, findings);
    if (rc == AKSNET_OK && *plan)
        rc = aksnet_plan_apply_defaults(*plan, getenv("AZURE_SUBSCRIPTION_ID"));
    return rc;
}

bool cli_fleet_wanted(const struct cli_args *args)
{
    return args->plan_file_count > 1 || args->plans_dir != NULL;
}

static bool push(struct cli_plan_paths *p, const char *dir, const char *name)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return false;
        p->v = v;
        p->cap = cap;
    }
    size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    if (!(p->v[p->count] = malloc(n)))
        return false;
    snprintf(p->v[p->count], n, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    p->count++;
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A plan in DIR: a name ending in .json that is not hidden (an editor's .swp, a .#lock). */
static bool plan_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* DIR's plans, sorted by name (a fleet's order is its files' order). */
static int list_dir(const char *dir, struct cli_plan_paths *p, FILE *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(err, "aksnet: --plans %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    size_t first = p->count;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL)
        ok = !plan_name(e->d_name) || push(p, dir, e->d_name);
    closedir(d);
    if (!ok) {
        fprintf(err, "aksnet: out of memory\n");
        return EXIT_PLAN;
    }
    if (p->count == first) {
        fprintf(err, "aksnet: --plans %s: no *.json file in it\n", dir);
        return EXIT_USAGE;
    }
    qsort(p->v + first, p->count - first, sizeof(*p->v), by_name);
    return EXIT_DONE;
}

int cli_plan_paths(const struct cli_args *args, struct cli_plan_paths *out, FILE *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < args->plan_file_count; i++) {
        if (strcmp(args->plan_files[i], "-") == 0) {
            fprintf(err, "aksnet: -f - (standard input) is one plan; a fleet's plans are files\n");
            return EXIT_USAGE;
        }
        if (!push(out, NULL, args->plan_files[i])) {
            fprintf(err, "aksnet: out of memory\n");
            return EXIT_PLAN;
        }
    }
    return args->plans_dir ? list_dir(args->plans_dir, out, err) : EXIT_DONE;
}

void cli_plan_paths_free(struct cli_plan_paths *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->v[i]);
    free(p->v);
    memset(p, 0, sizeof(*p));
}
