"""Documents to passages: Markdown (with YAML front matter), HTML, plain text and PDF (``pypdf``).

A chunk keeps the headings above it (``Install > Linux``), so a passage can be shown and
searched with its context; the front matter is kept as fields. Pages that carry an
endoflife.date ``releases`` list also get one short passage per release cycle written as plain
sentences ("Python 3.11 reaches end of life on 2027-10-31."): the dates live in the front
matter, not in the prose, and a question about one cycle should find that cycle's passage.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser

import yaml

SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt", ".pdf")
MAX_CHARS = 1200  # a passage is at most about this long (paragraphs are not cut unless longer)
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


@dataclass
class Chunk:
    path: str
    title: str
    heading: str
    text: str
    position: int
    fields: dict = field(default_factory=dict)
    kind: str = "prose"  # "release": a release cycle written from the front matter

    @property
    def search_text(self) -> str:
        """What is indexed: the title and headings give the passage its context."""
        return f"{self.title}. {self.heading}. {self.text}"

    @property
    def chunk_id(self) -> str:
        return hashlib.sha256(
            f"{self.path}\x00{self.position}\x00{self.heading}\x00{self.text}".encode()
        ).hexdigest()[:24]


class DocumentError(ValueError):
    """A document that cannot be read; the message names the file."""


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def split_front_matter(text: str, path: str) -> tuple[dict, str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        fields = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise DocumentError(f"{path}: front matter is not valid YAML: {error}") from error
    if not isinstance(fields, dict):
        raise DocumentError(f"{path}: front matter is not a mapping")
    return _plain(fields), text[match.end() :]


class _HTMLText(HTMLParser):
    """HTML to Markdown-like lines: headings become ``#`` lines, blocks become paragraphs."""

    BLOCKS = frozenset({"p", "div", "li", "tr", "br", "pre", "section", "article", "table", "ul", "ol"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "nav"):
            self.skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n" if tag != "li" else "\n\n- ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav"):
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> tuple[str, str]:
    parser = _HTMLText()
    parser.feed(html)
    text = "".join(parser.out)
    text = "\n".join(line.strip() for line in text.splitlines())
    return parser.title.strip(), re.sub(r"\n{3,}", "\n\n", text)


def pdf_to_markdown(data: bytes, path: str) -> tuple[str, str]:
    """Text of each page under a ``Page N`` heading (PDF has no reliable heading structure)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or ""
    except (PdfReadError, ValueError, KeyError) as error:
        raise DocumentError(f"{path}: unreadable PDF: {error}") from error
    body = "\n\n".join(f"## Page {i}\n\n{text.strip()}" for i, text in enumerate(pages, 1))
    return title, body


def _sections(markdown: str) -> list[tuple[list[str], str]]:
    """(heading path, body) per section, headings nested by level; fenced code kept whole."""
    out: list[tuple[list[str], str]] = []
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    fenced = False

    def flush():
        if "".join(body).strip():
            out.append(([h for _, h in stack], "\n".join(body).strip()))
        body.clear()

    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, match.group(2).strip())]
        else:
            body.append(line)
    flush()
    return out


def _pieces(body: str, max_chars: int) -> list[str]:
    """Paragraphs packed up to ``max_chars``; a longer paragraph is cut at sentence ends."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    units: list[str] = []
    for p in paragraphs:
        if len(p) <= max_chars:
            units.append(p)
            continue
        current = ""
        for sentence in re.split(r"(?<=[.!?])\s+", p):
            if current and len(current) + len(sentence) + 1 > max_chars:
                units.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            units.append(current)
    pieces, current = [], ""
    for unit in units:
        if current and len(current) + len(unit) + 2 > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{unit}".strip()
    if current:
        pieces.append(current)
    return pieces


def _when(value) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def release_sentences(product: str, release: dict) -> str:
    """One endoflife.date release cycle as sentences a question can be answered from."""
    cycle = str(release.get("releaseCycle", "")).strip()
    name = f"{product} {cycle}".strip()
    out = []
    if _when(release.get("releaseDate")):
        out.append(f"{name} was released on {release['releaseDate']}.")
    eol = release.get("eol")
    if _when(eol):
        out.append(f"{name} reaches end of life on {eol}.")
    elif eol is True:
        out.append(f"{name} has reached end of life.")
    elif eol is False:
        out.append(f"{name} has no end-of-life date yet.")
    if _when(release.get("eoas")):
        out.append(f"Active support for {name} ends on {release['eoas']}.")
    if _when(release.get("eoes")):
        out.append(f"Extended support for {name} ends on {release['eoes']}.")
    if release.get("latest") not in (None, ""):
        when = _when(release.get("latestReleaseDate"))
        out.append(
            f"The latest release of {name} is {release['latest']}"
            + (f", released on {when}." if when else ".")
        )
    if release.get("lts"):
        out.append(f"{name} is a long-term support (LTS) release.")
    if release.get("codename"):
        out.append(f"{name} is code-named {release['codename']}.")
    return " ".join(out)


def parse_document(path: str, data: bytes, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """The chunks of one document; ``path`` names it in passages and in errors."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in SUFFIXES:
        raise DocumentError(
            f"{path}: unsupported document type {suffix or '(none)'}; expected one of {', '.join(SUFFIXES)}"
        )
    fields: dict = {}
    title = ""
    if suffix == ".pdf":
        title, markdown = pdf_to_markdown(data, path)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        if suffix in (".html", ".htm"):
            title, markdown = html_to_markdown(text)
        else:
            fields, markdown = split_front_matter(text, path)
        if suffix == ".txt":  # plain text: a short first line is its title
            first = next((line.strip() for line in markdown.splitlines() if line.strip()), "")
            title = first if len(first) <= 80 else ""
    markdown = _LIQUID.sub(" ", markdown)
    sections = _sections(markdown)
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if suffix == ".pdf":  # page headings are not titles
        title = title or stem
    title = str(
        fields.get("title") or title or next((heads[0] for heads, _ in sections if heads), stem)
    ).strip()
    scalar_fields = {k: v for k, v in fields.items() if k != "releases"}
    chunks: list[Chunk] = []
    for heads, body in sections:
        heading = " > ".join(heads) or title
        for piece in _pieces(body, max_chars):
            chunks.append(Chunk(path, title, heading, piece, len(chunks), scalar_fields))
    for release in fields.get("releases") or []:
        if isinstance(release, dict) and release.get("releaseCycle") is not None:
            text = release_sentences(title, release)
            if text:
                chunks.append(
                    Chunk(
                        path,
                        title,
                        f"Release cycles > {release['releaseCycle']}",
                        text,
                        len(chunks),
                        {**scalar_fields, "release": _plain(release)},
                        "release",
                    )
                )
    return chunks


def fields_json(chunk: Chunk) -> str:
    return json.dumps(chunk.fields, sort_keys=True, default=str, ensure_ascii=False)
