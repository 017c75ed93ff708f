/*
 * date.c - HTTP-dates as RFC 9110 section 5.6.7 defines them, and nothing
 * else: a server's Retry-After decides how long aksnet waits, so a value
 * that is not one of the three forms is not read at all (a free-form date
 * reader such as curl_getdate takes "4Nov40000000" for the year forty
 * million).  azcore reads only the first form (time.RFC1123 in
 * sdk/azcore/internal/shared/shared.go, Azure/azure-sdk-for-go); RFC 9110
 * makes recipients accept all three:
 *
 *   IMF-fixdate   Sun, 06 Nov 1994 08:49:37 GMT
 *   rfc850-date   Sunday, 06-Nov-94 08:49:37 GMT
 *   asctime-date  Sun Nov  6 08:49:37 1994
 *
 * Names are matched as written (the grammar is case-sensitive).  The day
 * name is checked to be one but not against the date, as Go's net/http
 * does not either.
 */
#include "http.h"

#include <string.h>

static const char *const DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const LONG_DAYS[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* p past one of words (n of them), or NULL; *index says which. */
static const char *word(const char *p, const char *const *words, int n, int *index)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (strncmp(p, words[i], len) == 0) {
            *index = i;
            return p + len;
        }
    }
    return NULL;
}

/* p past exactly n digits, their value in *v; NULL when they are not there. */
static const char *digits(const char *p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, p++) {
        if (!p || *p < '0' || *p > '9')
            return NULL;
        *v = *v * 10 + (*p - '0');
    }
    return p;
}

/* p past the literal text, or NULL. */
static const char *lit(const char *p, const char *text)
{
    size_t n = strlen(text);
    return p && strncmp(p, text, n) == 0 ? p + n : NULL;
}

/* "HH:MM:SS" (second 60 allowed: a leap second). */
static const char *time_of_day(const char *p, int *h, int *m, int *s)
{
    p = digits(p, 2, h);
    p = digits(lit(p, ":"), 2, m);
    p = digits(lit(p, ":"), 2, s);
    return p && *h <= 23 && *m <= 59 && *s <= 60 ? p : NULL;
}

/* "DD<sep>Mon<sep>YYYY" (year_digits digits): the date of IMF-fixdate and rfc850-date. */
static const char *day_month_year(const char *p, const char *sep, int year_digits, int *d, int *mon, int *y)
{
    p = lit(digits(p, 2, d), sep);
    p = p ? word(p, MONTHS, 12, mon) : NULL;
    return digits(lit(p, sep), year_digits, y);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool to_epoch(int y, int mon, int d, int h, int m, int s, double *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d < 1 || d > mdays[mon] + (mon == 1 && leap(y)))
        return false;
    *out = (double)days_from_civil(y, mon + 1, d) * 86400.0 + h * 3600.0 + m * 60.0 + s;
    return true;
}

/* The year of a day counted from 1970-01-01 (H. Hinnant's civil_from_days, the year only). */
static long year_of(long days)
{
    days += 719468;
    long era = (days >= 0 ? days : days - 146096) / 146097;
    long doe = days - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10);
}

/*
 * A two-digit year of rfc850-date: the latest year with those last digits
 * that is at most 50 years after now's (RFC 9110 section 5.6.7: a year that
 * appears "more than 50 years in the future" is "the most recent year in
 * the past that had the same last two digits").
 */
static int full_year(int yy, double now)
{
    long this_year = year_of((long)(now / 86400.0) - (now < 0));
    long y = this_year - this_year % 100 + yy;
    if (y > this_year + 50)
        y -= 100;
    else if (y <= this_year - 50)
        y += 100;
    return (int)y;
}

bool aksnet__http_parse_date(const char *value, double now, double *epoch)
{
    if (!value)
        return false;
    const char *p = value + strspn(value, " \t");
    int wd, mon = 0, d = 0, y = 0, h = 0, m = 0, s = 0;
    const char *q;
    if ((q = word(p, DAYS, 7, &wd)) && (q = lit(q, ", "))) {
        /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
        q = time_of_day(lit(day_month_year(q, " ", 4, &d, &mon, &y), " "), &h, &m, &s);
        q = lit(q, " GMT");
    } else if ((q = word(p, LONG_DAYS, 7, &wd)) && (q = lit(q, ", "))) {
        /* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
        q = time_of_day(lit(day_month_year(q, "-", 2, &d, &mon, &y), " "), &h, &m, &s);
        q = lit(q, " GMT");
        if (q)
            y = full_year(y, now);
    } else if ((q = word(p, DAYS, 7, &wd)) && (q = lit(q, " "))) {
        /* asctime-date: "Sun Nov  6 08:49:37 1994" (a day below 10 after a blank) */
        q = word(q, MONTHS, 12, &mon);
        q = lit(q, " ");
        if (q && *q == ' ')
            q = digits(q + 1, 1, &d);
        else
            q = digits(q, 2, &d);
        q = time_of_day(lit(q, " "), &h, &m, &s);
        q = digits(lit(q, " "), 4, &y);
    } else {
        return false;
    }
    if (!q || q[strspn(q, " \t")] != '\0')
        return false;
    return to_epoch(y, mon, d, h, m, s, epoch);
}
