"""Descriptions are written in Markdown (paragraphs, lists, links, emphasis); raw HTML never passes."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # "html": False escapes any HTML typed into a description; markdown-it also refuses
    # javascript: and data: links by itself.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")


def render(text: str) -> Markup:
    return Markup(_renderer().render(text or ""))
