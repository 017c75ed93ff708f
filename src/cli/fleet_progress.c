/*
 * fleet_progress.c - a fleet's events to a terminal, a log or a script
 * (fleet_progress.h), built on progress.c's lines and JSON events.
 */
#include "fleet_progress.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "progress.h"

enum { WAITING, RUNNING, DONE, FAILED };

static const char *const phase_names[] = {"waiting", "running", "done", "failed"};

#define NAME_WIDTH_MAX 40

bool fleet_progress_init(struct fleet_progress *p, FILE *out, enum output_format format, const char *const *names,
                         size_t count)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->format = format;
    p->names = names;
    p->count = count;
    p->live = format == OUTPUT_TEXT && isatty(fileno(out));
    struct winsize ws;
    p->rows = p->live && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 24;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        if ((int)n > p->width)
            p->width = n > NAME_WIDTH_MAX ? NAME_WIDTH_MAX : (int)n;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->lines = calloc(count ? count : 1, sizeof(*p->lines));
    return p->lines != NULL;
}

void fleet_progress_free(struct fleet_progress *p)
{
    pthread_mutex_destroy(&p->lock);
    free(p->lines);
}

/* ---- the live display: one line per plan, or the running ones and the counts when they do not fit ---------- */

static void draw_line(struct fleet_progress *p, size_t i)
{
    const struct fleet_line *l = &p->lines[i];
    if (l->phase == RUNNING)
        fprintf(p->out, "\r\033[K%-*.*s %-16s %-9s %6.1fs  %s\n", p->width, p->width, p->names[i],
                aksnet_step_name(l->step), aksnet_state_name(l->state), l->elapsed, l->status);
    else
        fprintf(p->out, "\r\033[K%-*.*s %s\n", p->width, p->width, p->names[i], phase_names[l->phase]);
}

static void redraw(struct fleet_progress *p)
{
    if (p->lines_drawn)
        fprintf(p->out, "\033[%zuA", p->lines_drawn);
    p->lines_drawn = 0;
    size_t room = p->rows > 4 ? p->rows - 2 : 2, counts[4] = {0};
    for (size_t i = 0; i < p->count; i++)
        counts[p->lines[i].phase]++;
    bool all = p->count < room;
    for (size_t i = 0; i < p->count && p->lines_drawn + 1 < room; i++)
        if (all || p->lines[i].phase == RUNNING) {
            draw_line(p, i);
            p->lines_drawn++;
        }
    fprintf(p->out, "\r\033[K%zu done, %zu failed, %zu running, %zu waiting\n", counts[DONE], counts[FAILED],
            counts[RUNNING], counts[WAITING]);
    p->lines_drawn++;
    fflush(p->out);
}

/* ---- events ------------------------------------------------------------------------------------------ */

static void on_event(void *ctx, size_t plan, const struct aksnet_event *e)
{
    struct fleet_progress *p = ctx;
    if (plan >= p->count || (unsigned)e->step >= AKSNET_STEP_COUNT)
        return;
    pthread_mutex_lock(&p->lock);
    struct fleet_line *l = &p->lines[plan];
    if (e->state != AKSNET_STATE_WARNING) {
        l->step = e->step;
        l->state = e->state;
        l->elapsed = e->elapsed;
        snprintf(l->status, sizeof(l->status), "%s", e->status ? e->status : "");
    }
    if (p->format == OUTPUT_JSON)
        progress_event_json(p->out, p->names[plan], e);
    else if (p->live && !e->error && e->state != AKSNET_STATE_WARNING)
        redraw(p);
    else
        progress_event_line(p->out, p->names[plan], e);
    pthread_mutex_unlock(&p->lock);
}

static void add_error(cJSON *o, const struct aksnet_error *err)
{
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", err->arm_code);
    cJSON_AddStringToObject(e, "message", err->message);
}

static void on_plan(void *ctx, size_t plan, const struct aksnet_fleet_result *r)
{
    struct fleet_progress *p = ctx;
    if (plan >= p->count)
        return;
    pthread_mutex_lock(&p->lock);
    p->lines[plan].phase = !r->finished ? RUNNING : r->rc == AKSNET_OK ? DONE : FAILED;
    const char *what = phase_names[p->lines[plan].phase];
    if (p->format == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "plan", p->names[plan]);
        cJSON_AddStringToObject(o, "event", "plan");
        cJSON_AddStringToObject(o, "state", r->finished ? what : "started");
        if (r->finished) {
            cJSON_AddNumberToObject(o, "writes", (double)r->run.writes);
            cJSON_AddNumberToObject(o, "elapsed_ms", (double)(long long)(r->seconds * 1000.0));
            if (r->rc != AKSNET_OK)
                add_error(o, &r->error);
        }
        output_event_line(o, p->out);
    } else if (p->live) {
        redraw(p);
    } else {
        char ts[32];
        progress_timestamp(ts);
        if (!r->finished)
            fprintf(p->out, "%s %s started\n", ts, p->names[plan]);
        else if (r->rc == AKSNET_OK)
            fprintf(p->out, "%s %s done: %zu write%s in %.1f s\n", ts, p->names[plan], r->run.writes,
                    r->run.writes == 1 ? "" : "s", r->seconds);
        else
            fprintf(p->out, "%s %s failed: %s\n", ts, p->names[plan], r->error.message);
        fflush(p->out);
    }
    pthread_mutex_unlock(&p->lock);
}

struct aksnet_fleet_sink fleet_progress_sink(struct fleet_progress *p)
{
    return (struct aksnet_fleet_sink){on_event, on_plan, p};
}

/* A retry or a paced request is the client's: it names no plan, its path names the resource. */
void fleet_progress_retry(void *ctx, const char *method, const char *url, double seconds, const char *why)
{
    struct progress one;
    struct fleet_progress *p = ctx;
    if (seconds < 2)
        return;
    pthread_mutex_lock(&p->lock);
    progress_init(&one, p->out, p->format);
    progress_retry(&one, method, url, seconds, why);
    progress_free(&one);
    p->lines_drawn = 0; /* a live display starts again below the line */
    pthread_mutex_unlock(&p->lock);
}

/* ---- an interrupted fleet ---------------------------------------------------------------------------- */

void fleet_progress_interrupted(struct fleet_progress *p, const struct aksnet_fleet_result *results, const char *why,
                                const char *mode, FILE *err)
{
    pthread_mutex_lock(&p->lock);
    size_t ops = 0;
    cJSON *o = p->format == OUTPUT_JSON ? cJSON_CreateObject() : NULL, *list = NULL;
    if (o) {
        cJSON_AddStringToObject(o, "event", "interrupted");
        cJSON_AddStringToObject(o, "command", mode);
        cJSON_AddStringToObject(o, "signal", why);
        list = cJSON_AddArrayToObject(o, "inFlight");
    }
    fprintf(err, "aksnet %s: interrupted by %s\n", mode, why);
    for (size_t i = 0; i < p->count; i++) {
        const struct aksnet_provision_result *r = &results[i].run;
        for (size_t k = 0; k < r->in_flight_count; k++, ops++) {
            if (ops == 0)
                fprintf(err, "  may still be running on ARM (aksnet leaves them to finish):\n");
            fprintf(err, "  %s %-18s %s\n", p->names[i], aksnet_step_name(r->in_flight[k].step),
                    r->in_flight[k].resource);
            if (r->in_flight[k].operation[0])
                fprintf(err, "  %s %-18s operation %s\n", p->names[i], "", r->in_flight[k].operation);
            cJSON *x = list ? cJSON_CreateObject() : NULL;
            if (x) {
                cJSON_AddStringToObject(x, "plan", p->names[i]);
                cJSON_AddStringToObject(x, "step", aksnet_step_name(r->in_flight[k].step));
                cJSON_AddStringToObject(x, "resource", r->in_flight[k].resource);
                cJSON_AddStringToObject(x, "operation", r->in_flight[k].operation);
                cJSON_AddItemToArray(list, x);
            }
        }
    }
    if (ops == 0)
        fprintf(err, "  nothing aksnet sent is still running on ARM\n");
    fflush(err);
    if (o) {
        cJSON_AddStringToObject(o, "resume", "run the same command again to resume: every plan reads what ARM "
                                             "holds, waits for what is still running and sends nothing twice");
        output_event_line(o, p->out);
    }
    p->lines_drawn = 0;
    pthread_mutex_unlock(&p->lock);
}

/* ---- the summary ------------------------------------------------------------------------------------- */

static const char *result_word(const struct aksnet_fleet_result *r)
{
    return !r->started ? "not run" : r->rc == AKSNET_OK ? "done" : "failed";
}

static void summary_json(struct fleet_progress *p, const char *mode, const struct aksnet_fleet_result *results,
                         const struct aksnet_client_stats *stats, double seconds, int (*exit_code)(aksnet_code))
{
    cJSON *o = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(o, "summary");
    size_t failed = 0, writes = 0;
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < p->count; i++) {
        const struct aksnet_fleet_result *r = &results[i];
        failed += r->rc != AKSNET_OK || !r->started;
        writes += r->run.writes;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "plan", p->names[i]);
        cJSON_AddStringToObject(x, "result",
                                !r->started ? "not run" : r->rc == AKSNET_OK ? "ok" : aksnet_strerror(r->rc));
        cJSON_AddNumberToObject(x, "exit", exit_code(r->rc));
        cJSON_AddNumberToObject(x, "writes", (double)r->run.writes);
        cJSON_AddNumberToObject(x, "elapsed_ms", (double)(long long)(r->seconds * 1000.0));
        progress_resources_json(x, &r->run.ids);
        if (r->rc != AKSNET_OK)
            add_error(x, &r->error);
        cJSON_AddItemToArray(list, x);
    }
    cJSON_AddStringToObject(s, "command", mode);
    cJSON_AddStringToObject(s, "result", failed ? "failed" : "ok");
    cJSON_AddNumberToObject(s, "plans", (double)p->count);
    cJSON_AddNumberToObject(s, "failed", (double)failed);
    cJSON_AddNumberToObject(s, "writes", (double)writes);
    cJSON_AddNumberToObject(s, "elapsed_ms", (double)(long long)(seconds * 1000.0));
    cJSON_AddNumberToObject(s, "requests", (double)stats->requests);
    cJSON_AddNumberToObject(s, "throttled", (double)stats->throttled);
    cJSON_AddNumberToObject(s, "paced", (double)stats->paced);
    cJSON_AddNumberToObject(s, "paced_ms", (double)(long long)(stats->paced_seconds * 1000.0));
    cJSON_AddItemToObject(s, "results", list);
    output_event_line(o, p->out);
}

void fleet_progress_summary(struct fleet_progress *p, const char *mode, const struct aksnet_fleet_result *results,
                            const struct aksnet_client_stats *stats, double seconds, int (*exit_code)(aksnet_code))
{
    pthread_mutex_lock(&p->lock);
    if (p->format == OUTPUT_JSON) {
        summary_json(p, mode, results, stats, seconds, exit_code);
        pthread_mutex_unlock(&p->lock);
        return;
    }
    size_t done = 0, writes = 0;
    for (size_t i = 0; i < p->count; i++) {
        done += results[i].started && results[i].rc == AKSNET_OK;
        writes += results[i].run.writes;
    }
    fprintf(p->out, "%s: %zu of %zu plans done, %zu failed (%zu write%s in %.1f s; %zu requests to ARM, %zu answered "
                    "429, %zu held back %.1f s to stay within ARM's throttle)\n",
            mode, done, p->count, p->count - done, writes, writes == 1 ? "" : "s", seconds, stats->requests,
            stats->throttled, stats->paced, stats->paced_seconds);
    fprintf(p->out, "  %-*s %-7s %4s %6s %8s  %s\n", p->width, "plan", "result", "exit", "writes", "time",
            "cluster, or what failed");
    for (size_t i = 0; i < p->count; i++) {
        const struct aksnet_fleet_result *r = &results[i];
        const char *last = r->rc == AKSNET_OK ? r->run.ids.cluster : r->error.message;
        fprintf(p->out, "  %-*.*s %-7s %4d %6zu %7.1fs  %s\n", p->width, p->width, p->names[i], result_word(r),
                exit_code(r->rc), r->run.writes, r->seconds, last);
    }
    fflush(p->out);
    pthread_mutex_unlock(&p->lock);
}
