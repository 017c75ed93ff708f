/*
 * cmd_suggest.c - `aksnet suggest`: choose the address ranges the plan
 * leaves out (the node subnet, the pod and service ranges, the DNS address)
 * around the ranges --taken names, print each with why, and with --write
 * FILE write the whole completed plan.  Offline unless --from-arm, which
 * also reads the ranges in use around the plan's VNet from ARM (its other
 * subnets, its peerings' address spaces, other clusters' pod and service
 * ranges: aksnet_provision_read_taken) and, for a VNet that exists, its
 * address space and the plan's subnet when the plan does not give them.
 *
 * --write never replaces a file by surprise: a new file is linked into place
 * only if nothing is there yet, and an existing one is replaced (atomically,
 * by rename, keeping its mode) only when it is the very plan given with -f,
 * so `aksnet suggest -f plan.json --write plan.json` completes a plan in
 * place.  "-" writes the plan to standard output and the summary to
 * standard error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aksnet/provision.h"
#include "aksnet/suggest.h"
#include "aksnet/validate.h"
#include "commands.h"
#include "output.h"
#include "session.h"

#define PATH_MAX_LEN 4096

struct shown {
    const char *key;    /* JSON key */
    const char *field;  /* plan key */
    const struct aksnet_suggest_choice *ch;
};

static void shown_list(const struct aksnet_suggestion *s, struct shown out[4])
{
    out[0] = (struct shown){"subnetPrefix", "network.subnet.addressPrefix", &s->subnet};
    out[1] = (struct shown){"podCidr", "cluster.podCidr", &s->pod_cidr};
    out[2] = (struct shown){"serviceCidr", "cluster.serviceCidr", &s->service_cidr};
    out[3] = (struct shown){"dnsServiceIp", "cluster.dnsServiceIp", &s->dns_service_ip};
}

static void print_text(const struct aksnet_suggestion *s, FILE *out)
{
    struct shown v[4];
    shown_list(s, v);
    for (size_t i = 0; i < 4; i++) {
        fprintf(out, "%-29s %-18s %s\n", v[i].field, v[i].ch->value ? v[i].ch->value : "-",
                v[i].ch->chosen ? "chosen" : "kept");
        fprintf(out, "    %s\n", v[i].ch->explanation);
    }
}

static int print_json(const struct aksnet_suggestion *s, FILE *out, FILE *err)
{
    struct shown v[4];
    shown_list(s, v);
    cJSON *o = cJSON_CreateObject(), *why = NULL, *chosen = NULL;
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < 4; i++)
        ok = (v[i].ch->value ? cJSON_AddStringToObject(o, v[i].key, v[i].ch->value)
                             : cJSON_AddNullToObject(o, v[i].key)) != NULL;
    ok = ok && (why = cJSON_AddObjectToObject(o, "explanation")) && (chosen = cJSON_AddObjectToObject(o, "chosen"));
    for (size_t i = 0; ok && i < 4; i++)
        ok = cJSON_AddStringToObject(why, v[i].key, v[i].ch->explanation) &&
             cJSON_AddBoolToObject(chosen, v[i].key, v[i].ch->chosen);
    ok = ok && cJSON_AddNumberToObject(o, "nodes", (double)s->nodes) &&
         cJSON_AddNumberToObject(o, "surgeNodes", (double)s->surge);
    return output_json_line(o, ok, out, err) ? EXIT_DONE : EXIT_PLAN;
}

/* The whole of text into fd; false (errno set) when a write fails. */
static bool write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* May --write replace path?  Only the regular file -f named; *mode receives its mode. */
static bool may_replace(const struct cli_args *args, const char *path, const struct stat *dst, mode_t *mode,
                        FILE *err)
{
    struct stat src;
    if (S_ISLNK(dst->st_mode) || !S_ISREG(dst->st_mode)) {
        fprintf(err, "aksnet suggest: --write: %s exists and is not a regular file; not replaced\n", path);
        return false;
    }
    if (!args->plan_file || strcmp(args->plan_file, "-") == 0 || stat(args->plan_file, &src) != 0 ||
        src.st_dev != dst->st_dev || src.st_ino != dst->st_ino) {
        fprintf(err, "aksnet suggest: --write: %s exists; aksnet replaces only the plan given with -f "
                "(choose another name, or remove it first)\n", path);
        return false;
    }
    *mode = dst->st_mode & 07777;
    return true;
}

/* Write the text beside path, then put it in place: link (never clobbers) or, for -f's plan, rename. */
static int write_file(const struct cli_args *args, const char *path, const char *text, FILE *err)
{
    struct stat dst;
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = 0666 & ~mask;
    bool replace = lstat(path, &dst) == 0;
    if (replace && !may_replace(args, path, &dst, &mode, err))
        return EXIT_USAGE;
    char tmp[PATH_MAX_LEN];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        fprintf(err, "aksnet suggest: --write: the path is too long\n");
        return EXIT_USAGE;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(err, "aksnet suggest: --write: cannot create a file beside %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    bool ok = write_all(fd, text, strlen(text)) && write_all(fd, "\n", 1) && fchmod(fd, mode) == 0 &&
              fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && (replace ? rename(tmp, path) : link(tmp, path)) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok || !replace)
        unlink(tmp);
    if (!ok) {
        fprintf(err, "aksnet suggest: --write %s: %s\n", path, strerror(saved));
        return EXIT_USAGE;
    }
    return EXIT_DONE;
}

static int write_plan(const struct cli_args *args, const struct aksnet_plan *plan, FILE *out, FILE *err)
{
    char *text = NULL;
    if (aksnet_plan_to_json(plan, &text) != AKSNET_OK) {
        fprintf(err, "aksnet: out of memory\n");
        return EXIT_PLAN;
    }
    int code = EXIT_DONE;
    if (strcmp(args->write_file, "-") == 0)
        fprintf(out, "%s\n", text);
    else
        code = write_file(args, args->write_file, text, err);
    aksnet_plan_json_free(text);
    return code;
}

/* Errors the completed plan still has (a missing subscription, say) are not suggest's to fix: said, not fatal. */
static void note_findings(const struct aksnet_plan *plan, FILE *err)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    if (aksnet_validate_plan(plan, &f) == AKSNET_OK) {
        size_t errors = aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR);
        if (errors)
            fprintf(err, "note: the completed plan still has %zu error%s; aksnet validate lists them\n", errors,
                    errors == 1 ? "" : "s");
    }
    aksnet_findings_free(&f);
}

/* A value ARM holds for the plan, set where the plan has none. */
static bool adopt(char **dst, const char *value)
{
    if (*dst || !value)
        return true;
    return (*dst = strdup(value)) != NULL;
}

/* The VNet's address space, as ARM holds it, for a plan that gives none (an existing VNet). */
static bool adopt_space(struct aksnet_plan *plan, const struct aksnet_taken_list *l)
{
    if (plan->vnet.address_prefix_count || !l->vnet_prefix_count)
        return true;
    char **v = calloc(l->vnet_prefix_count, sizeof(char *));
    if (!v)
        return false;
    free(plan->vnet.address_prefixes);
    plan->vnet.address_prefixes = v;
    for (size_t i = 0; i < l->vnet_prefix_count; i++) {
        if (!(v[i] = strdup(l->vnet_prefixes[i])))
            return false;
        plan->vnet.address_prefix_count++;
    }
    return true;
}

/* --from-arm: the ranges around the VNet, read from ARM; *list NULL and EXIT_DONE without the flag. */
static int read_arm(const struct cli_args *args, struct aksnet_plan *plan, struct aksnet_taken_list **list,
                    FILE *err)
{
    *list = NULL;
    if (!args->from_arm)
        return EXIT_DONE;
    struct aksnet_client *client = NULL;
    struct aksnet_error e;
    aksnet_error_clear(&e);
    aksnet_code rc = cli_client_open(args, plan->cloud, NULL, NULL, &client, &e);
    if (rc == AKSNET_OK)
        rc = aksnet_provision_read_taken(client, plan, list, &e);
    aksnet_client_free(client);
    if (rc != AKSNET_OK) {
        fprintf(err, "aksnet suggest: --from-arm: %s\n", e.message);
        return cli_exit_code(rc);
    }
    if (!(*list)->vnet_exists)
        fprintf(err, "note: VNet %s does not exist yet: nothing around it to read from ARM\n",
                plan->vnet.name ? plan->vnet.name : "?");
    else
        fprintf(err, "note: read from ARM: %zu range%s in use around VNet %s\n", (*list)->count,
                (*list)->count == 1 ? "" : "s", plan->vnet.name ? plan->vnet.name : "?");
    if ((*list)->clusters_unread)
        fprintf(err, "note: listing the subscription's managed clusters was refused: their pod and service "
                "ranges are not avoided\n");
    if (!adopt_space(plan, *list) || !adopt(&plan->subnet.address_prefix, (*list)->subnet_prefix)) {
        fprintf(err, "aksnet: out of memory\n");
        return EXIT_PLAN;
    }
    return EXIT_DONE;
}

static int suggest(const struct cli_args *args, struct aksnet_plan *plan, FILE *out, FILE *err)
{
    unsigned missing = aksnet_suggest_missing(plan);
    if (aksnet_plan_apply_defaults(plan, getenv("AZURE_SUBSCRIPTION_ID")) != AKSNET_OK) {
        fprintf(err, "aksnet: out of memory\n");
        return EXIT_PLAN;
    }
    struct aksnet_taken_list *arm = NULL;
    int code = read_arm(args, plan, &arm, err);
    size_t n_arm = arm ? arm->count : 0, n = n_arm + args->taken_count;
    struct aksnet_taken *taken = code == EXIT_DONE ? calloc(n + 1, sizeof(*taken)) : NULL;
    if (code == EXIT_DONE && !taken) {
        fprintf(err, "aksnet: out of memory\n");
        code = EXIT_PLAN;
    }
    if (code != EXIT_DONE) {
        aksnet_provision_taken_free(arm);
        return code;
    }
    for (size_t i = 0; i < n_arm; i++)
        taken[i] = arm->items[i];
    if (arm && arm->subnet_prefix)
        missing &= ~(unsigned)AKSNET_SUGGEST_SUBNET; /* the plan's subnet exists: ARM's prefix is kept */
    for (size_t i = 0; i < args->taken_count; i++)
        taken[n_arm + i] = (struct aksnet_taken){args->taken[i], AKSNET_TAKEN_OTHER, "--taken"};
    struct aksnet_suggestion *s = NULL;
    struct aksnet_error e;
    aksnet_code rc = aksnet_suggest_ranges(plan, missing, taken, n, &s, &e);
    free(taken);
    aksnet_provision_taken_free(arm);
    if (rc != AKSNET_OK) {
        fprintf(err, "aksnet suggest: %s\n", e.message);
        return rc == AKSNET_EINVAL ? EXIT_USAGE : EXIT_PLAN;
    }
    if (aksnet_suggest_apply(plan, s) != AKSNET_OK) {
        fprintf(err, "aksnet: out of memory\n");
        code = EXIT_PLAN;
    }
    bool plan_to_stdout = args->write_file && strcmp(args->write_file, "-") == 0;
    if (code == EXIT_DONE && args->write_file)
        code = write_plan(args, plan, out, err);
    if (code == EXIT_DONE) {
        FILE *summary = plan_to_stdout ? err : out;
        if (args->output == OUTPUT_JSON)
            code = print_json(s, summary, err);
        else
            print_text(s, summary);
        if (args->write_file && !plan_to_stdout && args->output != OUTPUT_JSON)
            fprintf(summary, "wrote the completed plan to %s\n", args->write_file);
        note_findings(plan, err);
    }
    aksnet_suggest_free(s);
    return code;
}

int cmd_suggest(const struct cli_args *args, FILE *out, FILE *err)
{
    struct aksnet_findings findings;
    struct aksnet_plan *plan = NULL;
    aksnet_findings_init(&findings);
    aksnet_code rc = cli_read_plan(args, &plan, &findings);
    int code;
    if (rc != AKSNET_OK || findings.out_of_memory) {
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
        code = EXIT_PLAN;
    } else if (!plan || aksnet_findings_count(&findings, AKSNET_SEVERITY_ERROR) > 0) {
        /* The reader refused the file or some of its keys: what they are, as validate says it. */
        (void)output_findings(&findings, args->plan_file ? args->plan_file : "flags", args->output, out, err);
        code = EXIT_PLAN;
    } else {
        code = suggest(args, plan, out, err);
    }
    aksnet_plan_free(plan);
    aksnet_findings_free(&findings);
    return code;
}
