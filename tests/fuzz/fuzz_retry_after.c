/*
 * fuzz_retry_after.c - libFuzzer target for the waits a server chooses:
 * Retry-After (delta-seconds or an HTTP-date, src/http/policy_retry.c) and
 * the retry policy's delay, which also reads retry-after-ms and
 * x-ms-retry-after-ms.
 *
 * Byte 0 chooses what the rest is (byte % 3):
 *   0  a Retry-After value, read against a fixed now.  Invariants: a value
 *      that is read gives a finite wait of 0 or more, below 1e15 s; plain
 *      digits (blanks around them allowed, at most 15) give exactly their
 *      value; a sign, a fraction or an exponent is not read as a number.
 *   1  a round trip: 8 bytes of a time t (years 1970 to 9999), 8 of now,
 *      1 choosing the form.  t written as each HTTP-date form RFC 9110
 *      section 5.6.7 makes recipients accept (IMF-fixdate, rfc850-date when
 *      t's year is within 50 years of now's, asctime-date) must read back
 *      as exactly max(0, t - now).
 *   2  the retry policy's delay: a byte of attempt, two of base and cap, one
 *      of the random factor, then "name: value" lines.  Invariants: the
 *      delay is finite and 0 or more; with no usable server word (or a
 *      word of 0, which is no advice) it is at most the cap; with one it is
 *      at most what the server asked (a cap on absurd values may shorten
 *      it, nothing may lengthen it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_support.h"
#include "http.h"

#define NOW 1700000000.0
#define LAST_TIME 253402300799ULL /* 9999-12-31T23:59:59Z */

/* Blanks, 1 to 15 digits, blanks: the value; the reference for delta-seconds. */
static bool plain_digits(const char *v, double *out)
{
    size_t i = strspn(v, " \t"), d = strspn(v + i, "0123456789");
    if (d == 0 || d > 15 || v[i + d + strspn(v + i + d, " \t")] != '\0')
        return false;
    *out = strtod(v + i, NULL);
    return true;
}

static void check_value(const char *value)
{
    double s = -1;
    bool ok = aksnet__http_parse_retry_after(value, NOW, &s);
    double want;
    if (plain_digits(value, &want))
        FZ_CHECK(ok && s == want, "'%s' read as %d, %.17g", value, ok, s);
    if (!ok)
        return;
    FZ_CHECK(isfinite(s) && s >= 0 && s < 1e15, "'%s' gives %.17g s", value, s);
    const char *p = value + strspn(value, " \t");
    bool numeric_looking = (*p == '+' || *p == '-' || *p == '.' || (*p >= '0' && *p <= '9')) &&
                           strspn(p, "+-.0123456789eE \t") == strlen(p) && strpbrk(p, ".eE+-");
    FZ_CHECK(!numeric_looking, "'%s' is not delta-seconds nor an HTTP-date, read as %.17g s", value, s);
}

static uint64_t take_u64(struct fz_input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | fz_byte(in, 0);
    return v;
}

static void round_trip(struct fz_input *in)
{
    double t = (double)(take_u64(in) % (LAST_TIME + 1));
    double now = (double)(take_u64(in) % (LAST_TIME + 1));
    unsigned form = fz_byte(in, 0) % 3;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return;
    time_t nt = (time_t)now;
    struct tm now_tm;
    if (!gmtime_r(&nt, &now_tm))
        return;
    if (form == 1 && (tm.tm_year < now_tm.tm_year - 49 || tm.tm_year > now_tm.tm_year + 50))
        form = 0; /* a two-digit year stands for the one within 50 years of now (RFC 9110 section 5.6.7) */
    char text[64], day[32] = "", clock[16] = "";
    size_t n;
    if (form == 1) { /* the two-digit year by hand: strftime's %y is what -Wformat-y2k warns of */
        n = strftime(day, sizeof(day), "%A, %d-%b-", &tm) * strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
        snprintf(text, sizeof(text), "%s%02d %s GMT", day, tm.tm_year % 100, clock);
    } else {
        n = form == 0 ? strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm)
                      : strftime(text, sizeof(text), "%a %b %e %H:%M:%S %Y", &tm);
    }
    if (n == 0)
        return;
    double s = -1;
    bool ok = aksnet__http_parse_retry_after(text, now, &s);
    double want = t > now ? t - now : 0;
    FZ_CHECK(ok && s == want, "'%s' (t %.0f, now %.0f) read as %d, %.17g; want %.17g", text, t, now, ok, s, want);
    check_value(text);
}

static double zero_random(void *ctx)
{
    return *(const double *)ctx;
}

static void check_delay(struct fz_input *in)
{
    int attempt = (int)fz_byte(in, 1) - 16;
    struct aksnet__retry_options o;
    aksnet__retry_defaults(&o);
    o.base_delay = fz_byte(in, 8) / 10.0;
    o.max_delay = fz_byte(in, 60);
    double r = fz_byte(in, 128) / 255.0;
    o.random = zero_random;
    o.random_ctx = &r;
    struct aksnet__http_response rs = {0};
    while (in->n > 0 && rs.header_count < 8) {
        char *line = fz_piece(in, "\n", NULL);
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            if (aksnet__http_response_add_header(&rs, line, colon + 1 + (colon[1] == ' ')) != AKSNET_OK)
                abort();
        }
        free(line);
    }
    /* The server's word, in the SDKs' order: the first that reads. */
    double asked = -1, v;
    const char *ms = aksnet__http_response_header(&rs, "retry-after-ms");
    const char *xms = aksnet__http_response_header(&rs, "x-ms-retry-after-ms");
    if (ms && plain_digits(ms, &v))
        asked = v / 1000.0;
    else if (xms && plain_digits(xms, &v))
        asked = v / 1000.0;
    else if (aksnet__http_parse_retry_after(aksnet__http_response_header(&rs, "Retry-After"), NOW, &v))
        asked = v;
    double d = aksnet__retry_delay(&o, attempt, &rs, NOW);
    FZ_CHECK(isfinite(d) && d >= 0, "delay %.17g", d);
    if (asked <= 0) /* none, or 0 (no advice: the backoff) */
        FZ_CHECK(d <= o.max_delay, "delay %.17g past the cap %.17g with no server word", d, o.max_delay);
    else
        FZ_CHECK(d <= asked, "delay %.17g, more than the %.17g s the server asked", d, asked);
    aksnet__http_response_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    switch (fz_byte(&in, 0) % 3) {
    case 0: {
        char *value = fz_piece(&in, "", NULL);
        check_value(value);
        free(value);
        break;
    }
    case 1:
        round_trip(&in);
        break;
    default:
        check_delay(&in);
        break;
    }
    return 0;
}
