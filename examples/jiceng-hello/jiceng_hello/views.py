"""你好笔记 pages: a list with an htmx fragment, a form that answers 422, a dashboard widget."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from sqlalchemy import select

from core import api
from core.api import db, form_action, get_or_404, render_page_or_fragment, requires, see_other

from .models import Note
from .schemas import NoteIn

bp = Blueprint("hello", __name__, template_folder="templates")


def _notes():
    """The latest notes, as many as the street's 每页条数 setting (a district may set it for its streets)."""
    size = api.settings("hello")["page_size"]
    return db.session.scalars(select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(size)).all()


@bp.get("/")
@requires("hello.view")
def notes():
    """The latest notes; the list alone when htmx asks for it."""
    return render_page_or_fragment("hello/notes.html", "hello/_notes.html", "notes", notes=_notes(),
                                   errors={}, form={})


def _add(data: dict) -> Note:
    """The service: it flushes, form_action commits."""
    note = Note(**data)
    db.session.add(note)
    db.session.flush()
    return note


@bp.post("/")
@requires("hello.edit")
def create():
    """Validate, save, 303 to the list; bad input re-renders the form with the reason (422)."""
    return form_action(NoteIn(), _add, page="hello/notes.html", fragment="hello/_note_form.html",
                       form_id="note-form", context=lambda **kw: {"notes": _notes(), **kw},
                       done=lambda note: url_for("hello.notes"), message="已保存")


@bp.get("/<hello_note:note_id>")
@requires("hello.view")
def note(note_id: int):
    return render_template("hello/note.html", note=get_or_404(Note, note_id))


@bp.post("/<hello_note:note_id>/delete")
@requires("hello.edit")
def delete(note_id: int):
    db.session.delete(get_or_404(Note, note_id))
    db.session.commit()
    return see_other(url_for("hello.notes"))


@bp.get("/widget")
@requires("hello.view")
def widget():
    return render_template("hello/_widget.html", notes=_notes()[:5])
