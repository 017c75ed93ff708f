/*
 * test_corpus.c - the validator against tests/data/plans.
 *
 * Every tests/data/plans/NAME.json has a NAME.expect beside it, one
 * directive a line:
 *   code CODE [FIELD]  the run reports CODE (and, with FIELD, some finding of
 *                      that code has exactly that field path); the set of
 *                      distinct codes reported equals the set of code lines
 *   near CODE          the plan is a near miss for CODE (it must not fire)
 *   # comment          blank lines are ignored too
 *
 * Each plan is loaded, given its defaults (no AZURE_SUBSCRIPTION_ID) and
 * validated in a child process, so a crash or a leak in one plan is
 * reported against that plan and the rest of the corpus still runs.  The
 * child sends its findings back over a pipe, one escaped line each.
 *
 * AKSNET_SRCDIR names the repository root ("." by default);
 * AKSNET_CORPUS_VERBOSE=1 prints the findings of passing plans too.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aksnet/finding.h"
#include "aksnet/plan.h"
#include "aksnet/validate.h"
#include "tmpfiles.h"

#define PATH_LEN 4096

/* ---- small helpers ---------------------------------------------------------- */

static void join(char out[PATH_LEN], const char *a, const char *b)
{
    int n = snprintf(out, PATH_LEN, "%s/%s", a, b);
    assert_true(n > 0 && n < PATH_LEN);
}

static char *xstrdup(const char *s)
{
    char *copy = strdup(s);
    assert_non_null(copy);
    return copy;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A growable list of owned strings. */
struct strv {
    char **v;
    size_t n, cap;
};

static void strv_push(struct strv *s, const char *text)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, cap * sizeof(*v));
        assert_non_null(v);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = xstrdup(text);
}

static bool strv_has(const struct strv *s, const char *text)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], text) == 0)
            return true;
    return false;
}

static void strv_free(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted. */
static void list_dir(const char *dir, const char *suffix, struct strv *out)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open directory %s: %s (set AKSNET_SRCDIR to the repository root)", dir,
                 strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && ends_with(e->d_name, suffix))
            strv_push(out, e->d_name);
    closedir(d);
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

static bool known_code(const char *code)
{
    size_t n;
    const struct aksnet_rule *rules = aksnet_validate_rules(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rules[i].code, code) == 0)
            return true;
    return false;
}

/* ---- .expect files ---------------------------------------------------------- */

struct expect {
    struct strv codes;   /* one per code line (may repeat) */
    struct strv fields;  /* parallel to codes: the field, or "" when none */
    struct strv nears;
    struct strv problems; /* syntax errors in the file itself */
};

static void expect_free(struct expect *x)
{
    strv_free(&x->codes);
    strv_free(&x->fields);
    strv_free(&x->nears);
    strv_free(&x->problems);
}

/* Read path; false if it cannot be opened. */
static bool expect_read(const char *path, struct expect *x)
{
    memset(x, 0, sizeof(*x));
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *save = NULL;
        char *word = strtok_r(line, " \t", &save);
        if (!word || word[0] == '#')
            continue;
        char *code = strtok_r(NULL, " \t", &save);
        char *field = code ? strtok_r(NULL, " \t", &save) : NULL;
        char *extra = field ? strtok_r(NULL, " \t", &save) : NULL;
        char msg[1200];
        bool is_code = strcmp(word, "code") == 0, is_near = strcmp(word, "near") == 0;
        if ((!is_code && !is_near) || !code || extra || (is_near && field)) {
            snprintf(msg, sizeof(msg), "line %u: expected 'code CODE [FIELD]' or 'near CODE'", lineno);
            strv_push(&x->problems, msg);
            continue;
        }
        if (!known_code(code)) {
            snprintf(msg, sizeof(msg), "line %u: '%s' is not a code of aksnet_validate_rules()", lineno,
                     code);
            strv_push(&x->problems, msg);
            continue;
        }
        if (is_code) {
            strv_push(&x->codes, code);
            strv_push(&x->fields, field ? field : "");
        } else {
            strv_push(&x->nears, code);
        }
    }
    fclose(f);
    return true;
}

/* ---- running one plan in a child ---------------------------------------------- */

/* A finding as it came back from the child. */
struct got {
    char *code, *field, *message;
    int severity;
};

struct run {
    struct got *items;
    size_t n, cap;
    int status;        /* waitpid status of the child */
    bool loaded;       /* a plan came back from the reader */
    int load_rc;       /* aksnet_plan_load_file's result */
    int validate_rc;   /* aksnet_validate_plan's result, -1 if not run */
};

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].code);
        free(r->items[i].field);
        free(r->items[i].message);
    }
    free(r->items);
    memset(r, 0, sizeof(*r));
}

static bool run_clean_exit(const struct run *r)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static bool run_has(const struct run *r, const char *code, const char *field)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].code, code) == 0 && (!field || strcmp(r->items[i].field, field) == 0))
            return true;
    return false;
}

/* Write s with '\\', tab and newline escaped. */
static void put_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* Undo put_escaped in place. */
static void unescape(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *w++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
}

/*
 * The child: load, default, validate, send.  Lines: "R <load_rc> <loaded>
 * <validate_rc>" first, then "F <severity>\t<code>\t<field>\t<message>".
 * It exits through exit() so that LeakSanitizer checks it.
 */
static void child_run(const char *path, int fd)
{
    FILE *out = fdopen(fd, "w");
    if (!out)
        _exit(90);
    struct aksnet_findings findings;
    aksnet_findings_init(&findings);
    struct aksnet_plan *plan = NULL;
    aksnet_code load_rc = aksnet_plan_load_file(path, &plan, &findings);
    int validate_rc = -1;
    if (plan) {
        if (aksnet_plan_apply_defaults(plan, NULL) != AKSNET_OK)
            validate_rc = -2;
        else
            validate_rc = (int)aksnet_validate_plan(plan, &findings);
    }
    fprintf(out, "R %d %d %d\n", (int)load_rc, plan != NULL, validate_rc);
    for (size_t i = 0; i < findings.count; i++) {
        const struct aksnet_finding *f = &findings.items[i];
        fprintf(out, "F %d\t", (int)f->severity);
        put_escaped(out, f->code);
        fputc('\t', out);
        put_escaped(out, f->field);
        fputc('\t', out);
        put_escaped(out, f->message);
        fputc('\n', out);
    }
    int oom = findings.out_of_memory;
    aksnet_findings_free(&findings);
    aksnet_plan_free(plan);
    if (fclose(out) != 0)
        exit(91);
    exit(oom ? 92 : 0);
}

static void run_add(struct run *r, int severity, const char *code, const char *field, const char *message)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct got *items = realloc(r->items, cap * sizeof(*items));
        assert_non_null(items);
        r->items = items;
        r->cap = cap;
    }
    struct got *g = &r->items[r->n++];
    g->severity = severity;
    g->code = xstrdup(code);
    g->field = xstrdup(field);
    g->message = xstrdup(message);
}

/* Run the plan at path in a child and collect what it found. */
static void run_plan(const char *path, struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->load_rc = -1;
    r->validate_rc = -1;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_run(path, fds[1]);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    assert_non_null(in);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        int a, b, c;
        if (line[0] == 'R' && sscanf(line, "R %d %d %d", &a, &b, &c) == 3) {
            r->load_rc = a;
            r->loaded = b != 0;
            r->validate_rc = c;
            continue;
        }
        /* Split on tabs by hand: a field may be empty (plan-syntax has ""). */
        char *parts[4] = {line, NULL, NULL, NULL};
        for (size_t k = 1; k < 4; k++) {
            char *tab = strchr(parts[k - 1], '\t');
            if (!tab)
                break;
            *tab = '\0';
            parts[k] = tab + 1;
        }
        char *code = parts[1], *field = parts[2], *message = parts[3];
        int severity = -1;
        if (sscanf(parts[0], "F %d", &severity) != 1 || !code)
            continue;
        unescape(code);
        if (field)
            unescape(field);
        if (message)
            unescape(message);
        run_add(r, severity, code, field ? field : "", message ? message : "");
    }
    free(line);
    fclose(in);
    while (waitpid(pid, &r->status, 0) < 0)
        assert_int_equal(errno, EINTR);
}

static void print_findings(const struct run *r)
{
    if (!run_clean_exit(r)) {
        if (WIFSIGNALED(r->status))
            print_error("  the run died of signal %d (see the sanitizer report above)\n", WTERMSIG(r->status));
        else
            print_error("  the run exited with status %d (sanitizer report above? 92 = findings lost)\n",
                        WEXITSTATUS(r->status));
    }
    print_error("  load rc %d, plan %s, validate rc %d, %zu finding(s):\n", r->load_rc,
                r->loaded ? "read" : "not read", r->validate_rc, r->n);
    for (size_t i = 0; i < r->n; i++)
        print_error("    %s %s [%s] %s\n", r->items[i].severity == AKSNET_SEVERITY_WARNING ? "warning" : "error",
                    r->items[i].code, r->items[i].field, r->items[i].message);
}

/* The distinct codes of a run, in order of first appearance. */
static void run_codes(const struct run *r, struct strv *out)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strv_has(out, r->items[i].code))
            strv_push(out, r->items[i].code);
}

static void print_codes(const char *label, const struct strv *codes)
{
    print_error("  %s:", label);
    if (!codes->n)
        print_error(" (none)");
    for (size_t i = 0; i < codes->n; i++)
        print_error(" %s", codes->v[i]);
    print_error("\n");
}

/* ---- the tests -------------------------------------------------------------------- */

static void plans_dir(char out[PATH_LEN])
{
    join(out, mt_srcdir(), "tests/data/plans");
}

/* dir/NAME.expect for the plan dir/NAME.json. */
static void expect_path(char out[PATH_LEN], const char *dir, const char *json_name)
{
    int n = snprintf(out, PATH_LEN, "%s/%.*s.expect", dir, (int)(strlen(json_name) - strlen(".json")),
                     json_name);
    assert_true(n > 0 && n < PATH_LEN);
}

/* Check one plan against its .expect; true if it passes (problems printed otherwise). */
static bool check_plan(const char *dir, const char *name)
{
    char path[PATH_LEN], xpath[PATH_LEN];
    join(path, dir, name);
    expect_path(xpath, dir, name);

    struct expect x;
    if (!expect_read(xpath, &x)) {
        print_error("%s: no %.*s.expect beside it\n", name, (int)(strlen(name) - strlen(".json")), name);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < x.problems.n; i++) {
        print_error("%s.expect: %s\n", name, x.problems.v[i]);
        ok = false;
    }

    struct run r;
    run_plan(path, &r);
    struct strv got = {0}, want = {0};
    run_codes(&r, &got);
    for (size_t i = 0; i < x.codes.n; i++)
        if (!strv_has(&want, x.codes.v[i]))
            strv_push(&want, x.codes.v[i]);

    bool match = run_clean_exit(&r) && r.validate_rc != -2 && got.n == want.n;
    for (size_t i = 0; match && i < want.n; i++)
        match = strv_has(&got, want.v[i]);
    struct strv missing_fields = {0};
    for (size_t i = 0; i < x.codes.n; i++) {
        if (!*x.fields.v[i] || run_has(&r, x.codes.v[i], x.fields.v[i]))
            continue;
        char what[600];
        snprintf(what, sizeof(what), "%s at %s", x.codes.v[i], x.fields.v[i]);
        strv_push(&missing_fields, what);
    }
    const char *verbose = getenv("AKSNET_CORPUS_VERBOSE");
    if (match && !missing_fields.n && verbose && *verbose && strcmp(verbose, "0") != 0) {
        print_message("%s: ok\n", name);
        print_findings(&r);
    }
    if (!match || missing_fields.n) {
        print_error("%s: FAILED\n", name);
        print_codes("expected", &want);
        print_codes("got", &got);
        if (missing_fields.n)
            print_codes("no finding with field", &missing_fields);
        print_findings(&r);
        ok = false;
    }
    strv_free(&missing_fields);
    strv_free(&got);
    strv_free(&want);
    run_free(&r);
    expect_free(&x);
    return ok;
}

static void test_corpus_expectations(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    plans_dir(dir);
    struct strv plans = {0}, expects = {0};
    list_dir(dir, ".json", &plans);
    list_dir(dir, ".expect", &expects);
    assert_true(plans.n > 0);

    size_t failed = 0;
    for (size_t i = 0; i < plans.n; i++)
        if (!check_plan(dir, plans.v[i]))
            failed++;
    /* An .expect whose plan is gone tests nothing. */
    for (size_t i = 0; i < expects.n; i++) {
        char base[PATH_LEN];
        snprintf(base, sizeof(base), "%.*s.json", (int)(strlen(expects.v[i]) - strlen(".expect")),
                 expects.v[i]);
        if (!strv_has(&plans, base)) {
            print_error("%s: no plan %s beside it\n", expects.v[i], base);
            failed++;
        }
    }
    size_t total = plans.n;
    strv_free(&plans);
    strv_free(&expects);
    if (failed)
        fail_msg("%zu of %zu corpus plans failed (details above)", failed, total);
}

static void test_corpus_coverage(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    plans_dir(dir);
    struct strv plans = {0}, codes = {0}, nears = {0};
    list_dir(dir, ".json", &plans);
    for (size_t i = 0; i < plans.n; i++) {
        char xpath[PATH_LEN];
        expect_path(xpath, dir, plans.v[i]);
        struct expect x;
        if (!expect_read(xpath, &x))
            continue; /* reported by test_corpus_expectations */
        for (size_t k = 0; k < x.codes.n; k++)
            if (!strv_has(&codes, x.codes.v[k]))
                strv_push(&codes, x.codes.v[k]);
        for (size_t k = 0; k < x.nears.n; k++)
            if (!strv_has(&nears, x.nears.v[k]))
                strv_push(&nears, x.nears.v[k]);
        expect_free(&x);
    }
    size_t count, lacking = 0;
    const struct aksnet_rule *rules = aksnet_validate_rules(&count);
    for (size_t i = 0; i < count; i++) {
        bool c = strv_has(&codes, rules[i].code), nr = strv_has(&nears, rules[i].code);
        if (c && nr)
            continue;
        print_error("%s: no plan %s\n", rules[i].code,
                    !c && !nr ? "triggers it and none is a near miss"
                    : !c      ? "triggers it"
                              : "is a near miss for it");
        lacking++;
    }
    strv_free(&plans);
    strv_free(&codes);
    strv_free(&nears);
    if (lacking)
        fail_msg("%zu of %zu codes lack a triggering plan or a near miss", lacking, count);
}

static void test_examples_clean(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    join(dir, mt_srcdir(), "examples");
    struct strv files = {0};
    list_dir(dir, ".json", &files);
    assert_true(files.n > 0);
    size_t failed = 0;
    for (size_t i = 0; i < files.n; i++) {
        char path[PATH_LEN];
        join(path, dir, files.v[i]);
        struct run r;
        run_plan(path, &r);
        if (r.n || !run_clean_exit(&r) || !r.loaded || r.validate_rc != 0) {
            print_error("examples/%s: expected no findings\n", files.v[i]);
            print_findings(&r);
            failed++;
        }
        run_free(&r);
    }
    size_t total = files.n;
    strv_free(&files);
    if (failed)
        fail_msg("%zu of %zu examples are not clean", failed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_expectations),
        cmocka_unit_test(test_corpus_coverage),
        cmocka_unit_test(test_examples_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
