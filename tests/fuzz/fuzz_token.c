/*
 * fuzz_token.c - libFuzzer target for token answers (src/auth/auth_answer.c,
 * src/auth/auth_cli.c): a token endpoint's or IMDS's JSON answer, its
 * refusals (OAuth's error/error_description/error_codes, or ARM's envelope
 * from some managed-identity endpoints), and what `az account
 * get-access-token` prints.
 *
 * Byte 0 chooses what the rest is (byte % 3); then 2 bytes of HTTP status
 * (big-endian, % 600) and the body:
 *   0  a token answer (aksnet__auth_parse_token);
 *   1  a refusal (aksnet__auth_refused);
 *   2  the Azure CLI's output (aksnet__auth_cli_fetch with the answer as
 *      the program's standard output).
 *
 * Invariants: a token taken is exactly the answer's access_token (or
 * accessToken), fit for a header (printable ASCII without blanks), and
 * expires after now and within 7 days; a failure is AKSNET_EAUTH with every
 * error field fit to show (bounded, UTF-8, no control characters) and never
 * quotes the access token; the CLI's tenant, shown by `aksnet whoami`, is fit
 * to show too.
 */
#include <stdlib.h>
#include <string.h>

#include "auth_internal.h"
#include "fuzz_support.h"

#define NOW 1700000000.0

static double fixed_now(void *ctx)
{
    (void)ctx;
    return NOW;
}

static void no_sleep(void *ctx, double seconds)
{
    (void)ctx;
    (void)seconds;
}

static const struct aksnet__clock fixed_clock = {fixed_now, no_sleep, NULL};

struct program {
    const char *out;
    int status;
};

/* The "Azure CLI": prints the input. */
static aksnet_code run_az(void *ctx, char *const argv[], double timeout, char **out, int *status,
                          struct aksnet_error *err)
{
    (void)argv;
    (void)timeout;
    (void)err;
    const struct program *p = ctx;
    *out = strdup(p->out);
    *status = p->status;
    return *out ? AKSNET_OK : AKSNET_ENOMEM;
}

/* The access token the answer holds (NULL if none), as the code under test would find it. */
static char *token_in(const char *body, size_t len, const char *name)
{
    cJSON *json = cJSON_ParseWithLength(body, len);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(json, name);
    char *copy = cJSON_IsString(at) ? strdup(at->valuestring) : NULL;
    cJSON_Delete(json);
    return copy;
}

/* Long enough, no blank, letters and digits: a token, and not a run of the messages' own words. */
static bool secret_like(const char *token)
{
    return token && strlen(token) >= 12 && !strchr(token, ' ') && strpbrk(token, "0123456789") &&
           strpbrk(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

static void check_outcome(aksnet_code rc, const struct auth_token *tok, const struct aksnet_error *err,
                          const char *token, const char *what)
{
    if (rc == AKSNET_OK) {
        FZ_CHECK(tok->value && token && strcmp(tok->value, token) == 0, "%s: took '%s', not '%s'", what,
                 tok->value ? tok->value : "(null)", token ? token : "(null)");
        FZ_CHECK(aksnet__auth_token_ok(tok->value), "%s: took a token unfit for a header", what);
        FZ_CHECK(tok->expires_on > NOW && tok->expires_on <= NOW + AUTH_MAX_LIFETIME, "%s: expires at %.17g", what,
                 tok->expires_on);
        return;
    }
    FZ_CHECK(rc == AKSNET_EAUTH && err->code == AKSNET_EAUTH, "%s: code %d", what, (int)rc);
    FZ_CHECK(tok->value == NULL, "%s: a token left behind on failure", what);
    fz_check_error(err, what);
    FZ_CHECK(!secret_like(token) || !fz_contains(err->message, token), "%s: the message quotes the token: %s", what,
             err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    unsigned mode = fz_byte(&in, 0) % 3;
    long status = (long)((fz_byte(&in, 0) << 8 | fz_byte(&in, 200)) % 600);
    struct aksnet__http_response rs = {0};
    size_t len;
    rs.status = status;
    rs.body = fz_piece(&in, "", &len);
    rs.body_len = len;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    struct auth_token tok = {0};
    if (mode == 0) {
        char *token = token_in(rs.body, rs.body_len, "access_token");
        aksnet_code rc = aksnet__auth_parse_token("client secret", "Entra ID", &rs, NOW, &tok, &err);
        check_outcome(rc, &tok, &err, token, "parse_token");
        free(token);
    } else if (mode == 1) {
        aksnet_code rc = aksnet__auth_refused("client secret", "Entra ID", &rs, &err);
        check_outcome(rc == AKSNET_OK ? AKSNET_EINVAL : rc, &tok, &err, NULL, "refused");
        FZ_CHECK(err.http_status == (int)status, "refused: status %d", err.http_status);
    } else {
        struct aksnet__auth a;
        memset(&a, 0, sizeof(a));
        snprintf(a.endpoints.arm_endpoint, sizeof(a.endpoints.arm_endpoint), "https://management.azure.com");
        struct program p = {rs.body, status == 0 ? 0 : status % 2};
        a.kind = AKSNET_CREDENTIAL_AZURE_CLI;
        a.clock = &fixed_clock;
        a.run = run_az;
        a.run_ctx = &p;
        a.cli_timeout = 10;
        char *token = token_in(rs.body, strlen(rs.body), "accessToken");
        aksnet_code rc = aksnet__auth_cli_fetch(&a, &tok, &err);
        check_outcome(rc, &tok, &err, token, "az");
        FZ_CHECK(fz_text_ok(a.cli_tenant, sizeof(a.cli_tenant)), "az: tenant '%s'", a.cli_tenant);
        free(token);
    }
    aksnet__secret_free(tok.value);
    aksnet__http_response_free(&rs);
    return 0;
}
