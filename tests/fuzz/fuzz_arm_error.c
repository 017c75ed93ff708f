/*
 * fuzz_arm_error.c - libFuzzer target for ARM's error envelope
 * (src/arm/request.c): how a refusal's body, {"error":{"code","message",
 * "details"}} or the older top-level {"code","message"}, its status and its
 * x-ms-request-id become struct aksnet_error, and whether a 409 says "busy".
 *
 * An input: 2 bytes of status (big-endian, % 600), the x-ms-request-id up to
 * the first "\n" (none when it is empty), the body.
 *
 * Invariants: every field of the error is text fit to show (bounded, UTF-8,
 * no control characters); the code is AKSNET_EARM (AKSNET_EAUTH for a 401,
 * AKSNET_EPROTO for a 2xx whose body is not JSON) with the status kept; the message says what was
 * refused; ARM's error.code comes through
 * unchanged when it is plain text that fits; only a 409 can be "busy".
 */
#include <stdlib.h>
#include <string.h>

#include "arm_internal.h"
#include "fuzz_support.h"

/* Printable ASCII, shorter than size: what must come through unchanged. */
static bool plain(const char *s, size_t size)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] >= 0x7f)
            return false;
    return n < size;
}

static void check(const struct aksnet_error *err, aksnet_code code, long status, const char *what)
{
    fz_check_error(err, what);
    FZ_CHECK(err->code == code, "%s: code %d, not %d", what, (int)err->code, (int)code);
    FZ_CHECK(err->http_status == (int)status, "%s: status %d, not %ld", what, err->http_status, status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    long status = (long)((fz_byte(&in, 1) << 8 | fz_byte(&in, 0x90)) % 600);
    char *request_id = fz_piece(&in, "\n", NULL);
    struct aksnet__http_response rs = {0};
    rs.status = status;
    if (*request_id && aksnet__http_response_add_header(&rs, "x-ms-request-id", request_id) != AKSNET_OK)
        abort();
    size_t len;
    rs.body = fz_piece(&in, "", &len);
    rs.body_len = len;

    struct aksnet_error err;
    aksnet__arm_error_from_response(&rs, &err);
    aksnet_code refused_code = status == 401 ? AKSNET_EAUTH : AKSNET_EARM; /* a token refused: the credential's */
    check(&err, refused_code, status, "error_from_response");
    const char *says = status == 401 ? "ARM refused the token of the request: " : "ARM refused the request: ";
    FZ_CHECK(strncmp(err.message, says, strlen(says)) == 0, "message '%s'", err.message);
    if (plain(request_id, sizeof(err.request_id)))
        FZ_CHECK(strcmp(err.request_id, request_id) == 0, "request id '%s', not '%s'", err.request_id, request_id);
    cJSON *body = aksnet__arm_parse_body(&rs);
    const char *code = aksnet__json_str(aksnet__arm_envelope(body), "code");
    if (code && plain(code, sizeof(err.arm_code)))
        FZ_CHECK(strcmp(err.arm_code, code) == 0, "arm_code '%s', not '%s'", err.arm_code, code);
    cJSON_Delete(body);

    struct aksnet_error refused;
    aksnet__arm_refused("PUT", "/subscriptions/x", &rs, &refused);
    check(&refused, refused_code, status, "refused");
    FZ_CHECK(strstr(refused.message, "PUT /subscriptions/x: ") && strncmp(refused.message, "ARM refused ", 12) == 0,
             "message '%s'", refused.message);
    FZ_CHECK(strcmp(refused.arm_code, err.arm_code) == 0 && strcmp(refused.arm_message, err.arm_message) == 0,
             "the same answer read twice differs");

    struct aksnet_error not_json;
    aksnet__arm_not_json("GET", "/subscriptions/x", &rs, &not_json);
    check(&not_json, AKSNET_EPROTO, status, "not_json"); /* a 2xx that is no resource: the server's fault */

    char busy[AKSNET_ERROR_ARM_CODE_MAX] = "";
    bool conflict = aksnet__arm_is_conflict(&rs, busy, sizeof(busy));
    FZ_CHECK(!conflict || status == 409, "HTTP %ld read as busy", status);
    FZ_CHECK(!conflict || (busy[0] && fz_text_ok(busy, sizeof(busy))), "busy code '%s'", busy);
    FZ_CHECK(!aksnet__arm_busy_code(err.arm_code, err.arm_message) || err.arm_code[0], "busy without a code");

    free(request_id);
    aksnet__http_response_free(&rs);
    return 0;
}
