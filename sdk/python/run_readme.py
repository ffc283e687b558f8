"""Runs the ```python cells of docs/clients.md's "Python client" section as a notebook would, in order, in one namespace:
a cell that ends in an expression shows its value. CI runs it (sdk/python/ci.sh) from the repository's root.

    python3 sdk/python/run_readme.py docs/clients.md
"""
import ast
import re
import sys


def cells(readme: str):
    section = re.search(r"^## Python client\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    if not section:
        sys.exit(f"{sys.argv[1]} has no '## Python client' section")
    found = re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    if not found:
        sys.exit("its Python client section has no ```python cells")
    return found


def run(source: str, name: str, scope: dict) -> None:
    tree = ast.parse(source, name)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    exec(compile(ast.Module(body=body, type_ignores=[]), name, "exec"), scope)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), scope)
        if value is not None:
            print(repr(value))


def main() -> None:
    with open(sys.argv[1] if len(sys.argv) > 1 else "docs/clients.md", encoding="utf-8") as f:
        readme = f.read()
    scope = {"__name__": "__readme__"}
    for i, cell in enumerate(cells(readme), 1):
        print(f"[{i}]")
        sys.stdout.flush()
        run(cell, f"Python client cell {i}", scope)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
