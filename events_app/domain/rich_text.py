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


def plain_text(text: str) -> str:
    """A description as plain text, for where no HTML is shown (calendar files): the markup gone, each
    link as "text (address)", list items on lines of their own, blocks apart by a blank line."""
    blocks: list[str] = []
    depth, in_list_before, prefix = 0, False, ""
    for token in _renderer().parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            in_list_before = in_list_before and depth > 1  # a new list starts a paragraph of its own
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            marker = f"{token.info}." if token.info else "-"
            prefix = "  " * (depth - 1) + marker + " "
        elif token.type in ("inline", "fence", "code_block"):
            content = _inline_text(token.children or []) if token.type == "inline" else token.content.rstrip("\n")
            if blocks:
                # Items of one list follow each other line by line; anything else is a paragraph of its own.
                blocks.append("\n" if depth and in_list_before else "\n\n")
            blocks.append(prefix + content)
            in_list_before, prefix = bool(depth), ""
    return "".join(blocks)


def _inline_text(children: list) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # the open links' addresses and where their text starts
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrs.get("href", "")), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            if href and "".join(parts[start:]) != href:
                parts.append(f" ({href})")
    return "".join(parts)
