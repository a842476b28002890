"""MkDocs hooks: files from outside docs/ that the site shows.

``benchmarks/run.py`` writes its plot next to its results, in
``benchmarks/``; the performance guide shows the same file, so that the site
and the committed results never disagree.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

__all__ = ["on_files"]

_ROOT = Path(__file__).resolve().parents[2]
#: Site path → file of the repository.
_SHOWN = {
    "img/scaling.png": _ROOT / "benchmarks" / "scaling.png",
    "img/scale.png": _ROOT / "benchmarks" / "scale.png",
}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the files of ``_SHOWN`` to the site."""
    for site_path, source in _SHOWN.items():
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files
