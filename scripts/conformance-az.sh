#!/bin/sh
# conformance-az.sh - the seed's procedure, command by command, by the Azure
# CLI (Debian's azure-cli) against aksnet-mock over HTTPS; then the
# cross-check: `aksnet plan` on the equivalent plan sees every resource, and
# `aksnet provision` brings them to the plan without recreating any.
#
#   scripts/conformance-az.sh            exit 0 when every step passed
#   LRO_SECONDS=1 scripts/...            every long-running operation takes 1 s
#   AKSNET_CONFORMANCE_KEEP=1            keep the temp dir (journal, CLI config)
#   CF_SKIP_CROSSCHECK=1                 only the CLI's run (used by make bench)
#
# Debian 12's azure-cli 2.45 cannot load `az network` nor `az role ...`: its
# bundled Python SDKs do not match the command modules, and both fail with an
# AttributeError before anything is sent.  Those requests are made with the
# same CLI's generic `az resource` and `az rest` (same MSAL login, same HTTP
# pipeline, same long-running-operation poller); `az aks create` gets
# --skip-subnet-role-assignment because its subnet role check goes through the
# broken role module (and retries for ~2 minutes before giving up).  Nothing
# else is worked around: a mock difference is fixed in the mock.
set -eu
cd "$(dirname "$0")/.."
CF_NAME=conformance-az
. scripts/conformance/lib.sh

scripts/install-deps.sh conformance
cf_build
cf_workdir
cf_start_mock "${LRO_SECONDS:-0}"

# An isolated CLI: its own config dir, the mock's CA plus the system's, no telemetry.
export AZURE_CONFIG_DIR="$CF_DIR/az" AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_NO_COLOR=1 \
    AZURE_CORE_ONLY_SHOW_ERRORS=1 AZURE_CORE_OUTPUT=none
cat "$CF_CA" /etc/ssl/certs/ca-certificates.crt >"$CF_DIR/bundle.pem"
export REQUESTS_CA_BUNDLE="$CF_DIR/bundle.pem"

step() { cf_say "$*"; }
run() { "$@" || cf_die "'$*' failed"; }

step "az cloud register (active directory at $CF_URL/adfs: MSAL skips instance discovery)"
run az cloud register -n AksnetMock --endpoint-resource-manager "$CF_URL/" \
    --endpoint-active-directory "$CF_URL/adfs" --endpoint-active-directory-resource-id "$CF_URL/" \
    --endpoint-active-directory-graph-resource-id "$CF_URL/" --endpoint-management "$CF_URL/"
run az cloud set -n AksnetMock

# The CLI takes a service principal's secret only as -p; it is a random
# throwaway valid for this mock alone.
step "az login --service-principal"
run az login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID"
run az account set -s "$CF_SUB"

step "az group create --name $CF_RG --location chinaeast2"
run az group create --name "$CF_RG" --location chinaeast2

NET=2024-05-01
step "VNet myAKSVnet 192.168.0.0/16, subnet myAKSSubnet 192.168.1.0/24 (az resource: az network is broken)"
run az resource create -g "$CF_RG" -n myAKSVnet --resource-type Microsoft.Network/virtualNetworks \
    --api-version $NET --is-full-object -p '{"location": "chinaeast2", "properties": {
        "addressSpace": {"addressPrefixes": ["192.168.0.0/16"]},
        "subnets": [{"name": "myAKSSubnet", "properties": {"addressPrefix": "192.168.1.0/24"}}]}}'

step "SUBNET_ID=\$(... subnet show --query id -o tsv)"
SUBNET_ID=$(az resource show -g "$CF_RG" --namespace Microsoft.Network --parent virtualNetworks/myAKSVnet \
    --resource-type subnets -n myAKSSubnet --api-version $NET --query id -o tsv) || cf_die "subnet show failed"
VNET_ID=${SUBNET_ID%/subnets/*}

step "route table myAKSRouteTable, associated with the subnet"
RT_ID=$(az resource create -g "$CF_RG" -n myAKSRouteTable --resource-type Microsoft.Network/routeTables \
    --api-version $NET --is-full-object -p '{"location": "chinaeast2", "properties": {}}' --query id -o tsv) ||
    cf_die "route table create failed"
run az resource update --ids "$SUBNET_ID" --api-version $NET --set "properties.routeTable={\"id\": \"$RT_ID\"}"

step "az identity create --name myIdentity"
IDENTITY=$(az identity create --name myIdentity --resource-group "$CF_RG" --query '[id, principalId]' -o tsv) ||
    cf_die "identity create failed"
IDENTITY_ID=$(echo "$IDENTITY" | sed -n 1p)
PRINCIPAL_ID=$(echo "$IDENTITY" | sed -n 2p)

# The seed's page: a user-assigned identity must be able to write the custom
# subnet (Network Contributor on the VNet, its command) and the custom route
# table (its "limits" list); AKS refuses the cluster otherwise
# (CustomRouteTableMissingPermission), so both scopes get the role.
AUTHZ=2022-04-01
ROLE_ID=$(az rest --method get --url "$VNET_ID/providers/Microsoft.Authorization/roleDefinitions?api-version=$AUTHZ&\$filter=roleName eq 'Network Contributor'" \
    --query 'value[0].id' -o tsv) || cf_die "role definition lookup failed"
[ -n "$ROLE_ID" ] || cf_die "no role definition named Network Contributor"
for scope in "$VNET_ID" "$RT_ID"; do
    step "Network Contributor for $PRINCIPAL_ID on ${scope##*/} (az rest: az role is broken)"
    run az rest --method put \
        --url "$scope/providers/Microsoft.Authorization/roleAssignments/$(cf_guid)?api-version=$AUTHZ" \
        --body "{\"properties\": {\"roleDefinitionId\": \"$ROLE_ID\", \"principalId\": \"$PRINCIPAL_ID\", \"principalType\": \"ServicePrincipal\"}}"
done

step "az aks create --network-plugin kubenet --network-policy calico --vnet-subnet-id ... --assign-identity ..."
run az aks create --resource-group "$CF_RG" --name myAKSCluster --node-count 3 \
    --network-plugin kubenet --network-policy calico --vnet-subnet-id "$SUBNET_ID" \
    --enable-managed-identity --assign-identity "$IDENTITY_ID" --dns-name-prefix myakscluster \
    --ssh-key-value "$(cat scripts/conformance/test-ssh-key.pub)" --skip-subnet-role-assignment --yes

cf_check_journal
cf_expect_seed_puts
cf_say "the Azure CLI ran the seed's procedure: every command succeeded"

[ -n "${CF_SKIP_CROSSCHECK:-}" ] || cf_crosscheck
cf_say "PASS"
