"""Contributing a card from the browser, without a browser: the form's fields -> the card file ->
the verdict of ``zwk-kb check``, the preview, the hand-in links and the round trip of editing.

The pure parts (``zwk_kb.authoring.contribute``) are tested without Flask; the pages with the test
client on the fixture toolkit and on the bundled one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from zwk_kb.authoring.contribute import (
    MAX_LINK_ROWS,
    FormRejected,
    check_submission,
    forge_kind,
    handin_links,
    parse_form,
)
from zwk_kb.cards import parse_card
from zwk_kb.checks import check_paths
from zwk_kb.config import Settings
from zwk_kb.errors import ZwkKbError
from zwk_kb.model import Toolkit
from zwk_kb.toolkit import load_toolkit, load_vocabulary
from zwk_kb.web import create_app
from zwk_kb.web.security import MAX_FORM_BYTES

BUNDLED = Path(__file__).resolve().parent.parent / "toolkit"
GOOD: dict[str, list[str]] = {
    "title": ["Bürgerbus: Nachbarn fahren"],
    "summary": ["Ehrenamtliche fahren Nachbarn zum Arzt."],
    "topics": ["Bürgerschaftliches Engagement"],
    "communes": ["Barleben"],
    "challenges": ["Mobilität im ländlichen Raum"],
    "published": ["2024-05-01"],
    "contact_name": ["Verein Bürgerbus"],
    "section_1": ["Ein Bus für das Dorf."],
    "section_2": ["1. Anrufen\n2. Mitfahren"],
    "link_title": ["Handreichung", ""],
    "link_url": ["https://example.org/bus", ""],
}


def form(**changes: Any) -> dict[str, list[str]]:
    data = {k: list(v) for k, v in GOOD.items()}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value if isinstance(value, list) else [value]
    return data


def nobody(slug: str) -> str | None:
    return None


@pytest.fixture(scope="module")
def vocabulary() -> Any:
    return load_vocabulary(BUNDLED)[0]


# ---- the form's fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"title": ["x"], "evil": ["1"]}, "gehört nicht zum Formular"),
        ({"title": ["a", "b"]}, "mehrfach"),
        ({"link_title": [""] * 10_000, "link_url": [""] * 10_000}, "Link-Zeilen"),
        ({"link_title": ["a", "b"], "link_url": ["x"]}, "unvollständig"),
        ({"title": ["x" * 5000]}, "länger als"),
        ({"aktion": ["loeschen"]}, "Unbekannte Aktion"),
        ({"original": ["../etc/passwd"]}, "unbekannt"),
        ({"new_topics": ["\n".join(f"Begriff {n}" for n in range(20))]}, "Höchstens"),
    ],
)
def test_what_no_form_of_the_site_sends_is_refused(data: dict[str, list[str]], why: str) -> None:
    with pytest.raises(FormRejected, match=why):
        parse_form(data)


def test_the_checks_own_messages_pinned_to_their_fields(vocabulary: Any) -> None:
    sub = parse_form(
        form(
            summary="",
            contact_email="bus@",
            link_title=["Gut", "Schlecht", ""],
            link_url=["https://example.org/a", "javascript:alert(1)", ""],
            section_3="<b>fett</b>",
            published="2024-02-30",
        )
    )
    checked = check_submission(sub, vocabulary, nobody)
    parsed = parse_card(checked.slug, checked.file.text, vocabulary)
    assert {f.message for f in checked.errors} == {p.message for p in parsed.problems if p.is_error}
    assert {f.message for f in checked.warnings} == {
        p.message for p in parsed.problems if not p.is_error
    }
    targets = {f.target for f in checked.errors}
    assert targets == {"f-summary", "f-contact_email", "f-link_url-2", "f-published"}
    assert [f.target for f in checked.warnings] == ["f-section_3"]
    assert checked.card is None
    # the summary lists them from top to bottom of the form
    assert [f.target for f in checked.errors] == [
        "f-summary",
        "f-published",
        "f-contact_email",
        "f-link_url-2",
    ]


def test_a_valid_form_gives_a_card_that_the_check_accepts(vocabulary: Any, tmp_path: Path) -> None:
    checked = check_submission(parse_form(form()), vocabulary, nobody)
    assert checked.errors == () and checked.card is not None
    assert checked.slug == "buergerbus-nachbarn-fahren"
    toolkit = tmp_path / "toolkit"
    shutil.copytree(BUNDLED, toolkit)
    (toolkit / f"{checked.slug}.md").write_text(checked.file.text, encoding="utf-8")
    report = check_paths([toolkit / f"{checked.slug}.md"])
    assert report.errors == [] and report.files == 1


def test_a_taken_name_or_former_name_is_reported() -> None:
    vocabulary = load_vocabulary(BUNDLED)[0]
    taken = {"buergerbus-nachbarn-fahren": "buergerbus-nachbarn-fahren", "bus": "dorfbus"}
    checked = check_submission(parse_form(form()), vocabulary, taken.get)
    assert [f.target for f in checked.errors] == ["f-title"]
    assert "gibt es schon" in checked.errors[0].message
    checked = check_submission(parse_form(form(title="Bus")), vocabulary, taken.get)
    assert checked.errors[0].message == (
        "„bus“ ist ein früherer Name der Karte dorfbus. Bitte einen anderen Titel wählen."
    )
    # editing the card itself is no collision
    edit = dataclasses.replace(parse_form(form()), original="buergerbus-nachbarn-fahren")
    assert check_submission(edit, vocabulary, taken.get).errors == ()


def test_proposed_terms_become_part_of_the_hand_in(vocabulary: Any, tmp_path: Path) -> None:
    sub = parse_form(
        form(
            new_topics="Klimaschutz",
            new_commune="Gemeinde Seeblick",
            new_commune_state="Brandenburg",
            new_commune_cluster="Ost",
            new_commune_kind="Gemeinde",
        )
    )
    checked = check_submission(sub, vocabulary, nobody)
    assert checked.errors == (), checked.errors
    assert (
        "  - Klimaschutz\n" in checked.file.text and "  - Gemeinde Seeblick\n" in checked.file.text
    )
    assert checked.vocabulary_addition == (
        "topics:\n  - Klimaschutz\n"
        "communes:\n  Gemeinde Seeblick:\n    state: Brandenburg\n    cluster: Ost\n"
        "    kind: Gemeinde\n"
    )
    # without the vocabulary change the check refuses the card; with it, it accepts it
    toolkit = tmp_path / "toolkit"
    shutil.copytree(BUNDLED, toolkit)
    card = toolkit / f"{checked.slug}.md"
    card.write_text(checked.file.text, encoding="utf-8")
    assert check_paths([card]).errors
    vocab_file = toolkit / "_vocabulary.yml"
    text = vocab_file.read_text(encoding="utf-8")
    text = text.replace("topics:\n", "topics:\n  - Klimaschutz\n", 1)
    text += "  Gemeinde Seeblick: {state: Brandenburg, cluster: Ost, kind: Gemeinde}\n"
    vocab_file.write_text(text, encoding="utf-8")
    assert check_paths([card, vocab_file]).errors == []


def test_a_proposed_commune_without_its_details_is_an_error(vocabulary: Any) -> None:
    checked = check_submission(parse_form(form(new_commune="Neudorf")), vocabulary, nobody)
    assert [(f.target, f.message) for f in checked.errors if f.target == "f-new_commune"] == [
        ("f-new_commune", "Zur Kommune „Neudorf“ gehören state, cluster und kind.")
    ]
    assert checked.card is None


# ---- handing in -------------------------------------------------------------------------------


def _checked(vocabulary: Any, **changes: Any) -> Any:
    checked = check_submission(parse_form(form(**changes)), vocabulary, nobody)
    assert checked.errors == ()
    return checked


def test_github_and_forgejo_get_the_file_prefilled(vocabulary: Any) -> None:
    checked = _checked(vocabulary)
    for repo, kind, page in (
        ("https://github.com/zwk/werkzeuge", "github", "/zwk/werkzeuge/new/main/toolkit"),
        ("https://codeberg.org/zwk/werkzeuge.git", "forgejo", "/zwk/werkzeuge/_new/main/toolkit"),
    ):
        links = handin_links(checked, editing=False, repository_url=repo)
        assert links.forge == kind and links.prefilled
        assert links.forge_url.startswith(repo.removesuffix(".git") + "/")
        parts = urlsplit(links.forge_url)
        assert parts.path == page
        query = parse_qs(parts.query)
        assert query["filename"] == [f"{checked.slug}.md"]
        assert query["value"] == [checked.file.text]


def test_gitlab_long_cards_and_edits_fall_back_to_copying(vocabulary: Any) -> None:
    checked = _checked(vocabulary)
    gitlab = handin_links(
        checked, editing=False, repository_url="https://gitlab.opencode.de/zwk/wz"
    )
    assert gitlab.forge == "gitlab" and not gitlab.prefilled
    assert gitlab.forge_url == "https://gitlab.opencode.de/zwk/wz/-/new/main/toolkit"
    assert "hineinkopieren" in gitlab.why_not_prefilled
    long = _checked(vocabulary, section_1="Langer Text. " * 900)
    links = handin_links(long, editing=False, repository_url="https://github.com/zwk/wz")
    assert not links.prefilled and "value=" not in links.forge_url
    assert "zu lang" in links.why_not_prefilled
    edit = handin_links(
        checked, editing=True, repository_url="https://github.com/zwk/wz", branch="dev"
    )
    assert edit.forge_url == f"https://github.com/zwk/wz/edit/dev/toolkit/{checked.slug}.md"
    assert not edit.prefilled


def test_hand_in_links_never_leave_the_repository(vocabulary: Any) -> None:
    checked = _checked(vocabulary, title="Bus/../../evil.example")
    links = handin_links(checked, editing=False, repository_url="https://github.com/zwk/wz")
    assert links.forge_url.startswith("https://github.com/zwk/wz/new/main/toolkit?")
    assert (
        handin_links(checked, editing=False, repository_url="javascript:alert(1)").forge_url == ""
    )
    assert handin_links(checked, editing=False, repository_url="").forge_url == ""


def test_mail_only_with_an_address_and_carrying_the_file(vocabulary: Any) -> None:
    checked = _checked(vocabulary)
    assert handin_links(checked, editing=False, repository_url="").mail_url == ""
    links = handin_links(
        checked, editing=False, repository_url="", contact_email="redaktion@example.org"
    )
    parts = urlsplit(links.mail_url)
    assert parts.scheme == "mailto" and unquote(parts.path) == "redaktion@example.org"
    assert parse_qs(parts.query)["body"] == [checked.file.text] and links.mail_has_text
    long = _checked(vocabulary, section_1="Text. " * 500)
    links = handin_links(long, editing=False, repository_url="", contact_email="r@example.org")
    assert not links.mail_has_text and len(links.mail_url) < 2000


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/a/b", "github"),
        ("https://codeberg.org/a/b", "forgejo"),
        ("https://gitea.example.org/a/b", "gitea"),
        ("https://gitlab.com/a/b", "gitlab"),
        ("https://gitlab.opencode.de/a/b", "gitlab"),
    ],
)
def test_forge_kind_from_the_address(url: str, kind: str) -> None:
    assert forge_kind(url) == kind


# ---- the pages ----------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The values a browser would send for ``<form id="karte">`` (without any button)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.described: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._option_text = ""
        self._option_selected = False

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
            if "aria-describedby" in a:
                self.described[a["id"]] = a["aria-describedby"]
        if tag == "form" and a.get("id") == "karte":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._add(name, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")
        elif tag == "select" and name:
            self._select = name
            self._add(name, "")
        elif tag == "option" and self._select:
            self._option = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += data
        if self._select:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if tag == "textarea":
            if self._textarea and self.fields[self._textarea][-1].startswith("\n"):
                self.fields[self._textarea][-1] = self.fields[self._textarea][-1][1:]
            self._textarea = None
        if tag == "option" and self._select:
            if self._option_selected:
                value = self._option if self._option is not None else self._option_text.strip()
                self.fields[self._select][-1] = value
            self._option = None
            self._option_text = ""
        if tag == "select":
            self._select = None


def fields_of(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


def test_the_way_in_is_linked_from_every_page(client: FlaskClient) -> None:
    for path in ("/", "/werkzeuge/sprachcafe", "/sammlungen", "/impressum"):
        assert 'href="/mitmachen"' in client.get(path).get_data(as_text=True), path
    empty = client.get("/?q=xylophonorchester").get_data(as_text=True)
    assert "Fehlt ein Werkzeug? Schlagen Sie es vor." in empty
    page = client.get("/mitmachen").get_data(as_text=True)
    assert 'href="/mitmachen/neu"' in page and "Eine Beispiel-Karte" in page


def test_the_empty_form_offers_the_vocabulary_and_today(
    client: FlaskClient, toolkit: Toolkit
) -> None:
    response = client.get("/mitmachen/neu")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parsed = fields_of(html)
    assert parsed.fields["published"] == [dt.date.today().isoformat()]
    for term in (*toolkit.vocabulary.topics, *toolkit.vocabulary.communes):
        assert f'value="{term}"' in html, term
    assert '<legend class="kern-label">Themen</legend>' in html
    state_box = html[html.index('id="f-new_commune_state"') :]
    state_box = state_box[: state_box.index("</select>")]
    assert state_box.count("<option>") == 16 and "<option>Thüringen</option>" in state_box
    # every control has a label
    for control_id in parsed.ids:
        if control_id.startswith("f-") and not control_id.endswith(("-hint", "-list")):
            assert f'for="{control_id}"' in html, control_id


def test_errors_come_back_at_the_top_and_at_their_fields(client: FlaskClient) -> None:
    response = client.post(
        "/mitmachen/neu",
        data=form(summary="", topics=None, contact_email="bus@", section_4="Eigenes Wort"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    parsed = fields_of(html)
    assert 'class="kern-alert kern-alert--danger error-summary" role="alert"' in html
    for target in ("f-summary", "f-topics", "f-contact_email"):
        assert f'href="#{target}"' in html
        assert target in parsed.ids
        assert f"{target}-error1" in parsed.described[target], target
        assert f'id="{target}-error1"' in html
    # nothing typed is lost
    assert parsed.fields["contact_email"] == ["bus@"]
    assert parsed.fields["section_4"] == ["Eigenes Wort"]
    assert parsed.fields["title"] == GOOD["title"]


def test_the_preview_is_the_card_page_and_the_file_is_handed_in(
    toolkit_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    app = create_app(
        Settings(
            toolkit=toolkit_dir,
            index=index_dir,
            repository_url="https://github.com/zwk/wz",
            contact_email="redaktion@example.org",
        )
    )
    client = app.test_client()
    data = {
        "title": ["Ein Laden für das Dorf"],
        "summary": ["Das Dorf betreibt seinen Laden selbst."],
        "topics": ["Wohnen"],
        "communes": ["Zerbst"],
        "challenges": ["Leerstand"],
        "published": ["2024-05-01"],
        "section_1": ["Ein **Laden** <script>alert(1)</script>"],
        "section_2": ["1. Gründen\n2. Öffnen"],
    }
    response = client.post("/mitmachen/neu", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    preview = html[html.index('class="preview-frame"') :]
    assert '<h1 class="kern-heading-x-large">Ein Laden für das Dorf</h1>' in preview
    assert "<strong>Laden</strong>" in preview
    assert '<h2 id="worum-geht-es">Worum geht es?</h2>' in preview
    assert (
        'href="https://github.com/zwk/wz/new/main/toolkit?filename=ein-laden-fuer-das-dorf.md'
        in html
    )
    assert 'href="mailto:redaktion@example.org?' in html
    download = client.post("/mitmachen/neu", data={**data, "aktion": ["herunterladen"]})
    assert download.status_code == 200
    assert (
        download.headers["Content-Disposition"]
        == 'attachment; filename="ein-laden-fuer-das-dorf.md"'
    )
    assert download.headers["Content-Type"] == "text/markdown; charset=utf-8"
    copy = tmp_path / "toolkit"
    shutil.copytree(toolkit_dir, copy)
    card = copy / "ein-laden-fuer-das-dorf.md"
    card.write_bytes(download.data)
    assert check_paths([card]).errors == []
    assert load_toolkit(copy).by_slug()["ein-laden-fuer-das-dorf"].title == "Ein Laden für das Dorf"


def test_one_more_link_row_without_javascript(client: FlaskClient) -> None:
    html = client.post("/mitmachen/neu", data=form(aktion="zeile")).get_data(as_text=True)
    assert fields_of(html).fields["link_url"] == ["https://example.org/bus", "", ""]
    assert 'id="fehler"' not in html


def test_a_request_above_the_card_limit_gets_the_german_413(client: FlaskClient) -> None:
    big = client.post("/mitmachen/neu", data={"section_1": "x" * (MAX_FORM_BYTES + 1)})
    assert big.status_code == 413
    assert "Eine Karte darf höchstens 256 KB Text haben" in big.get_data(as_text=True)
    from zwk_kb.cards import MAX_CARD_BYTES

    assert MAX_FORM_BYTES >= 3 * MAX_CARD_BYTES
    within = client.post("/mitmachen/neu", data=form(section_1="Wort " * 60_000))
    assert within.status_code == 422  # checked, not refused: the card is merely too long
    assert "Die Datei ist zu groß" in within.get_data(as_text=True)


def test_too_many_rows_or_unknown_fields_get_a_german_400(client: FlaskClient) -> None:
    rows = client.post(
        "/mitmachen/neu",
        data={"link_title": [""] * 10_000, "link_url": [""] * 10_000},
    )
    assert rows.status_code == 400 and "Link-Zeilen" in rows.get_data(as_text=True)
    assert client.post("/mitmachen/neu", data={"slug": "x"}).status_code == 400
    assert MAX_LINK_ROWS <= 50


def _submit_unchanged(client: FlaskClient, slug: str) -> tuple[str, FormFields]:
    page = client.get(f"/mitmachen/bearbeiten/{slug}")
    assert page.status_code == 200, slug
    parsed = fields_of(page.get_data(as_text=True))
    response = client.post("/mitmachen/neu", data={**parsed.fields, "aktion": ["herunterladen"]})
    assert response.status_code == 200, (slug, response.get_data(as_text=True)[:3000])
    return response.get_data(as_text=True), parsed


def test_every_bundled_card_goes_through_the_edit_form_unchanged(
    bundled_client: FlaskClient, bundled_toolkit: Toolkit
) -> None:
    for card in bundled_toolkit.cards:
        text, parsed = _submit_unchanged(bundled_client, card.slug)
        assert parsed.fields["original"] == [card.slug]
        again = parse_card(card.slug, text, bundled_toolkit.vocabulary)
        assert again.card is not None, card.slug
        assert [p for p in again.problems if p.is_error] == []
        assert dataclasses.replace(again.card, stamp="", source_path="") == dataclasses.replace(
            card, stamp="", source_path=""
        ), card.slug


def test_edit_page_of_an_unknown_card_is_404_and_an_alias_redirects(
    bundled_client: FlaskClient,
) -> None:
    assert bundled_client.get("/mitmachen/bearbeiten/gibt-es-nicht").status_code == 404
    assert bundled_client.get("/mitmachen/bearbeiten/..%2fetc").status_code == 404
    moved = bundled_client.get("/mitmachen/bearbeiten/lastenrad-werkstatt")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(
        "/mitmachen/bearbeiten/mobile-zukunftswerkstatt-lastenrad"
    )


def test_other_routes_still_refuse_a_body(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/", data={"title": "x"}).status_code == 405
    assert client.post("/mitmachen", data={"title": "x"}).status_code == 405
    assert client.post("/api/search", data="x" * 40_000).status_code in (405, 413)


def test_an_unknown_forge_is_refused_at_start() -> None:
    with pytest.raises(ZwkKbError, match="ZWK_KB_FORGE"):
        Settings.from_env({"ZWK_KB_FORGE": "svn"})
    assert Settings.from_env({"ZWK_KB_FORGE": "gitlab"}).forge == "gitlab"


def test_images_of_the_body_are_checked_in_the_toolkit_folder(vocabulary: Any) -> None:
    sub = parse_form(form(section_3="![Der Laden](bilder/gibt-es-nicht.png)"))
    checked = check_submission(sub, vocabulary, nobody, BUNDLED)
    assert [(f.target, f.message) for f in checked.errors] == [
        (
            "f-section_3",
            "Das Bild „bilder/gibt-es-nicht.png“ gibt es nicht. Bitte die Datei hochladen oder "
            "den Namen prüfen (Groß-/Kleinschreibung zählt).",
        )
    ]


def test_a_source_row_is_checked_at_its_own_fields(vocabulary: Any) -> None:
    sub = parse_form(
        form(
            source_title=["Seite des Modellprojekts", "Kaputt", "", ""],
            source_url=["https://example.org/quelle", "ftp://x", "https://example.org/o", ""],
        )
    )
    checked = check_submission(sub, vocabulary, nobody)
    assert [(f.target, f.message) for f in checked.errors] == [
        (
            "f-source_url-2",
            "Quelle 2 (url): Erwartet wird eine Internetadresse, die mit https:// oder http:// "
            "beginnt, gefunden: „ftp://x“.",
        ),
        ("f-source_title-3", "Quelle 3: Die Angabe „title“ fehlt."),
    ]
    valid = check_submission(
        parse_form(form(source_title=["Seite"], source_url=["https://example.org/q"])),
        vocabulary,
        nobody,
    )
    assert valid.errors == () and valid.card is not None
    assert valid.card.sources[0].url == "https://example.org/q"
    assert not any("Beispielkarte" in f.message for f in valid.warnings)
    example = check_submission(parse_form(form()), vocabulary, nobody)
    assert [f.target for f in example.warnings if "Beispielkarte" in f.message] == [
        "f-source_title-1"
    ]


def test_sources_come_back_with_errors_and_get_one_more_row(client: FlaskClient) -> None:
    data = form(summary="", source_title=["Seite"], source_url=["ftp://x"])
    html = client.post("/mitmachen/neu", data=data).get_data(as_text=True)
    parsed = fields_of(html)
    assert parsed.fields["source_url"][0] == "ftp://x"
    assert 'href="#f-source_url-1"' in html and "f-source_url-1-error1" in html
    more = client.post(
        "/mitmachen/neu",
        data=form(
            aktion="zeile-quelle",
            **{"source_title": ["Seite"], "source_url": ["https://example.org/q"]},
        ),
    )
    fields = fields_of(more.get_data(as_text=True)).fields
    assert fields["source_url"] == ["https://example.org/q", "", ""]
    assert fields["link_url"] == ["https://example.org/bus", ""]
    assert "Ohne Quelle erscheint die Karte als Beispielkarte." in more.get_data(as_text=True)
    too_many = client.post(
        "/mitmachen/neu", data={"source_title": [""] * 10_000, "source_url": [""] * 10_000}
    )
    assert too_many.status_code == 400 and "Quellen-Zeilen" in too_many.get_data(as_text=True)
