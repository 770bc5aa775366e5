"""The package's API index: every published name resolves, and ``import model`` stays light."""

from __future__ import annotations

import subprocess
import sys

import model


def test_every_published_name_resolves_to_the_module_the_index_names():
    for name, home in model._HOME.items():
        value = getattr(model, name)
        assert getattr(value, "__module__", f"model.{home}").startswith(f"model.{home}"), name
        assert f"``{name}``" in model.__doc__, f"{name} is published but not in the index"


def test_an_unknown_name_is_an_attribute_error():
    try:
        model.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_importing_the_package_loads_no_simulation():
    code = "import sys, model; print(sorted(m for m in sys.modules if m.startswith(('numpy', 'pandas', 'model.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
