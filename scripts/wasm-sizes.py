#!/usr/bin/env python3
"""Where a WASM file's code bytes go: function body sizes grouped by crate.

Reads the code section and the `name` custom section (keep names: run it on
the wasm that cargo writes, before wasm-opt strips them). Usage:
    scripts/wasm-sizes.py FILE.wasm [--top N] [--crate PREFIX]
Prints bytes per crate (first path segment of the demangled name, generic
arguments folded into the outer item) and the largest functions.
"""
import re
import sys
from collections import Counter


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    pos = 8
    while pos < len(data):
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos:pos + size]
        pos += size


def imported_functions(body):
    count, pos = leb(body, 0)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module, field names
            n, pos = leb(body, pos)
            pos += n
        kind = body[pos]
        pos += 1
        if kind == 0:
            _, pos = leb(body, pos)
            funcs += 1
        elif kind == 1:  # table: reftype + limits
            pos += 1
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(body, pos)
            _, pos = leb(body, pos)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 3:  # global: type + mut
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(body, pos)
    return funcs


def function_names(body):
    names = {}
    pos = 0
    while pos < len(body):
        sub = body[pos]
        size, pos = leb(body, pos + 1)
        end = pos + size
        if sub == 1:
            count, p = leb(body, pos)
            for _ in range(count):
                idx, p = leb(body, p)
                n, p = leb(body, p)
                names[idx] = body[p:p + n].decode("utf-8", "replace")
                p += n
        pos = end
    return names


ESCAPES = {"$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@",
           "$u20$": " ", "$u27$": "'", "$u5b$": "[", "$u5d$": "]", "$u7b$": "{", "$u7d$": "}",
           "$u3b$": ";", "$u2b$": "+", "$u22$": '"', "$u7e$": "~", "$u21$": "!", "$u3d$": "="}


def demangle(name):
    """Legacy Rust symbols (_ZN…E) to paths; v0 (_R…) ones to their crate."""
    if name.startswith("_ZN"):
        pos, parts = 3, []
        while pos < len(name) and name[pos].isdigit():
            end = pos
            while name[end].isdigit():
                end += 1
            n = int(name[pos:end])
            part = name[end:end + n]
            if part.startswith("_$"):
                part = part[1:]
            for k, v in ESCAPES.items():
                part = part.replace(k, v)
            parts.append(part.replace("..", "::"))
            pos = end + n
        return "::".join(parts)
    if name.startswith("_R"):
        m = re.search(r"C(?:s[0-9A-Za-z_]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
        if m:
            return m.group(2)[: int(m.group(1))] + "::(v0)" + name
    return name


def crate_of(name):
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    if name.startswith("<"):
        # <impl Type as Trait>::method -> the trait's or type's crate
        inner = name[1:]
        m = re.match(r"(?:impl )?(?:&(?:mut )?)?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)::", inner)
        if m:
            return m.group(1)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    return m.group(1) if m else "(other)"


def main():
    args = sys.argv[1:]
    top = 40
    only = None
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    if "--crate" in args:
        i = args.index("--crate")
        only = args[i + 1]
        del args[i:i + 2]
    data = open(args[0], "rb").read()
    imports = 0
    sizes = []
    names = {}
    data_bytes = 0
    for kind, body in sections(data):
        if kind == 2:
            imports = imported_functions(body)
        elif kind == 10:
            count, pos = leb(body, 0)
            for _ in range(count):
                size, p = leb(body, pos)
                sizes.append(size)
                pos = p + size
        elif kind == 11:
            data_bytes += len(body)
        elif kind == 0:
            n, p = leb(body, 0)
            if body[p:p + n] == b"name":
                names = function_names(body[p + n:])
    by_crate = Counter()
    by_item = Counter()
    for i, size in enumerate(sizes):
        name = demangle(names.get(imports + i, f"func[{imports + i}]"))
        crate = crate_of(name)
        if only and crate != only:
            continue
        by_crate[crate] += size
        item = re.sub(r"::h[0-9a-f]{16}$", "", name)
        by_item[item] += size
    total = sum(sizes)
    print(f"code {total/1024:.0f} KB in {len(sizes)} functions, data {data_bytes/1024:.0f} KB, file {len(data)/1024:.0f} KB")
    for crate, size in by_crate.most_common(30):
        print(f"{size/1024:9.1f} KB  {crate}")
    print("-- largest items --")
    for item, size in by_item.most_common(top):
        print(f"{size/1024:9.1f} KB  {item[:180]}")


if __name__ == "__main__":
    main()
