"""Contributing from the browser: ``/mitmachen`` (how), ``/mitmachen/neu`` (the form, its check
and preview, the file) and ``/mitmachen/bearbeiten/<slug>`` (the same form, filled from a card).

Nothing is stored: every value travels in the form, and the check, the preview and the file
are answers to a POST of that form. There is no session and no cookie, so there is nothing a
forged cross-site request could change or read: a POST from another site only shows its sender
a preview of what it sent (escaped like everything else, framing is forbidden by the CSP), and
the hand-in links lead only to the configured repository. Hence no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from zwk_kb.errors import ZwkKbError
from zwk_kb.model import Link, Vocabulary
from zwk_kb.outputs.present import errors_heading, forge_button, form_title, title_hint, url_row
from zwk_kb.web.views import SLUG_IN_URL_RE, refreshed_state, resolve_slug

if TYPE_CHECKING:
    from zwk_kb.authoring.cardfile import CardValues
    from zwk_kb.authoring.contribute import Checked

# Card writing and checking (YAML, front matter, Markdown) are imported by these views when
# they are used: a server that only searches starts without them.

bp = Blueprint("contribute", __name__)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters, which HTML must not contain: typed ones come back as U+FFFD (visible,
where the check reports them)."""
FORM_ENDPOINT = "contribute.form"
_vocabulary_cache: dict[str, Any] = {"key": None, "value": None}
_vocabulary_lock = threading.Lock()


@cache
def german_states() -> tuple[str, ...]:
    """The 16 Bundesländer (from the map data of the overview page), for a proposed commune."""
    from zwk_kb.outputs.charts import state_names

    return tuple(state_names())


def vocabulary() -> Vocabulary:
    """The toolkit's vocabulary, read again only when its file changes."""
    from zwk_kb.toolkit import load_vocabulary

    toolkit: Path = refreshed_state().settings.toolkit
    path = toolkit / "_vocabulary.yml"
    try:
        info = path.stat()
        key: Any = (str(path), info.st_mtime_ns, info.st_size)
    except OSError:
        key = (str(path), None, None)
    with _vocabulary_lock:
        if _vocabulary_cache["key"] != key:
            try:
                loaded, _ = load_vocabulary(toolkit)
            except ZwkKbError:
                loaded = Vocabulary()
            _vocabulary_cache.update(key=key, value=loaded)
        return _vocabulary_cache["value"]  # type: ignore[no-any-return]


def _preview(checked: Checked) -> Markup:
    """The card as its page will show it: the main block of the card page's own template."""
    from zwk_kb.outputs.present import card_page
    from zwk_kb.search.schema import card_data
    from zwk_kb.web.pages import CARD_QR_LABEL
    from zwk_kb.web.share import inline_qr_code

    assert checked.card is not None
    data = card_page(card_data(checked.card, checked.vocabulary), [])
    data["edit_url"] = None
    qr = inline_qr_code(data["url"], CARD_QR_LABEL)
    context: dict[str, Any] = {"card": data, "problems": [], "preview": True, "qr": qr}
    current_app.update_template_context(context)
    template = current_app.jinja_env.get_template("card.html")
    return Markup("".join(template.blocks["main"](template.new_context(context))))


def _by_target(checked: Checked | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if checked is not None:
        for finding in checked.errors:
            found.setdefault(finding.target, []).append(finding.message)
    return found


def _form_page(
    values: CardValues,
    *,
    original: str = "",
    raw: dict[str, str] | None = None,
    checked: Checked | None = None,
    extra_rows: int | dict[str, int] = 2,
    status: int = 200,
) -> Any:
    """The form page; ``extra_rows`` empty rows below the filled ones of each row group (one
    number for all groups, or per card key)."""
    from zwk_kb.authoring.cardfile import SECTIONS
    from zwk_kb.authoring.contribute import ROW_FIELDS, field_limit, handin_links, live_checks

    settings = refreshed_state().settings
    vocab = vocabulary()
    row_groups = []
    for group in ROW_FIELDS:
        extra = extra_rows if isinstance(extra_rows, int) else extra_rows.get(group.key, 1)
        filled = [row for row in getattr(values, group.key) if row.title.strip() or row.url.strip()]
        rows = filled + [Link("", "")] * max(0, min(extra, group.max_rows - len(filled)))
        labelled = [
            url_row(
                row.title,
                row.url,
                label=group.label,
                number=number,
                is_source=group.key == "sources",
            )
            for number, row in enumerate(rows or [Link("", "")], 1)
        ]
        row_groups.append((group, labelled))
    handin = None
    preview = None
    if checked is not None and checked.card is not None:
        handin = handin_links(
            checked,
            editing=bool(original),
            repository_url=settings.repository_url,
            forge=settings.forge,
            branch=settings.repository_branch,
            contact_email=settings.contact_email,
        )
        preview = _preview(checked)
    sections = list(values.sections) + [""] * (len(SECTIONS) - len(values.sections))
    body = render_template(
        "contribute_form.html",
        values=values,
        sections=list(zip(SECTIONS, sections, strict=False)),
        original=original,
        raw=raw or {},
        vocab=vocab,
        kinds=vocab.kinds,
        clusters=vocab.clusters,
        states=german_states(),
        row_groups=row_groups,
        page_title=form_title(editing=bool(original), has_errors=bool(checked and checked.errors)),
        errors_heading=errors_heading(len(checked.errors)) if checked else "",
        title_hint=title_hint(original),
        vocabulary_rows=checked.vocabulary_addition.count("\n") + 1 if checked else 0,
        forge_button=forge_button(handin.forge_label, editing=bool(original)) if handin else "",
        limits={key: field_limit(key) for key in ("title", "summary", "plain_summary")},
        live=live_checks(),
        checked=checked,
        field_errors=_by_target(checked),
        handin=handin,
        preview=preview,
    )
    response = Response(_CONTROL_RE.sub("\ufffd", body), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mitmachen")
def start() -> Any:
    from zwk_kb.authoring.cardfile import render_card_file
    from zwk_kb.authoring.contribute import EXAMPLE

    settings = refreshed_state().settings
    return render_template(
        "contribute.html",
        example=render_card_file(EXAMPLE).text,
        contact_email=settings.contact_email,
        repository_url=settings.repository_url,
    )


@bp.get("/mitmachen/neu")
def new() -> Any:
    from zwk_kb.authoring.contribute import empty_values

    return _form_page(empty_values(dt.date.today()))


@bp.get("/mitmachen/bearbeiten/<slug>")
def edit(slug: str) -> Any:
    if len(slug) > 100 or not SLUG_IN_URL_RE.match(slug):
        abort(404)
    if refreshed_state().engine.card(slug) is None:
        target = refreshed_state().engine.slug_for_alias(slug)
        if target:
            return redirect(url_for("contribute.edit", slug=target), code=301)
        abort(404)
    from zwk_kb.authoring.cardfile import values_from_card
    from zwk_kb.toolkit import check_card_file

    toolkit: Path = refreshed_state().settings.toolkit
    path = toolkit / f"{slug}.md"
    if not path.is_file():
        abort(404)
    parsed = check_card_file(path, toolkit, vocabulary())
    if parsed.card is None:
        abort(404)
    return _form_page(values_from_card(parsed.card), original=slug, extra_rows=1)


@bp.post("/mitmachen/neu")
def form() -> Any:
    from zwk_kb.authoring.contribute import ROW_FIELDS, FormRejected, check_submission, parse_form

    if request.files:
        abort(400)
    submitted = {key: request.form.getlist(key) for key in request.form}
    try:
        submission = parse_form(submitted)
    except FormRejected as exc:
        from zwk_kb.web.errors import error_body

        body = error_body(400, str(exc))
        return render_template("error.html", **body), 400
    if submission.original and refreshed_state().engine.card(submission.original) is None:
        abort(400)
    raw = {key: values[0] for key, values in submitted.items() if key.startswith("new_") and values}
    groups = {group.action: group for group in ROW_FIELDS}
    if submission.action in groups:
        extra: dict[str, int] = {}
        for group in ROW_FIELDS:
            sent = getattr(submission.values, group.key)
            filled = [r for r in sent if r.title.strip() or r.url.strip()]
            more = 1 if group is groups[submission.action] else 0
            extra[group.key] = max(1, len(sent) - len(filled)) + more
        return _form_page(
            submission.values, original=submission.original, raw=raw, extra_rows=extra
        )
    toolkit: Path = refreshed_state().settings.toolkit
    checked = check_submission(
        submission, vocabulary(), resolve_slug, toolkit if toolkit.is_dir() else None
    )
    if submission.action == "herunterladen" and checked.card is not None:
        response = Response(checked.file.text, mimetype="text/markdown")
        response.headers["Content-Disposition"] = f'attachment; filename="{checked.slug}.md"'
        response.headers["Cache-Control"] = "no-store"
        return response
    return _form_page(
        submission.values,
        original=submission.original,
        raw=raw,
        checked=checked,
        extra_rows=1,
        status=200 if not checked.errors else 422,
    )
