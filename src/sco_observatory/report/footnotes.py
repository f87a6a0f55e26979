"""Footnotes: every number in the report points to a numbered source or formula entry."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Note:
    number: int
    key: str
    text: str
    url: str | None = None

    @property
    def href(self) -> str | None:
        """The link target, only for http(s) URLs and DOIs (report.html.safe_href); else None."""
        from sco_observatory.report.html import safe_href

        return safe_href(self.url)


@dataclass
class Footnotes:
    """Collects sources and formulas in order of first citation; `cite` returns the marker number."""

    notes: dict[str, Note] = field(default_factory=dict)
    describe: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def register(self, key: str, text: str, url: str | None = None) -> None:
        self.describe.setdefault(key, (text, url))

    def cite(self, key: str, text: str | None = None, url: str | None = None) -> int:
        if key not in self.notes:
            known_text, known_url = self.describe.get(key, (text or key, url))
            self.notes[key] = Note(len(self.notes) + 1, key, text or known_text, url or known_url)
        return self.notes[key].number

    def marker(self, *keys: str) -> str:
        nums = sorted({self.cite(k) for k in keys if k})
        return "".join(f'<sup class="fn"><a href="#fn-{n}">[{n}]</a></sup>' for n in nums)

    def ordered(self) -> list[Note]:
        return sorted(self.notes.values(), key=lambda n: n.number)
