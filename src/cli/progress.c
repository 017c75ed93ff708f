/*
 * progress.c - events to a terminal, a log or a script.
 */
#include "output.h"
#include "progress.h"
#include "session.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* Seconds since the epoch, for the timestamps of non-terminal output. */
static double wall_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void progress_init(struct progress *p, FILE *out, enum output_format format)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->format = format;
    p->live = format == OUTPUT_TEXT && isatty(fileno(out));
    pthread_mutex_init(&p->lock, NULL);
}

void progress_free(struct progress *p)
{
    pthread_mutex_destroy(&p->lock);
}

static void timestamp(double now, char out[32])
{
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Redraw every step line in place (terminal). */
static void redraw(struct progress *p)
{
    if (p->lines_drawn)
        fprintf(p->out, "\033[%zuA", p->lines_drawn);
    p->lines_drawn = 0;
    for (int i = 0; i < AKSNET_STEP_COUNT; i++) {
        fprintf(p->out, "\r\033[K%-20s %-9s %6.1fs  %s\n", aksnet_step_name((aksnet_step)i),
                aksnet_state_name(p->steps[i].state), p->steps[i].elapsed, p->steps[i].status);
        p->lines_drawn++;
    }
    fflush(p->out);
}

void progress_timestamp(char out[32])
{
    timestamp(wall_clock(), out);
}

void progress_event_line(FILE *out, const char *plan, const struct aksnet_event *e)
{
    char ts[32];
    timestamp(wall_clock(), ts);
    const char *sep = plan ? " " : "";
    plan = plan ? plan : "";
    fprintf(out, "%s %s%s%-20s %-9s %6.1fs %s%s%s\n", ts, plan, sep, aksnet_step_name(e->step),
            aksnet_state_name(e->state), e->elapsed, e->resource ? e->resource : "",
            e->status && *e->status ? "  " : "", e->status ? e->status : "");
    if (e->error)
        fprintf(out, "%s %s%s%-20s error: %s%s%s%s\n", ts, plan, sep, aksnet_step_name(e->step), e->error->message,
                e->error->arm_code[0] ? " [" : "", e->error->arm_code[0] ? e->error->arm_code : "",
                e->error->arm_code[0] ? "]" : "");
    fflush(out);
}

void progress_event_json(FILE *out, const char *plan, const struct aksnet_event *e)
{
    cJSON *o = cJSON_CreateObject();
    if (plan)
        cJSON_AddStringToObject(o, "plan", plan);
    cJSON_AddStringToObject(o, "step", aksnet_step_name(e->step));
    cJSON_AddStringToObject(o, "resource", e->resource ? e->resource : "");
    cJSON_AddStringToObject(o, "state", aksnet_state_name(e->state));
    cJSON_AddStringToObject(o, "status", e->status ? e->status : "");
    cJSON_AddNumberToObject(o, "elapsed_ms", (double)(long long)(e->elapsed * 1000.0));
    if (e->operation && e->operation[0])
        cJSON_AddStringToObject(o, "operation", e->operation);
    if (e->error) {
        cJSON *err = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(err, "code", e->error->arm_code);
        cJSON_AddStringToObject(err, "message", e->error->arm_message[0] ? e->error->arm_message : e->error->message);
        cJSON_AddNumberToObject(err, "httpStatus", e->error->http_status);
    }
    output_event_line(o, out);
}

void progress_retry(void *ctx, const char *method, const char *url, double seconds, const char *why)
{
    struct progress *p = ctx;
    if (seconds < 2)
        return;
    const char *path = strstr(url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    bool throttled = why && strcmp(why, "HTTP 429") == 0;
    pthread_mutex_lock(&p->lock);
    if (p->format == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", "retry");
        cJSON_AddStringToObject(o, "method", method);
        cJSON_AddStringToObject(o, "path", path ? path : url);
        cJSON_AddNumberToObject(o, "seconds", seconds);
        cJSON_AddStringToObject(o, "why", why ? why : "");
        output_event_line(o, p->out);
    } else {
        char ts[32];
        timestamp(wall_clock(), ts);
        if (why && strncmp(why, "paced", 5) == 0)
            fprintf(p->out, "%s %s: sending %s %s in %.0f s\n", ts, why, method, path ? path : url, seconds);
        else
            fprintf(p->out, "%s %s (%s): retrying %s %s in %.0f s\n", ts,
                    throttled ? "throttled by ARM" : "request failed", why ? why : "", method, path ? path : url,
                    seconds);
        p->lines_drawn = 0; /* a live display starts again below the line */
    }
    fflush(p->out);
    pthread_mutex_unlock(&p->lock);
}

static void on_event(void *ctx, const struct aksnet_event *e)
{
    struct progress *p = ctx;
    if ((int)e->step < 0 || e->step >= AKSNET_STEP_COUNT)
        return;
    pthread_mutex_lock(&p->lock);
    p->steps[e->step].state = e->state;
    p->steps[e->step].elapsed = e->elapsed;
    snprintf(p->steps[e->step].status, sizeof(p->steps[e->step].status), "%s", e->status ? e->status : "");
    snprintf(p->steps[e->step].resource, sizeof(p->steps[e->step].resource), "%s", e->resource ? e->resource : "");
    if (p->format == OUTPUT_JSON)
        progress_event_json(p->out, NULL, e);
    else if (p->live && !e->error)
        redraw(p);
    else
        progress_event_line(p->out, NULL, e);
    pthread_mutex_unlock(&p->lock);
}

struct aksnet_event_sink progress_sink(struct progress *p)
{
    return (struct aksnet_event_sink){on_event, p};
}

#define RESUME_ADVICE \
    "run the same command again to resume: it reads what ARM holds, waits for what is still running and sends " \
    "nothing twice"

void progress_interrupted(struct progress *p, const struct aksnet_provision_result *r, const char *why,
                          const char *mode, FILE *err)
{
    pthread_mutex_lock(&p->lock);
    if (p->format == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject(), *ops = NULL;
        cJSON_AddStringToObject(o, "event", "interrupted");
        cJSON_AddStringToObject(o, "command", mode);
        cJSON_AddStringToObject(o, "signal", why);
        if (o && (ops = cJSON_AddArrayToObject(o, "inFlight")) != NULL)
            for (size_t i = 0; i < r->in_flight_count; i++) {
                cJSON *op = cJSON_CreateObject();
                cJSON_AddStringToObject(op, "step", aksnet_step_name(r->in_flight[i].step));
                cJSON_AddStringToObject(op, "resource", r->in_flight[i].resource);
                cJSON_AddStringToObject(op, "operation", r->in_flight[i].operation);
                cJSON_AddItemToArray(ops, op);
            }
        cJSON_AddStringToObject(o, "resume", RESUME_ADVICE);
        output_event_line(o, p->out);
    }
    p->lines_drawn = 0;
    fprintf(err, "aksnet %s: interrupted by %s\n", mode, why);
    if (r->in_flight_count == 0)
        fprintf(err, "  nothing aksnet sent is still running on ARM\n");
    else
        fprintf(err, "  %s may still be running on ARM (aksnet leaves %s to finish):\n",
                r->in_flight_count == 1 ? "this operation" : "these operations",
                r->in_flight_count == 1 ? "it" : "them");
    for (size_t i = 0; i < r->in_flight_count; i++) {
        fprintf(err, "  %-18s %s\n", aksnet_step_name(r->in_flight[i].step), r->in_flight[i].resource);
        if (r->in_flight[i].operation[0])
            fprintf(err, "  %-18s operation %s\n", "", r->in_flight[i].operation);
    }
    fflush(err); /* what to do next is the tool's last line (main.c), as after any failure */
    pthread_mutex_unlock(&p->lock);
}

/* The ids a run made or read, by name, as its summary shows them. */
static const char *const id_names[] = {"resourceGroup", "routeTable", "identity", "vnet", "subnet", "cluster"};

static void run_ids(const struct aksnet_resource_ids *ids, const char *out[6])
{
    const char *v[] = {ids->group, ids->route_table, ids->identity, ids->vnet, ids->subnet, ids->cluster};
    memcpy(out, v, sizeof(v));
}

void progress_resources_json(cJSON *parent, const struct aksnet_resource_ids *ids)
{
    const char *v[6];
    run_ids(ids, v);
    cJSON *res = cJSON_AddObjectToObject(parent, "resources");
    for (size_t i = 0; i < 6; i++)
        if (v[i][0])
            cJSON_AddStringToObject(res, id_names[i], v[i]);
}

void progress_summary(struct progress *p, const struct aksnet_provision_result *r, aksnet_code rc,
                      const struct aksnet_error *err, const char *mode)
{
    const char *ids[6];
    run_ids(&r->ids, ids);
    if (p->format == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(o, "summary");
        cJSON_AddStringToObject(s, "command", mode);
        cJSON_AddStringToObject(s, "result", rc == AKSNET_OK ? "ok" : aksnet_strerror(rc));
        cJSON_AddNumberToObject(s, "writes", (double)r->writes);
        progress_resources_json(s, &r->ids);
        if (rc != AKSNET_OK && err) {
            cJSON *e = cJSON_AddObjectToObject(s, "error");
            cJSON_AddStringToObject(e, "code", err->arm_code);
            cJSON_AddStringToObject(e, "message", err->message);
            const char *next = cli_next_step(cli_exit_code(rc));
            if (next) /* the same words as the "next:" line that ends the run on stderr (main.c) */
                cJSON_AddStringToObject(e, "next", next);
        }
        output_event_line(o, p->out);
        return;
    }
    fprintf(p->out, "%s: %s (%zu write%s)\n", mode, rc == AKSNET_OK ? "done" : aksnet_strerror(rc), r->writes,
            r->writes == 1 ? "" : "s");
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (ids[i][0])
            fprintf(p->out, "  %-14s %s\n", id_names[i], ids[i]);
    if (rc != AKSNET_OK && rc != AKSNET_ECANCELED && err) /* an interrupted run said more already */
        fprintf(p->out, "aksnet: %s\n", err->message);
}
