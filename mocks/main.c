/*
 * main.c - aksnet-mock, the program: flags to armmock_options, start,
 * print the URL, wait for SIGTERM or SIGINT, stop cleanly.
 *
 * Exit codes: 0 stopped by a signal, 1 could not start (port taken, files
 * unreadable, a state file it did not write), 2 usage.
 *
 * Depends on: server.c, src/util (secret).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "secret.h"
#include "armmock.h"

#define MAX_LIST 64

struct lists {
    const char *faults[MAX_LIST];
    struct armmock_credential secrets[MAX_LIST], certs[MAX_LIST], federated[MAX_LIST];
    const char *subscriptions[MAX_LIST];
    char *owned[2 * MAX_LIST]; /* values read from @FILE */
    size_t owned_count;
    bool until_eof;            /* --until-stdin-closes */
};

/* Printed for --help and after a wrong option, so that the options are written down once. */
static void usage(FILE *out)
{
    fprintf(out,
            "usage: aksnet-mock [--listen 127.0.0.1:0] [--port-file FILE] [--tls-cert PEM --tls-key PEM]\n"
            "                   [--lro-seconds S] [--principal-delay S] [--role-delay S] [--token-lifetime S]\n"
            "                   [--latency READ_MS[,WRITE_MS]] [--throttle]\n"
            "                   [--journal FILE] [--state FILE] [--fault RULE]... "
            "[--client-secret ID=SECRET|ID=@FILE]...\n"
            "                   [--client-cert ID=CERT.pem]... [--federated-token ID=TOKEN|ID=@FILE]... "
            "[--subscription ID]...\n"
            "                   [--accept-any-client] [--identity-header SECRET] [--until-stdin-closes]\n"
            "  --lro-seconds S   how long each long-running operation runs (default 0.05); 0 answers every\n"
            "                    write synchronously (200/201 with provisioningState Succeeded, no polling)\n"
            "  --latency R[,W]   add R ms to every answer to a GET (operation polls too), W ms (default R)\n"
            "                    to every other (token requests included), as ARM's round trips take time\n"
            "  --throttle        ARM's token buckets per subscription and principal: reads 250 refilled\n"
            "                    25/s, writes and deletes 200 refilled 10/s; 429 with Retry-After when empty\n"
            "  --fault METHOD:PATH-GLOB:ACTION[:COUNT], ACTION 404|410|429|500|502|503|504[=RETRY-AFTER]|\n"
            "                    401 (expired token)|409 (busy)|reset|apply-reset (applied, answer lost)|\n"
            "                    delay=MS|fail[=CODE] (the operation ends Failed with CODE, e.g.\n"
            "                    AnotherOperationInProgress or RetryableError; default InternalOperationError)\n");
}

/* A duration in seconds, fractions allowed, 0..86400. */
static bool parse_seconds(const char *flag, const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 86400)) {
        fprintf(stderr, "aksnet-mock: %s '%s': expected seconds from 0 to 86400 (fractions allowed)\n", flag, s);
        return false;
    }
    *out = v;
    return true;
}

/* "READ_MS" or "READ_MS,WRITE_MS", whole milliseconds up to 600000 (a write as slow as a read when not given). */
static bool parse_latency(const char *s, struct armmock_options *o)
{
    char *end = NULL;
    errno = 0;
    long r = strtol(s, &end, 10), w = r;
    bool ok = !errno && end != s && *s != '-' && *s != '+' && r >= 0 && r <= 600000;
    if (ok && *end == ',') {
        const char *ws = end + 1;
        w = strtol(ws, &end, 10);
        ok = !errno && end != ws && *ws != '-' && *ws != '+' && w >= 0 && w <= 600000;
    }
    if (!ok || *end) {
        fprintf(stderr, "aksnet-mock: --latency '%s': expected READ_MS or READ_MS,WRITE_MS (0 to 600000)\n", s);
        return false;
    }
    o->latency_read_ms = r;
    o->latency_write_ms = w;
    return true;
}

/*
 * "ID=@FILE": the value from a file only its owner may read, without its
 * trailing newline, so that scripts need not put even a test secret in argv
 * (where ps shows it).  The message names the file, never its content.
 */
static const char *read_value_file(const char *flag, const char *path, struct lists *l)
{
    struct aksnet_error err = {0};
    char *v = NULL;
    size_t len = 0;
    if (aksnet__secret_read_file(path, flag, 64 * 1024, &v, &len, &err) != AKSNET_OK) {
        fprintf(stderr, "aksnet-mock: %s\n", err.message[0] ? err.message : "cannot read the file");
        return NULL;
    }
    while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == '\r'))
        v[--len] = '\0';
    if (len == 0) {
        fprintf(stderr, "aksnet-mock: %s: '%s' is empty\n", flag, path);
        aksnet__secret_free(v);
        return NULL;
    }
    l->owned[l->owned_count++] = v;
    return v;
}

/* "ID=VALUE" or "ID=@FILE" into a credential (test secrets, never real ones). */
static bool parse_credential(const char *flag, const char *s, struct armmock_credential *list, size_t *n,
                             struct lists *l)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1] || *n == MAX_LIST) {
        fprintf(stderr, "aksnet-mock: %s: expected CLIENT-ID=VALUE or CLIENT-ID=@FILE\n", flag);
        return false;
    }
    const char *value = eq + 1;
    if (list != l->certs && value[0] == '@' && !(value = read_value_file(flag, value + 1, l)))
        return false;
    char *id = strndup(s, (size_t)(eq - s));
    if (!id)
        return false;
    list[*n].client_id = id;
    list[*n].value = value;
    (*n)++;
    return true;
}

/* Options fill struct armmock_options directly; lists of credentials and faults point into argv or l. */
static bool parse_args(int argc, char **argv, struct armmock_options *o, struct lists *l, const char **port_file)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--accept-any-client") != 0 && strcmp(a, "--help") != 0 && strcmp(a, "-h") != 0 &&
                     strcmp(a, "--until-stdin-closes") != 0 && strcmp(a, "--throttle") != 0;
        if (takes && !v) {
            fprintf(stderr, "aksnet-mock: %s needs a value\n", a);
            return false;
        }
        bool ok = true;
        if (strcmp(a, "--listen") == 0) o->listen = v;
        else if (strcmp(a, "--port-file") == 0) *port_file = v;
        else if (strcmp(a, "--tls-cert") == 0) o->tls_cert_file = v;
        else if (strcmp(a, "--tls-key") == 0) o->tls_key_file = v;
        else if (strcmp(a, "--lro-seconds") == 0) {
            ok = parse_seconds(a, v, &o->lro_seconds);
            o->instant_operations = ok && o->lro_seconds == 0;
        } else if (strcmp(a, "--principal-delay") == 0) ok = parse_seconds(a, v, &o->principal_delay);
        else if (strcmp(a, "--role-delay") == 0) ok = parse_seconds(a, v, &o->role_delay);
        else if (strcmp(a, "--token-lifetime") == 0) ok = parse_seconds(a, v, &o->token_lifetime);
        else if (strcmp(a, "--latency") == 0) ok = parse_latency(v, o);
        else if (strcmp(a, "--throttle") == 0) o->throttle = true;
        else if (strcmp(a, "--journal") == 0) o->journal_path = v;
        else if (strcmp(a, "--state") == 0) o->state_path = v;
        else if (strcmp(a, "--fault") == 0 && o->fault_count < MAX_LIST) l->faults[o->fault_count++] = v;
        else if (strcmp(a, "--client-secret") == 0) ok = parse_credential(a, v, l->secrets, &o->secret_count, l);
        else if (strcmp(a, "--client-cert") == 0) ok = parse_credential(a, v, l->certs, &o->certificate_count, l);
        else if (strcmp(a, "--federated-token") == 0) ok = parse_credential(a, v, l->federated, &o->federated_count, l);
        else if (strcmp(a, "--subscription") == 0 && o->subscription_count < MAX_LIST)
            l->subscriptions[o->subscription_count++] = v;
        else if (strcmp(a, "--accept-any-client") == 0) o->accept_any_client = true;
        else if (strcmp(a, "--until-stdin-closes") == 0) l->until_eof = true;
        else if (strcmp(a, "--identity-header") == 0) o->identity_header = v;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "aksnet-mock: unknown option '%s'\n", a);
            usage(stderr);
            return false;
        }
        if (!ok)
            return false;
        i += takes;
    }
    o->faults = l->faults;
    o->secrets = l->secrets;
    o->certificates = l->certs;
    o->federated = l->federated;
    o->subscriptions = l->subscriptions;
    return true;
}

/* What parse_args copied (client ids, values read from @FILE) is freed, secrets wiped. */
static void free_lists(struct lists *l, const struct armmock_options *o)
{
    for (size_t i = 0; i < o->secret_count; i++)
        free((char *)l->secrets[i].client_id);
    for (size_t i = 0; i < o->certificate_count; i++)
        free((char *)l->certs[i].client_id);
    for (size_t i = 0; i < o->federated_count; i++)
        free((char *)l->federated[i].client_id);
    for (size_t i = 0; i < l->owned_count; i++)
        aksnet__secret_free(l->owned[i]);
}

/*
 * Write the port to path whole or not at all (a temporary file renamed
 * over it): a script polling for the file never reads it half written.
 */
static bool write_port_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        return false;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fprintf(f, "%u\n", port) > 0;
    ok = f && fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    int saved = errno;
    if (!ok)
        unlink(tmp);
    free(tmp);
    errno = saved;
    return ok;
}

/*
 * --until-stdin-closes: the parent that started us (aksnet's --dry-run)
 * holds the only write end of our standard input; end-of-file there means
 * it is gone or done, and we stop as if told by SIGTERM.
 */
static void *watch_stdin(void *arg)
{
    (void)arg;
    char buf[256];
    for (;;) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    kill(getpid(), SIGTERM);
    return NULL;
}

/*
 * Room for ARMMOCK_MAX_CONNECTIONS connections: the soft limit on open
 * files goes up towards the hard one, as the Go runtime raises it for
 * every Go program (golang/go src/syscall/rlimit.go, go.dev/issue/46279:
 * a low soft limit only protects select(), which the mock does not use).
 */
static void raise_open_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= ARMMOCK_OPEN_FILES)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < ARMMOCK_OPEN_FILES ? rl.rlim_max : ARMMOCK_OPEN_FILES;
    setrlimit(RLIMIT_NOFILE, &rl); /* at worst the server holds fewer connections */
}

/* Start, announce, wait for SIGTERM or SIGINT (already blocked), stop. */
static int serve(const struct armmock_options *o, const char *port_file, bool until_eof,
                 const sigset_t *stop_signals)
{
    char err[512];
    raise_open_files();
    struct armmock *m = armmock_start(o, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "aksnet-mock: %s\n", err);
        return 1;
    }
    printf("aksnet-mock listening on %s\n", armmock_url(m));
    fflush(stdout);
    if (port_file && !write_port_file(port_file, armmock_port(m))) {
        fprintf(stderr, "aksnet-mock: --port-file %s: %s\n", port_file, strerror(errno));
        armmock_stop(m);
        return 1;
    }
    pthread_t watcher;
    if (until_eof && pthread_create(&watcher, NULL, watch_stdin, NULL) == 0)
        pthread_detach(watcher);
    int sig = 0;
    while (sigwait(stop_signals, &sig) != 0)
        ;
    armmock_stop(m); /* state saved, journal flushed */
    return 0;
}

/* The program around armmock: options, the port file, then serving until SIGTERM, SIGINT or stdin closes. */
int main(int argc, char **argv)
{
    struct armmock_options o = {0};
    struct lists l;
    const char *port_file = NULL;
    memset(&l, 0, sizeof(l));
    char err[512];
    bool usable = parse_args(argc, argv, &o, &l, &port_file); /* says what is wrong itself */
    if (usable && !armmock_check_options(&o, err, sizeof(err))) {
        fprintf(stderr, "aksnet-mock: %s\n", err);
        usable = false;
    }
    if (!usable) {
        free_lists(&l, &o);
        return 2;
    }
    /*
     * SIGTERM and SIGINT are blocked before the server's threads exist, so
     * every thread inherits the mask and only sigwait below takes them (a
     * handler could run on a server thread and never wake the main one).
     */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error on that connection, not the end */
    int rc = serve(&o, port_file, l.until_eof, &stop_signals);
    free_lists(&l, &o);
    return rc;
}
