"""Runs a composite GitHub Action (`action.yml`) on this machine the way a runner does, for
the CLI's tests: no network, no Docker.

    run_action.py ACTION_YML [--input NAME=VALUE]...

In the current directory (the "workspace"), each step of `runs.steps` is run in order:

- `${{ ... }}` expressions in `env`, `working-directory`, `with` and `if` are evaluated over
  `inputs.*` (the action's defaults, overridden by `--input`), `steps.<id>.outputs.*`,
  `github.action_path` (the action's directory), `github.action_repository` and
  `github.workspace`, with `==`, `!=`, `&&`, `||`, `!`, string literals and the status
  functions `always()`, `success()`, `failure()`;
- a `run:` step runs under `bash --noprofile --norc -eo pipefail` (GitHub's `shell: bash`) with
  the step's env and the runner's files `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_ENV`,
  `GITHUB_STEP_SUMMARY`; outputs and PATH additions are read back as a runner reads them;
- a `uses:` step cannot run offline: it is reported as `skipped uses: NAME with {...}`, so
  that a test can check what it would have been given.

Each step's name and status go to stderr; the action's outputs (`outputs.*.value`) are
printed as one JSON object on the last line of stdout. The exit code is that of the first
failed step (0 when none failed), as a job's.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<call>always\(\)|success\(\)|failure\(\))|(?P<ref>[A-Za-z_][\w.-]*))"
)


class Context:
    def __init__(self, inputs, action_path):
        self.inputs = inputs
        self.steps = {}
        self.failed = False
        self.github = {
            "action_path": action_path,
            "action_repository": "local/arrayguard",
            "workspace": os.getcwd(),
        }

    def lookup(self, ref):
        parts = ref.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs.get(parts[1], "")
        if parts[0] == "github" and len(parts) == 2:
            return self.github.get(parts[1], "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise SystemExit(f"run_action.py: unsupported context reference {ref!r}")

    def evaluate(self, text):
        """One expression, as a Python value (a string or a bool)."""
        python = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise SystemExit(f"run_action.py: cannot parse expression {text!r}")
            pos = m.end()
            if m.group("str") is not None:
                python.append(repr(m.group("str")[1:-1].replace("''", "'")))
            elif m.group("op") is not None:
                python.append({"&&": " and ", "||": " or ", "!": " not "}.get(m.group("op"), m.group("op")))
            elif m.group("call") is not None:
                python.append(repr({"always()": True, "success()": not self.failed,
                                    "failure()": self.failed}[m.group("call")]))
            else:
                python.append(repr(self.lookup(m.group("ref"))))
        # Only literals, comparisons and boolean operators are left.
        return eval("".join(python), {"__builtins__": {}}, {})

    def substitute(self, value):
        if not isinstance(value, str):
            return value
        whole = whole_expression(value)
        if whole:
            result = self.evaluate(whole.group(1))
            return result if isinstance(result, str) else str(result).lower()
        return EXPRESSION.sub(lambda m: str(self.evaluate(m.group(1))), value)

    def condition(self, step):
        if "if" not in step:
            return not self.failed
        text = str(step["if"]).strip()
        m = whole_expression(text)
        result = self.evaluate(m.group(1) if m else text)
        # A condition without a status function implies success().
        if not re.search(r"always\(\)|failure\(\)", text):
            result = result and not self.failed
        return bool(result)


def whole_expression(text):
    """The match of a text that is one `${{ ... }}` expression and nothing else."""
    text = text.strip()
    m = EXPRESSION.match(text)
    return m if m and m.end() == len(text) else None


def read_pairs(path):
    """`name=value` lines (and `name<<EOF` blocks) of a runner file."""
    pairs = {}
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            i += 1
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            pairs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            pairs[name] = value
        i += 1
    return pairs


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    action_file = os.path.abspath(args[0])
    overrides = {}
    rest = args[1:]
    while rest:
        if rest[0] != "--input" or len(rest) < 2 or "=" not in rest[1]:
            raise SystemExit(__doc__)
        name, value = rest[1].split("=", 1)
        overrides[name] = value
        rest = rest[2:]
    action = yaml.safe_load(open(action_file))
    if action.get("runs", {}).get("using") != "composite":
        raise SystemExit("run_action.py: only composite actions run here")
    declared = action.get("inputs", {}) or {}
    unknown = set(overrides) - set(declared)
    if unknown:
        raise SystemExit(f"run_action.py: the action has no input {sorted(unknown)}")
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    inputs.update(overrides)
    ctx = Context(inputs, os.path.dirname(action_file))
    exit_code = 0
    path_additions = []
    extra_env = {}
    with tempfile.TemporaryDirectory() as runner:
        for index, step in enumerate(action["runs"]["steps"]):
            name = step.get("name", f"step {index + 1}")
            if not ctx.condition(step):
                print(f"[{name}] skipped (condition)", file=sys.stderr)
                continue
            if "uses" in step:
                with_ = {k: ctx.substitute(v) for k, v in (step.get("with") or {}).items()}
                print(f"[{name}] skipped uses: {step['uses']} with {json.dumps(with_, sort_keys=True)}",
                      file=sys.stderr)
                continue
            if step.get("shell") != "bash":
                raise SystemExit(f"run_action.py: step {name!r} needs shell: bash")
            files = {key: os.path.join(runner, f"{key.lower()}-{index}")
                     for key in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
            for path in files.values():
                open(path, "w").close()
            env = dict(os.environ)
            env.update(extra_env)
            env["PATH"] = os.pathsep.join(path_additions + [env.get("PATH", "")])
            env.update({k: str(ctx.substitute(v)) for k, v in (step.get("env") or {}).items()})
            env.update(files)
            env["GITHUB_ACTION_PATH"] = ctx.github["action_path"]
            env["GITHUB_WORKSPACE"] = ctx.github["workspace"]
            script = os.path.join(runner, f"step-{index}.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            cwd = os.path.join(os.getcwd(), ctx.substitute(step.get("working-directory", ".")))
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                                  cwd=cwd, env=env).returncode
            if "id" in step:
                ctx.steps[step["id"]] = read_pairs(files["GITHUB_OUTPUT"])
            path_additions = [p for p in open(files["GITHUB_PATH"]).read().splitlines() if p] + path_additions
            extra_env.update(read_pairs(files["GITHUB_ENV"]))
            print(f"[{name}] exit {code}", file=sys.stderr)
            if code != 0 and not ctx.failed:
                ctx.failed = True
                exit_code = code
    outputs = {name: ctx.substitute(spec.get("value", ""))
               for name, spec in (action.get("outputs") or {}).items()}
    print(json.dumps(outputs, sort_keys=True))
    sys.stdout.flush()
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
