"""Every command shown in README.md is extracted and executed, so the README cannot drift from the tool.

What is run, and how:

* ``attain …`` (in ```bash blocks and in inline code): executed by calling ``model.cli.main`` with the
  README's argv (the installed ``attain`` entry point is ``model.cli:main``), in a scratch folder that holds
  the README's example files (``my_table.xlsx``, ``path/to/mydata``, ``calibration/figures``…). Only the
  sizes shrink: ``--paths`` becomes at most 100 (inserted for ``run``/``topdown``/``backtest`` when absent;
  ``sensitivity`` designs run 20 paths a point and the smallest sample of their method, see ``SENS_SAMPLES``),
  ``bench m4`` always runs a sample of 30 series on one worker. ``attain golden`` is parsed only:
  tests/test_golden.py runs it (and ``--write`` into a scratch file). ``--scheduler tcp://…`` is pointed at a real local dask
  ``LocalCluster`` over TCP. ``attain calibrate`` without ``--data`` writes a copy of
  ``calibration/parameters.toml`` in the scratch folder, never the tracked file.
* ``python -m model.generator calibration/data``: executed into the scratch folder, and the result must be
  byte-identical to the committed ``calibration/data``.
* The README's Python block is executed and its test function called.
* A prose mention of ``run``, ``topdown`` or ``backtest`` whose words are all in a command already run
  (``attain topdown`` after ``attain topdown --write …``) is parsed only, to keep CI time down.
* Checked for parse only (they need the network, a browser or are this very suite): ``pip install``
  (the extras it names must exist in pyproject.toml, and ``notebooks`` must bring a Jupyter front end),
  ``jupyter lab FILE`` (the file must exist), ``python -m pytest`` and ``python benchmarks/*.py`` (the
  script must exist).
"""

from __future__ import annotations

import re
import shlex
import shutil
import time
import tomllib
from pathlib import Path

import pytest

import model.artefact as artefact
from model.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL_PATHS = "100"


def readme_commands(text: str | None = None) -> list[str]:
    """Every shell command of the README: lines of ```bash blocks (split at ``&&``) and inline ``attain …`` spans."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            line = re.sub(r"\s+#\s.*$", "", line)  # a trailing comment
            out += [part.strip() for part in line.split("&&")]
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    out += [span for span in re.findall(r"`((?:attain |python -m model\.)[^`]+)`", prose) if "…" not in span]
    return list(dict.fromkeys(out))


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_shows_the_commands_this_test_expects():
    commands = readme_commands()
    for expected in ("attain bench m4 --sample 300", "attain bench m4 -h", "attain run baseline --scheduler tcp://10.0.0.5:8786",
                     "attain targets --json | head -1", "python -m model.generator calibration/data"):
        assert any(c.startswith(expected) for c in commands), expected


def test_every_readme_attain_command_parses():
    """A fast guard: each README ``attain`` command is accepted by the parser (prose naming a bare verb aside).

    The slow test below runs them all; this one fails in a second when a prose span is not a command.
    """
    parser = build_parser()
    for command in readme_commands():
        if not command.startswith("attain "):
            continue
        argv = shlex.split(command.split("|")[0])[1:]
        if argv == ["run"]:  # prose naming the verb
            continue
        if "-h" in argv:
            continue
        args, rest = parser.parse_known_args(argv)
        assert not rest or args.verb == "bench", f"README command does not parse: {command} (unrecognised {rest})"


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None) as c:
        yield c.scheduler_address


def _make_workspace(root: Path) -> Path:
    import openpyxl

    (root / "scenarios").symlink_to(ROOT / "scenarios")
    shutil.copytree(ROOT / "calibration" / "data", root / "path" / "to" / "mydata")
    shutil.copytree(ROOT / "calibration" / "figures", root / "calibration" / "figures")
    shutil.copy(ROOT / "calibration" / "topdown_check.md", root / "calibration" / "topdown_check.md")
    shutil.copytree(ROOT / "calibration" / "data" / "monthly", root / "calibration" / "data" / "monthly")  # the mid-year update's 月调度表
    shutil.copy(ROOT / "calibration" / "parameters.toml", root / "parameters.toml")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "月调度表"
    sheet.append(["企业名称", "所属园区", "年份", "主营业务收入", "单位", "数据类型", "来源"])
    sheet.append(["江铃汽车集团", "P.NC.03", 2013, 4048710, "万元", "published", "2014中国企业500强"])
    book.save(root / "my_table.xlsx")
    return root


def _argv(command: str, root: Path, address: str) -> list[str]:
    argv = [a.replace("DIR", str(root / "figures_dir")) if a == "DIR" else a for a in shlex.split(command)[1:]]
    verb = argv[0]
    if argv == ["run"]:  # prose naming the verb: its usage must parse
        return ["run", "-h"]
    out = []
    skip = False
    for k, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--paths":
            out += ["--paths", str(min(int(argv[k + 1]), int(SMALL_PATHS)))]  # only ever smaller
            skip = True
        elif arg == "--sample":
            skip = True
        elif arg.startswith("calibration/parameters_asof") and (root / Path(arg).name).exists():
            out.append(str(root / Path(arg).name))  # `attain calibrate --as-of Y` wrote it in the scratch folder
        elif arg.startswith("tcp://"):
            out.append(address)
        else:
            out.append(arg)
    if verb == "sensitivity":
        out = _smaller_design(out)
    if argv[:2] == ["bench", "m4"] and "-h" not in argv:
        out += ["--sample", "30", "--workers", "1"]  # the whole benchmark takes minutes: a sample, always
    if verb in ("run", "topdown", "backtest", "report") and "--paths" not in out and "--from" not in out:
        out += ["--paths", SMALL_PATHS]
    if verb in ("run",):
        out.append("--no-progress")
        # The structural range (10 reruns) is exercised by the first run command only, to keep CI time
        # down; tests/test_structural.py checks it in detail.
        if _STRUCTURAL_DONE:
            out.append("--no-structural")
        _STRUCTURAL_DONE.append(command)
    return out


_STRUCTURAL_DONE: list[str] = []

# Sensitivity designs shrink further than runs: a design of k points costs k runs. The method's sample keeps
# its meaning (a power of 2 for Sobol's base sample, trajectories for Morris, points for RSA and spider).
SENS_PATHS = 20
SENS_SAMPLES = {"sobol": 16, "morris": 2, "rsa": 30, "spider": 3}


def _smaller_design(argv: list[str]) -> list[str]:
    method = argv[argv.index("--method") + 1] if "--method" in argv else "tornado"
    out = list(argv)
    for flag, small in (("--paths", SENS_PATHS), ("--samples", SENS_SAMPLES.get(method))):
        if flag in out and small is not None:
            k = out.index(flag) + 1
            out[k] = str(min(int(out[k]), small))  # only ever smaller
    return out


def _execute(command: str, root: Path, address: str, monkeypatch, capsys) -> None:
    if "| head -1" in command:
        argv = _argv(command.replace("| head -1", ""), root, address)
        assert main(argv) == 0, command
        first = capsys.readouterr().out.splitlines()[0]
        assert first == "{", command
        return
    argv = _argv(command, root, address)
    code = main(argv) if "-h" not in argv else _help(argv)
    captured = capsys.readouterr()
    assert code == 0, f"{command}\n{captured.err}"


def _help(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    return excinfo.value.code


def _parse_only(command: str) -> bool:
    """Commands checked without running them (see the module docstring)."""
    words = shlex.split(command)
    if words[:4] == ["python", "-m", "pip", "install"]:
        extras = re.findall(r"\[([^\]]+)\]", words[-1])
        declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
        for extra in ",".join(extras).split(","):
            assert extra in declared, command
        if "notebooks" in extras:
            assert any(re.match(r"(jupyter|jupyterlab|notebook)\b", d) for d in declared["notebooks"]), "the notebooks extra has no Jupyter front end"
        return True
    if words[:2] == ["jupyter", "lab"]:
        assert (ROOT / words[2]).is_file(), command
        return True
    if words[:3] == ["python", "-m", "pytest"]:
        return True
    if words[0] == "python" and words[1].startswith("benchmarks/"):
        assert (ROOT / words[1]).is_file(), command
        return True
    if words[:2] == ["attain", "golden"]:
        # tests/test_golden.py runs `attain golden` itself, and `--write` into a scratch file: run here, the
        # rerun would double CI time and `--write` would rewrite the tracked golden file.
        build_parser().parse_args(words[1:])
        return True
    return False


def test_every_readme_command_runs(tmp_path, cluster, monkeypatch, capsys):
    root = _make_workspace(tmp_path)
    monkeypatch.chdir(root)
    default = artefact.artefact_path

    def scratch_artefact(data_dir=None, as_of=None):
        path = default(data_dir, as_of)
        return root / path.name if path.parent == ROOT / "calibration" else path

    monkeypatch.setattr(artefact, "artefact_path", scratch_artefact)
    tracked = (ROOT / "calibration" / "parameters.toml").read_bytes()
    ran, parsed, timings = [], [], []
    commands = readme_commands()
    # The merged dataset must exist before it is run on (the README shows the two in this order).
    for command in commands:
        if _parse_only(command):
            parsed.append(command)
            continue
        if command.startswith("python -m model.generator") and "--registry" in command:
            from model.generator import write_registry_dataset

            words = shlex.split(command)
            write_registry_dataset(root / words[3], 500)  # the registry-scale dataset, small (its test checks it)
            assert (root / words[3] / "dataset.toml").is_file()
            ran.append(command)
            continue
        if command.startswith("python -m model.generator"):
            out = root / shlex.split(command)[-1]
            from model.generator import write_dataset

            write_dataset(out)
            for f in (ROOT / "calibration" / "data").rglob("*"):  # the monthly tables sit in a subfolder
                if f.is_file():
                    rel = f.relative_to(ROOT / "calibration" / "data")
                    assert (out / rel).read_bytes() == f.read_bytes(), rel
            ran.append(command)
            continue
        assert command.startswith("attain "), f"a README command this test does not know how to run: {command}"
        words = set(shlex.split(command))
        if len(words) > 2 and words & {"run", "topdown", "backtest"} and any(words < set(shlex.split(c)) for c in ran):
            # A prose mention (`attain topdown`) of a Monte Carlo command already run with more flags: parse only.
            build_parser().parse_args(shlex.split(command)[1:])
            parsed.append(command)
            continue
        if " -o " in f" {command} " and "data check" not in command:
            target = root / shlex.split(command)[shlex.split(command).index("-o") + 1]
            shutil.rmtree(target, ignore_errors=True)  # each command as on a fresh machine
        start = time.perf_counter()
        _execute(command, root, cluster, monkeypatch, capsys)
        ran.append(command)
        timings.append(f"{time.perf_counter() - start:6.1f} s  {command}")
    print("\n".join(timings))  # shown with pytest -s: where the CI time goes
    assert (ROOT / "calibration" / "parameters.toml").read_bytes() == tracked
    assert len(ran) >= 20 and len(parsed) >= 4, (ran, parsed)


def test_the_readme_python_block_runs():
    (block,) = python_blocks()
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert tests, "the README's Python block defines no test function"
    for f in tests:
        f()
