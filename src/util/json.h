/*
 * json.h - reading members of ARM's JSON by a dotted path (internal).
 *
 * ARM's bodies nest ("properties.networkProfile.podCidr"); one getter walks
 * them, so no caller chains cJSON_GetObjectItemCaseSensitive by hand or
 * has to check every level for NULL.
 */
#ifndef AKSNET__JSON_H
#define AKSNET__JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/**
 * The member at path, a dotted list of object keys ("properties.subnets");
 * NULL when any level is missing or not an object, or obj is NULL.  Keys
 * match case-sensitively, as ARM writes them.  A key longer than 127 bytes
 * finds nothing.
 */
cJSON *aksnet__json_at(const cJSON *obj, const char *path);

/** The string at path, or NULL when it is absent or not a string. */
const char *aksnet__json_str(const cJSON *obj, const char *path);

/**
 * Offset of the first \u0000 escape inside a string of the JSON text
 * (len when there is none).  cJSON cuts a string at it, so "east\u0000x"
 * would read as "east": a plan or a request body holding one is refused
 * from the text itself.  A raw NUL byte is the UTF-8 check's to refuse.
 */
size_t aksnet__json_nul_escape(const char *text, size_t len);

#endif
