/*
 * aksnet/version.h - which libaksnet, and what it runs with.
 */
#ifndef AKSNET_VERSION_H
#define AKSNET_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/** The version of these headers. */
#define AKSNET_VERSION "0.2.0"

/** What aksnet_version_info reports. */
struct aksnet_version_info {
    const char *version;  /**< the library's version, AKSNET_VERSION when built */
    const char *commit;   /**< the git commit it was built from, or "unknown" */
    const char *curl;     /**< libcurl's version at run time, e.g. "7.88.1" */
    const char *openssl;  /**< OpenSSL's version at run time, e.g. "OpenSSL 3.0.15 3 Sep 2024" */
    const char *cjson;    /**< cJSON's version at run time, e.g. "1.7.15" */
};

/**
 * The versions of the library and of the libraries it runs with (which may
 * differ from those it was built against).  Static strings: nothing to free.
 */
void aksnet_version_info(struct aksnet_version_info *out);

#ifdef __cplusplus
}
#endif
#endif
