/*
 * aksnet/provision.h - the engine: the seed's seven commands as a graph of
 * steps, run in dependency order and in parallel where the graph allows:
 *
 *   1 resource group
 *   2 route table        (after 1)        3 identity (after 1)
 *   4 VNet + subnet, associated to the route table (after 1, 2)
 *   5 role assignments: Network Contributor on the VNet (or subnet) and on
 *     the route table, principalType ServicePrincipal (after 3, 4)
 *   6 managed cluster, kubenet, user-assigned identity (after 4, 5)
 *
 * Each step first GETs its resource: absent -> PUT; present and equal ->
 * nothing (a re-run of a finished plan sends no PUT); present and different
 * -> PUT when ARM can update it in place, else stop before any write with
 * the fields that would need a new resource.  Before the first write the
 * preflight checks run (providers registered, the subnet and route table
 * serve no other cluster, the service range overlaps no subnet of an
 * existing VNet, NSG warning).  What happens is told as events.
 */
#ifndef AKSNET_PROVISION_H
#define AKSNET_PROVISION_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "error.h"
#include "plan.h"
#include "suggest.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The steps, in graph order. */
typedef enum {
    AKSNET_STEP_PREFLIGHT = 0,
    AKSNET_STEP_GROUP,
    AKSNET_STEP_ROUTE_TABLE,
    AKSNET_STEP_IDENTITY,
    AKSNET_STEP_VNET,
    AKSNET_STEP_ROLE_VNET,
    AKSNET_STEP_ROLE_ROUTE_TABLE,
    AKSNET_STEP_CLUSTER,
    AKSNET_STEP_COUNT
} aksnet_step;

/** "resource-group", "route-table", ... (stable: JSON events carry it). */
const char *aksnet_step_name(aksnet_step step);

/** What a step decided or reached. */
typedef enum {
    AKSNET_STATE_PENDING = 0,
    AKSNET_STATE_READING,    /**< GET to compare */
    AKSNET_STATE_CREATE,     /**< planned or under way: absent, will be / is being created */
    AKSNET_STATE_UPDATE,     /**< planned or under way: differs, updatable in place */
    AKSNET_STATE_WAITING,    /**< a long-running operation is being polled (status says what it saw) */
    AKSNET_STATE_RETRYING,   /**< a bounded retry (PrincipalNotFound, a permission not yet effective, another
                                  operation holding the resource) */
    AKSNET_STATE_DONE,       /**< created or updated */
    AKSNET_STATE_NOOP,       /**< present and equal */
    AKSNET_STATE_SKIPPED,    /**< not needed by this plan (e.g. no route table with SystemAssigned) */
    AKSNET_STATE_DELETED,    /**< destroy: removed */
    AKSNET_STATE_FAILED,
    /**
     * Not a state a step reaches but a notice about it (status says what):
     * e.g. an NSG on the user's subnet, a resource provider not registered
     * (PLAN), a check aksnet had no right to make (403 on a list).
     * A step's entry in aksnet_provision_result.states is never WARNING.
     */
    AKSNET_STATE_WARNING,
    /**
     * The run was cancelled (aksnet/cancel.h) while this step was under
     * way.  status says whether its operation may still be running on ARM
     * (the event's operation names its URL when known) or nothing of it was
     * written.
     */
    AKSNET_STATE_INTERRUPTED
} aksnet_step_state;

/** "pending", "create", ... (stable: JSON events carry it). */
const char *aksnet_state_name(aksnet_step_state state);

/** One thing that happened. */
struct aksnet_event {
    aksnet_step step;
    aksnet_step_state state;
    const char *resource;          /**< the resource id, or "" */
    const char *status;            /**< detail: the operation state seen, the fields that differ, a warning */
    double elapsed;                /**< seconds since the step started */
    /** on FAILED (ARM's code and message), or INTERRUPTED by a failure of its own as the run stopped; else NULL */
    const struct aksnet_error *error;
    /** The URL of the operation the step follows (Azure-AsyncOperation or Location), or "" */
    const char *operation;
};

/** Where events go (the CLI renders them; tests record them).  Called from several threads, serialised. */
struct aksnet_event_sink {
    void (*emit)(void *ctx, const struct aksnet_event *event);
    void *ctx;
};

typedef enum {
    AKSNET_RUN_PLAN = 0,   /**< read only: say create / update (with fields) / no-op per resource */
    AKSNET_RUN_APPLY,      /**< provision */
    AKSNET_RUN_DESTROY     /**< remove what aksnet created, in reverse order */
} aksnet_run_mode;

/** Everything a run needs. */
struct aksnet_provision_options {
    const struct aksnet_plan *plan;           /**< validated, defaults applied */
    aksnet_run_mode mode;
    /**
     * Where requests go: each task of the run (a read, a write) takes an ARM
     * client from the client's pool and gives it back; all of them send over
     * the client's one pool of connections.  The client's credential is
     * shared by all threads.
     */
    struct aksnet_client *client;
    struct aksnet_event_sink events;
    double cluster_deadline;                  /**< seconds for the cluster operation (default 3600) */
    double step_deadline;                     /**< seconds for other operations (default 1800) */
    /** Bound on PrincipalNotFound / permission retries, seconds (default 3600; roleAssignment.waitSeconds). */
    double principal_wait;
    bool parallel;                            /**< independent reads and steps at once (default true via init) */
};

void aksnet_provision_options_init(struct aksnet_provision_options *options);

#define AKSNET_ID_MAX 1024

/** The ids of the resources of a plan. */
struct aksnet_resource_ids {
    char group[AKSNET_ID_MAX];        /**< /subscriptions/S/resourceGroups/G */
    char vnet_group[AKSNET_ID_MAX];   /**< the VNet's group (may differ for an existing VNet) */
    char vnet[AKSNET_ID_MAX];
    char subnet[AKSNET_ID_MAX];
    char route_table[AKSNET_ID_MAX];  /**< "" when the plan has none (SystemAssigned, AKS makes it) */
    char identity[AKSNET_ID_MAX];     /**< "" for SystemAssigned */
    char cluster[AKSNET_ID_MAX];
    char role_definition[AKSNET_ID_MAX]; /**< full id of the role to grant */
};

/** Longest operation URL kept for a step (ARM's are a few hundred bytes). */
#define AKSNET_OPERATION_URL_MAX 2048

/** A write an interrupted run left behind: it may still be running on ARM. */
struct aksnet_in_flight {
    aksnet_step step;
    char resource[AKSNET_ID_MAX];             /**< the resource written */
    char operation[AKSNET_OPERATION_URL_MAX]; /**< its operation URL, "" when ARM had not named one yet */
};

/** What a run found and did, for the summary and the exit code. */
struct aksnet_provision_result {
    aksnet_step_state states[AKSNET_STEP_COUNT];
    struct aksnet_resource_ids ids;
    size_t writes;                            /**< PUT/DELETE/POST requests sent */
    /** AKSNET_ECANCELED: the writes sent (or being sent) that had not ended, in step order. */
    struct aksnet_in_flight in_flight[AKSNET_STEP_COUNT];
    size_t in_flight_count;
};

/**
 * Run the plan in options->mode.  AKSNET_OK when every step ended DONE,
 * NOOP or SKIPPED (or, for PLAN, was decided); AKSNET_EARM / AKSNET_ETIMEOUT /
 * AKSNET_EAUTH / AKSNET_EPLAN (a difference ARM cannot apply) otherwise, with
 * err set from the first failing step; nothing after a failed step is
 * attempted.
 *
 * Details:
 *  - PLAN and APPLY first read every resource and decide (CREATE, UPDATE with
 *    the fields in the event's status, NOOP, SKIPPED, or WAITING: equal but
 *    an operation an earlier run started is still running, waited for with
 *    no write; a resource ARM left Failed is sent again as an UPDATE); any
 *    difference ARM cannot apply fails the run with AKSNET_EPLAN before the
 *    first write.  The preflight's notices are AKSNET_STATE_WARNING events.
 *  - A step never started because another failed stays PENDING in
 *    result->states.
 *  - DESTROY removes, in the reverse order of making, what carries the tag
 *    createdBy: aksnet (role assignments: by their derived names).  The
 *    user's VNet is never deleted; its subnet only loses its association
 *    with a route table aksnet made (so that the table can go).  The
 *    resource group goes only if aksnet made it and it holds nothing else.
 *    Removed steps end DELETED, others SKIPPED with the reason in status.
 *  - result->writes counts the PUT/POST/DELETE calls the engine made (a call
 *    the pipeline retried counts once).
 *
 * Cancelling (Ctrl-C): give the client a cancel (aksnet_client_options.
 * cancel, aksnet/cancel.h) and call aksnet_cancel_request, from a signal
 * handler or any thread.  Then no step starts, no request is sent, waits
 * end at once and transfers under way are aborted; the run returns
 * AKSNET_ECANCELED within about a second, having told an INTERRUPTED event
 * for every step that was under way.  result->in_flight lists the writes
 * that may still be running on ARM: each step whose PUT or DELETE was sent
 * (or was being sent) and had not ended, with its resource id and, where
 * ARM had named it, its operation URL.  Nothing is undone: running the same
 * plan again resumes, since each step reads what ARM holds first and waits
 * for an operation still running instead of writing again (a request cut
 * short may or may not have reached ARM; the read tells).  Steps after the
 * cancel stay PENDING.  A failure after the cancel counts as part of it.
 */
aksnet_code aksnet_provision_run(const struct aksnet_provision_options *options,
                                 struct aksnet_provision_result *result, struct aksnet_error *err);

/**
 * The address ranges in use around a plan's VNet, as ARM holds them
 * (aksnet_provision_read_taken).  Every string is owned by the list.
 */
struct aksnet_taken_list {
    struct aksnet_taken *items;  /**< the VNet's other subnets, its peerings' remote address spaces, and the
                                      pod (kubenet) and service ranges of other clusters in it or a peered VNet */
    size_t count;
    bool vnet_exists;            /**< the plan's VNet is in ARM (otherwise nothing else is read) */
    char **vnet_prefixes;        /**< its address space as ARM holds it */
    size_t vnet_prefix_count;
    char *subnet_prefix;         /**< the plan's subnet's prefix as ARM holds it, or NULL when absent */
    bool clusters_unread;        /**< listing the subscription's clusters was refused (403): their ranges are missing */
};

/**
 * Read the ranges in use around the plan's VNet from ARM (the plan after
 * defaults: its subscription, the VNet's group and name, its subnet and
 * cluster names): GET the VNet, then list the subscription's managed
 * clusters.  The plan's own subnet and cluster are left out.  A VNet that
 * does not exist gives an empty list with vnet_exists false.  *out receives
 * the list on AKSNET_OK; release it with aksnet_provision_taken_free().
 * AKSNET_EARM (and the other codes of the client) when ARM cannot be read.
 */
aksnet_code aksnet_provision_read_taken(struct aksnet_client *client, const struct aksnet_plan *plan,
                                        struct aksnet_taken_list **out, struct aksnet_error *err);

/** Release a list of aksnet_provision_read_taken().  NULL is allowed. */
void aksnet_provision_taken_free(struct aksnet_taken_list *list);

#ifdef __cplusplus
}
#endif
#endif
