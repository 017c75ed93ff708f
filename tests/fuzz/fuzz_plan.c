/*
 * fuzz_plan.c - libFuzzer target for everything a plan file reaches: the
 * reader (UTF-8 check, JSON, schema walk), the defaults and every rule of
 * the validator.  `make fuzz` runs it from the examples and the corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "aksnet/plan.h"
#include "aksnet/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aksnet_findings findings;
    struct aksnet_plan *plan = NULL;
    aksnet_findings_init(&findings);
    if (aksnet_plan_load_buffer((const char *)data, size, "fuzz", &plan, &findings) == AKSNET_OK &&
        aksnet_plan_apply_defaults(plan, "00000000-0000-0000-0000-000000000000") == AKSNET_OK)
        aksnet_validate_plan(plan, &findings);
    aksnet_plan_free(plan);
    aksnet_findings_free(&findings);
    return 0;
}
