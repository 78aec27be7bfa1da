#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-manifests.py - validates an export folder: every file parses as YAML, every
# VirtualMachine, DataVolume (template) and NetworkAttachmentDefinition against its JSON schema,
# core kinds (no schema of theirs here) by minimal structural checks of their required fields and
# of the references between objects, and kustomization.yaml lists exactly the files.
# Usage: check-manifests.py SCHEMADIR EXPORTDIR. Exit 0 when valid, 1 with one line per problem,
# 77 when python3-jsonschema or python3-yaml is missing.
import base64
import json
import os
import re
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


NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Top-level fields of the core kinds (Kubernetes API reference); anything else is a typo.
CORE_FIELDS = {
    "ConfigMap": {"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"},
    "Secret": {"apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable"},
    "Service": {"apiVersion", "kind", "metadata", "spec"},
    "PersistentVolumeClaim": {"apiVersion", "kind", "metadata", "spec"},
    "Deployment": {"apiVersion", "kind", "metadata", "spec"},
}
CONTAINER_FIELDS = {"name", "image", "command", "args", "ports", "env", "volumeMounts",
                    "readinessProbe", "livenessProbe", "resources", "securityContext",
                    "imagePullPolicy", "workingDir"}
ACCESS_MODES = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}


def is_str_map(v):
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str)
                                       for k, x in v.items())


def check_core(doc, where, problems):
    """Required fields of the core kinds, as the API server would reject them."""
    kind = doc["kind"]
    for k in doc:
        if k not in CORE_FIELDS[kind]:
            problems.append(f"{where}: unknown field {k} in a {kind}")
    spec = doc.get("spec", {})
    if kind == "ConfigMap" and not is_str_map(doc.get("data", {})):
        problems.append(f"{where}: data must map keys to strings")
    if kind == "ConfigMap":
        for k, v in doc.get("data", {}).items():
            if k.endswith(".json"):
                try:
                    json.loads(v)
                except ValueError as e:
                    problems.append(f"{where}: data.{k}: not JSON: {e}")
    if kind == "Secret":
        if not is_str_map(doc.get("stringData", {})) or not is_str_map(doc.get("data", {})):
            problems.append(f"{where}: data and stringData must map keys to strings")
        for k, v in doc.get("data", {}).items():
            try:
                base64.b64decode(v, validate=True)
            except ValueError:
                problems.append(f"{where}: data.{k}: not base64")
    if kind == "Service":
        ports = spec.get("ports")
        if not isinstance(ports, list) or not ports:
            problems.append(f"{where}: spec.ports missing")
        for i, p in enumerate(ports or []):
            if not isinstance(p.get("port"), int) or not 0 < p["port"] < 65536:
                problems.append(f"{where}: spec.ports[{i}].port must be a port number")
        if not is_str_map(spec.get("selector")) or not spec.get("selector"):
            problems.append(f"{where}: spec.selector must be a label map")
    if kind == "PersistentVolumeClaim":
        modes = spec.get("accessModes")
        if not isinstance(modes, list) or not modes or not set(modes) <= ACCESS_MODES:
            problems.append(f"{where}: spec.accessModes must list access modes")
        if not isinstance(spec.get("resources", {}).get("requests", {}).get("storage"), str):
            problems.append(f"{where}: spec.resources.requests.storage missing")
    if kind == "Deployment":
        sel = spec.get("selector", {}).get("matchLabels")
        tmpl = spec.get("template", {})
        labels = tmpl.get("metadata", {}).get("labels", {})
        if not is_str_map(sel) or not sel or any(labels.get(k) != v for k, v in sel.items()):
            problems.append(f"{where}: spec.selector.matchLabels must match the template labels")
        pod = tmpl.get("spec", {})
        containers = pod.get("containers")
        if not isinstance(containers, list) or not containers:
            problems.append(f"{where}: spec.template.spec.containers missing")
        volumes = {v.get("name") for v in pod.get("volumes", [])}
        for i, c in enumerate(containers or []):
            if not c.get("name") or not c.get("image"):
                problems.append(f"{where}: containers[{i}] needs name and image")
            for k in c:
                if k not in CONTAINER_FIELDS:
                    problems.append(f"{where}: containers[{i}]: unknown field {k}")
            for m in c.get("volumeMounts", []):
                if m.get("name") not in volumes or not m.get("mountPath", "").startswith("/"):
                    problems.append(f"{where}: containers[{i}]: mount {m} names no volume")


def check_refs(docs, problems):
    """Objects that name each other: a Service selects a Deployment's pods, a pod's Secret and
    ConfigMap volumes (and their items) exist in the export, a hook sidecar's ConfigMap too."""
    by_kind = {}
    for where, d in docs:
        by_kind.setdefault(d.get("kind"), {})[d["metadata"]["name"]] = d
    pods = [d["spec"]["template"]["metadata"].get("labels", {})
            for d in by_kind.get("Deployment", {}).values()]
    for name, svc in by_kind.get("Service", {}).items():
        sel = svc.get("spec", {}).get("selector", {})
        if not any(all(p.get(k) == v for k, v in sel.items()) for p in pods):
            problems.append(f"Service {name}: its selector matches no Deployment's pods")
    for name, dep in by_kind.get("Deployment", {}).items():
        for v in dep["spec"]["template"]["spec"].get("volumes", []):
            for kind, key, ref in (("Secret", "secret", "secretName"),
                                   ("ConfigMap", "configMap", "name")):
                if key not in v:
                    continue
                obj = by_kind.get(kind, {}).get(v[key].get(ref))
                if obj is None:
                    problems.append(f"Deployment {name}: volume {v['name']}: no {kind} "
                                    f"{v[key].get(ref)} in the export")
                    continue
                have = set(obj.get("data", {})) | set(obj.get("stringData", {}))
                for item in v[key].get("items", []):
                    if item.get("key") not in have:
                        problems.append(f"Deployment {name}: volume {v['name']}: {kind} has "
                                        f"no key {item.get('key')}")
    for name, vm in by_kind.get("VirtualMachine", {}).items():
        ann = vm["spec"]["template"].get("metadata", {}).get("annotations", {})
        for h in json.loads(ann.get("hooks.kubevirt.io/hookSidecars", "[]")):
            cm = h.get("configMap")
            if cm and cm.get("key") not in by_kind.get("ConfigMap", {}).get(
                    cm.get("name"), {}).get("data", {}):
                problems.append(f"VirtualMachine {name}: hook ConfigMap {cm.get('name')} "
                                f"lacks key {cm.get('key')}")


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
    else:
        check_core(doc, where, problems)
    if not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
        problems.append(f"{where}: metadata.name missing")
    elif not NAME.match(doc["metadata"]["name"]) or len(doc["metadata"]["name"]) > 253:
        problems.append(f"{where}: metadata.name {doc['metadata']['name']!r} is not a DNS name")
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
    every = []
    for name in sorted(present):
        with open(os.path.join(export_dir, name)) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for d in docs:
            validate(schema_dir, d, name, problems)
            every.append((name, d))
            count += 1
    if not problems:
        check_refs(every, problems)
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {count} objects valid")
    return 1 if problems else 0


sys.exit(main())
