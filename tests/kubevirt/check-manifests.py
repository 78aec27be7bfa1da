#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-manifests.py - validates an export folder: every file parses as YAML, every
# VirtualMachine, DataVolume (template) and NetworkAttachmentDefinition against its JSON schema,
# core kinds for apiVersion/kind/metadata.name, and kustomization.yaml lists exactly the files.
# Usage: check-manifests.py SCHEMADIR EXPORTDIR. Exit 0 when valid, 1 with one line per problem,
# 77 when python3-jsonschema or python3-yaml is missing.
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)

SCHEMAS = {
    ("kubevirt.io/v1", "VirtualMachine"): "kubevirt.io_virtualmachine_v1.json",
    ("cdi.kubevirt.io/v1beta1", "DataVolume"): "cdi.kubevirt.io_datavolume_v1beta1.json",
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"):
        "k8s.cni.cncf.io_networkattachmentdefinition_v1.json",
}
CORE = {("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"),
        ("v1", "PersistentVolumeClaim"), ("apps/v1", "Deployment")}


def validate(schema_dir, doc, where, problems):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in SCHEMAS:
        with open(os.path.join(schema_dir, SCHEMAS[key])) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        for err in cls(schema).iter_errors(doc):
            path = "/".join(str(p) for p in err.absolute_path)
            problems.append(f"{where}: {path}: {err.message}")
    elif key not in CORE:
        problems.append(f"{where}: unknown apiVersion/kind {key}")
    if not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
        problems.append(f"{where}: metadata.name missing")
    if key == ("kubevirt.io/v1", "VirtualMachine"):
        for i, t in enumerate(doc["spec"].get("dataVolumeTemplates", [])):
            dv = {"apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", **t}
            validate(schema_dir, dv, f"{where}: dataVolumeTemplates[{i}]", problems)
        ann = doc["spec"]["template"].get("metadata", {}).get("annotations", {})
        hooks = ann.get("hooks.kubevirt.io/hookSidecars")
        if hooks is not None and not isinstance(json.loads(hooks), list):
            problems.append(f"{where}: hookSidecars is not a JSON list")
    if key == ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"):
        conf = json.loads(doc["spec"]["config"])
        if "type" not in conf or "cniVersion" not in conf:
            problems.append(f"{where}: spec.config lacks type or cniVersion")


def main():
    schema_dir, export_dir = sys.argv[1], sys.argv[2]
    problems = []
    with open(os.path.join(export_dir, "kustomization.yaml")) as f:
        kust = yaml.safe_load(f)
    listed = set(kust["resources"])
    present = {n for n in os.listdir(export_dir)
               if n.endswith(".yaml") and n != "kustomization.yaml"}
    if listed != present:
        problems.append(f"kustomization.yaml lists {sorted(listed)}, folder has {sorted(present)}")
    count = 0
    for name in sorted(present):
        with open(os.path.join(export_dir, name)) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for d in docs:
            validate(schema_dir, d, name, problems)
            count += 1
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {count} objects valid")
    return 1 if problems else 0


sys.exit(main())
