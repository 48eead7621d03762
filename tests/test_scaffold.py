"""`explainer new`: a draft from the Smart Brevity skeleton, and a whole site that builds and checks clean, and
whose own CI files parse, ignore what they should and, run here as CI runs them, pass."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml

from conftest import article
from generator import content
from generator.config import load_config
from generator.errors import ExplainerError
from generator.markdown.sections import Converter
from generator.scaffold import new_explainer, slugify

SKELETON = ["Why it matters", "The big picture", "Driving the news", "What they’re saying", "What’s next",
            "Go deeper"]


@pytest.mark.parametrize("title, slug", [
    ("What the new law changes", "what-the-new-law-changes"),
    ("What’s next for the Fed's rate plan?", "whats-next-for-the-feds-rate-plan"),
    ("Ελλάδα: τι αλλάζει στις εκλογές", "ελλάδα-τι-αλλάζει-στις-εκλογές"),
    ("日本の選挙 2025", "日本の選挙-2025"),
    ("Straße & Café — 10 things", "straße-café-10-things"),
    ("  --Leading and trailing!!  ", "leading-and-trailing"),
    ("A very long title that goes on well past what anyone would want to type into a URL bar",
     "a-very-long-title-that-goes-on-well-past-what-anyone-would"),
])
def test_slugs_keep_every_script_and_drop_apostrophes(title, slug):
    assert slugify(title) == slug
    assert len(slug) <= 60


def test_new_writes_a_draft_with_the_skeleton_and_example_facts(make_site):
    site = make_site({})
    created = new_explainer(site.content, "The vote: what’s next?", category="Politics", today=date(2026, 3, 4))
    assert [p.relative_to(site.content).as_posix() for p in created] == [
        "the-vote-whats-next/index.md", "the-vote-whats-next/facts.yml"]
    folder = site.content / "the-vote-whats-next"
    front = content.split_front_matter((folder / "index.md").read_text(encoding="utf-8"), folder / "index.md")
    assert front.data == {"title": "The vote: what’s next?", "date": date(2026, 3, 4), "category": "Politics",
                          "draft": True, "summary": "TODO: one sentence for search results and social previews."}
    body = Converter().convert(front.body)
    assert [s.label for s in body.sections] == SKELETON
    assert body.lede_text.startswith("TODO: the lede.")
    facts = yaml.safe_load((folder / "facts.yml").read_text(encoding="utf-8"))
    assert len(facts["facts"]) == 2
    assert all(fact["source"] for fact in facts["facts"])


def test_single_file_keeps_the_facts_in_front_matter(make_site):
    site = make_site({})
    new_explainer(site.content, "One file", single_file=True, today=date(2026, 3, 4))
    assert sorted(p.name for p in site.content.iterdir()) == ["one-file.md"]
    explainers, _ = content.load_all(load_config(site.content))
    (one,) = explainers
    assert (one.slug, one.draft, one.category, len(one.facts.facts)) == ("one-file", True, None, 2)
    assert [s.label for s in one.body.sections] == SKELETON


def test_titles_that_look_like_yaml_stay_text(make_site):
    site = make_site({})
    title = 'Yes: "quoted" #1 — 2024'
    new_explainer(site.content, title, category="no", today=date(2026, 3, 4), slug="odd")
    (loaded,), _ = content.load_all(load_config(site.content))
    assert (loaded.title, loaded.category.name) == ("Yes: “quoted” #1 — 2024", "no")


def test_new_round_trip_builds_and_checks_clean_but_for_its_placeholders(make_site, cli):
    site = make_site({"done.md": article(summary="S", body="Lede.\n\n**Why it matters:** x\n\n"
                                         "**The big picture:** y\n")})
    result = cli("new", "Rates are going up", "--category", "Economy")
    assert result.code == 0, result.err
    assert "content/rates-are-going-up/index.md" in result.out
    source = (site.content / "rates-are-going-up" / "index.md").read_text(encoding="utf-8")
    assert f"date: {datetime.now(timezone.utc).date().isoformat()}" in source

    built = cli("build", "--drafts")
    assert built.code == 0, built.err
    page = site.page("rates-are-going-up/index.html")
    assert '<section data-axiom="why-it-matters" data-axiom-key="why-it-matters" id="why-it-matters">' in page
    assert '<aside class="facts"' in page

    assert cli("check").code == 0            # a draft is not checked without --drafts
    checked = cli("check", "--drafts", "--format", "json")
    assert checked.code == 1
    findings = json.loads(checked.out)["findings"]
    assert {f["rule"] for f in findings} == {"content/placeholder"}
    assert {f["path"] for f in findings} == {"content/rates-are-going-up/index.md",
                                             "content/rates-are-going-up/facts.yml"}
    assert len(findings) == 14


def test_filling_in_the_placeholders_makes_check_pass(make_site, cli):
    site = make_site({})
    cli("new", "Rates are going up", check=True)
    folder = site.content / "rates-are-going-up"
    for name in ("index.md", "facts.yml"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("TODO: ", ""), encoding="utf-8")
    result = cli("check", "--drafts")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "Checked 1 explainer and 3 pages: no problems found."


@pytest.mark.parametrize("existing", ["rates/index.md", "rates.md", "Rates/notes.txt"])
def test_an_existing_slug_is_refused(make_site, cli, existing):
    site = make_site({existing: article()})
    before = sorted(p.relative_to(site.content).as_posix() for p in site.content.rglob("*"))
    result = cli("new", "Rates")
    assert result.code == 1
    assert "an explainer named 'rates' already exists (choose another title, or pass --slug another-name)" \
        in result.err
    assert "Traceback" not in result.err
    assert sorted(p.relative_to(site.content).as_posix() for p in site.content.rglob("*")) == before
    assert cli("new", "Rates", "--slug", "rates-2").code == 0


@pytest.mark.parametrize("args, message", [
    (["new"], "error: an explainer needs a title"),
    (["new", "   "], "error: an explainer needs a title"),
    (["new", "!!! ???"], "error: the title has no letters or digits to make a URL from (pass --slug"),
    (["new", "Category"], "error: 'category' is reserved for the site's own pages (pass --slug"),
    (["new", "Fine", "--slug", "a b"], "error: 'a b' cannot be an explainer's URL"),
    (["new", "Fine", "--content", "elsewhere"], "error: content folder not found: elsewhere (run this in "
     "your site's folder, pass --content DIR, or start a site with `explainer new --site DIR`)"),
])
def test_bad_titles_and_slugs_are_refused_with_a_fix(make_site, cli, args, message):
    make_site({})
    result = cli(*args)
    assert result.code == 1
    assert result.err.startswith(message), result.err


def test_new_site_builds_and_checks_clean(tmp_path, cli):
    result = cli("new", "--site", "desk", "Our desk")
    assert result.code == 0, result.err
    desk = tmp_path / "desk"
    assert sorted(p.relative_to(desk).as_posix() for p in desk.rglob("*") if p.is_file()) == [
        ".github/workflows/explainer.yml", ".gitignore", ".gitlab-ci.yml",
        "content/how-to-write-an-explainer/facts.yml", "content/how-to-write-an-explainer/index.md",
        "content/site.yml", "requirements.txt", "themes/default/README.md"]
    built = cli("build", cwd=desk)
    assert built.code == 0, built.err
    page = (desk / "site/how-to-write-an-explainer/index.html").read_text(encoding="utf-8")
    assert "<title>How to write an explainer | Our desk</title>" in page
    checked = cli("check", "--strict", cwd=desk)
    assert checked.code == 0, checked.out
    assert checked.out.splitlines() == ["Checked 1 explainer and 5 pages: no problems found."]


def test_the_theme_readme_recipe_overrides_one_template(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    readme = (desk / "themes/default/README.md").read_text(encoding="utf-8")
    recipe = readme.split("    {% extends", 1)[1].split("\n\n", 1)[0]
    template = "{% extends" + "\n".join(line.removeprefix("    ") for line in recipe.split("\n"))
    (desk / "themes/default/templates").mkdir()
    (desk / "themes/default/templates/base.html").write_text(template + "\n", encoding="utf-8")
    cli("build", cwd=desk, check=True)
    page = (desk / "site/how-to-write-an-explainer/index.html").read_text(encoding="utf-8")
    assert '<meta name="theme-color" content="#1a5fb4">' in page
    assert '<h1 id="title">How to write an explainer</h1>' in page
    assert cli("check", cwd=desk).code == 0


def test_new_site_refuses_an_existing_site(tmp_path, cli):
    (tmp_path / "desk/content").mkdir(parents=True)
    result = cli("new", "--site", "desk")
    assert result.code == 1
    assert result.err.startswith("error: desk/content: desk/content already exists")


def test_new_explainer_goes_where_content_says(make_site, tmp_path):
    site = make_site({})
    with pytest.raises(ExplainerError):
        new_explainer(tmp_path / "missing", "Title")
    new_explainer(site.content, "Title", today=date(2026, 1, 1))
    assert (site.content / "title" / "index.md").is_file()


@pytest.mark.slow
def test_the_wheel_ships_the_scaffold_templates(tmp_path):
    from conftest import REPO
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, timeout=600, capture_output=True)
    (wheel,) = tmp_path.glob("explainer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (REPO / "generator" / "scaffold_templates").iterdir()}
    assert {f"generator/scaffold_templates/{name}" for name in shipped} <= names


# ---------------------------------------------------------------- a site that is a repository CI can build

def _github(desk, name: str = "explainer.yml") -> dict:
    workflow = yaml.safe_load((desk / ".github/workflows" / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True)     # YAML 1.1 reads the key `on` as true
    return workflow


def _runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def _commands(job: dict) -> list[str]:
    return [run for run in _runs(job) if run.startswith("explainer ")]


def _deploy_targets(desk) -> dict:
    return {target["name"]: target for target in
            yaml.safe_load((desk / "content/site.yml").read_text(encoding="utf-8"))["deploy"]}


def test_the_github_workflow_checks_pull_requests_and_deploys_main_every_15_minutes(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    workflow = _github(tmp_path / "desk")
    assert set(workflow["on"]) == {"pull_request", "push", "workflow_dispatch", "schedule"}
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["on"]["schedule"] == [{"cron": "*/15 * * * *"}]
    check, deploy = workflow["jobs"]["check"], workflow["jobs"]["deploy"]
    assert (check["if"], deploy["if"]) == ("github.event_name == 'pull_request'",
                                           "github.event_name != 'pull_request'")
    assert check["permissions"] == {"contents": "read"} and deploy["permissions"] == {"contents": "write"}
    install = "python -m pip install -r requirements.txt"
    base_url = '${EXPLAINER_BASE_URL:+--base-url "$EXPLAINER_BASE_URL"}'
    assert install in _runs(check) and install in _runs(deploy)
    assert _commands(check) == [f"explainer build {base_url}", "explainer check --strict"]
    assert _commands(deploy) == ["explainer check", f'explainer deploy "$EXPLAINER_TARGET" {base_url}']
    assert workflow["env"]["EXPLAINER_TARGET"] in _deploy_targets(tmp_path / "desk")


@pytest.mark.parametrize("repository, address", [
    ("newsroom/desk", "https://newsroom.github.io/desk/"),
    ("NewsRoom/Desk", "https://newsroom.github.io/Desk/"),
    ("NewsRoom/newsroom.github.io", "https://newsroom.github.io/"),
])
def test_the_github_pages_address_comes_from_the_repository_name(tmp_path, cli, repository, address):
    """github.event.repository is empty in scheduled runs: the step works the address out in bash."""
    cli("new", "--site", "desk", check=True)
    workflow = _github(tmp_path / "desk")
    for job in ("check", "deploy"):
        (step,) = [s for s in workflow["jobs"][job]["steps"] if s.get("name") == "The site's address"]
        github_env = tmp_path / f"env-{job}"
        github_env.write_text("", encoding="utf-8")
        env = dict(os.environ, EXPLAINER_BASE_URL=workflow["env"]["EXPLAINER_BASE_URL"], GITHUB_ENV=str(github_env),
                   GITHUB_REPOSITORY=repository, GITHUB_REPOSITORY_OWNER=repository.split("/")[0])
        subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=env, check=True)
        assert github_env.read_text(encoding="utf-8") == f"EXPLAINER_BASE_URL={address}\n"
        subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], check=True,
                       env=dict(env, EXPLAINER_BASE_URL="https://explainers.example.com/"))
        assert github_env.read_text(encoding="utf-8") == f"EXPLAINER_BASE_URL={address}\n", "an address stays"


@pytest.mark.parametrize("job", ["check", "deploy"])
def test_the_github_jobs_restore_the_build_cache_before_building_and_save_it_after(tmp_path, cli, job):
    cli("new", "--site", "desk", check=True)
    steps = _github(tmp_path / "desk")["jobs"][job]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    restore, save = uses.index("actions/cache/restore"), uses.index("actions/cache/save")
    builds = [i for i, step in enumerate(steps) if re.match(r"explainer (build|deploy)", step.get("run", ""))]
    assert restore < builds[0] and builds[-1] < save
    assert steps[restore]["with"]["path"] == steps[save]["with"]["path"] == ".explainer-cache"
    # Caches cannot be changed once saved: each run saves its own, and the next restores the newest by prefix.
    assert steps[save]["with"]["key"].startswith(steps[restore]["with"]["restore-keys"])
    assert "github.run_id" in steps[save]["with"]["key"]
    assert steps[save]["if"].startswith("always() && steps.")   # saved even when the check finds problems


def test_the_gitlab_pipeline_checks_merge_requests_and_publishes_the_default_branch(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    pipeline = yaml.safe_load((desk / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["default"]["before_script"] == ["python -m pip install -r requirements.txt"]
    check, pages = pipeline["check"], pipeline["pages"]
    assert check["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]   # pushes and schedules
    assert check["script"][-1] == "explainer check --strict"
    assert pages["script"][-1].startswith('explainer deploy "$EXPLAINER_TARGET"')
    (cache,) = [c for c in pipeline["default"]["cache"] if ".explainer-cache/" in c["paths"]]
    assert cache["when"] == "always"
    target = _deploy_targets(desk)[pipeline["variables"]["EXPLAINER_TARGET"]]
    assert (target["kind"], target["path"]) == ("directory", "public")
    assert pages["artifacts"] == {"paths": ["public"]}      # what GitLab Pages serves
    assert "*/15 * * * *" in (desk / ".gitlab-ci.yml").read_text(encoding="utf-8")  # where to set the schedule


def test_git_ignores_what_explainer_makes(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    subprocess.run(["git", "init", "-q", str(desk)], check=True)
    made = {line[3:] for line in _git_status(desk)}
    cli("build", cwd=desk, check=True)
    cli("deploy", "gitlab-pages", cwd=desk, check=True)
    (desk / ".venv").mkdir()
    assert (desk / "site/index.html").is_file() and (desk / ".explainer-cache").is_dir()
    assert (desk / "public/index.html").is_file()
    assert {line[3:] for line in _git_status(desk)} == made
    assert made == {".github/", ".gitignore", ".gitlab-ci.yml", "content/", "requirements.txt", "themes/"}


def _git_status(folder) -> list[str]:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=normal"], cwd=folder,
                          capture_output=True, text=True, check=True).stdout.splitlines()


def test_a_folder_named_site_inside_content_is_not_ignored(tmp_path, cli):
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    subprocess.run(["git", "init", "-q", str(desk)], check=True)
    (desk / "content/site").mkdir()
    (desk / "content/site/index.md").write_text(article(), encoding="utf-8")
    ignored = subprocess.run(["git", "check-ignore", "content/site/index.md"], cwd=desk)
    assert ignored.returncode == 1


def test_requirements_pin_this_version_from_the_git_repository(tmp_path, cli):
    from packaging.requirements import Requirement

    from generator import __version__
    from generator.scaffold import SOURCE
    result = cli("new", "--site", "desk", check=True)
    text = (tmp_path / "desk/requirements.txt").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line and not line.startswith("#")]
    requirement = Requirement(line)
    assert requirement.name == "explainer"
    assert requirement.url == f"git+{SOURCE}@v{__version__}"
    assert f"with explainer {__version__}" in text and "--source URL" in text
    assert f"CI installs {line} (requirements.txt)" in result.out


@pytest.mark.parametrize("source, url", [
    ("https://git.example.org/tools/explainer.git", "git+https://git.example.org/tools/explainer.git@v{v}"),
    ("git+ssh://git@git.example.org/tools/explainer.git", "git+ssh://git@git.example.org/tools/explainer.git@v{v}"),
    ("https://git.example.org/tools/explainer@3f2c1d0", "git+https://git.example.org/tools/explainer@3f2c1d0"),
    ("git+file:///srv/git/explainer@v9.9.9", "git+file://localhost/srv/git/explainer@v9.9.9"),
])
def test_source_names_another_repository(tmp_path, cli, source, url):
    from generator import __version__
    cli("new", "--site", "desk", "--source", source, check=True)
    lines = (tmp_path / "desk/requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "explainer @ " + url.format(v=__version__)


@pytest.mark.parametrize("source, message", [
    ("git@github.com:org/explainer.git", "error: --source is not the URL of a git repository"),
    ("explainer==0.1.0", "error: --source is not the URL of a git repository"),
    ("https://example.org/", "error: --source is not the URL of a git repository"),
    ("https://example.org/explainer@", "error: --source names no tag or commit after its last @"),
    ("https://example.org/x\nevil==1", "error: --source is not a URL"),
    ("", "error: --source is not a URL"),
])
def test_a_bad_source_is_refused_before_anything_is_written(tmp_path, cli, source, message):
    result = cli("new", "--site", "desk", "--source", source)
    assert result.code == 1
    assert result.err.startswith(message), result.err
    assert "(give the URL of a git repository of explainer" in result.err
    assert not (tmp_path / "desk").exists()


def test_source_goes_with_site(make_site, cli):
    make_site({})
    result = cli("new", "Title", "--source", "https://example.org/explainer")
    assert (result.code, result.err) == (1, "error: --source goes with --site "
                                            "(explainer new --site DIR --source URL)\n")


def test_files_that_are_there_already_are_kept(tmp_path, cli):
    desk = tmp_path / "desk"
    mine = {"requirements.txt": "explainer==0.0.1\nrequests\n", ".gitlab-ci.yml": "include: ours.yml\n",
            ".github/workflows/explainer.yml": "name: ours\n", "README.md": "# Our desk\n"}
    for rel, text in mine.items():
        (desk / rel).parent.mkdir(parents=True, exist_ok=True)
        (desk / rel).write_text(text, encoding="utf-8")
    result = cli("new", "--site", "desk", check=True)
    assert {rel: (desk / rel).read_text(encoding="utf-8") for rel in mine} == mine
    for rel in (".github/workflows/explainer.yml", ".gitlab-ci.yml", "requirements.txt"):
        assert f"Kept {rel}, which was there already (not overwritten)" in result.out
        assert f"  {rel}\n" not in result.out.split("Kept", 1)[0]
    assert "make sure it has the line explainer @ git+" in result.out
    assert "  .gitignore\n" in result.out
    cli("build", cwd=desk, check=True)


def test_an_existing_gitignore_gets_only_the_patterns_it_lacks(tmp_path, cli):
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / ".gitignore").write_bytes(b"__pycache__/\n.explainer-cache/\n*.log")   # no newline at the end
    result = cli("new", "--site", "desk", check=True)
    text = (desk / ".gitignore").read_text(encoding="utf-8")
    assert text.startswith("__pycache__/\n.explainer-cache/\n*.log\n")
    assert text.count(".explainer-cache/") == 1
    assert text.splitlines()[-3:] == ["/site/", "/public/", "/.venv/"]
    assert "Added to .gitignore: /site/ /public/ /.venv/" in result.out
    again = tmp_path / "again"
    again.mkdir()
    (again / ".gitignore").write_bytes(text.encode("utf-8"))
    cli("new", "--site", "again", check=True)
    assert (again / ".gitignore").read_text(encoding="utf-8") == text


# ---------------------------------------------------------------- the new site's own CI, run here

GITHUB_CONTEXT = {   # what `${{ … }}` in the workflow may name; anything else fails the test, so it gets a look
    "secrets.GITHUB_TOKEN": "ghs_workflow_token", "secrets.PAGES_TOKEN": "",
    "secrets.AWS_ACCESS_KEY_ID": "", "secrets.AWS_SECRET_ACCESS_KEY": "",
    "github.run_id": "7", "github.run_attempt": "1", "github.ref": "refs/heads/main",
}   # no github.event.repository: scheduled runs do not have it
GITHUB_VARIABLES = {"GITHUB_REPOSITORY": "newsroom/desk", "GITHUB_REPOSITORY_OWNER": "newsroom"}


def _github_expressions(text: str) -> str:
    def value(match: re.Match) -> str:
        for name in (part.strip() for part in match.group(1).split("||")):
            if GITHUB_CONTEXT[name]:
                return GITHUB_CONTEXT[name]
        return ""
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


class Runner:
    """One CI runner: a fresh checkout of the site's repository for each job, always in the same folder (as on
    GitHub's and GitLab's runners), a Python with nothing installed, and a cache that outlives the jobs."""

    def __init__(self, root, origin, python_bin):
        self.root, self.origin = root, origin
        self.workspace = root / "work" / "desk"
        self.cache = root / "cache"
        self.env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        self.env.update(PATH=f"{python_bin}{os.pathsep}{self.env['PATH']}", HOME=str(root / "home"),
                        GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
        (root / "home").mkdir(parents=True)
        self.ran: list[str] = []

    def checkout(self, ref: str = "main") -> None:
        shutil.rmtree(self.workspace, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", "--branch", ref, str(self.origin), str(self.workspace)],
                       check=True, env=self.env)

    def restore(self, path: str) -> None:
        if (self.cache / path).exists():
            shutil.copytree(self.cache / path, self.workspace / path, symlinks=True)

    def save(self, path: str) -> None:
        assert (self.workspace / path).is_dir(), f"nothing to save at {path}"
        shutil.rmtree(self.cache / path, ignore_errors=True)
        shutil.copytree(self.workspace / path, self.cache / path, symlinks=True)

    def shell(self, script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
        self.ran.append(script)
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=self.workspace, env={**self.env, **env}, capture_output=True, text=True,
                              timeout=900)

    def github_job(self, workflow: dict, name: str, ref: str = "main") -> str | None:
        """Run a job's steps; the name of the first step that failed, or None."""
        self.checkout(ref)
        github_env = self.root / f"github-env-{name}"
        github_env.write_text("", encoding="utf-8")
        job_env = {**GITHUB_VARIABLES, "GITHUB_ENV": str(github_env)}
        for step in workflow["jobs"][name]["steps"]:
            if "uses" in step:
                action, path = step["uses"].split("@")[0], step.get("with", {}).get("path")
                if action == "actions/checkout" or action == "actions/setup-python":
                    continue                     # done above; the runner's Python is the one on PATH
                assert action in ("actions/cache/restore", "actions/cache/save"), f"unknown action {action}"
                (self.restore if action.endswith("restore") else self.save)(path)
                continue
            env = {k: _github_expressions(str(v)) for k, v in workflow.get("env", {}).items()}
            env.update(job_env)
            env.update(line.split("=", 1) for line in github_env.read_text(encoding="utf-8").splitlines())
            env.update((k, _github_expressions(str(v))) for k, v in step.get("env", {}).items())
            proc = self.shell(_github_expressions(step["run"]), env)
            if proc.returncode != 0:
                return f"{step['name']}: {proc.stdout}{proc.stderr}"
        return None

    def gitlab_job(self, pipeline: dict, name: str, ref: str = "main") -> str | None:
        self.checkout(ref)
        variables = {"CI_PROJECT_DIR": str(self.workspace), "CI_DEFAULT_BRANCH": "main",
                     "CI_COMMIT_REF_SLUG": ref, "CI_PAGES_URL": "https://newsroom.gitlab.io/desk"}
        exports = "".join(f'export {key}="{value}"\n' for key, value in pipeline["variables"].items())
        caches = [path.rstrip("/") for entry in pipeline["default"]["cache"] for path in entry["paths"]]
        for path in caches:
            self.restore(path)
        script = exports + "\n".join(pipeline["default"]["before_script"] + pipeline[name]["script"])
        proc = self.shell(script, variables)
        for path in caches:
            if (self.workspace / path).exists():
                self.save(path)
        return None if proc.returncode == 0 else f"{name}: {proc.stdout}{proc.stderr}"


def _git(*args, cwd, env=None) -> str:
    return subprocess.run(["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.org", *args], cwd=cwd,
                          check=True, capture_output=True, text=True, env=env).stdout


@pytest.mark.slow
def test_a_new_site_passes_its_own_ci(tmp_path, cli):
    """issue 18's "done when": `new --site` in an empty folder, committed to a fresh repository, runs the
    commands of its GitHub workflow and GitLab pipeline here, installing explainer as requirements.txt says
    (from a tagged git repository of this checkout), and they pass: build, check --strict, deploy."""
    from test_install import snapshot_of_checkout
    source = snapshot_of_checkout(tmp_path / "explainer")
    (tmp_path / "newsroom").mkdir()
    desk = tmp_path / "newsroom" / "desk"
    desk.mkdir()
    cli("new", "--site", ".", "Our desk", "--source", f"git+file://{source}", cwd=desk, check=True)
    _schedule_for_tomorrow(cli, desk, "rates")
    origin = tmp_path / "origin.git"
    _git("init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    _git("init", "-q", "-b", "main", cwd=desk)
    _git("add", "-A", cwd=desk)
    _git("commit", "-q", "-m", "A new site", cwd=desk)
    _git("push", "-q", str(origin), "main", cwd=desk)
    python = tmp_path / "runner-python"
    venv.create(python, with_pip=True)
    runner = Runner(tmp_path / "runner", origin, python / "bin")

    # GitHub: a pull request with a broken link fails its check; main passes, is deployed to gh-pages.
    workflow = _github(desk)
    _git("checkout", "-q", "-b", "broken", cwd=desk)
    index = desk / "content/how-to-write-an-explainer/index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n[Gone](../no-such-page/)\n", encoding="utf-8")
    _git("commit", "-q", "-am", "A broken link", cwd=desk)
    _git("push", "-q", str(origin), "broken", cwd=desk)
    failed = runner.github_job(workflow, "check", ref="broken")
    assert failed and failed.startswith("Check (warnings fail too):") and "no-such-page" in failed

    assert runner.github_job(workflow, "check") is None
    assert (runner.cache / ".explainer-cache" / "bodies").is_dir(), "the check job saves the build cache"
    assert runner.github_job(workflow, "deploy") is None
    assert "https://x-access-token:ghs_workflow_token@github.com/" in \
        (runner.root / "home/.gitconfig").read_text(encoding="utf-8")
    published = _git("ls-tree", "-r", "--name-only", "gh-pages", cwd=origin).split()
    assert {".nojekyll", "index.html", "how-to-write-an-explainer/index.html", "feed.xml"} <= set(published)
    assert not [path for path in published if path.startswith("rates/")], "scheduled: not live before its date"
    page = _git("show", "gh-pages:how-to-write-an-explainer/index.html", cwd=origin)
    assert '<link rel="canonical" href="https://newsroom.github.io/desk/how-to-write-an-explainer/">' in page
    assert _git("status", "--porcelain", cwd=runner.workspace) == "", "the build leaves nothing for git to add"

    # GitLab: the merge request check, then the pages job fills public/ for GitLab Pages.
    pipeline = yaml.safe_load((desk / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert runner.gitlab_job(pipeline, "check") is None
    assert runner.gitlab_job(pipeline, "pages") is None
    public = runner.workspace / "public"
    assert (public / "index.html").is_file()
    assert '<link rel="canonical" href="https://newsroom.gitlab.io/desk/how-to-write-an-explainer/">' in \
        (public / "how-to-write-an-explainer/index.html").read_text(encoding="utf-8")
    untracked = {line[3:] for line in _git("status", "--porcelain", cwd=runner.workspace).splitlines()}
    assert untracked <= {".cache/"}, "pip's cache in the project folder is GitLab's way; nothing else is left"

    installed = subprocess.run([str(python / "bin/explainer"), "--version"], capture_output=True, text=True)
    assert installed.stdout.strip() == f"explainer {__import__('generator').__version__}"


def test_a_scheduled_explainer_passes_the_strict_check_of_a_new_site(tmp_path, cli):
    """CI checks pull requests with --strict, and scheduling is how a new site publishes on time: a pull request
    that adds an explainer dated tomorrow must pass (a plain site warns: metadata/future-date)."""
    cli("new", "--site", "desk", check=True)
    desk = tmp_path / "desk"
    _schedule_for_tomorrow(cli, desk, "rates")
    checked = cli("check", "--strict", cwd=desk)
    assert checked.code == 0, checked.out
    assert checked.out.splitlines()[-1] == "Checked 2 explainers and 6 pages: no problems found."
    cli("build", cwd=desk, check=True)
    assert not (desk / "site/rates").exists()


def _schedule_for_tomorrow(cli, desk, slug: str) -> None:
    """An explainer written and ready, dated tomorrow: the way an editor schedules one."""
    cli("new", "Rates go up tomorrow", "--slug", slug, cwd=desk, check=True)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    for path in (desk / "content" / slug).iterdir():
        text = path.read_text(encoding="utf-8").replace("TODO: ", "").replace("draft: true\n", "")
        path.write_text(re.sub(r"(?m)^date: .*", f"date: {tomorrow}", text), encoding="utf-8")


@pytest.mark.slow
def test_this_repositorys_own_workflow_checks_and_deploys_the_sample(tmp_path):
    """.github/workflows/deploy.yml installs explainer from the checkout it runs in: right for this repository
    (and only here); run as GitHub would, it checks the sample site and pushes it to gh-pages."""
    from test_install import snapshot_of_checkout
    repo = snapshot_of_checkout(tmp_path / "explainer")
    origin = tmp_path / "origin.git"
    _git("clone", "-q", "--bare", str(repo), str(origin), cwd=tmp_path)
    python = tmp_path / "runner-python"
    venv.create(python, with_pip=True)
    runner = Runner(tmp_path / "runner", origin, python / "bin")
    workflow = _github(repo, "deploy.yml")
    assert set(workflow["on"]) == {"push", "workflow_dispatch", "schedule"}
    assert runner.github_job(workflow, "deploy") is None
    published = _git("ls-tree", "-r", "--name-only", "gh-pages", cwd=origin).split()
    assert {".nojekyll", "index.html", "amazon-facial-recognition-moratorium/index.html"} <= set(published)
