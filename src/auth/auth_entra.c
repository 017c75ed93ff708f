/*
 * auth_entra.c - the credentials that ask Entra ID's token endpoint
 * (POST {authority}/{tenant}/oauth2/v2.0/token, client credentials grant):
 * a client secret, a JWT assertion signed with a certificate's key, or a
 * federated (workload identity) token read fresh from its file.
 *
 * The form body holds the secret or the assertion, so it is built in
 * buffers that are wiped before they are freed (never realloc'd, which
 * would leave a copy behind), and sent with sensitive_body set so that no
 * log shows it; each assertion also joins the chain's redaction set, so
 * that a server quoting it back cannot get it into a log or a message.
 */
#include "uuid.h"
#include "auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
/* A client assertion lives this long (Entra ID accepts at most 10 minutes). */
#define ASSERTION_LIFE 600
#define CERT_FILE_MAX (1024 * 1024)
#define FEDERATED_FILE_MAX (64 * 1024)

/* ---- the form ----------------------------------------------------------------- */

/* The form holds a client secret or an assertion: a secret buffer, wiped as it grows and when freed. */
struct form {
    struct aksnet__buf buf;
    bool oom;
};

/* Append "&name=value", the value URL-escaped. */
static void form_add(struct form *f, const char *name, const char *value)
{
    if (f->oom)
        return;
    char *esc = aksnet__auth_escape(value);
    f->oom = !esc || aksnet__buf_addf(&f->buf, "%s%s=%s", f->buf.len ? "&" : "", name, esc) != AKSNET_OK;
    aksnet__secret_free(esc);
}

/* ---- the certificate assertion ------------------------------------------------------ */

aksnet_code aksnet__auth_entra_load_certificate(struct aksnet__auth *a, const char *path, const char *password,
                                                const char *alg_name, struct aksnet_error *err)
{
    char *pem = NULL;
    size_t len = 0;
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc = aksnet__secret_read_file(path, "AZURE_CLIENT_CERTIFICATE_PATH", CERT_FILE_MAX, &pem, &len, &why);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "client certificate: %s", why.message);
    X509 *cert = NULL;
    rc = aksnet__jwt_load_pem(pem, len, password, &a->key, &cert, &why);
    aksnet__secret_free(pem);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc == AKSNET_ENOMEM ? rc : AKSNET_EAUTH,
                                "client certificate: AZURE_CLIENT_CERTIFICATE_PATH '%.200s': %s", path, why.message);
    a->alg = strcasecmp(alg_name, "PS256") == 0 ? AKSNET_JWT_PS256 : AKSNET_JWT_RS256;
    rc = aksnet__jwt_thumbprint(cert, a->alg == AKSNET_JWT_PS256, &a->thumbprint, &why);
    X509_free(cert);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc == AKSNET_ENOMEM ? rc : AKSNET_EAUTH, "client certificate: %s", why.message);
    return AKSNET_OK;
}

/*
 * The assertion Entra ID asks of a certificate credential: aud the token
 * endpoint, iss = sub = the client, a fresh jti, valid from now for
 * ASSERTION_LIFE seconds; the header names the certificate by x5t (RS256)
 * or x5t#S256 (PS256).
 */
static aksnet_code make_assertion(const struct aksnet__auth *a, const char *aud, double now, char **out,
                                  struct aksnet_error *err)
{
    char jti[37];
    if (!aksnet__uuid4(jti))
        return aksnet_error_set(err, AKSNET_EAUTH, "client certificate: OpenSSL could not produce random bytes");
    double t = (double)(long long)now;
    cJSON *claims = cJSON_CreateObject(), *header = cJSON_CreateObject();
    bool ok = claims && header && cJSON_AddStringToObject(claims, "aud", aud) &&
              cJSON_AddStringToObject(claims, "iss", a->client) && cJSON_AddStringToObject(claims, "sub", a->client) &&
              cJSON_AddStringToObject(claims, "jti", jti) && cJSON_AddNumberToObject(claims, "nbf", t) &&
              cJSON_AddNumberToObject(claims, "iat", t) && cJSON_AddNumberToObject(claims, "exp", t + ASSERTION_LIFE) &&
              cJSON_AddStringToObject(header, a->alg == AKSNET_JWT_PS256 ? "x5t#S256" : "x5t", a->thumbprint);
    aksnet_code rc;
    if (!ok) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    } else {
        struct aksnet_error why;
        aksnet_error_clear(&why);
        rc = aksnet__jwt_sign(a->key, a->alg, header, claims, out, &why);
        if (rc != AKSNET_OK)
            rc = aksnet_error_set(err, rc == AKSNET_ENOMEM ? rc : AKSNET_EAUTH,
                                  "client certificate: cannot sign the assertion: %s", why.message);
    }
    cJSON_Delete(claims);
    cJSON_Delete(header);
    return rc;
}

/* The federated token, read fresh (the kubelet rotates it), without the newline a file may end with. */
static aksnet_code read_federated(const struct aksnet__auth *a, char **out, struct aksnet_error *err)
{
    size_t len = 0;
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc =
        aksnet__secret_read_file_as(AKSNET__SECRET_ASSERTION, NULL, a->federated_file, "AZURE_FEDERATED_TOKEN_FILE",
                                    FEDERATED_FILE_MAX, out, &len, &why);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "workload identity: %s", why.message);
    while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r' || (*out)[len - 1] == ' ' ||
                       (*out)[len - 1] == '\t'))
        (*out)[--len] = '\0';
    if (!aksnet__auth_token_ok(*out)) {
        aksnet__secret_free(*out);
        *out = NULL;
        return aksnet_error_set(err, AKSNET_EAUTH, "workload identity: AZURE_FEDERATED_TOKEN_FILE '%.200s' %s",
                                a->federated_file, len ? "does not hold a token" : "is empty");
    }
    return AKSNET_OK;
}

/* The form of a client credentials grant for the chain's credential. */
static aksnet_code build_form(const struct aksnet__auth *a, const char *url, double now, struct form *f,
                              struct aksnet_error *err)
{
    form_add(f, "grant_type", "client_credentials");
    form_add(f, "client_id", a->client);
    form_add(f, "scope", a->endpoints.scope);
    if (a->kind == AKSNET_CREDENTIAL_CLIENT_SECRET) {
        form_add(f, "client_secret", a->secret);
    } else {
        char *assertion = NULL;
        aksnet_code rc = a->kind == AKSNET_CREDENTIAL_CLIENT_CERTIFICATE ? make_assertion(a, url, now, &assertion, err)
                                                                          : read_federated(a, &assertion, err);
        if (rc == AKSNET_OK && aksnet__redact_add(a->secrets, assertion, false) != AKSNET_OK)
            rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        if (rc != AKSNET_OK) {
            aksnet__secret_free(assertion);
            return rc;
        }
        form_add(f, "client_assertion_type", JWT_BEARER);
        form_add(f, "client_assertion", assertion);
        aksnet__secret_free(assertion);
    }
    return f->oom ? aksnet_error_set(err, AKSNET_ENOMEM, "out of memory") : AKSNET_OK;
}

/*
 * The assertion's aud is exactly the URL posted to, which is what Entra ID
 * checks; the form is wiped as soon as the request holds its own copy.
 */
aksnet_code aksnet__auth_entra_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    const char *cred = aksnet_credential_name(a->kind);
    char url[AKSNET_URL_MAX + AUTH_ID_MAX + 32];
    snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", a->endpoints.authority_host, a->tenant);
    double now = aksnet__auth_now(a);
    struct form f = {0};
    aksnet__buf_init(&f.buf, 0, true);
    aksnet_code rc = build_form(a, url, now, &f, err);
    struct aksnet__http_request rq = {0};
    struct aksnet__http_response rs = {0};
    if (rc == AKSNET_OK)
        rc = aksnet__http_request_init(&rq, "POST", url, err);
    if (rc == AKSNET_OK) {
        rq.sensitive_body = true;
        rc =
            aksnet__http_request_set_body(&rq, aksnet__buf_str(&f.buf), f.buf.len, "application/x-www-form-urlencoded");
        if (rc == AKSNET_OK)
            rc = aksnet__http_request_set_header(&rq, "Accept", "application/json");
        if (rc != AKSNET_OK)
            rc = aksnet_error_set(err, rc, "%s: cannot build the token request: %s", cred, aksnet_strerror(rc));
    }
    aksnet__buf_free(&f.buf);
    if (rc == AKSNET_OK)
        rc = aksnet__auth_send(a, cred, "the token endpoint", &rq, &rs, err);
    if (rc == AKSNET_OK && rs.status == 200)
        rc = aksnet__auth_parse_token(cred, "the token endpoint", &rs, aksnet__auth_now(a), tok, err);
    else if (rc == AKSNET_OK)
        rc = aksnet__auth_refused(cred, "Entra ID", &rs, err);
    aksnet__http_request_free(&rq);
    aksnet__http_response_free(&rs);
    return rc;
}
