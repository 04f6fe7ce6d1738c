"""The Gradio Blocks UI: a streaming chat with cited sources, and a library of articles.

Two states per browser session: ``turns`` is the plain chat history handed to
the service for follow-ups; ``shown`` is what the chatbot displays (answers
with source cards as HTML). Gradio hands chatbot values back in its own
normalised form, so the UI never reads the chatbot, only these states.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from rag.errors import RagError
from rag.retrieval.filters import Filters, known_outlets
from rag.service import AskOptions
from rag.settings import Settings
from rag.types import Answer
from rag.web import render
from rag.web.deps import Web
from rag.web.gate import Busy
from rag.web.library import Upload, UploadResult

EXAMPLES = [
    "Where did Blinken meet López Obrador?",
    "How many migrants did CBP detain at the border in November?",
    "Who led the US delegation to Mexico City?",
    "Why were border crossings closed in December?",
]
HEADERS = ["id", "title", "date", "outlet", "chunks"]
ACCEPTED = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"]

CSS = """
.rag-answer { line-height: 1.55; }
.rag-cite { color: var(--color-accent); font-weight: 600; font-size: 0.85em; }
.rag-unsupported { background: #fff3cd; color: #664d03; border-bottom: 2px dotted #b58105; }
.rag-notice { padding: 6px 10px; border-radius: 6px; margin: 4px 0; }
.rag-abstained { background: #e7f1ff; color: #084298; }
.rag-warning { background: #fff3cd; color: #664d03; font-size: 0.9em; }
.rag-error { background: #f8d7da; color: #842029; }
.rag-sources { margin-top: 10px; }
.rag-label { font-size: 0.8em; text-transform: uppercase; letter-spacing: .05em; opacity: .7; }
.rag-source { border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 6px 0;
  padding: 4px 8px; }
.rag-source summary { cursor: pointer; }
.rag-title { font-size: 1.02em; }
.rag-meta { margin-left: 8px; opacity: .75; font-size: 0.9em; }
.rag-doc { margin-left: 8px; font-size: 0.75em; opacity: .7; }
.rag-paragraph { font-size: 0.92em; margin: 6px 0; }
.rag-paragraph mark { background: #ffe58f; padding: 0 2px; }
.rag-also { font-size: 0.8em; opacity: .75; }
.rag-timings { font-size: 0.78em; opacity: .65; margin-top: 6px; }
.rag-draft { opacity: .55; font-style: italic; border-left: 3px dashed var(--border-color-primary);
  padding-left: 8px; }
.rag-evidence { margin-top: 8px; opacity: .9; }
.rag-evidence .rag-source { border-style: dashed; }
.rag-cursor { animation: rag-blink 1s steps(1) infinite; }
@keyframes rag-blink { 50% { opacity: 0; } }
"""


def parse_auth(auth: str | None) -> list[tuple[str, str]] | None:
    """``"user:pass,user2:pass2"`` as Gradio wants it; a malformed entry is a clear error."""
    if not auth:
        return None
    pairs = []
    for item in auth.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise RagError("RAG_AUTH must look like 'user:password,user2:password2' (an entry lacks ':').")
        pairs.append((user, password))
    return pairs


class ChatUI:
    """The event handlers, bound to one built product."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.settings = web.rag.settings

    # --- chat ----------------------------------------------------------------
    def respond(
        self,
        message: str,
        turns: list,
        shown: list,
        max_passages: float,
        top_k: float,
        show_passages: bool,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        articles: list[str] | None = None,
    ) -> Iterator[tuple]:
        """Stream one answer into the chat; yields (chatbot, turns, shown, textbox).

        Each yield is a new list, so every step stays as it was shown (Gradio diffs them).
        The filter row's values come last (with defaults), so API callers may leave them out.
        """
        question = (message or "").strip()
        if not question:
            yield shown, turns, shown, ""
            return
        past = [*shown, {"role": "user", "content": question}]

        def show(html: str) -> list:
            return [*past, {"role": "assistant", "content": html}]

        yield show("…"), turns, show("…"), ""
        text = ""
        try:
            # Inside the try: a malformed date in the filter row is a message in the chat.
            filters = Filters(sources=sources, since=since, until=until, articles=articles)
            options = AskOptions(max_passages=int(max_passages), top_k=int(top_k), filters=filters)
            stream = self.web.gate.stream(self.web.rag.service, question, turns, options)
            for piece in stream:
                text += piece
                html = render.streaming_html(text)
                yield show(html), turns, show(html), ""
            html = self._final(stream.answer, show_passages)
            answered = {"role": "assistant", "content": stream.answer.answer}
            turns = [*turns, {"role": "user", "content": question}, answered]
            yield show(html), turns, show(html), ""
        except (RagError, Busy) as err:  # a message for the user, shown where the answer would be
            html = render.notice_html(str(err), "error")
            yield show(html), turns, show(html), ""

    def _final(self, answer: Answer, show_passages: bool) -> str:
        articles = self.web.rag.store.articles()
        return render.answer_html(answer, articles, self.settings.max_file_bytes, show_passages)

    def ask_api(self, question: str, history: list[dict] | None = None) -> dict:
        """For gradio_client: the same JSON as POST /api/ask."""
        return self.web.gate.ask(self.web.rag.service, question, history or []).model_dump()

    def filter_options(self) -> tuple[list[str], list[tuple[str, str]]]:
        """The filter row's choices: every known outlet, and every article as (title (id), id)."""
        metas = self.web.library.articles()
        docs = [(f"{m.title or m.doc_id} ({m.doc_id})", m.doc_id) for m in metas]
        return known_outlets({m.doc_id: m for m in metas}), docs

    def filter_choices(self) -> tuple:
        outlets, docs = self.filter_options()
        return gr.update(choices=outlets), gr.update(choices=docs)

    # --- library -------------------------------------------------------------
    def library_view(self) -> tuple:
        rows = [[m.doc_id, m.title, m.date, m.source, m.n_chunks] for m in self.web.library.articles()]
        ids = [r[0] for r in rows]
        return gr.update(value=rows), gr.update(choices=ids, value=None)

    def upload(self, files: list | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        paths = [Path(f) for f in files or []]
        try:
            self.web.library.check_count(len(paths))
            uploads = [self._read(p) for p in paths]
            result = self.web.library.add_many(uploads, progress=progress.tqdm)
        except RagError as err:
            result = UploadResult(refused=[("upload", err)])
        return (render_status(result.message()), *self.library_view(), None)

    def _read(self, path: Path) -> Upload:
        size = path.stat().st_size
        with path.open("rb") as f:
            return Upload(path.name, f.read(self.settings.max_upload_bytes + 1), size)

    def delete(self, doc_id: str | None) -> tuple:
        if not doc_id:
            message = "Choose an article to delete."
        elif self.web.library.delete(doc_id):
            message = f"Deleted {doc_id}."
        else:
            message = f"{doc_id} is not in the index (already deleted?)."
        return (render_status(message), *self.library_view())

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        try:
            message = self.web.library.reindex(progress=progress.tqdm).summary()
        except RagError as err:
            message = str(err)
        return (render_status(message), *self.library_view())


def render_status(message: str) -> str:
    return "\n".join(f"- {line.strip()}" for line in message.splitlines() if line.strip())


def build_blocks(web: Web) -> gr.Blocks:
    ui = ChatUI(web)
    s = web.rag.settings
    with gr.Blocks(title="newsrag: ask the articles", analytics_enabled=False) as blocks:
        gr.Markdown("## Ask the news articles\nAnswers cite the sentences they rest on; click a source.")
        with gr.Tab("Chat") as chat_tab:
            choosers = _chat_tab(ui, s)
        with gr.Tab("Library") as library_tab:
            table, choice = _library_tab(ui, s)
        gr.api(ui.ask_api, api_name="ask")
        blocks.load(ui.library_view, outputs=[table, choice], api_visibility="private")
        # Articles come and go in the Library tab: the choices follow on every return to the chat.
        for event in (blocks.load, chat_tab.select):
            event(ui.filter_choices, outputs=choosers, api_visibility="private")
        library_tab.select(ui.library_view, outputs=[table, choice], api_visibility="private")
    return blocks


def _filter_row(ui: ChatUI) -> list:
    """Outlets, a date range and articles to answer from; empty means every article.

    Custom values are allowed: API callers never receive the refreshed choices, and the
    service refuses an unknown outlet or id with a message anyway.
    """
    outlet_choices, doc_choices = ui.filter_options()
    with gr.Row(equal_height=True, elem_id="filters"):
        outlets = _chooser("Only these outlets", outlet_choices, 2, "filter-outlets")
        since = gr.Textbox(label="Since (YYYY-MM-DD)", placeholder="any", scale=1, elem_id="filter-since")
        until = gr.Textbox(label="Until (YYYY-MM-DD)", placeholder="any", scale=1, elem_id="filter-until")
        articles = _chooser("Only these articles", doc_choices, 3, "filter-articles")
    return [outlets, since, until, articles]


def _chooser(label: str, choices: list, scale: int, elem_id: str) -> gr.Dropdown:
    return gr.Dropdown(
        label=label, choices=choices, multiselect=True, allow_custom_value=True, scale=scale, elem_id=elem_id
    )


def _chat_tab(ui: ChatUI, s: Settings) -> list:
    """The chat; returns the filter row's two choosers, whose choices follow the library."""
    turns, shown = gr.State([]), gr.State([])
    filters = _filter_row(ui)
    chatbot = gr.Chatbot(
        label="Chat",
        height=520,
        elem_id="chat",
        feedback_options=None,
        buttons=["copy"],
        placeholder="Ask a question about the articles, or click an example below.",
    )
    with gr.Row():
        box = gr.Textbox(
            placeholder="Ask about the articles, e.g. Where did Blinken meet López Obrador?",
            show_label=False,
            scale=6,
            elem_id="question",
            max_lines=4,
        )
        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
        clear = gr.Button("New chat", scale=1)
    with gr.Row():
        examples = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
    with gr.Accordion("Answer settings (this session)", open=False):
        passages = gr.Slider(1, 20, value=s.max_passages, step=1, label="Passages given to the model")
        top_k = gr.Slider(1, 50, value=s.top_k, step=1, label="Chunks retrieved")
        show = gr.Checkbox(False, label="Show the retrieved passages under each answer")
    inputs = [box, turns, shown, passages, top_k, show, *filters]
    outputs = [chatbot, turns, shown, box]
    send.click(ui.respond, inputs, outputs, api_name="chat", concurrency_limit=None)
    box.submit(ui.respond, inputs, outputs, api_visibility="private", concurrency_limit=None)
    for button, question in zip(examples, EXAMPLES):
        button.click(lambda q=question: q, None, box, api_visibility="private").then(
            ui.respond, inputs, outputs, api_visibility="private", concurrency_limit=None
        )
    clear.click(lambda: ([], [], [], ""), None, outputs, api_visibility="private")
    # The chatbot's own trash button empties the display only; the history must go with it.
    chatbot.clear(lambda: ([], []), None, [turns, shown], api_visibility="private")
    return [filters[0], filters[3]]


def _library_tab(ui: ChatUI, s: Settings) -> tuple:
    table = gr.Dataframe(
        headers=HEADERS, interactive=False, label="Ingested articles", wrap=True, elem_id="library-table"
    )
    with gr.Row(equal_height=True):
        files = gr.File(
            file_count="multiple",
            file_types=ACCEPTED,
            label=f"Add articles (.txt, .md, .html, .pdf, .docx; up to {s.max_upload_files} files of "
            f"{s.max_upload_bytes // 1000:,} kB each)",
            height=150,
            elem_id="library-upload",
            scale=4,
        )
        add = gr.Button("Ingest uploaded files", variant="primary", scale=1)
    with gr.Row(equal_height=True):
        choice = gr.Dropdown(label="Article", choices=[], scale=3)
        delete = gr.Button("Delete article", variant="stop", scale=1)
        reindex = gr.Button("Re-index all files", scale=1)
    status = gr.Markdown(elem_id="library-status")
    add.click(ui.upload, files, [status, table, choice, files], api_visibility="private")
    delete.click(ui.delete, choice, [status, table, choice], api_visibility="private")
    reindex.click(ui.reindex, None, [status, table, choice], api_visibility="private")
    return table, choice
