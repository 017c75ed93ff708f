/*
 * internal.h - every header of libaksnet, public and internal, for the
 * tests (which may look inside every module; nothing shipped includes it).
 */
#ifndef AKSNET_TESTS_INTERNAL_H
#define AKSNET_TESTS_INTERNAL_H

#include "aksnet/aksnet.h"

#include "arm.h"
#include "auth.h"
#include "cidr.h"
#include "client_internal.h"
#include "cloud.h"
#include "http.h"
#include "jwt.h"
#include "resid.h"
#include "resources.h"
#include "secret.h"
#include "subprocess.h"
#include "utf8.h"
#include "uuid.h"

#endif
