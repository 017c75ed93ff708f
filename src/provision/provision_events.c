/*
 * provision_events.c - the bottom of the engine: what every step's file
 * shares about a run.  Step and state names, small helpers (ids, strings,
 * the run's clock), events told to the caller under one lock (they come
 * from several threads), and ARM clients taken from the library's client.
 * Calls nothing of the engine's other files.
 */
#include "cancel.h"
#include "provision_internal.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names ------------------------------------------------------------------------ */

const char *aksnet_step_name(aksnet_step step)
{
    static const char *const names[AKSNET_STEP_COUNT] = {
        "preflight", "resource-group", "route-table", "identity", "vnet", "role-vnet", "role-route-table", "cluster",
    };
    return (unsigned)step < AKSNET_STEP_COUNT ? names[step] : "unknown";
}

const char *aksnet_state_name(aksnet_step_state state)
{
    static const char *const names[] = {
        "pending", "reading", "create", "update", "waiting", "retrying", "done", "no-op", "skipped", "deleted",
        "failed", "warning", "interrupted",
    };
    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

void aksnet_provision_options_init(struct aksnet_provision_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof(*options));
    options->mode = AKSNET_RUN_PLAN;
    options->cluster_deadline = 3600.0;
    options->step_deadline = 1800.0;
    options->principal_wait = AKSNET_PLAN_ROLE_WAIT_DEFAULT;
    options->parallel = true;
}

/* ---- small helpers shared by the engine's files --------------------------------------- */

void aksnet__provision_format(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 && size > 0)
        out[0] = '\0';
}

bool aksnet__provision_same_id(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

bool aksnet__provision_created_by_aksnet(const cJSON *resource)
{
    const cJSON *tag = cJSON_GetObjectItem(cJSON_GetObjectItemCaseSensitive(resource, "tags"), AKSNET_TAG_CREATED_BY);
    return cJSON_IsString(tag) && strcasecmp(tag->valuestring, AKSNET_TAG_CREATED_BY_VALUE) == 0;
}

double aksnet__provision_now(struct aksnet__provision_run *run)
{
    return run->clock->now(run->clock->ctx);
}

/* ---- events (every one under the lock: they come from several threads) ------------------ */

/* Each text field of err made fit to show in place (messages quote ARM's names and values). */
static void sanitize_error(struct aksnet_error *err)
{
    char buf[AKSNET_ERROR_ARM_MESSAGE_MAX];
    char *const fields[] = {err->message, err->arm_code, err->arm_message, err->request_id};
    const size_t sizes[] = {sizeof(err->message), sizeof(err->arm_code), sizeof(err->arm_message),
                            sizeof(err->request_id)};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        aksnet__utf8_sanitize(buf, sizes[i], fields[i]);
        memcpy(fields[i], buf, strlen(buf) + 1);
    }
}

/*
 * Call the sink; the lock is held.  What ARM said reaches the caller with
 * every secret the client knows masked (a server may quote a token back),
 * and fit to show (states, names and values that differ are ARM's text).
 */
static void tell(struct aksnet__provision_run *run, aksnet_step step, aksnet_step_state state, const char *status,
                 const struct aksnet_error *error)
{
    const struct aksnet_event_sink *sink = &run->o->events;
    if (!sink->emit)
        return;
    const struct aksnet__provision_step *st = &run->steps[step];
    char shown[PV_STATUS_MAX];
    aksnet__utf8_sanitize(shown, sizeof(shown), status); /* ARM's text (states, names, values): fit to show */
    aksnet__redact_text(aksnet__client_secrets(run->o->client), shown);
    struct aksnet_error masked;
    aksnet_error_clear(&masked);
    if (error) {
        masked = *error;
        aksnet__redact_error(aksnet__client_secrets(run->o->client), &masked);
        sanitize_error(&masked);
    }
    struct aksnet_event ev = {
        .step = step,
        .state = state,
        .resource = st->resource,
        .status = shown,
        .elapsed = st->started_at > 0 ? aksnet__provision_now(run) - st->started_at : 0,
        .error = error ? &masked : NULL,
        .operation = st->operation,
    };
    sink->emit(sink->ctx, &ev);
}

/* A state that ends a step's write: nothing of it is in flight any more. */
static bool ends_write(aksnet_step_state state)
{
    return state == AKSNET_STATE_DONE || state == AKSNET_STATE_NOOP || state == AKSNET_STATE_SKIPPED ||
           state == AKSNET_STATE_DELETED || state == AKSNET_STATE_FAILED;
}

void aksnet__provision_emit(struct aksnet__provision_run *run, aksnet_step step, aksnet_step_state state,
                            const char *status, const struct aksnet_error *error)
{
    pthread_mutex_lock(&run->lock);
    struct aksnet__provision_step *st = &run->steps[step];
    if (state != AKSNET_STATE_WARNING)
        st->state = state;
    if (ends_write(state)) {
        st->in_flight = false;
        st->operation[0] = '\0';
    }
    tell(run, step, state, status, error);
    pthread_mutex_unlock(&run->lock);
}

void aksnet__provision_warn(struct aksnet__provision_run *run, aksnet_step step, const char *status)
{
    aksnet__provision_emit(run, step, AKSNET_STATE_WARNING, status, NULL);
}

bool aksnet__provision_cancelled(struct aksnet__provision_run *run)
{
    if (!aksnet__cancel_requested(aksnet__client_cancel(run->o->client)))
        return false;
    pthread_mutex_lock(&run->lock);
    run->interrupted = true;
    pthread_mutex_unlock(&run->lock);
    return true;
}

/*
 * The step was cut short by the cancel: INTERRUPTED, saying whether its
 * write may still run; a failure of its own that came with the cancel
 * (anything but AKSNET_ECANCELED) goes with the event.  Lock held.
 */
static void interrupted(struct aksnet__provision_run *run, aksnet_step step, const struct aksnet_error *failure)
{
    struct aksnet__provision_step *st = &run->steps[step];
    st->state = AKSNET_STATE_INTERRUPTED;
    run->interrupted = true;
    run->failed = true; /* nothing else starts */
    const char *status = !st->in_flight     ? "interrupted before anything of it was written"
                         : st->operation[0] ? "interrupted: its operation may still be running on ARM"
                                            : "interrupted: its write may have reached ARM and may still be running";
    tell(run, step, AKSNET_STATE_INTERRUPTED, status, failure);
}

aksnet_code aksnet__provision_fail(struct aksnet__provision_run *run, aksnet_step step, aksnet_code rc,
                                   const struct aksnet_error *err)
{
    struct aksnet_error copy;
    if (err)
        copy = *err;
    else
        aksnet_error_set(&copy, rc, "%s failed: %s", aksnet_step_name(step), aksnet_strerror(rc));
    if (copy.code == AKSNET_OK)
        copy.code = rc;
    aksnet__redact_error(aksnet__client_secrets(run->o->client), &copy);
    sanitize_error(&copy); /* the run's first failure is what aksnet_provision_run returns: fit to show */
    bool cancelled = rc == AKSNET_ECANCELED || aksnet__cancel_requested(aksnet__client_cancel(run->o->client));
    pthread_mutex_lock(&run->lock);
    if (cancelled) {
        interrupted(run, step, rc == AKSNET_ECANCELED ? NULL : &copy);
    } else {
        run->steps[step].state = AKSNET_STATE_FAILED;
        run->steps[step].in_flight = false;
        if (!run->failed) {
            run->failed = true;
            run->first_rc = rc;
            run->first_err = copy;
        }
        tell(run, step, AKSNET_STATE_FAILED, copy.message, &copy);
    }
    pthread_mutex_unlock(&run->lock);
    return rc;
}

/*
 * The run's error says how many writes may still be running and that a
 * re-run resumes; the ids and URLs are in result->in_flight (the caller
 * prints them as it likes), the first ids in the message too.
 */
void aksnet__provision_report_interrupted(struct aksnet__provision_run *run, struct aksnet_provision_result *result,
                                          struct aksnet_error *err)
{
    char ids[AKSNET_ERROR_MESSAGE_MAX] = "";
    size_t n = 0, used = 0;
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
        const struct aksnet__provision_step *st = &run->steps[i];
        if (!st->in_flight)
            continue;
        if (result) {
            struct aksnet_in_flight *f = &result->in_flight[result->in_flight_count++];
            f->step = st->id;
            aksnet__provision_format(f->resource, sizeof(f->resource), "%s", st->resource);
            aksnet__provision_format(f->operation, sizeof(f->operation), "%s", st->operation);
        }
        int w = snprintf(ids + used, sizeof(ids) - used, "%s%s", n ? ", " : "", st->resource);
        used = w > 0 && (size_t)w < sizeof(ids) - used ? used + (size_t)w : sizeof(ids) - 1;
        n++;
    }
    if (n == 0)
        aksnet_error_set(err, AKSNET_ECANCELED,
                         "interrupted; nothing aksnet sent is still running on ARM; run the same command again to "
                         "resume");
    else
        aksnet_error_set(err, AKSNET_ECANCELED,
                         "interrupted; %zu operation%s may still be running on ARM (%.300s); run the same command "
                         "again to resume: it reads what ARM holds and waits for what is still running",
                         n, n == 1 ? "" : "s", ids);
}

void aksnet__provision_count_write(struct aksnet__provision_run *run)
{
    pthread_mutex_lock(&run->lock);
    run->writes++;
    pthread_mutex_unlock(&run->lock);
}

void aksnet__provision_set_resource(struct aksnet__provision_run *run, aksnet_step step, const char *id)
{
    pthread_mutex_lock(&run->lock);
    aksnet__provision_format(run->steps[step].resource, sizeof(run->steps[step].resource), "%s", id ? id : "");
    pthread_mutex_unlock(&run->lock);
}

void aksnet__provision_get_principal(struct aksnet__provision_run *run, char out[PV_PRINCIPAL_MAX])
{
    pthread_mutex_lock(&run->lock);
    memcpy(out, run->principal, PV_PRINCIPAL_MAX);
    pthread_mutex_unlock(&run->lock);
}

void aksnet__provision_set_principal(struct aksnet__provision_run *run, const char *principal)
{
    pthread_mutex_lock(&run->lock);
    aksnet__provision_format(run->principal, sizeof(run->principal), "%s", principal ? principal : "");
    pthread_mutex_unlock(&run->lock);
}

/* The operation a step follows: kept for the report of an interrupted run. */
static void on_operation(void *ctx, const char *url)
{
    const struct aksnet__provision_lro *l = ctx;
    struct aksnet__provision_step *st = &l->run->steps[l->step];
    pthread_mutex_lock(&l->run->lock);
    aksnet__provision_format(st->operation, sizeof(st->operation), "%s", url ? url : "");
    pthread_mutex_unlock(&l->run->lock);
}

/* Every poll of an operation is a WAITING event with the state seen. */
static void on_poll(void *ctx, const char *state, const char *url)
{
    (void)url;
    const struct aksnet__provision_lro *l = ctx;
    aksnet__provision_emit(l->run, l->step, AKSNET_STATE_WAITING, state, NULL);
}

/* A wait of 2 s or more is told before it starts, so a run never looks stuck. */
static void on_wait(void *ctx, double seconds, const char *url)
{
    (void)url;
    const struct aksnet__provision_lro *l = ctx;
    char status[64];
    snprintf(status, sizeof(status), "waiting for the operation, next check in %.0f s", seconds);
    aksnet__provision_emit(l->run, l->step, AKSNET_STATE_WAITING, status, NULL);
}

/*
 * A write that ARM refused because another operation held the resource is
 * sent again after a wait: a RETRYING event saying why, so that an
 * operation seen ending "Failed" is not the last word a user reads.
 */
static void on_busy(void *ctx, const char *code, double seconds, const char *url)
{
    (void)url;
    const struct aksnet__provision_lro *l = ctx;
    char status[PV_STATUS_MAX];
    aksnet__provision_format(status, sizeof(status),
                             "another operation holds the resource (%s): sending the write again in %.0f s", code,
                             seconds);
    aksnet__provision_emit(l->run, l->step, AKSNET_STATE_RETRYING, status, NULL);
}

void aksnet__provision_lro_init(struct aksnet__provision_lro *l, struct aksnet__provision_run *run, aksnet_step step)
{
    memset(l, 0, sizeof(*l));
    l->run = run;
    l->step = step;
    const struct aksnet_provision_options *o = run->o;
    double cluster = o->cluster_deadline > 0 ? o->cluster_deadline : 3600.0;
    double other = o->step_deadline > 0 ? o->step_deadline : 1800.0;
    l->lro.deadline = step == AKSNET_STEP_CLUSTER ? cluster : other;
    l->lro.on_poll = on_poll;
    l->lro.on_wait = on_wait;
    l->lro.on_busy = on_busy;
    l->lro.on_operation = on_operation;
    l->lro.ctx = l;
    /* a write (or a wait on one) starts: in flight until the step ends */
    pthread_mutex_lock(&run->lock);
    run->steps[step].in_flight = true;
    run->steps[step].operation[0] = '\0';
    pthread_mutex_unlock(&run->lock);
}

aksnet_code aksnet__provision_client(struct aksnet__provision_run *run, struct aksnet__arm_client **out,
                                     struct aksnet_error *err)
{
    *out = NULL;
    return aksnet__client_acquire(run->o->client, out, err);
}

void aksnet__provision_release(struct aksnet__provision_run *run, struct aksnet__arm_client *client)
{
    aksnet__client_release(run->o->client, client);
}
