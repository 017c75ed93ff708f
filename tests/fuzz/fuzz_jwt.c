/*
 * fuzz_jwt.c - libFuzzer target for JWTs and base64url (src/util/jwt.c):
 * the mock parses and verifies every bearer token and client assertion it
 * is sent with them, and aksnet signs its certificate assertions.
 *
 * Byte 0 chooses what the rest is (byte % 4):
 *   0  a token.  Parsing gives two JSON objects or an error; a token the
 *      fuzzer wrote never verifies against our key (RS256 or PS256 alike).
 *   1  a tampering: 2 bytes of position, 1 of a character, 1 choosing an
 *      RS256 or a PS256 token signed with our key at start.  The token with
 *      that one character changed verifies exactly when nothing changed.
 *   2  base64url text: when it decodes, encoding the bytes gives the text
 *      back (without padding); any bytes encode to text that decodes back.
 *   3  claims (a JSON object): signed, parsed and verified, they come back
 *      equal.
 * Every error says what went wrong in text fit to show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fuzz_support.h"
#include "jwt.h"

static EVP_PKEY *key;
static char *signed_token[2]; /* RS256, PS256 */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct aksnet_error err;
    if (aksnet__jwt_new_rsa_key(2048, &key, &err) != AKSNET_OK)
        abort();
    cJSON *claims = cJSON_Parse("{\"aud\":\"https://management.azure.com/\",\"iss\":\"https://sts.windows.net/t/\","
                                "\"tid\":\"t\",\"oid\":\"o\",\"exp\":1700003600,\"nbf\":1700000000}");
    cJSON *extra = cJSON_Parse("{\"kid\":\"k1\"}");
    if (!claims || !extra || aksnet__jwt_sign(key, AKSNET_JWT_RS256, extra, claims, &signed_token[0], &err) ||
        aksnet__jwt_sign(key, AKSNET_JWT_PS256, extra, claims, &signed_token[1], &err))
        abort();
    cJSON_Delete(claims);
    cJSON_Delete(extra);
    return 0;
}

/* Parse and verify; AKSNET_OK only when both succeed. */
static aksnet_code parse_verify(const char *token, struct aksnet__jwt **out)
{
    struct aksnet_error err;
    aksnet_error_clear(&err);
    struct aksnet__jwt *jwt = NULL;
    aksnet_code rc = aksnet__jwt_parse(token, &jwt, &err);
    if (rc == AKSNET_OK) {
        FZ_CHECK(cJSON_IsObject(aksnet__jwt_header(jwt)) && cJSON_IsObject(aksnet__jwt_claims(jwt)),
                 "parsed parts that are not objects");
        rc = aksnet__jwt_verify(jwt, key, &err);
    }
    if (rc != AKSNET_OK) {
        fz_check_error(&err, "jwt");
        FZ_CHECK(err.code == rc, "returned %d, the error says %d", (int)rc, (int)err.code);
    }
    if (out && rc == AKSNET_OK)
        *out = jwt;
    else
        aksnet__jwt_free(jwt);
    return rc;
}

static void tamper(struct fz_input *in)
{
    size_t pos = (size_t)(fz_byte(in, 0) << 8 | fz_byte(in, 0));
    char c = (char)fz_byte(in, 'A');
    const char *orig = signed_token[fz_byte(in, 0) % 2];
    char *t = strdup(orig);
    if (!t)
        abort();
    pos %= strlen(t);
    t[pos] = c;
    bool same = strcmp(t, orig) == 0;
    aksnet_code rc = parse_verify(t, NULL);
    FZ_CHECK((rc == AKSNET_OK) == same, "'%c' at %zu: verify gave %d", c, pos, (int)rc);
    free(t);
}

static void base64url(const char *text, size_t len)
{
    size_t n = 0;
    unsigned char *raw = aksnet__base64url_decode(text, len, &n);
    if (raw) {
        char *again = aksnet__base64url_encode(raw, n);
        size_t unpadded = len;
        while (unpadded > 0 && text[unpadded - 1] == '=')
            unpadded--;
        FZ_CHECK(again && strlen(again) == unpadded && memcmp(again, text, unpadded) == 0,
                 "'%.*s' decodes to %zu bytes that encode as '%s'", (int)len, text, n, again ? again : "(null)");
        free(again);
        free(raw);
    }
    char *enc = aksnet__base64url_encode(text, len);
    if (!enc)
        abort(); /* out of memory: no invariant of ours */
    raw = aksnet__base64url_decode(enc, strlen(enc), &n);
    FZ_CHECK(raw && n == len && memcmp(raw, text, len) == 0, "'%s' does not decode to what was encoded", enc);
    free(raw);
    free(enc);
}

static void sign_round_trip(const char *text, size_t len)
{
    cJSON *claims = cJSON_ParseWithLength(text, len);
    if (cJSON_IsObject(claims)) {
        char *token = NULL;
        struct aksnet_error err;
        aksnet_code rc = aksnet__jwt_sign(key, AKSNET_JWT_RS256, NULL, claims, &token, &err);
        if (rc == AKSNET_OK) {
            struct aksnet__jwt *jwt = NULL;
            FZ_CHECK(strlen(token) > AKSNET_JWT_MAX_LEN || parse_verify(token, &jwt) == AKSNET_OK,
                     "a token we signed does not verify");
            if (jwt) { /* compared as printed: cJSON_Compare finds only the first of duplicate names */
                char *a = cJSON_PrintUnformatted(aksnet__jwt_claims(jwt)), *b = cJSON_PrintUnformatted(claims);
                FZ_CHECK(a && b && strcmp(a, b) == 0, "the claims came back changed: %s, not %s", a, b);
                free(a);
                free(b);
            }
            aksnet__jwt_free(jwt);
            free(token);
        } else {
            fz_check_error(&err, "sign");
        }
    }
    cJSON_Delete(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    unsigned mode = fz_byte(&in, 0) % 4;
    if (mode == 1) {
        tamper(&in);
        return 0;
    }
    size_t len;
    char *text = fz_piece(&in, "", &len);
    if (mode == 0)
        FZ_CHECK(parse_verify(text, NULL) != AKSNET_OK, "a token of the fuzzer's verifies");
    else if (mode == 2)
        base64url(text, len);
    else
        sign_round_trip(text, len);
    free(text);
    return 0;
}
