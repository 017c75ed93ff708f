/*
 * test_fleet_validate.c - plans checked against each other
 * (aksnet_validate_fleet), in the validator's corpus style: each folder of
 * tests/data/fleets/ holds the plans of one fleet and an `expect` file
 * whose lines are
 *
 *   code CODE [FIELD]  the fleet reports CODE (on FIELD, when given)
 *   near CODE          the fleet must not report CODE (a near miss)
 *
 * Every plan must be clean alone, so that what is found is the fleet's; every
 * code of aksnet_validate_fleet_rules() has a folder that triggers it and one
 * that is a near miss; and every finding names two of the fleet's files.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aksnet/validate.h"
#include "tmpfiles.h"

#define PATH_LEN 1024
#define MAX_NAMES 64

struct names {
    char *v[MAX_NAMES];
    size_t n;
};

static void names_add(struct names *s, const char *name)
{
    assert_true(s->n < MAX_NAMES);
    s->v[s->n] = strdup(name);
    assert_non_null(s->v[s->n]);
    s->n++;
}

static bool names_has(const struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return true;
    return false;
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (files with suffix, or folders when suffix is NULL), sorted. */
static void list(const char *dir, const char *suffix, struct names *out)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (set AKSNET_SRCDIR to the repository root)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (suffix ? n > strlen(suffix) && strcmp(e->d_name + n - strlen(suffix), suffix) == 0
                   : e->d_type == DT_DIR)
            names_add(out, e->d_name);
    }
    closedir(d);
    qsort(out->v, out->n, sizeof(out->v[0]), by_name);
}

static void fleets_dir(char out[PATH_LEN])
{
    snprintf(out, PATH_LEN, "%s/tests/data/fleets", mt_srcdir());
}

/* One fleet: its plans loaded (defaults applied), each clean alone, then checked together. */
struct fleet {
    struct aksnet_plan *plans[MAX_NAMES];
    size_t count;
    struct aksnet_findings findings;
};

static void fleet_load(const char *name, struct fleet *f)
{
    char dir[PATH_LEN], path[PATH_LEN + 256];
    fleets_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct names files = {0};
    list(path, ".json", &files);
    assert_true(files.n >= 2);
    memset(f, 0, sizeof(*f));
    aksnet_findings_init(&f->findings);
    for (size_t i = 0; i < files.n; i++) {
        char file[PATH_LEN + 512];
        snprintf(file, sizeof(file), "%s/%s", path, files.v[i]);
        struct aksnet_findings alone;
        aksnet_findings_init(&alone);
        struct aksnet_plan *p = NULL;
        assert_int_equal(aksnet_plan_load_file(file, &p, &alone), AKSNET_OK);
        assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
        assert_int_equal(aksnet_validate_plan(p, &alone), AKSNET_OK);
        for (size_t k = 0; k < alone.count; k++)
            if (alone.items[k].severity == AKSNET_SEVERITY_ERROR)
                fail_msg("%s/%s alone: %s %s: %s", name, files.v[i], alone.items[k].code, alone.items[k].field,
                         alone.items[k].message);
        aksnet_findings_free(&alone);
        f->plans[f->count++] = p;
    }
    names_free(&files);
    assert_int_equal(aksnet_validate_fleet((const struct aksnet_plan *const *)f->plans, f->count, &f->findings),
                     AKSNET_OK);
}

static void fleet_free(struct fleet *f)
{
    for (size_t i = 0; i < f->count; i++)
        aksnet_plan_free(f->plans[i]);
    aksnet_findings_free(&f->findings);
}

static bool reported(const struct fleet *f, const char *code, const char *field)
{
    for (size_t i = 0; i < f->findings.count; i++)
        if (strcmp(f->findings.items[i].code, code) == 0 && (!field || strcmp(f->findings.items[i].field, field) == 0))
            return true;
    return false;
}

/* How many of the fleet's plan files the message names. */
static size_t files_named(const struct fleet *f, const char *message)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        if (strstr(message, f->plans[i]->source))
            n++;
    return n;
}

static bool known_code(const char *code)
{
    size_t n;
    const struct aksnet_rule *rules = aksnet_validate_fleet_rules(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rules[i].code, code) == 0)
            return true;
    return false;
}

/* Check one folder against its expect file; the codes and near misses seen are added to the lists. */
static void check_case(const char *name, struct names *codes, struct names *nears)
{
    char dir[PATH_LEN], path[PATH_LEN + 256];
    fleets_dir(dir);
    snprintf(path, sizeof(path), "%s/%s/expect", dir, name);
    FILE *x = fopen(path, "r");
    if (!x)
        fail_msg("%s: no expect file", name);
    struct fleet f;
    fleet_load(name, &f);
    char line[512];
    size_t expected = 0;
    while (fgets(line, sizeof(line), x)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *save = NULL, *word = strtok_r(line, " ", &save);
        if (!word || word[0] == '#')
            continue;
        char *code = strtok_r(NULL, " ", &save), *field = code ? strtok_r(NULL, " ", &save) : NULL;
        if (!code || !known_code(code))
            fail_msg("%s/expect: '%s' is not a fleet code", name, code ? code : "");
        if (strcmp(word, "code") == 0) {
            if (!reported(&f, code, field))
                fail_msg("%s: expected %s%s%s", name, code, field ? " on " : "", field ? field : "");
            expected++;
            if (!names_has(codes, code))
                names_add(codes, code);
        } else if (strcmp(word, "near") == 0) {
            if (reported(&f, code, NULL))
                fail_msg("%s: a near miss for %s, which was reported", name, code);
            if (!names_has(nears, code))
                names_add(nears, code);
        } else {
            fail_msg("%s/expect: '%s' is neither code nor near", name, word);
        }
    }
    fclose(x);
    for (size_t i = 0; i < f.findings.count; i++) {
        const struct aksnet_finding *g = &f.findings.items[i];
        assert_int_equal(g->severity, AKSNET_SEVERITY_ERROR);
        if (files_named(&f, g->message) < 2)
            fail_msg("%s: %s does not name both plans: %s", name, g->code, g->message);
    }
    if (f.findings.count != expected) {
        for (size_t i = 0; i < f.findings.count; i++)
            print_error("  %s %s: %s\n", f.findings.items[i].code, f.findings.items[i].field,
                        f.findings.items[i].message);
        fail_msg("%s: %zu findings, expected %zu", name, f.findings.count, expected);
    }
    fleet_free(&f);
}

static void test_corpus(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    fleets_dir(dir);
    struct names cases = {0}, codes = {0}, nears = {0};
    list(dir, NULL, &cases);
    assert_true(cases.n > 0);
    for (size_t i = 0; i < cases.n; i++)
        check_case(cases.v[i], &codes, &nears);
    size_t n;
    const struct aksnet_rule *rules = aksnet_validate_fleet_rules(&n);
    for (size_t i = 0; i < n; i++) {
        if (!names_has(&codes, rules[i].code))
            fail_msg("%s: no folder of tests/data/fleets triggers it", rules[i].code);
        if (!names_has(&nears, rules[i].code))
            fail_msg("%s: no folder of tests/data/fleets is a near miss for it", rules[i].code);
    }
    names_free(&cases);
    names_free(&codes);
    names_free(&nears);
}

/* The fleet codes are not the single plan's: a corpus plan cannot name one, a fleet finding cannot be confused. */
static void test_codes_distinct(void **state)
{
    (void)state;
    size_t n, m;
    const struct aksnet_rule *fleet = aksnet_validate_fleet_rules(&n), *one = aksnet_validate_rules(&m);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(fleet[i].code, "fleet-", 6), 0);
        for (size_t k = 0; k < m; k++)
            assert_string_not_equal(fleet[i].code, one[k].code);
    }
}

/* One plan, or none, is no fleet: nothing to compare. */
static void test_fewer_than_two(void **state)
{
    (void)state;
    struct fleet f;
    fleet_load("pod-overlap", &f);
    struct aksnet_findings g;
    aksnet_findings_init(&g);
    assert_int_equal(aksnet_validate_fleet((const struct aksnet_plan *const *)f.plans, 1, &g), AKSNET_OK);
    assert_int_equal(aksnet_validate_fleet(NULL, 0, &g), AKSNET_OK);
    assert_int_equal(g.count, 0);
    fleet_free(&f);
}

/* The same plan twice is every conflict at once, each reported once. */
static void test_same_plan_twice(void **state)
{
    (void)state;
    struct fleet f;
    fleet_load("cluster-name", &f);
    const struct aksnet_plan *twice[] = {f.plans[0], f.plans[0]};
    struct aksnet_findings g;
    aksnet_findings_init(&g);
    assert_int_equal(aksnet_validate_fleet(twice, 2, &g), AKSNET_OK);
    const char *codes[] = {"fleet-cluster-name", "fleet-subnet-shared", "fleet-route-table-shared",
                           "fleet-pod-overlap"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_true(aksnet_findings_has(&g, codes[i]));
    assert_int_equal(g.count, sizeof(codes) / sizeof(codes[0]));
    aksnet_findings_free(&g);
    fleet_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_codes_distinct),
        cmocka_unit_test(test_fewer_than_two),
        cmocka_unit_test(test_same_plan_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
