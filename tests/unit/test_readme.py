"""The README agrees with the code: its dependency section names every dependency and extra of
pyproject.toml, and its layout names every package of ambient/."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end]


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0] for requirement in requirements}


def test_every_dependency_and_extra_is_named_and_explained() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = section("Dependencies and why")
    missing = {dependency for dependency in names(project["dependencies"]) if dependency not in text}
    for extra, requirements in project["optional-dependencies"].items():
        if f"`{extra}`" not in text:
            missing.add(f"extra {extra}")
        missing |= {dependency for dependency in names(requirements) if dependency not in text}
    assert not missing


def test_the_layout_names_every_package() -> None:
    text = section("Architecture")
    packages = sorted(p.name for p in (ROOT / "ambient").iterdir() if (p / "__init__.py").is_file())
    assert [p for p in packages if f"`{p}/`" not in text] == []


def test_the_configuration_example_shows_real_keys_and_their_defaults() -> None:
    from ambient.config import load_settings

    text = section("Configuration")
    block = text[text.index("```toml\n") + 8 : text.index("```", text.index("```toml\n") + 8)]
    example = tomllib.loads(block)
    settings = load_settings(environ={}).settings
    # an example list (said so in its comment); the data folder beside the repository, shown relative
    shown_otherwise = {("microphone", "files"), ("runtime", "data_dir")}
    wrong = []
    for section_name, values in example.items():
        for key, value in values.items():
            default = getattr(getattr(settings, section_name), key)
            if (section_name, key) in shown_otherwise:
                continue
            if (list(default) if isinstance(default, tuple) else default) != value:
                wrong.append(f"{section_name}.{key} = {value!r} (default {default!r})")
    assert wrong == []
