#!/usr/bin/env python3
"""A plain lister with the scan's strategy, to measure what one of its
optimisations is worth where the plugin has no switch for it: full objects
against metadata-only lists, everything else equal (aggregated discovery,
every listable type, CONCURRENCY types at a time, pages of CHUNK objects,
one kept-alive connection per worker). Prints the stuck objects it finds,
`group|kind|namespace|name` a line.

  bench-lister.py metadata|full [CONCURRENCY] [CHUNK]     (KUBECONFIG as written
                                                          by the test cluster)
"""
import base64
import concurrent.futures
import http.client
import json
import os
import re
import ssl
import sys
import tempfile
import threading
import urllib.parse

METADATA = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def kubeconfig():
    text = open(os.environ["KUBECONFIG"], encoding="utf-8").read()
    server = re.search(r"server: (\S+)", text).group(1)
    ca = re.search(r"certificate-authority-data: (\S+)", text)
    token = re.search(r"token: (\S+)", text).group(1)
    return urllib.parse.urlsplit(server), ca and base64.b64decode(ca.group(1)), token


URL, CA, TOKEN = kubeconfig()
local = threading.local()


def connection():
    if not hasattr(local, "conn"):
        if URL.scheme == "https":
            with tempfile.NamedTemporaryFile("wb", suffix=".pem") as f:
                f.write(CA)
                f.flush()
                context = ssl.create_default_context(cafile=f.name)
            local.conn = http.client.HTTPSConnection(URL.hostname, URL.port, context=context)
        else:
            local.conn = http.client.HTTPConnection(URL.hostname, URL.port)
    return local.conn


def get(path, accept):
    conn = connection()
    conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}", "Accept": accept})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status} {body[:200]!r}")
    return json.loads(body)


def types():
    """(group, version, plural, kind), each listable group/resource once, at its
    group's preferred version unless only another version serves it."""
    seen, out = set(), []
    for root, prefix in (("/api", "/api"), ("/apis", "/apis")):
        for group in get(root, DISCOVERY)["items"]:
            name = group["metadata"].get("name", "")
            for version in group["versions"]:
                for r in version["resources"]:
                    if "list" not in r.get("verbs", []) or (name, r["resource"]) in seen:
                        continue
                    seen.add((name, r["resource"]))
                    base = f"{prefix}/{version['version']}" if not name else f"{prefix}/{name}/{version['version']}"
                    out.append((name, base, r["resource"], r["responseKind"]["kind"]))
    return out


def scan(t, accept, chunk):
    group, base, plural, kind = t
    found, token = [], ""
    while True:
        query = urllib.parse.urlencode({"limit": chunk, **({"continue": token} if token else {})})
        page = get(f"{base}/{plural}?{query}", accept)
        for item in page["items"]:
            m = item["metadata"]
            if m.get("deletionTimestamp") and m.get("finalizers"):
                found.append(f"{group}|{kind}|{m.get('namespace', '')}|{m['name']}")
        token = page["metadata"].get("continue", "")
        if not token:
            return found


def main():
    shape = sys.argv[1] if len(sys.argv) > 1 else "metadata"
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    accept = METADATA if shape == "metadata" else "application/json"
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for found in pool.map(lambda t: scan(t, accept, chunk), types()):
            for line in found:
                print(line)


if __name__ == "__main__":
    main()
