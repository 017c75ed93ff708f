#!/usr/bin/env python3
"""Extract the request-body models aksnet sends from the official OpenAPI specs.

Usage:
    scripts/extract-spec-models.py SPECS_ROOT OUT_DIR [--date YYYY-MM-DD]

SPECS_ROOT is a checkout of https://github.com/Azure/azure-rest-api-specs (the
directory that holds specification/).  For each body aksnet builds, the model
named in MODELS below is resolved into one compact JSON file OUT_DIR/<name>.json:

    {"source": "Azure/azure-rest-api-specs <path> (read <date>)",
     "model": "<definition>", "apiVersion": "<version>",
     "schema": <node>}

A node keeps only what a body check needs: "type", "properties", "required",
"items", "additionalProperties", "enum", "format", "readOnly", and of an
"x-ms-enum" only {"modelAsString": bool} (true: an extensible enum, whose
"enum" lists the known values and any string is valid).  $ref is resolved
inline (across files) and allOf merged into the node.  Two cuts keep the output
small and finite:
  * a readOnly member becomes {"readOnly": true[, "type"]}: a request must never
    send it, so its shape does not matter;
  * a $ref already being expanded above becomes {"type": "object",
    "x-recursive": "<definition>"}.
A $ref whose file or definition is missing from SPECS_ROOT becomes
{"x-unresolved": "<file>#/definitions/<name>"} and is reported on stderr: the
member is declared, but its shape was not extracted.

Spec files are read as JSON; a trailing comma before } or ] (seen in some
published files) is tolerated.  Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import sys

# name -> (spec file under SPECS_ROOT, definition, api-version)
MODELS = {
    "resourceGroup": (
        "specification/resources/resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json",
        "ResourceGroup", "2021-04-01"),
    "routeTable": (
        "specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/routeTable.json",
        "RouteTable", "2024-05-01"),
    "virtualNetwork": (
        "specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/virtualNetwork.json",
        "VirtualNetwork", "2024-05-01"),
    "subnet": (
        "specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/virtualNetwork.json",
        "Subnet", "2024-05-01"),
    "userAssignedIdentity": (
        "specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json",
        "Identity", "2023-01-31"),
    "roleAssignment": (
        "specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/"
        "authorization-RoleAssignmentsCalls.json",
        "RoleAssignmentCreateParameters", "2022-04-01"),
    "managedCluster": (
        "specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2024-09-01/"
        "managedClusters.json",
        "ManagedCluster", "2024-09-01"),
}

KEPT = ("type", "format", "enum")

NOTE = ("$ref resolved inline, allOf merged; a readOnly member is cut to its flag; "
        "x-recursive: a definition already expanded above; x-unresolved: a declared member "
        "whose definition was not extracted (a body must not enter it); x-ms-enum keeps only "
        "modelAsString (true: any string is valid, enum lists the known values)")


def strip_trailing_commas(text):
    """Drop a ',' that is followed (after blanks) by '}' or ']', outside strings."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] not in "}]":
                out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


class Resolver:
    """Loads spec files on demand and resolves definitions into compact nodes."""

    def __init__(self, root):
        self.root = root
        self.files = {}
        self.unresolved = set()

    def load(self, path):
        if path not in self.files:
            full = os.path.join(self.root, path)
            try:
                with open(full, encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                self.files[path] = None
                return None
            try:
                self.files[path] = json.loads(text)
            except json.JSONDecodeError:
                self.files[path] = json.loads(strip_trailing_commas(text))
        return self.files[path]

    def target(self, ref, here):
        """(file, definition name) of a $ref seen in file `here`."""
        file_part, _, frag = ref.partition("#")
        path = os.path.normpath(os.path.join(os.path.dirname(here), file_part)) if file_part else here
        prefix = "/definitions/"
        if not frag.startswith(prefix):
            raise ValueError("unsupported $ref %r in %s" % (ref, here))
        return path, frag[len(prefix):]

    def definition(self, path, name, stack):
        key = (path, name)
        if key in stack:
            return {"type": "object", "x-recursive": name}
        spec = self.load(path)
        node = (spec or {}).get("definitions", {}).get(name)
        if node is None:
            label = "%s#/definitions/%s" % (path, name)
            self.unresolved.add(label)
            return {"x-unresolved": label}
        return self.node(node, path, stack + (key,))

    def node(self, raw, here, stack):
        """Resolve one schema node: $ref inline, allOf merged, members compacted."""
        out = {}
        if "$ref" in raw:
            out.update(self.definition(*self.target(raw["$ref"], here), stack))
        for part in raw.get("allOf", []):
            merge(out, self.node(part, here, stack))
        for k in KEPT:
            if k in raw:
                out[k] = raw[k]
        if isinstance(raw.get("x-ms-enum"), dict):
            out["x-ms-enum"] = {"modelAsString": raw["x-ms-enum"].get("modelAsString") is True}
        if raw.get("readOnly") is True:
            out["readOnly"] = True
        props = raw.get("properties")
        if isinstance(props, dict):
            dest = out.setdefault("properties", {})
            for name, sub in props.items():
                dest[name] = self.member(sub, here, stack)
        if raw.get("required"):
            out["required"] = sorted(set(out.get("required", [])) | set(raw["required"]))
        if isinstance(raw.get("items"), dict):
            out["items"] = self.node(raw["items"], here, stack)
        extra = raw.get("additionalProperties")
        if isinstance(extra, dict):
            out["additionalProperties"] = self.node(extra, here, stack)
        elif extra is True:
            out["additionalProperties"] = {}
        if "type" not in out and "properties" in out:
            out["type"] = "object"
        return out

    def member(self, raw, here, stack):
        """A property: read-only ones are cut to their flag (and type, when known)."""
        if raw.get("readOnly") is True:
            cut = {"readOnly": True}
            if "type" in raw:
                cut["type"] = raw["type"]
            return cut
        return self.node(raw, here, stack)


def merge(into, part):
    """allOf: properties and required accumulate, the rest is taken if not set."""
    for k, v in part.items():
        if k == "properties":
            into.setdefault("properties", {}).update(v)
        elif k == "required":
            into["required"] = sorted(set(into.get("required", [])) | set(v))
        else:
            into.setdefault(k, v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs_root")
    ap.add_argument("out_dir")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    args = ap.parse_args()

    resolver = Resolver(args.specs_root)
    os.makedirs(args.out_dir, exist_ok=True)
    for name, (path, model, version) in sorted(MODELS.items()):
        if resolver.load(path) is None:
            sys.exit("%s: cannot read %s" % (name, os.path.join(args.specs_root, path)))
        schema = resolver.definition(path, model, ())
        doc = {
            "source": "Azure/azure-rest-api-specs %s (read %s)" % (path, args.date),
            "model": model,
            "apiVersion": version,
            "note": NOTE,
            "schema": schema,
        }
        with open(os.path.join(args.out_dir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
    for label in sorted(resolver.unresolved):
        print("not extracted: %s" % label, file=sys.stderr)


if __name__ == "__main__":
    main()
