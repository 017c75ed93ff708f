/*
 * tags.c - ARM's limits on tags, checked before anything is stored: on the
 * PUT of a tracked resource or a resource group, and on a PATCH of tags.
 *
 * The limits are those of learn.microsoft.com/azure/azure-resource-manager/
 * management/tag-resources, "Limitations": at most 50 tag name-value pairs;
 * a name of at most 512 characters that contains none of < > % & \ ? /; a
 * value of at most 256 characters.  ARM's answers (all 400):
 *   InvalidTagNameCharacters  "The tag names 'a/b' have reserved characters
 *       '<,>,%,&,\,?,/' or control characters.": ARM's answer as the Azure
 *       CLI prints it in MicrosoftDocs/azure-docs-cli, docs-ref-conceptual/
 *       get-started-tutorial-2-work-in-both-bash-and-powershell.md.  Control
 *       characters are refused too, as that message says.
 *   InvalidTagValueLength  "Tag value too large.  Following tag value '...'
 *       exceeded the maximum length. Maximum allowed length for tag value -
 *       '256' characters.": ARM's answer quoted in
 *       Azure-Samples/azure-search-openai-demo#1997.
 *   InvalidTagName (a name too long, empty or only blanks) and InvalidTags
 *       (more than 50): a guess.  These are the codes and messages that Azure
 *       PowerShell's Az.Migrate raises when it checks tags the way ARM does
 *       before sending them (Migrate.Autorest/custom/
 *       New-AzMigrateServerReplication.ps1, which words the two above as ARM
 *       does); no answer of ARM itself with them was found.
 * Lengths are counted as ARM (.NET) counts a string: in UTF-16 code units,
 * which is also a guess for characters outside the Basic Multilingual Plane.
 *
 * Depends on: util.c (mock_reply_error()).
 */
#include <string.h>

#include "mock.h"

#define TAGS_MAX 50
#define TAG_NAME_MAX 512
#define TAG_VALUE_MAX 256

/* The rules ARM checks tag by tag, each with its own answer. */
enum tag_rule { TAG_NAME_CHARS, TAG_NAME_LENGTH, TAG_VALUE_LENGTH };

/* .NET's string length of UTF-8 text (already checked to be well-formed): one unit a character, two above U+FFFF. */
static size_t utf16_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue; /* a continuation byte */
        n += *p >= 0xf0 ? 2 : 1;
    }
    return n;
}

/* String.IsNullOrWhiteSpace, for the ASCII blanks a name is likely to hold. */
static bool blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n\v\f", *s))
            return false;
    return true;
}

/* The characters the tag-resources page reserves, and the control characters ARM's message adds. */
static bool reserved_chars(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr("<>%&\\?/", *p))
            return true;
    return false;
}

/* ARM names every offending tag, joined by ", ", as the messages above do; the list is cut when long. */
static void append(char *list, size_t size, const char *item)
{
    size_t used = strlen(list);
    if (used + 8 < size)
        snprintf(list + used, size - used, "%s%s", used ? ", " : "", item);
}

/* Every tag checked against one rule: true when some tag breaks it, with their names (or values) in list. */
static bool collect(const cJSON *tags, enum tag_rule rule, char *list, size_t size)
{
    const cJSON *tag;
    list[0] = '\0';
    bool found = false;
    cJSON_ArrayForEach(tag, tags) {
        const char *name = tag->string ? tag->string : "";
        const char *value = cJSON_IsString(tag) ? tag->valuestring : NULL;
        bool bad = (rule == TAG_NAME_CHARS && reserved_chars(name)) ||
                   (rule == TAG_NAME_LENGTH && utf16_length(name) > TAG_NAME_MAX) ||
                   (rule == TAG_VALUE_LENGTH && value && utf16_length(value) > TAG_VALUE_MAX);
        if (bad)
            append(list, size, rule == TAG_VALUE_LENGTH ? value : name);
        found = found || bad;
    }
    return found;
}

/* ARM's checks in the order Az.Migrate makes them: the count, empty names, characters, then the lengths. */
bool mock_check_tags(const cJSON *tags, struct mock_response *rs)
{
    if (!cJSON_IsObject(tags))
        return true; /* absent or null: no tags (the callers refuse other types) */
    int count = cJSON_GetArraySize(tags);
    if (count > TAGS_MAX) {
        mock_reply_error(rs, 400, "InvalidTags",
                         "Too many tags specified. Requested tag count - '%d'. Maximum number of tags allowed - "
                         "'%d'.", count, TAGS_MAX);
        return false;
    }
    const cJSON *tag;
    cJSON_ArrayForEach(tag, tags) {
        if (!tag->string || blank(tag->string)) {
            mock_reply_error(rs, 400, "InvalidTagName",
                             "The tag name must be non-null, non-empty and non-whitespace only. Please provide an "
                             "actual value.");
            return false;
        }
    }
    char list[2048];
    if (collect(tags, TAG_NAME_CHARS, list, sizeof(list))) {
        mock_reply_error(rs, 400, "InvalidTagNameCharacters",
                         "The tag names '%s' have reserved characters '<,>,%%,&,\\,?,/' or control characters.", list);
        return false;
    }
    if (collect(tags, TAG_NAME_LENGTH, list, sizeof(list))) {
        mock_reply_error(rs, 400, "InvalidTagName",
                         "Tag key too large. Following tag name '%s' exceeded the maximum length. Maximum allowed "
                         "length for tag name - '%d' characters.", list, TAG_NAME_MAX);
        return false;
    }
    if (collect(tags, TAG_VALUE_LENGTH, list, sizeof(list))) {
        mock_reply_error(rs, 400, "InvalidTagValueLength",
                         "Tag value too large.  Following tag value '%s' exceeded the maximum length. Maximum "
                         "allowed length for tag value - '%d' characters.", list, TAG_VALUE_MAX);
        return false;
    }
    return true;
}
