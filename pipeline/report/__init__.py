"""The weekly ranking report: warehouse -> sections -> Markdown and self-contained HTML, in zh and en.

``model`` is what a report holds, ``data`` reads it from the warehouse, ``charts`` draws, ``sections``
words, ``render`` marks up, ``build`` writes the files; docs/report.md says what each section shows and
where its numbers come from.
"""
