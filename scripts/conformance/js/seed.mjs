// seed.mjs - the seed's procedure by the official Azure SDK for JavaScript,
// against aksnet-mock: resource group, VNet with subnet, route table and its
// association, user-assigned identity, Network Contributor for it on the
// VNet and the route table, then the kubenet cluster with Calico.
//
// Input from the environment (scripts/conformance-js.sh sets it):
//   AKSNET_MOCK_URL        https://127.0.0.1:PORT, both the authority and ARM
//   AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_SUBSCRIPTION_ID
//   NODE_EXTRA_CA_CERTS    the mock's CA (read by Node.js itself)
// One line per step on stderr; exit 1 with the SDK's error on any failure.
// The secret and the tokens are never printed.
import { randomUUID } from "node:crypto";
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { NetworkManagementClient } from "@azure/arm-network";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerServiceClient } from "@azure/arm-containerservice";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`seed.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const url = need("AKSNET_MOCK_URL");
const sub = need("AZURE_SUBSCRIPTION_ID");
const quiet = !!process.env.CF_QUIET;
const step = (text) => quiet || console.error(`conformance-js: ${text}`);

// The authority is the mock; instance discovery would ask login.microsoftonline.com.
const credential = new ClientSecretCredential(
  need("AZURE_TENANT_ID"), need("AZURE_CLIENT_ID"), need("AZURE_CLIENT_SECRET"),
  { authorityHost: url, disableInstanceDiscovery: true });
// Every client sends to the mock and asks for a token for it ("<url>/.default").
const options = { endpoint: url };

const rg = "myResourceGroup", location = "chinaeast2";
const resources = new ResourceManagementClient(credential, sub, options);
const network = new NetworkManagementClient(credential, sub, options);
const msi = new ManagedServiceIdentityClient(credential, sub, options);
const authz = new AuthorizationManagementClient(credential, sub, options);
const aks = new ContainerServiceClient(credential, sub, options);

async function main() {
  step(`resource group ${rg} in ${location}`);
  await resources.resourceGroups.createOrUpdate(rg, { location });

  step("VNet myAKSVnet 192.168.0.0/16 with subnet myAKSSubnet 192.168.1.0/24");
  await network.virtualNetworks.beginCreateOrUpdateAndWait(rg, "myAKSVnet", {
    location,
    addressSpace: { addressPrefixes: ["192.168.0.0/16"] },
    subnets: [{ name: "myAKSSubnet", addressPrefix: "192.168.1.0/24" }],
  });
  const subnet = await network.subnets.get(rg, "myAKSVnet", "myAKSSubnet");
  const vnetId = subnet.id.replace(/\/subnets\/[^/]+$/, "");

  step("route table myAKSRouteTable, associated with the subnet");
  const table = await network.routeTables.beginCreateOrUpdateAndWait(rg, "myAKSRouteTable", { location });
  await network.subnets.beginCreateOrUpdateAndWait(rg, "myAKSVnet", "myAKSSubnet", {
    ...subnet,
    routeTable: { id: table.id },
  });

  step("user-assigned identity myIdentity");
  const identity = await msi.userAssignedIdentities.createOrUpdate(rg, "myIdentity", { location });

  // The seed's page: the identity must be able to write the subnet and the
  // custom route table, or AKS refuses the cluster (CustomRouteTableMissingPermission).
  let roleId;
  for await (const role of authz.roleDefinitions.list(vnetId, { filter: "roleName eq 'Network Contributor'" })) {
    roleId = role.id;
  }
  if (!roleId) throw new Error("no role definition named Network Contributor");
  for (const scope of [vnetId, table.id]) {
    step(`Network Contributor for ${identity.principalId} on ${scope.split("/").pop()}`);
    await authz.roleAssignments.create(scope, randomUUID(), {
      roleDefinitionId: roleId,
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
    });
  }

  step("managed cluster myAKSCluster: kubenet, Calico, 3 nodes in myAKSSubnet, identity myIdentity");
  const cluster = await aks.managedClusters.beginCreateOrUpdateAndWait(rg, "myAKSCluster", {
    location,
    identity: { type: "UserAssigned", userAssignedIdentities: { [identity.id]: {} } },
    dnsPrefix: "myakscluster",
    agentPoolProfiles: [{
      name: "nodepool1", count: 3, vmSize: "Standard_DS2_v2", osType: "Linux", mode: "System",
      type: "VirtualMachineScaleSets", vnetSubnetID: subnet.id,
    }],
    networkProfile: {
      networkPlugin: "kubenet", networkPolicy: "calico",
      podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10",
    },
  });
  if (cluster.provisioningState !== "Succeeded") {
    throw new Error(`the cluster ended ${cluster.provisioningState}`);
  }
  step(`done: ${cluster.id}`);
}

main().catch((e) => {
  const code = e.code ? ` (${e.code}${e.statusCode ? `, HTTP ${e.statusCode}` : ""})` : "";
  console.error(`conformance-js: FAIL: ${e.message}${code}`);
  process.exit(1);
});
