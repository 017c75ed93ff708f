#!/bin/sh
# az-seed.sh - the seed's procedure by the Azure CLI, from `az login` to
# `az aks create`, against a cloud already registered in AZURE_CONFIG_DIR.
# Run by scripts/conformance-az.sh (which checks the result) and by
# scripts/bench-clients.sh (which times it).  Needs: CF_SUB, CF_RG, the
# AZURE_* variables of scripts/conformance/lib.sh, REQUESTS_CA_BUNDLE.
# See conformance-az.sh for why `az resource` and `az rest` stand in for
# `az network` and `az role` (Debian's azure-cli 2.45 cannot load them).
set -eu
CF_NAME=${CF_NAME:-az-seed}
. "$(dirname "$0")/lib.sh"
step() { [ -n "${CF_QUIET:-}" ] || cf_say "$*"; }
run() { "$@" || cf_die "'$*' failed"; }

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
    --ssh-key-value "$(cat "$(dirname "$0")/test-ssh-key.pub")" --skip-subnet-role-assignment --yes

