"""你好笔记 pages: a list with an htmx fragment, a form that answers 422, a dashboard widget."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.auth.permissions import requires
from core.db import db, get_or_404
from core.ui.render import form_data, invalid_form, render_page_or_fragment, see_other

from .models import Note
from .schemas import NoteIn

bp = Blueprint("hello", __name__, template_folder="templates")


def _notes():
    return db.session.scalars(select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(50)).all()


@bp.get("/")
@requires("hello.view")
def notes():
    """The latest notes; the list alone when htmx asks for it."""
    return render_page_or_fragment("hello/notes.html", "hello/_notes.html", "notes", notes=_notes(),
                                   errors={}, form={})


@bp.post("/")
@requires("hello.edit")
def create():
    try:
        data = NoteIn().load(form_data())
    except ValidationError as err:
        return invalid_form("hello/notes.html", "hello/_note_form.html", "note-form", notes=_notes(),
                            errors=err.messages, form=request.form)
    db.session.add(Note(**data))
    db.session.commit()
    return see_other(url_for("hello.notes"))


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
