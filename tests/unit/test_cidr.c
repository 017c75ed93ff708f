/*
 * test_cidr.c - strict IPv4 prefix parsing and prefix arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"

#define IP(a, b, c, d) \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static struct aksnet__cidr must_parse(const char *text)
{
    struct aksnet__cidr c;
    memset(&c, 0xa5, sizeof(c));
    assert_int_equal(aksnet__cidr_parse(text, &c), AKSNET_CIDR_OK);
    return c;
}

/* ---- parse: valid ----------------------------------------------------------- */

static void test_parse_valid(void **state)
{
    (void)state;
    struct aksnet__cidr c;

    c = must_parse("0.0.0.0/0");
    assert_int_equal(c.addr, 0);
    assert_int_equal(c.len, 0);

    c = must_parse("10.0.0.0/8");
    assert_int_equal(c.addr, IP(10, 0, 0, 0));
    assert_int_equal(c.len, 8);

    c = must_parse("192.168.1.0/24");
    assert_int_equal(c.addr, IP(192, 168, 1, 0));
    assert_int_equal(c.len, 24);

    c = must_parse("255.255.255.255/32");
    assert_int_equal(c.addr, 0xffffffffu);
    assert_int_equal(c.len, 32);

    c = must_parse("172.20.0.0/16");
    assert_int_equal(c.addr, IP(172, 20, 0, 0));
    assert_int_equal(c.len, 16);

    c = must_parse("10.0.0.1/32");
    assert_int_equal(c.addr, IP(10, 0, 0, 1));
    assert_int_equal(c.len, 32);
}

/* ---- parse: invalid, each with its status ---------------------------------- */

struct bad_case {
    const char *text;
    aksnet__cidr_status want;
};

static void test_parse_invalid(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", AKSNET_CIDR_EMPTY},
        {"10.0.0.0", AKSNET_CIDR_NO_SLASH},
        {"10.0.0.0/", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/33", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/-1", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/+8", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/08", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/00", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/100", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/ 8", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/8 ", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/8x", AKSNET_CIDR_BAD_LENGTH},
        {"10.0.0.0/8/8", AKSNET_CIDR_BAD_LENGTH},
        {" 10.0.0.0/8", AKSNET_CIDR_BAD_ADDRESS},
        {"010.0.0.0/8", AKSNET_CIDR_BAD_ADDRESS},
        {"10.0.0/8", AKSNET_CIDR_BAD_ADDRESS},
        {"10/8", AKSNET_CIDR_BAD_ADDRESS},
        {"1.2.3.4.5/8", AKSNET_CIDR_BAD_ADDRESS},
        {"256.0.0.0/8", AKSNET_CIDR_BAD_ADDRESS},
        {"10.0.0.0 /8", AKSNET_CIDR_BAD_ADDRESS},
        {"/8", AKSNET_CIDR_BAD_ADDRESS},
        {"0x0a.0.0.0/8", AKSNET_CIDR_BAD_ADDRESS},
        {"2001:db8::/32", AKSNET_CIDR_BAD_ADDRESS},
        {"::/0", AKSNET_CIDR_BAD_ADDRESS},
        {"::ffff:10.0.0.0/104", AKSNET_CIDR_BAD_ADDRESS},
        {"2001:0db8:0000:0000:0000:0000:0000:0000/64", AKSNET_CIDR_BAD_ADDRESS},
        {"192.168.1.5/24", AKSNET_CIDR_HOST_BITS},
        {"11.0.0.0/7", AKSNET_CIDR_HOST_BITS},
        {"0.0.0.1/0", AKSNET_CIDR_HOST_BITS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aksnet__cidr c = {0, 0};
        aksnet__cidr_status got = aksnet__cidr_parse(cases[i].text, &c);
        if (got != cases[i].want)
            print_error("case \"%s\": got status %d, want %d\n", cases[i].text, (int)got,
                        (int)cases[i].want);
        assert_int_equal(got, cases[i].want);
    }
}

static void test_parse_null(void **state)
{
    (void)state;
    struct aksnet__cidr c = {0, 0};
    assert_int_equal(aksnet__cidr_parse(NULL, &c), AKSNET_CIDR_EMPTY);
}

static void test_parse_host_bits_keeps_address(void **state)
{
    (void)state;
    struct aksnet__cidr c = {0, 0};
    assert_int_equal(aksnet__cidr_parse("192.168.1.5/24", &c), AKSNET_CIDR_HOST_BITS);
    assert_int_equal(c.addr, IP(192, 168, 1, 5));
    assert_int_equal(c.len, 24);
    struct aksnet__cidr net = aksnet__cidr_network(c);
    assert_int_equal(net.addr, IP(192, 168, 1, 0));
    assert_int_equal(net.len, 24);
    char buf[AKSNET_CIDR_STRLEN];
    assert_string_equal(aksnet__cidr_format(&net, buf), "192.168.1.0/24");
}

static void test_parse_strerror(void **state)
{
    (void)state;
    static const aksnet__cidr_status all[] = {AKSNET_CIDR_OK, AKSNET_CIDR_EMPTY,
                                             AKSNET_CIDR_NO_SLASH, AKSNET_CIDR_BAD_ADDRESS,
                                             AKSNET_CIDR_BAD_LENGTH, AKSNET_CIDR_HOST_BITS};
    size_t n = sizeof(all) / sizeof(all[0]);
    for (size_t i = 0; i < n; i++) {
        const char *s = aksnet__cidr_parse_strerror(all[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, aksnet__cidr_parse_strerror(all[j]));
    }
    assert_non_null(strstr(aksnet__cidr_parse_strerror(AKSNET_CIDR_HOST_BITS), "host bits"));
    assert_non_null(aksnet__cidr_parse_strerror((aksnet__cidr_status)99));
}

/* ---- bare addresses --------------------------------------------------------- */

static void test_ip_parse(void **state)
{
    (void)state;
    uint32_t ip = 0;
    assert_true(aksnet__ip_parse("192.168.0.4", &ip));
    assert_int_equal(ip, IP(192, 168, 0, 4));
    assert_true(aksnet__ip_parse("0.0.0.0", &ip));
    assert_int_equal(ip, 0);
    assert_true(aksnet__ip_parse("255.255.255.255", &ip));
    assert_int_equal(ip, 0xffffffffu);
    assert_true(aksnet__ip_parse("10.0.0.10", &ip));
    assert_int_equal(ip, IP(10, 0, 0, 10));

    static const char *const bad[] = {"",          "1.2.3",     "1.2.3.4.5",  "01.2.3.4",
                                      "1.2.3.4 ",  " 1.2.3.4",  "256.1.1.1",  "1.2.3.4/32",
                                      "::1",       "1.2.3.-4",  "a.b.c.d",    "1..2.3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ip = 0x12345678u;
        if (aksnet__ip_parse(bad[i], &ip))
            print_error("accepted \"%s\"\n", bad[i]);
        assert_false(aksnet__ip_parse(bad[i], &ip));
    }
    assert_false(aksnet__ip_parse(NULL, &ip));
}

/* ---- formatting ------------------------------------------------------------- */

static void test_format_round_trip(void **state)
{
    (void)state;
    static const char *const texts[] = {"0.0.0.0/0",      "10.0.0.0/8",     "192.168.1.0/24",
                                        "255.255.255.255/32", "172.16.0.0/12", "10.244.0.0/16",
                                        "100.64.0.0/10",  "192.168.1.128/25"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct aksnet__cidr c = must_parse(texts[i]);
        char buf[AKSNET_CIDR_STRLEN];
        char *ret = aksnet__cidr_format(&c, buf);
        assert_ptr_equal(ret, buf);
        assert_string_equal(buf, texts[i]);
    }
    /* The longest texts fit their buffers with the NUL. */
    assert_true(strlen("255.255.255.255/32") + 1 <= AKSNET_CIDR_STRLEN);
    assert_true(strlen("255.255.255.255") + 1 <= AKSNET_IP_STRLEN);

    char ipbuf[AKSNET_IP_STRLEN];
    assert_string_equal(aksnet__ip_format(0, ipbuf), "0.0.0.0");
    assert_string_equal(aksnet__ip_format(0xffffffffu, ipbuf), "255.255.255.255");
    assert_string_equal(aksnet__ip_format(IP(10, 0, 0, 10), ipbuf), "10.0.0.10");
    uint32_t back = 0;
    assert_true(aksnet__ip_parse(aksnet__ip_format(IP(192, 168, 0, 4), ipbuf), &back));
    assert_int_equal(back, IP(192, 168, 0, 4));
}

/* ---- masks, sizes, ends ----------------------------------------------------- */

static void test_mask(void **state)
{
    (void)state;
    assert_int_equal(aksnet__cidr_mask(0), 0u);
    assert_int_equal(aksnet__cidr_mask(1), 0x80000000u);
    assert_int_equal(aksnet__cidr_mask(8), 0xff000000u);
    assert_int_equal(aksnet__cidr_mask(24), 0xffffff00u);
    assert_int_equal(aksnet__cidr_mask(31), 0xfffffffeu);
    assert_int_equal(aksnet__cidr_mask(32), 0xffffffffu);
}

static void test_size(void **state)
{
    (void)state;
    struct aksnet__cidr c = must_parse("0.0.0.0/0");
    assert_int_equal(aksnet__cidr_size(&c), UINT64_C(4294967296));
    c = must_parse("255.255.255.255/32");
    assert_int_equal(aksnet__cidr_size(&c), 1);
    c = must_parse("192.168.1.0/24");
    assert_int_equal(aksnet__cidr_size(&c), 256);
    c = must_parse("10.0.0.0/8");
    assert_int_equal(aksnet__cidr_size(&c), 16777216);
    c = must_parse("10.0.0.0/31");
    assert_int_equal(aksnet__cidr_size(&c), 2);
}

static void test_last(void **state)
{
    (void)state;
    struct aksnet__cidr c = must_parse("192.168.1.0/24");
    assert_int_equal(aksnet__cidr_last(&c), IP(192, 168, 1, 255));
    c = must_parse("10.0.0.0/8");
    assert_int_equal(aksnet__cidr_last(&c), IP(10, 255, 255, 255));
    c = must_parse("0.0.0.0/0");
    assert_int_equal(aksnet__cidr_last(&c), 0xffffffffu);
    c = must_parse("10.1.2.3/32");
    assert_int_equal(aksnet__cidr_last(&c), IP(10, 1, 2, 3));
}

static void test_nth(void **state)
{
    (void)state;
    uint32_t ip = 0;
    struct aksnet__cidr c = must_parse("192.168.1.0/24");
    assert_true(aksnet__cidr_nth(&c, 0, &ip));
    assert_int_equal(ip, IP(192, 168, 1, 0));
    assert_true(aksnet__cidr_nth(&c, 10, &ip));
    assert_int_equal(ip, IP(192, 168, 1, 10));
    assert_true(aksnet__cidr_nth(&c, 255, &ip));
    assert_int_equal(ip, IP(192, 168, 1, 255));
    assert_false(aksnet__cidr_nth(&c, 256, &ip));
    assert_false(aksnet__cidr_nth(&c, UINT64_MAX, &ip));

    c = must_parse("10.0.0.0/16");
    assert_true(aksnet__cidr_nth(&c, 10, &ip));
    assert_int_equal(ip, IP(10, 0, 0, 10));
    assert_true(aksnet__cidr_nth(&c, 256, &ip));
    assert_int_equal(ip, IP(10, 0, 1, 0));

    c = must_parse("0.0.0.0/0");
    assert_true(aksnet__cidr_nth(&c, UINT64_C(4294967295), &ip));
    assert_int_equal(ip, 0xffffffffu);
    assert_false(aksnet__cidr_nth(&c, UINT64_C(4294967296), &ip));

    c = must_parse("10.9.8.7/32");
    assert_true(aksnet__cidr_nth(&c, 0, &ip));
    assert_int_equal(ip, IP(10, 9, 8, 7));
    assert_false(aksnet__cidr_nth(&c, 1, &ip));
}

/* ---- containment and overlap ------------------------------------------------ */

static void test_contains(void **state)
{
    (void)state;
    struct aksnet__cidr v8 = must_parse("10.0.0.0/8");
    struct aksnet__cidr v16 = must_parse("10.1.0.0/16");
    struct aksnet__cidr other = must_parse("11.0.0.0/8");
    struct aksnet__cidr all = must_parse("0.0.0.0/0");
    struct aksnet__cidr host = must_parse("255.255.255.255/32");
    struct aksnet__cidr v24 = must_parse("192.168.1.0/24");
    struct aksnet__cidr v16b = must_parse("192.168.0.0/16");

    assert_true(aksnet__cidr_contains(&v8, &v8));           /* self */
    assert_true(aksnet__cidr_contains(&v8, &v16));          /* sub */
    assert_false(aksnet__cidr_contains(&v16, &v8));         /* super */
    assert_false(aksnet__cidr_contains(&v8, &other));       /* disjoint */
    assert_false(aksnet__cidr_contains(&other, &v8));
    assert_true(aksnet__cidr_contains(&v16b, &v24));
    assert_false(aksnet__cidr_contains(&v24, &v16b));
    assert_false(aksnet__cidr_contains(&v8, &v24));

    const struct aksnet__cidr *every[] = {&v8, &v16, &other, &all, &host, &v24, &v16b};
    for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++)
        assert_true(aksnet__cidr_contains(&all, every[i]));
    assert_false(aksnet__cidr_contains(&v8, &all));
    assert_false(aksnet__cidr_contains(&host, &all));
    assert_true(aksnet__cidr_contains(&host, &host));
}

static void test_contains_ip(void **state)
{
    (void)state;
    struct aksnet__cidr v8 = must_parse("10.0.0.0/8");
    assert_true(aksnet__cidr_contains_ip(&v8, IP(10, 0, 0, 0)));
    assert_true(aksnet__cidr_contains_ip(&v8, IP(10, 255, 255, 255)));
    assert_false(aksnet__cidr_contains_ip(&v8, IP(11, 0, 0, 0)));
    assert_false(aksnet__cidr_contains_ip(&v8, IP(9, 255, 255, 255)));

    struct aksnet__cidr all = must_parse("0.0.0.0/0");
    assert_true(aksnet__cidr_contains_ip(&all, 0));
    assert_true(aksnet__cidr_contains_ip(&all, 0xffffffffu));

    struct aksnet__cidr host = must_parse("192.168.0.4/32");
    assert_true(aksnet__cidr_contains_ip(&host, IP(192, 168, 0, 4)));
    assert_false(aksnet__cidr_contains_ip(&host, IP(192, 168, 0, 5)));
}

static void test_overlaps(void **state)
{
    (void)state;
    struct aksnet__cidr a = must_parse("10.0.0.0/24");
    struct aksnet__cidr b = must_parse("10.0.1.0/24");  /* adjacent to a */
    struct aksnet__cidr ab = must_parse("10.0.0.0/23"); /* covers both */
    struct aksnet__cidr far = must_parse("192.168.0.0/16");
    struct aksnet__cidr all = must_parse("0.0.0.0/0");
    struct aksnet__cidr svc = must_parse("10.0.0.0/16");
    struct aksnet__cidr pod = must_parse("10.244.0.0/16");

    assert_false(aksnet__cidr_overlaps(&a, &b));
    assert_false(aksnet__cidr_overlaps(&b, &a));
    assert_true(aksnet__cidr_overlaps(&a, &ab));
    assert_true(aksnet__cidr_overlaps(&ab, &a));
    assert_true(aksnet__cidr_overlaps(&b, &ab));
    assert_true(aksnet__cidr_overlaps(&ab, &b));
    assert_true(aksnet__cidr_overlaps(&a, &a));
    assert_false(aksnet__cidr_overlaps(&a, &far));
    assert_false(aksnet__cidr_overlaps(&far, &a));
    assert_true(aksnet__cidr_overlaps(&all, &far));
    assert_true(aksnet__cidr_overlaps(&far, &all));
    assert_false(aksnet__cidr_overlaps(&svc, &pod));
    assert_false(aksnet__cidr_overlaps(&pod, &svc));

    /* adjacent /16s at a /15 boundary */
    struct aksnet__cidr lo = must_parse("10.1.0.0/16");
    struct aksnet__cidr hi = must_parse("10.2.0.0/16");
    assert_false(aksnet__cidr_overlaps(&lo, &hi));
    assert_false(aksnet__cidr_overlaps(&hi, &lo));
}

static void test_count_subnets(void **state)
{
    (void)state;
    struct aksnet__cidr c = must_parse("10.0.0.0/16");
    assert_int_equal(aksnet__cidr_count_subnets(&c, 24), 256);
    assert_int_equal(aksnet__cidr_count_subnets(&c, 16), 1);
    assert_int_equal(aksnet__cidr_count_subnets(&c, 32), 65536);
    assert_int_equal(aksnet__cidr_count_subnets(&c, 8), 0);
    assert_int_equal(aksnet__cidr_count_subnets(&c, 15), 0);
    assert_int_equal(aksnet__cidr_count_subnets(&c, 33), 0);

    c = must_parse("0.0.0.0/0");
    assert_int_equal(aksnet__cidr_count_subnets(&c, 32), UINT64_C(4294967296));
    assert_int_equal(aksnet__cidr_count_subnets(&c, 0), 1);

    c = must_parse("10.244.0.0/16");
    assert_int_equal(aksnet__cidr_count_subnets(&c, 24), 256);
}

/* ---- free blocks among taken ranges ----------------------------------------- */

static struct aksnet__cidr_span span(const char *text)
{
    struct aksnet__cidr c = must_parse(text);
    return aksnet__cidr_span_of(&c);
}

static void test_spans_merge(void **state)
{
    (void)state;
    struct aksnet__cidr_span s[] = {span("10.0.2.0/24"), span("10.0.0.0/24"), span("10.0.1.0/24"),
                                    span("10.0.0.128/25"), span("192.168.0.0/16"), span("10.0.8.0/21")};
    size_t n = aksnet__cidr_spans_merge(s, 6);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].first, IP(10, 0, 0, 0));     /* 0/24, 1/24, 2/24 touch: one span */
    assert_int_equal(s[0].last, IP(10, 0, 2, 255));
    assert_int_equal(s[1].first, IP(10, 0, 8, 0));
    assert_int_equal(s[1].last, IP(10, 0, 15, 255));
    assert_int_equal(s[2].first, IP(192, 168, 0, 0));
    assert_int_equal(aksnet__cidr_spans_merge(s, 0), 0);

    /* The whole address space and the top address merge without wrapping. */
    struct aksnet__cidr_span t[] = {span("255.255.255.255/32"), span("0.0.0.0/0"), span("255.0.0.0/8")};
    assert_int_equal(aksnet__cidr_spans_merge(t, 3), 1);
    assert_int_equal(t[0].first, 0);
    assert_int_equal(t[0].last, 0xffffffffu);
}

static void test_first_free(void **state)
{
    (void)state;
    struct aksnet__cidr vnet = must_parse("10.0.0.0/16"), out;
    struct aksnet__cidr_span s[] = {span("10.0.0.0/24"), span("10.0.1.0/26"), span("10.0.2.0/23")};
    size_t n = aksnet__cidr_spans_merge(s, 3);
    /* A /26 fits right after 10.0.1.0/26; a /24 only after 10.0.3.255; a /23 at 10.0.4.0. */
    assert_true(aksnet__cidr_first_free(&vnet, s, n, 26, &out));
    assert_int_equal(out.addr, IP(10, 0, 1, 64));
    assert_int_equal(out.len, 26);
    assert_true(aksnet__cidr_first_free(&vnet, s, n, 24, &out));
    assert_int_equal(out.addr, IP(10, 0, 4, 0));
    assert_true(aksnet__cidr_first_free(&vnet, s, n, 23, &out));
    assert_int_equal(out.addr, IP(10, 0, 4, 0));
    assert_true(aksnet__cidr_first_free(&vnet, s, n, 22, &out));
    assert_int_equal(out.addr, IP(10, 0, 4, 0));
    assert_true(aksnet__cidr_first_free(&vnet, s, n, 21, &out));
    assert_int_equal(out.addr, IP(10, 0, 8, 0));
    /* The whole VNet is not free, nor is anything longer than it is wide. */
    assert_false(aksnet__cidr_first_free(&vnet, s, n, 16, &out));
    assert_false(aksnet__cidr_first_free(&vnet, s, n, 15, &out));
    assert_false(aksnet__cidr_first_free(&vnet, s, n, 33, &out));
    /* Nothing taken: the VNet itself. */
    assert_true(aksnet__cidr_first_free(&vnet, NULL, 0, 16, &out));
    assert_int_equal(out.addr, IP(10, 0, 0, 0));
    /* Taken ranges outside `within` do not matter; one covering it does. */
    struct aksnet__cidr_span far[] = {span("9.0.0.0/8"), span("11.0.0.0/8")};
    assert_true(aksnet__cidr_first_free(&vnet, far, 2, 16, &out));
    struct aksnet__cidr_span all[] = {span("10.0.0.0/8")};
    assert_false(aksnet__cidr_first_free(&vnet, all, 1, 32, &out));
    /* At the top of the address space. */
    struct aksnet__cidr top = must_parse("255.255.255.0/24");
    struct aksnet__cidr_span low[] = {span("255.255.255.0/25")};
    assert_true(aksnet__cidr_first_free(&top, low, 1, 25, &out));
    assert_int_equal(out.addr, IP(255, 255, 255, 128));
    struct aksnet__cidr whole = must_parse("0.0.0.0/0");
    assert_true(aksnet__cidr_first_free(&whole, NULL, 0, 0, &out));
    assert_int_equal(out.len, 0);
}

static void test_largest_free(void **state)
{
    (void)state;
    struct aksnet__cidr vnet = must_parse("10.0.0.0/24"), out;
    /* Free: 10.0.0.64/26, 10.0.0.129..10.0.0.255 (largest aligned: 10.0.0.192/26, but .64/26 comes first). */
    struct aksnet__cidr_span s[] = {span("10.0.0.0/26"), span("10.0.0.128/32")};
    assert_true(aksnet__cidr_largest_free(&vnet, s, 2, &out));
    assert_int_equal(out.addr, IP(10, 0, 0, 64));
    assert_int_equal(out.len, 26);
    /* A larger block later wins over a smaller one earlier. */
    struct aksnet__cidr_span t[] = {span("10.0.0.0/27"), span("10.0.0.64/26")};
    assert_true(aksnet__cidr_largest_free(&vnet, t, 2, &out));
    assert_int_equal(out.addr, IP(10, 0, 0, 128));
    assert_int_equal(out.len, 25);
    /* An unaligned gap: 10.0.0.1..10.0.0.254 holds at most a /25 (.128/25 is cut by .255) - a /26. */
    struct aksnet__cidr_span u[] = {span("10.0.0.0/32"), span("10.0.0.255/32")};
    assert_true(aksnet__cidr_largest_free(&vnet, u, 2, &out));
    assert_int_equal(out.addr, IP(10, 0, 0, 64));
    assert_int_equal(out.len, 26);
    assert_true(aksnet__cidr_largest_free(&vnet, NULL, 0, &out));
    assert_int_equal(out.len, 24);
    struct aksnet__cidr_span all[] = {span("10.0.0.0/24")};
    assert_false(aksnet__cidr_largest_free(&vnet, all, 1, &out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_null),
        cmocka_unit_test(test_parse_host_bits_keeps_address),
        cmocka_unit_test(test_parse_strerror),
        cmocka_unit_test(test_ip_parse),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_last),
        cmocka_unit_test(test_nth),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_contains_ip),
        cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_count_subnets),
        cmocka_unit_test(test_spans_merge),
        cmocka_unit_test(test_first_free),
        cmocka_unit_test(test_largest_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
