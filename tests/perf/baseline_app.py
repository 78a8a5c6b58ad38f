"""The baseline: a bare Flask app with TechEmpower "fortunes" semantics on the same SQLite driver.

Read the 12 rows of ``fortune``, add one at request time, sort, render an autoescaped template. The template
is a file (``templates/fortunes.html``) rendered with ``render_template``: Jinja compiles it once per worker
and caches it, as TechEmpower's Flask entry does and as the app does with its own templates. Compiling it on
every request (``render_template_string``) made the baseline about 2.4× slower and every ratio that much kinder.
"""
from __future__ import annotations

import os
import sqlite3

from flask import Flask, g, render_template

MESSAGES = ["fortune: No such file or directory", "A computer scientist is someone who fixes things that aren't broken.",
            "After enough decimal places, nobody gives a damn.", "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
            "A computer program does what you tell it to do, not what you want it to do.",
            "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
            "Any program that runs right is obsolete.", "A list is only as strong as its weakest link. — Donald Knuth",
            "Feature: A bug with seniority.", "Computers make very fast, very accurate mistakes.",
            '<script>alert("This should not be displayed in a browser alert box.");</script>', "フレームワークのベンチマーク"]


def create_db(path: str) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL)")
    con.execute("DELETE FROM fortune")
    con.executemany("INSERT INTO fortune (id, message) VALUES (?, ?)", list(enumerate(MESSAGES, start=1)))
    con.commit()
    con.close()


def create_app() -> Flask:
    app = Flask(__name__, template_folder="templates")
    path = os.environ["FORTUNES_DB"]

    @app.get("/fortunes")
    def fortunes():
        con = getattr(g, "con", None) or sqlite3.connect(path)
        rows = con.execute("SELECT id, message FROM fortune").fetchall()
        con.close()
        rows.append((0, "Additional fortune added at request time."))
        rows.sort(key=lambda r: r[1])
        return render_template("fortunes.html", rows=rows)

    return app
