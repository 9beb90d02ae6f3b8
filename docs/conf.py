# Sphinx config for mint's docs site, built by `make docs` (docs/build.py) from nbdev-processed notebooks.
project = "mint"
author = "mint developers"
extensions = ["myst_nb"]
html_theme = "furo"
html_title = "mint"
html_favicon = "favicon.svg"
html_static_path = ["_static"]
exclude_patterns = ["_build", "data", "**/data", "jupyter_execute"]
nb_execution_mode = "off"          # docs/build.py executed every notebook with nbclient, widget state included
nb_render_markdown_format = "gfm"  # markdown outputs (the evaluations' `Report`s, show_doc) with GitHub tables, not CommonMark's text
myst_heading_anchors = 3           # ids for show_doc's ### headings, which nbdev's doc links point at
myst_enable_extensions = ["colon_fence"]
# The widget JavaScript is served from this site (fetched from npm at build time), never from a CDN.
nb_ipywidgets_js = {"embed.js": {}}  # a path under html_static_path
suppress_warnings = ["myst.header"]  # show_doc's ### headings may follow a page's # title directly
html_show_sourcelink = False
copyright = "2026, mint developers"
