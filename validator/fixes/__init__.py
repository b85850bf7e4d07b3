"""Fixes: safe, reviewable repairs for findings (`mlint check --fix`, docs/fix.md).

A fix is a pure function from one finding and the bytes of the files it reads to the edits it
wants (`Edit`: a file's new contents, or a folder to create); it never unpickles, imports or
runs anything from the tree. `mlint.fixes.apply` plans the edits of every fixable finding,
shows them as diffs (`--diff`) or applies them atomically, then the tree is checked again.
"""

from mlint.fixes.model import FIXES, Edit, Fix, FixContext, fix_for, fixer

__all__ = ["FIXES", "Edit", "Fix", "FixContext", "fix_for", "fixer"]
