/*
 * aksnet/aksnet.h - everything libaksnet offers, in one include.
 */
#ifndef AKSNET_AKSNET_H
#define AKSNET_AKSNET_H

#define AKSNET_VERSION "0.1.0"

#include "arm.h"
#include "auth.h"
#include "capacity.h"
#include "cidr.h"
#include "cloud.h"
#include "error.h"
#include "finding.h"
#include "http.h"
#include "jwt.h"
#include "plan.h"
#include "provision.h"
#include "resid.h"
#include "resources.h"
#include "utf8.h"
#include "uuid.h"
#include "validate.h"

#endif
