"""Every notebook runs in a fresh Jupyter kernel; the docs site builds from them and works in a real browser.

This is the notebooks' test run in `make test`: each notebook runs once, flagged cells skipped as `nbdev-test`
skips them (`tst_flags`), and a notebook that fails under it fails here. The runs start with the session, two at a
time, beside the other tests (conftest's `notebook_runs`), and write the executed notebooks (widget state
included) to docs/_exec, which the site build then uses. Screenshots of the home and analysis pages go to tests/artifacts/."""
import functools, http.server, re, shutil, sys, threading, time, urllib.request
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT/'tools'), str(ROOT/'docs')]
import build as docs_build

from conftest import NBS, EXEC
ART = ROOT/'tests'/'artifacts'

@pytest.mark.parametrize('nb', NBS)
def test_notebook_runs_in_a_fresh_kernel(nb, notebook_runs):
    out = nbformat.read(notebook_runs[nb].result(), as_version=4)  # raises CellExecutionError, naming the cell, on any error
    assert not [o for c in out.cells if c.cell_type == 'code' for o in c.get('outputs', []) if o.output_type == 'error']

def test_every_notebook_has_a_sidebar_section_in_reading_order():
    sections = [docs_build.section_of(Path(n).stem) for n in NBS if n != 'index.ipynb']
    order = [c for c, _ in docs_build.SECTIONS]
    assert set(sections) == set(order)
    assert docs_build.section_of('05_models.mte') == 'The training system' and docs_build.section_of('14_eval') == 'The real-model path'
    with pytest.raises(ValueError, match='99_new.ipynb belongs to no sidebar section'): docs_build.section_of('99_new')
    toc = docs_build.toctrees({'cli': '17_cli', 'models.mte': '05_models.mte', 'tutorial': '09_tutorial', 'data.sparse': '01_data.sparse'})
    assert [c.source.split(':caption: ')[1].split('\n')[0] for c in toc] == ['Tutorials', 'The training system', 'Commands and scale']
    assert toc[1].source.endswith('data.sparse\nmodels.mte\n```')

def test_glue_turns_nbdev_output_into_myst():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell('---\ndescription: A page\noutput-file: models.mte.html\ntitle: The MTE\n---\n'),
        nbformat.v4.new_markdown_cell('See [`load_sae`](https://mint-dev.github.io/mint/models.sae_loader.html#load_sae).'),
        nbformat.v4.new_code_cell('#| echo: false\n#| output: asis\nshow_doc(f)', outputs=[nbformat.v4.new_output(
            'execute_result', {'text/markdown': '---\n\n[source](https://x.org/f.py#L1){target="_blank" style="float:right"}\n\n### f'}, execution_count=1)]),
        nbformat.v4.new_code_cell('#| output: false\nx = 1')])
    nb.cells[2]['has_sd'] = True; nb.cells[2].metadata['execution'] = {'total': 0.1}
    out, name = docs_build.glue(nb)
    assert name == 'models.mte'
    assert out.cells[0].cell_type == 'markdown' and out.cells[0].source == '# The MTE\n\n> A page'
    assert out.cells[1].source == 'See <a href="models.sae_loader.html#load_sae"><code>load_sae</code></a>.'
    md = out.cells[2].outputs[0]['data']['text/markdown']
    assert md.startswith('<hr>\n') and '{target' not in md and '[source](https://x.org/f.py#L1)' in md
    assert out.cells[2].metadata['tags'] == ['remove-input'] and out.cells[2].source == 'show_doc(f)'
    assert 'has_sd' not in out.cells[2] and 'execution' not in out.cells[2].metadata
    assert out.cells[3].metadata['tags'] == ['remove-output']
    nbformat.validate(out)

@pytest.fixture(scope='module')
def site():
    if missing := [n for n in NBS if not (EXEC/n).exists() or (EXEC/n).stat().st_mtime < (ROOT/'nbs'/n).stat().st_mtime]:
        pytest.fail(f"notebooks not executed (see the failures above): {missing}")
    t = time.time(); html = docs_build.build(execute=False)
    print(f"site built in {time.time()-t:.0f}s")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(html)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()

def test_reports_render_as_tables(site):
    "The evaluations' markdown reports (`mint.utils.Report`) show on the site as tables, not as text in a code box."
    for page, head in (('eval', 'gap closed (last)'), ('tutorial_smollm2', 'gap closed (last)'), ('tutorial_tool', 'hit rate, fed value'),
                       ('blocking', 'blocked from layer')):
        html = urllib.request.urlopen(f"{site}{page}.html").read().decode()
        assert any(head in t for t in re.findall(r'<table.*?</table>', html, re.S)), page  # (no markdown cell of these pages has that column)

@pytest.fixture(scope='module')
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chrome, driver = shutil.which('chromium'), shutil.which('chromedriver')
    if not (chrome and driver): pytest.skip("chromium and chromedriver are not installed (make test installs Debian's when it can)")
    o = webdriver.ChromeOptions(); o.binary_location = chrome
    for a in ('--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync '
              '--no-first-run --disable-quic --disable-dev-shm-usage --window-size=1300,1800').split(): o.add_argument(a)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(options=o, service=Service(driver))
    yield d
    d.quit()

def _open(d, url, settle=0.5):
    d.get(url)
    for _ in range(100):
        if d.execute_script('return document.readyState') == 'complete': break
        time.sleep(0.05)
    time.sleep(settle)  # the widget manager renders after load
    return [l for l in d.get_log('browser') if l['level'] == 'SEVERE']

def test_every_page_loads_cleanly_and_its_sidebar_resolves(site, browser):
    from selenium.webdriver.common.by import By
    assert not (errs := _open(browser, site)), errs
    links = [a.get_attribute('href') for a in browser.find_elements(By.CSS_SELECTOR, '.sidebar-tree a.reference')]
    assert len(links) == len(NBS) - 1, links  # every notebook but the home page is in the sidebar
    captions = [e.text for e in browser.find_elements(By.CSS_SELECTOR, '.sidebar-tree .caption-text')]
    assert [c.casefold() for c in captions] == [c.casefold() for c, _ in docs_build.SECTIONS], captions  # the theme shows them in capitals
    for url in links:
        assert urllib.request.urlopen(url).status == 200, url
        assert not (errs := _open(browser, url, settle=0.1)), (url, errs)  # the widget pages are checked, settled, below
        assert browser.find_element(By.CSS_SELECTOR, 'article h1').text, url

@pytest.mark.parametrize('page', ['analysis', 'tutorial'])
def test_plots_and_widget_render(site, browser, page):
    from selenium.webdriver.common.by import By
    assert not (errs := _open(browser, f"{site}{page}.html")), errs
    loaded = browser.execute_script("return [...document.images].filter(i => i.complete && i.naturalWidth > 0 && i.src.includes('_images')).length")
    assert loaded >= 1
    assert browser.find_elements(By.CSS_SELECTOR, '.jupyter-widgets .widget-dropdown select'), "the EditExplorer's widgets did not render"
    assert browser.find_elements(By.CSS_SELECTOR, '.jupyter-widgets table'), "the EditExplorer's token table did not render"
    if page == 'analysis':
        ART.mkdir(exist_ok=True); browser.save_screenshot(str(ART/'analysis.png'))

def test_search_finds_the_mte(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    _open(browser, site); ART.mkdir(exist_ok=True); browser.save_screenshot(str(ART/'home.png'))
    _open(browser, f"{site}search.html?q=MechanisticToolEditor")
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, '#search-results li a'))
    hrefs = [a.get_attribute('href') for a in browser.find_elements(By.CSS_SELECTOR, '#search-results li a')]
    assert any('models.mte.html' in h for h in hrefs), hrefs

def test_real_model_tutorial_shows_its_saved_results(site, browser):
    "The SmolLM2 tutorial's cells are `slow`: the site shows the outputs saved from its real run."
    from selenium.webdriver.common.by import By
    assert not (errs := _open(browser, f"{site}tutorial_smollm2.html")), errs
    loaded = browser.execute_script("return [...document.images].filter(i => i.complete && i.naturalWidth > 0 && i.src.includes('_images')).length")
    assert loaded >= 2, "the training curves and the evaluation plot did not load"
    text = browser.find_element(By.CSS_SELECTOR, 'article').text
    for s in ('oracle_hidden', 'mean_shift', 'held-out scenarios', '<tool_call>'): assert s in text, s
    ART.mkdir(exist_ok=True); browser.save_screenshot(str(ART/'tutorial_smollm2.png'))
