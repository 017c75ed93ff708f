/*
 * aksnet/aksnet.h - everything libaksnet offers, in one include.
 *
 * The public API follows the data flow of a run: a plan is read
 * (plan.h), checked offline (validate.h, finding.h, capacity.h) and
 * its missing address ranges chosen (suggest.h); a
 * client holds the cloud's endpoints, the credential and the one HTTP
 * pipeline (client.h), which a cancel may stop (cancel.h); the engine
 * runs the plan's steps against ARM through that client (provision.h), or
 * many plans' runs through one client (fleet.h).  Every call reports
 * failure as an
 * aksnet_code with a struct aksnet_error (error.h).
 */
#ifndef AKSNET_AKSNET_H
#define AKSNET_AKSNET_H

#include "cancel.h"
#include "capacity.h"
#include "client.h"
#include "error.h"
#include "finding.h"
#include "fleet.h"
#include "plan.h"
#include "provision.h"
#include "suggest.h"
#include "validate.h"
#include "version.h"

#endif
